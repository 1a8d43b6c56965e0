"""Issue 18 on the agenda's exports: the ZIP of a version's documents leaves out the H2 documents the requester
may not take out (its MANIFEST.txt says why, in the requester's language; a release lets one in, audited); the
PDF lists each linked document with its tag and states the strictest code among them on every page."""

from __future__ import annotations

import io
import zipfile
from datetime import date, time
from typing import Any

import pytest
from sqlalchemy import select

from cmc.extensions import db
from cmc.models import AuditEvent, Outcome
from cmc.services import meetings
from cmc.services.handling import releases
from tests.integration.test_handling_documents import TEXT, World, client_of

START, END = date(2027, 3, 10), date(2027, 3, 11)


@pytest.fixture
def world(app: Any, make_party: Any, make_account: Any) -> World:
    return World(app, make_party, make_account)


def _agenda(world: World, *linked: list[int]) -> Any:
    """A meeting whose published version 1 links ``linked`` (one list of document ids per item)."""
    meeting = meetings.save_meeting(world.admin, meetings.MeetingInput(
        title="Annual meeting", kind="annual_meeting", start_date=START, end_date=END, city="Nassau",
        host_party="TT", status="published"))
    for n, ids in enumerate(linked):
        meetings.add_item(world.admin, meeting.id, meetings.ItemInput(
            day=START, title=f"Session {n + 1}", start_time=time(9 + n, 0), end_time=time(10 + n, 0),
            document_ids=ids), meeting.agenda_revision)
    meetings.publish_agenda(world.admin, meeting.id, meeting.agenda_revision)
    return meeting


def _zip(client: Any, meeting: Any, **kwargs: Any) -> tuple[int, zipfile.ZipFile | None]:
    response = client.get(f"/meetings/{meeting.id}/agenda/1.zip", **kwargs)
    if response.status_code != 200:
        return response.status_code, None
    return 200, zipfile.ZipFile(io.BytesIO(response.data))


def test_zip_leaves_h2_out_for_another_party_and_the_manifest_says_why(app, world, sign_in):
    closed = world.upload(world.jm, "H2", title="Closed routes")
    warned = world.upload(world.jm, "H1", title="Court file")
    stated = world.upload(world.jm, "H3", text="Police use only", title="Police note")
    meeting = _agenda(world, [closed.id, warned.id], [stated.id])
    tt = client_of(app, sign_in, world.tt)
    status, archive = _zip(tt, meeting)
    assert status == 200 and archive is not None
    names = archive.namelist()
    assert names == ["01 Court file (v1).txt", "02 Police note (v1).txt", "MANIFEST.txt"]
    assert archive.read("01 Court file (v1).txt") == TEXT
    manifest = archive.read("MANIFEST.txt").decode()
    assert "Closed routes: left out: H2, restricted by Jamaica" in manifest
    assert "H1: not to be disclosed in judicial proceedings without the permission of Jamaica." in manifest
    assert "H3: Police use only (restriction set by Jamaica)" in manifest
    downloads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "document.download")).all()
    assert sorted(d.details["handling_code"] for d in downloads) == ["H1", "H3"]
    assert all(d.details["export"] == "zip" for d in downloads)
    refused = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "handling.export",
                                                          AuditEvent.outcome == Outcome.DENIED)).all()
    assert [(r.target_id, r.details["export"], r.details["handling_code"], r.actor_id) for r in refused] == \
        [(str(closed.id), "zip", "H2", world.tt.id)]  # the left-out file is a refused export in the trail
    # The originator gets all three.
    jm = client_of(app, sign_in, world.jm_other)
    _status, archive = _zip(jm, meeting)
    assert archive is not None and "01 Closed routes (v1).txt" in archive.namelist()
    assert "left out" not in archive.read("MANIFEST.txt").decode()


def test_zip_manifest_is_in_the_requesters_language(app, world, sign_in):
    closed = world.upload(world.jm, "H2", title="Closed routes")
    open_one = world.upload(world.jm, "H0", title="Open routes")
    meeting = _agenda(world, [closed.id, open_one.id])
    world.tt.language = "fr"
    db.session.commit()
    tt = client_of(app, sign_in, world.tt)
    _status, archive = _zip(tt, meeting)
    assert archive is not None
    manifest = archive.read("MANIFEST.txt").decode()
    assert "Ordre du jour, version 1" in manifest and "Agenda version" not in manifest
    assert "Closed routes" in manifest and "Jamaica" in manifest


def test_zip_of_only_restricted_documents_answers_404_and_a_release_lets_one_in(app, world, sign_in):
    closed = world.upload(world.jm, "H2", title="Closed routes")
    meeting = _agenda(world, [closed.id])
    tt = client_of(app, sign_in, world.tt)
    link = f"/meetings/{meeting.id}/agenda/1.zip"
    assert _zip(tt, meeting)[0] == 404
    assert link not in tt.get(f"/meetings/{meeting.id}").get_data(as_text=True)  # not offered either
    asked = releases.request(world.tt, closed, purpose="national_system", reason="For the border police")
    releases.decide(world.jm_focal, asked.id, grant=True, days=3)
    assert link in tt.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    status, archive = _zip(tt, meeting)
    assert status == 200 and archive is not None and "01 Closed routes (v1).txt" in archive.namelist()
    exported = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "handling.export",
                                                           AuditEvent.outcome == Outcome.OK)).all()
    assert [e.details["export"] for e in exported] == ["zip"] and exported[0].target_party_id == world.jm.party_id


def _pdf_html(app: Any, client: Any, meeting: Any, monkeypatch: Any) -> str:
    """The HTML the agenda PDF is laid out from (WeasyPrint is slow: the layout itself is tested once)."""
    seen: list[str] = []
    monkeypatch.setattr(meetings, "agenda_pdf", lambda _m, _v, html: seen.append(html) or b"%PDF-1.7")
    assert client.get(f"/meetings/{meeting.id}/agenda/1.pdf").status_code == 200
    return seen[0]


def test_pdf_lists_each_document_with_its_tag_and_states_the_strictest_code(app, world, sign_in, monkeypatch):
    closed = world.upload(world.jm, "H2", title="Closed routes")
    warned = world.upload(world.jm, "H1", title="Court file", source_reliability="B", info_accuracy="2")
    meeting = _agenda(world, [warned.id], [closed.id])
    tt = client_of(app, sign_in, world.tt)
    html = _pdf_html(app, tt, meeting, monkeypatch)
    assert "Court file" in html and "handling-h1" in html and ">B2</span>" in html and "handling-h2" in html
    assert "@top-center" in html and "@bottom-left" in html
    header = html[html.index("@top-center"):html.index("@bottom-left")]
    assert "H2" in header
    footer = html[html.index("@bottom-left"):]
    assert "disseminated" in footer and "Jamaica" in footer
    # Only H0 documents: no marking on the pages.
    plain = world.upload(world.jm, "H0", title="Open routes")
    other = _agenda(world, [plain.id])
    assert "@top-center" not in _pdf_html(app, tt, other, monkeypatch)


def test_pdf_pages_carry_the_code_and_statement(app, world, sign_in):
    from pypdf import PdfReader

    warned = world.upload(world.jm, "H1", title="Court file")
    meeting = _agenda(world, [warned.id])
    tt = client_of(app, sign_in, world.tt)
    response = tt.get(f"/meetings/{meeting.id}/agenda/1.pdf")
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Court file" in text
    assert "not to be disclosed in judicial proceedings" in text and "Jamaica" in text
