"""Exports are always well-formed, whatever is stored (hardening issue, item 3).

Rows written before the input rule existed may hold any character: NUL and the other controls, lone
surrogates, U+FFFE, markup-looking text. Hypothesis feeds arbitrary text into every field of every writer
(the CAP document, the Atom feed, the iCalendar file, the PDF agenda, the CSV audit export) and each result
is parsed by a strict reader: lxml for XML (and the OASIS schema for CAP), the icalendar parser and a check
for control characters for iCalendar, pypdf for the PDF, Python's csv module for the CSV. Text XML allows
comes back exactly; a forbidden character comes back as U+FFFD.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from lxml import etree
from pypdf import PdfReader

from cmc.extensions import db
from cmc.models import (
    AgendaVersion,
    Alert,
    AlertInfo,
    AuditEvent,
    CapStatus,
    HandlingCode,
    Meeting,
    MeetingFormat,
    MeetingKind,
    MsgType,
    Network,
    Party,
)
from cmc.services import audit, cap, meetings
from cmc.services.text import plain_safe, xml_safe
from cmc.web.meeting_times import printable_agenda

NASTY = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\ud800", "\udfff", "\ufffe",
         "\uffff", "\r", "\r\n", "\n", "\t", "]]>", "&amp;", "<b>", "&", "\"'", "\u2028", "\U0001f6a2",
         "\U0010ffff", "%s", "\\", ";,"]
#: Any text at all: any code point (surrogates included, which plain st.text() leaves out), mixed with the
#: characters that broke exports before.
ANY_TEXT = st.lists(st.one_of(st.sampled_from(NASTY),
                              st.text(st.characters(exclude_categories=()), max_size=6)), max_size=8).map("".join)
#: What a database column can hold: neither SQLite nor PostgreSQL store a lone surrogate (it has no UTF-8
#: form); PostgreSQL refuses NUL too (the CSV test drops it there).
STORABLE_TEXT = ANY_TEXT.map(lambda value: "".join(ch for ch in value if not 0xD800 <= ord(ch) <= 0xDFFF))
#: No example database in the checkout (.hypothesis/); the writers are cheap, so many examples each run.
SETTINGS = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
STRICT = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
SENT = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def _alert(alert_id: int, headline: str, description: str, *, note: str = "", restriction: str = "Members",
           area: str = "", party_name: str = "Trinidad and Tobago", network_name: str = "Migrant Smuggling",
           references: Alert | None = None, handling_text: str = "") -> Alert:
    """An alert as a stored row could hold it (never added to the session): H3 with ``handling_text`` when it
    is given, else H0."""
    party = Party(code="TT", name=party_name)
    network = Network(slug="migrant-smuggling", name=network_name)
    alert = Alert(id=alert_id, identifier=f"cmc-migrant-smuggling-{alert_id}", status=CapStatus.ACTUAL,
                  msg_type=MsgType.UPDATE if references else MsgType.ALERT, restriction=restriction, note=note,
                  published_at=SENT + timedelta(minutes=alert_id), created_at=SENT,
                  handling_code=HandlingCode.H3 if handling_text else HandlingCode.H0, handling_text=handling_text)
    alert.party, alert.network, alert.references = party, network, references
    alert.infos = [AlertInfo(language="en", category="Security", event=headline, urgency="Immediate",
                             severity="Severe", certainty="Likely", headline=headline, description=description,
                             instruction=description, area_desc=area, geocodes=["TT"], circle="", polygon="")]
    return alert


def _parse(data: bytes) -> Any:
    return etree.fromstring(data, STRICT)


@SETTINGS
@given(headline=ANY_TEXT, description=ANY_TEXT, note=ANY_TEXT, area=ANY_TEXT, name=ANY_TEXT)
def test_the_cap_export_is_well_formed_and_valid_whatever_the_alert_holds(app: Any, headline: str, description: str,
                                                                        note: str, area: str, name: str) -> None:
    original = _alert(1, headline, description, party_name=name)
    update = _alert(2, headline, description, note=note, restriction=note or "x", area=area, party_name=name,
                    network_name=name, references=original, handling_text=area)
    data = cap.to_xml(update)
    root = _parse(data)
    ns = {"c": cap.CAP_NS}
    assert root.findtext("c:info/c:headline", namespaces=ns) == xml_safe(headline)
    assert (root.findtext("c:info/c:description", namespaces=ns) or "") == xml_safe(description)
    # The note: the handling statement (naming the originator, with H3's restriction), then the author's note.
    assert root.findtext("c:note", namespaces=ns) == xml_safe("\n\n".join(
        part for part in (cap.marking_note(update), note) if part))
    parameters = {p.findtext("c:valueName", namespaces=ns): p.findtext("c:value", namespaces=ns)
                  for p in root.findall("c:info/c:parameter", ns)}
    assert parameters["CMC:handling-code"] == ("H3" if area else "H0")
    assert parameters.get("CMC:handling-restriction", "") == xml_safe(area)
    assert root.findtext("c:references", namespaces=ns).count(",") == 2
    assert cap.validate_xml(data) == []


@SETTINGS
@given(headline=ANY_TEXT, description=ANY_TEXT, name=ANY_TEXT)
def test_the_atom_feed_is_well_formed_whatever_the_alerts_hold(app: Any, headline: str, description: str,
                                                               name: str) -> None:
    original = _alert(1, headline, description, party_name=name)
    alerts = [_alert(2, headline, description, party_name=name, references=original), original]
    network = Network(slug="migrant-smuggling", name=name)
    root = _parse(cap.atom_feed(network, alerts, "https://cmc.example"))
    ns = {"a": cap.ATOM_NS}
    entries = root.findall("a:entry", ns)
    assert len(entries) == 2
    assert entries[0].findtext("a:author/a:name", namespaces=ns) == xml_safe(name)
    assert entries[0].findtext("a:summary", namespaces=ns).endswith("\n\n" + xml_safe(description[:1000] or headline))
    assert [c.get("term") for c in entries[0].findall("a:category", ns) if c.get("scheme")] == ["H0"]


def _meeting(title: str, venue: str, description: str) -> tuple[Meeting, AgendaVersion]:
    meeting = Meeting(id=7, title=title, kind=MeetingKind.ANNUAL, start_date=date(2027, 3, 10),
                      end_date=date(2027, 3, 11), timezone="America/Port_of_Spain", venue=venue, city=venue,
                      format=MeetingFormat.IN_PERSON, link="", description=description)
    items = [{"id": 1, "day": "2027-03-10", "start": "09:00", "end": "10:00", "title": title, "kind": "session",
              "session": venue, "presenters": venue, "description": description, "document_ids": []}]
    version = AgendaVersion(number=1, items=items, changes=[], published_at=datetime(2027, 3, 1, tzinfo=UTC))
    return meeting, version


@SETTINGS
@given(title=ANY_TEXT, venue=ANY_TEXT, description=ANY_TEXT)
def test_the_icalendar_file_parses_and_holds_no_control_character(app: Any, title: str, venue: str,
                                                                  description: str) -> None:
    meeting, version = _meeting(title, venue, description)
    data = meetings.to_ics(meeting, version)
    text = data.decode("utf-8")  # a lone surrogate could not even be encoded
    # RFC 5545: no control character but HTAB in a content line; lines end with CRLF and nothing else.
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f]", text.replace("\r\n", ""))
    calendar = Calendar.from_ical(data)
    summaries = [str(event.get("summary")) for event in calendar.walk("VEVENT")]
    assert summaries == [plain_safe(title)] * 2


@settings(max_examples=12, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=ANY_TEXT, venue=ANY_TEXT, description=ANY_TEXT)
def test_the_pdf_agenda_is_a_readable_pdf_whatever_the_meeting_holds(app: Any, title: str, venue: str,
                                                                     description: str) -> None:
    # About 0.1 s per PDF (WeasyPrint), hence fewer examples than the other writers.
    meeting, version = _meeting(title, venue, description)
    with app.test_request_context():
        html = printable_agenda(meeting, version)  # as the route renders it (web/meetings.py: pdf)
    reader = PdfReader(io.BytesIO(meetings.agenda_pdf(meeting, version, html)))
    assert len(reader.pages) >= 1
    for page in reader.pages:
        page.extract_text()  # every page's content stream reads


@pytest.fixture
def secretariat(make_account: Any) -> Any:
    return make_account("secretariat")


@SETTINGS
@given(label=STORABLE_TEXT, detail=STORABLE_TEXT)
def test_the_csv_audit_export_parses_and_encodes_whatever_the_trail_holds(app: Any, backend: str, secretariat: Any,
                                                                          label: str, detail: str) -> None:
    if backend == "postgres":
        label, detail = label.replace("\x00", ""), detail.replace("\x00", "")
    db.session.execute(db.delete(AuditEvent))
    db.session.add(AuditEvent(actor_label=label, action="test.weird", target_type="x", target_id="1",
                              details={"note": detail}, prev_hash="", row_hash=""))
    db.session.commit()
    output = "".join(audit.export_csv(secretariat, audit.AuditFilter(action="test.weird")))
    output.encode("utf-8")  # streamed to the browser as UTF-8: a lone surrogate would end the download
    rows = list(csv.reader(io.StringIO(output)))
    assert rows[0] == list(audit.CSV_COLUMNS) and len(rows) == 2
    label_cell = rows[1][audit.CSV_COLUMNS.index("actor")]
    # Exactly one apostrophe, and only before what a spreadsheet would run (a label may itself start with one).
    expected = plain_safe(label)
    assert label_cell == ("'" + expected if expected[:1] in ("=", "+", "-", "@", "\t", "\r") else expected)
