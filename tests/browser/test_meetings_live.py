"""Meetings through the real pages, in Chromium, against the real server: the "done when" of the meetings work.

The secretariat plans a two-day plenary meeting through the "Plan a meeting" form, builds its agenda through
the "Add an item" form, puts an item in its place with the keyboard alone (Tab to its "Move up" button, Enter),
publishes version 1, retimes the item through its Edit form and publishes version 2. A Trinidad and Tobago
delegate, who could not see the draft, then finds the meeting, reads version 2 and its change list, and
downloads the printable agenda (its text read back with pypdf) and the calendar file (parsed with icalendar),
with the new times in the meeting's time zone. An item title written as HTML stays text everywhere.
"""

from __future__ import annotations

import io
import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from playwright.sync_api import BrowserContext, Locator, Page, expect
from pypdf import PdfReader

from cmc.i18n import timefmt
from tests.live_server import LiveServer

SECRETARIAT = "secretariat@cmc.demo"
DELEGATE = "delegate.tt@cmc.demo"  # Trinidad and Tobago
ZONE = "America/Port_of_Spain"
HTML_TITLE = "Session on <b>x</b><script>window.__x=1</script>"
#: Between the start and the end of an item's time on the pages and in the PDF (the change list uses "-").
DASH = "\u2013"
#: Tab presses allowed to reach a button from the top of the builder.
MAX_TABS = 150


@dataclass
class Item:
    """An agenda item as the secretariat types it: day 0 or 1 of the meeting, times as HH:MM."""

    title: str
    day: int
    start: str
    end: str
    kind: str


@pytest.fixture(scope="module")
def secretariat_token(live_server: LiveServer) -> str:
    return live_server.create_token(SECRETARIAT, "meetings browser tests")


def _api_add_item(live_server: LiveServer, token: str, meeting_id: int, item: Item, days: tuple[date, date],
                  revision: int) -> int:
    """Add an item through the JSON API (where the form is not what a test is about); the new revision."""
    answer = live_server.api("POST", f"/meetings/{meeting_id}/items", token=token, json_body={
        "title": item.title, "day": days[item.day].isoformat(), "start_time": item.start, "end_time": item.end,
        "kind": item.kind, "revision": revision})
    assert answer.status == 201, answer
    return int(answer.body["agenda_revision"])


def _api_publish(live_server: LiveServer, token: str, meeting_id: int, revision: int) -> int:
    """Publish the draft agenda through the JSON API; the new version's number."""
    answer = live_server.api("POST", f"/meetings/{meeting_id}/publish", token=token, json_body={"revision": revision})
    assert answer.status == 201, answer
    return int(answer.body["number"])


def _far_future_dates() -> tuple[date, date]:
    """Two consecutive days years ahead, different on every run."""
    first = date(2045, 1, 2) + timedelta(days=random.randrange(0, 3000))
    return first, first + timedelta(days=1)


def _plan_meeting(page: Page, title: str, first: date, last: date) -> int:
    """Meetings -> Plan a meeting -> fill the form as a plenary meeting -> Save; returns the new meeting's id."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Meetings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meetings")
    page.get_by_role("link", name="Plan a meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan a meeting")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Kind").select_option("annual_meeting")
    expect(page.get_by_label("Status")).to_have_value("draft")
    page.get_by_label("First day").fill(first.isoformat())
    page.get_by_label("Last day").fill(last.isoformat())
    expect(page.get_by_label("Time zone")).to_have_value(ZONE)
    page.get_by_label("Venue").fill("Hyatt Regency Trinidad")
    page.get_by_label("City").fill("Port of Spain")
    page.get_by_label("Format").select_option("in_person")
    page.get_by_label("Host party").select_option(label="Trinidad and Tobago")
    page.get_by_label("Network").select_option("")  # empty: a plenary meeting
    expect(page.get_by_label("Network").locator("option:checked")).to_have_text("Plenary")
    page.get_by_label("Description").fill("Plenary planned by the browser tests.")
    page.get_by_role("button", name="Save meeting").click()
    expect(page).to_have_url(re.compile(r"/meetings/\d+$"))
    expect(page.get_by_role("status").filter(has_text="The meeting is saved.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    expect(page.locator("#agenda-state")).to_contain_text("Draft agenda")
    return int(page.url.rsplit("/", 1)[1])


def _add_item(page: Page, item: Item, days: tuple[date, date]) -> None:
    """Fill and send the builder's "Add an item" form."""
    form = page.get_by_role("region", name="Add an item")
    form.get_by_label("Title").fill(item.title)
    form.get_by_label("Day").select_option(days[item.day].isoformat())
    form.get_by_label("Starts").fill(item.start)
    form.get_by_label("Ends").fill(item.end)
    form.get_by_label("Kind").select_option(item.kind)
    form.get_by_role("button", name="Add item").click()
    expect(page.get_by_role("status").filter(has_text="The item is added.")).to_be_visible()


def _date(day: date) -> str:
    """A day as the English change list writes it ("2 Jan 2045")."""
    return timefmt.show(day, "date", locale="en")


def _day_items(page: Page, day: date) -> Locator:
    """The items of one day in the builder, in agenda order (found by the day's heading, not by the section's
    accessible name: see ``test_the_builder_names_each_day_by_its_date``)."""
    heading = page.get_by_role("heading", level=2, name=timefmt.show(day, "day", locale="en"), exact=True)
    return page.locator("main section").filter(has=heading).locator("ol.agenda-builder > li")


def _item_row(page: Page, title: str) -> Locator:
    return page.locator("ol.agenda-builder > li").filter(has=page.get_by_text(title, exact=True))


def _tab_to(page: Page, target: Locator) -> int:
    """Press Tab from where the focus is until ``target`` has it (as a keyboard user does); the presses used."""
    for presses in range(1, MAX_TABS + 1):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return presses
    raise AssertionError(f"{MAX_TABS} Tab presses never reached {target}")


def _download(page: Page, link_name: str) -> tuple[bytes, str]:
    """Click a link that downloads a file; its bytes and suggested name."""
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name, exact=True).click()
    download = info.value
    assert download.failure() is None, download.failure()
    return Path(download.path()).read_bytes(), download.suggested_filename


def _pdf_text(data: bytes) -> str:
    """The text of every page of a PDF, with runs of whitespace (line breaks too) made single spaces."""
    assert data.startswith(b"%PDF-"), data[:20]
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def _in_order(text: str, parts: list[str]) -> list[int]:
    """Where each of ``parts`` first appears in ``text`` after the one before (-1 when it does not)."""
    found, start = [], 0
    for part in parts:
        at = text.find(part, start)
        found.append(at)
        start = at + len(part) if at >= 0 else start
    return found


def test_secretariat_builds_reorders_retimes_and_publishes_and_a_delegate_gets_version_2(
    new_signed_in_context: Callable[..., BrowserContext], new_context: Callable[..., BrowserContext],
    sign_in: Callable[..., None], watch_console: Callable[[Page], Any],
) -> None:
    title = f"Plenary on protection at sea {uuid.uuid4().hex[:8]}"
    days = _far_future_dates()
    opening = Item("Opening and adoption of the agenda", 0, "09:00", "09:30", "opening")
    coffee = Item("Coffee break", 0, "10:45", "11:15", "break")
    keynote = Item("Keynote: the regional migration outlook", 0, "09:30", "10:30", "session")
    html_item = Item(HTML_TITLE, 1, "09:00", "12:00", "session")
    closing = Item("Closing and adoption of the conclusions", 1, "12:00", "12:30", "closing")
    new_start, new_end = "09:45", "10:45"

    secretariat = new_signed_in_context().new_page()
    secretariat_console = watch_console(secretariat)
    delegate = new_context().new_page()
    delegate_console = watch_console(delegate)
    sign_in(delegate, DELEGATE)

    # --- the secretariat plans the meeting: a draft nobody else sees.
    secretariat.goto("/")
    meeting_id = _plan_meeting(secretariat, title, *days)
    meeting_path = f"/meetings/{meeting_id}"
    response = delegate.goto(meeting_path)
    assert response is not None and response.status == 404, "a delegate sees a draft meeting"
    assert [e for e in delegate_console.errors if "404" in e and e.endswith(f"{meeting_path})")], \
        delegate_console.errors
    delegate_console.errors.clear()  # that 404 was the point
    delegate.goto("/meetings")
    expect(delegate.get_by_role("link", name=title)).to_have_count(0)

    # --- the agenda, through the "Add an item" form: the keynote lands after the coffee break.
    secretariat.get_by_role("link", name="Edit agenda").click()
    expect(secretariat.get_by_role("heading", level=1)).to_have_text(f"Agenda of {title}")
    for item in (opening, coffee, keynote, html_item, closing):
        _add_item(secretariat, item, days)
    expect(_day_items(secretariat, days[0]).locator("strong")).to_have_text(
        [opening.title, coffee.title, keynote.title])
    expect(_day_items(secretariat, days[1]).locator("strong")).to_have_text([html_item.title, closing.title])
    expect(secretariat.locator("main .alert[role=alert]")).to_have_count(0)  # no overlap warning
    # The HTML title is text: shown as typed, never run.
    expect(_item_row(secretariat, HTML_TITLE)).to_have_count(1)
    assert secretariat.evaluate("typeof window.__x") == "undefined"
    assert secretariat.locator("main b, main script").count() == 0

    # --- reorder with the keyboard only: Tab from the top of the page to "Move up: Keynote...", then Enter.
    keynote_id = _item_row(secretariat, keynote.title).get_attribute("data-item-id")
    move_up = secretariat.get_by_role("button", name=f"Move up: {keynote.title}", exact=False)
    expect(move_up).to_have_count(1)
    secretariat.reload()
    _tab_to(secretariat, move_up)
    expect(move_up).to_be_focused()
    secretariat.keyboard.press("Enter")
    expect(secretariat.get_by_role("status").filter(has_text="The item is moved.")).to_be_visible()
    expect(_day_items(secretariat, days[0]).locator("strong")).to_have_text(
        [opening.title, keynote.title, coffee.title])
    expect(_day_items(secretariat, days[0]).nth(1)).to_have_attribute("data-item-id", keynote_id or "")
    expect(_day_items(secretariat, days[1]).locator("strong")).to_have_text([html_item.title, closing.title])

    # --- publish version 1: the meeting is published with it.
    secretariat.get_by_role("button", name="Publish version 1").click()
    expect(secretariat).to_have_url(re.compile(rf"{meeting_path}/agenda/1$"))
    expect(secretariat.get_by_role("status").filter(has_text="Version 1 of the agenda is published.")).to_be_visible()
    expect(secretariat.locator("#change-list li")).to_have_text(["First published agenda."])

    # --- retime the keynote through its Edit form, then publish version 2.
    secretariat.get_by_role("navigation", name="breadcrumb").get_by_role("link", name=title).click()
    expect(secretariat.locator("#agenda-state")).to_contain_text("Published agenda, version 1")
    secretariat.get_by_role("link", name="Edit agenda").click()
    row = _item_row(secretariat, keynote.title)
    row.locator("summary").click()
    row.get_by_label("Starts").fill(new_start)
    row.get_by_label("Ends").fill(new_end)
    row.get_by_role("button", name="Save item").click()
    expect(secretariat.get_by_role("status").filter(has_text="The item is saved.")).to_be_visible()
    expect(_item_row(secretariat, keynote.title)).to_contain_text(f"{new_start}{DASH}{new_end}")
    expect(_day_items(secretariat, days[0]).locator("strong")).to_have_text(
        [opening.title, keynote.title, coffee.title])
    secretariat.get_by_role("button", name="Publish version 2").click()
    expect(secretariat).to_have_url(re.compile(rf"{meeting_path}/agenda/2$"))
    expect(secretariat.get_by_role("status").filter(has_text="Version 2 of the agenda is published.")).to_be_visible()

    # --- the delegate finds the published meeting from the list.
    retimed = f"Retimed “{keynote.title}”: {keynote.start}\u2013{keynote.end} to {new_start}\u2013{new_end}."
    delegate.get_by_role("navigation", name="Main").get_by_role("link", name="Meetings").click()
    delegate.get_by_role("link", name=title, exact=True).click()
    expect(delegate).to_have_url(re.compile(rf"{meeting_path}$"))
    expect(delegate.locator("#agenda-state")).to_contain_text("Published agenda, version 2")
    expect(delegate.get_by_role("link", name="Edit agenda")).to_have_count(0)
    agenda_order = [opening, keynote, coffee, html_item, closing]
    expect(delegate.locator("table.agenda-table tbody tr td strong")).to_have_text([i.title for i in agenda_order])
    expect(delegate.locator("table.agenda-table tbody tr").nth(1)).to_contain_text(f"{new_start}{DASH}{new_end}")
    assert delegate.evaluate("typeof window.__x") == "undefined"

    # Version 2 and what changed.
    delegate.get_by_role("link", name="Version 2", exact=True).click()
    expect(delegate).to_have_url(re.compile(rf"{meeting_path}/agenda/2$"))
    expect(delegate.get_by_role("heading", level=1)).to_have_text(title)
    expect(delegate.locator("#change-list li")).to_have_text([retimed])
    expect(delegate.locator("table.agenda-table tbody tr td strong")).to_have_text([i.title for i in agenda_order])
    assert delegate.evaluate("typeof window.__x") == "undefined"

    # The printable agenda: meeting, version, and the items in agenda order, the HTML title as written.
    data, name = _download(delegate, "Printable agenda (PDF)")
    assert name == f"agenda-{meeting_id}-v2.pdf"
    text = _pdf_text(data)
    assert title in text, text[:500]
    assert "Agenda version 2" in text, text[:500]
    positions = _in_order(text, [i.title for i in agenda_order])
    assert -1 not in positions, f"items missing or out of order in the PDF: {positions}\n{text}"
    assert f"{new_start}{DASH}{new_end}" in text, text

    # The calendar: the meeting, and each session at its (new) time in Port of Spain.
    data, name = _download(delegate, "Add to calendar (.ics)")
    assert name == f"meeting-{meeting_id}-v2.ics"
    calendar = Calendar.from_ical(data)
    events = {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}
    assert set(events) == {title, *(i.title for i in agenda_order)}, sorted(events)
    assert events[title].decoded("DTSTART") == days[0]
    assert events[title].decoded("DTEND") == days[1] + timedelta(days=1)
    zone = ZoneInfo(ZONE)
    for item in agenda_order:
        start, end = (new_start, new_end) if item is keynote else (item.start, item.end)
        event = events[item.title]
        for key, value in (("DTSTART", start), ("DTEND", end)):
            when = event.decoded(key)
            assert isinstance(when, datetime) and when.tzinfo is not None, (item.title, key, when)
            assert event[key].params.get("TZID") == ZONE, (item.title, key, event[key].params)
            assert when == datetime.combine(days[item.day], time.fromisoformat(value), zone), (item.title, key, when)
            assert when.utcoffset() == timedelta(hours=-4), (item.title, key, when.utcoffset())

    assert not secretariat_console.errors, "\n".join(secretariat_console.errors)
    assert not delegate_console.errors, "\n".join(delegate_console.errors)


def test_the_change_list_names_only_what_changed(
    new_signed_in_context: Callable[..., BrowserContext], live_server: LiveServer, secretariat_token: str,
) -> None:
    days = _far_future_dates()
    page = new_signed_in_context().new_page()
    page.goto("/")
    meeting_id = _plan_meeting(page, f"Workshop on document fraud {uuid.uuid4().hex[:8]}", *days)
    opening = Item("Opening", 0, "09:00", "10:00", "opening")
    cases = Item("Case studies from the ports", 1, "09:00", "10:00", "session")
    closing = Item("Closing", 1, "10:00", "11:00", "closing")
    revision = 0
    for item in (opening, cases, closing):
        revision = _api_add_item(live_server, secretariat_token, meeting_id, item, days, revision)
    assert _api_publish(live_server, secretariat_token, meeting_id, revision) == 1

    # Version 2 adds an item on the first day: the second day is untouched.
    lab = Item("Document examination lab", 0, "10:00", "12:00", "session")
    revision = _api_add_item(live_server, secretariat_token, meeting_id, lab, days, revision)
    assert _api_publish(live_server, secretariat_token, meeting_id, revision) == 2
    page.goto(f"/meetings/{meeting_id}/agenda/2")
    expect(page.locator("#change-list li")).to_have_text([f"Added “{lab.title}” on {_date(days[0])}."])

    # Version 3 moves the closing up on the second day: it is now item 1 of that day. One move: the case
    # studies kept their place relative to every other item.
    page.goto(f"/meetings/{meeting_id}/agenda")
    page.get_by_role("button", name=f"Move up: {closing.title}").click()
    expect(page.get_by_role("status").filter(has_text="The item is moved.")).to_be_visible()
    page.get_by_role("button", name="Publish version 3: 1 change").click()
    expect(page.locator("#change-list li")).to_have_text([
        f"Moved “{closing.title}” (now item 1 on {_date(days[1])}).",
    ])


def test_the_calendar_file_is_valid_icalendar(
    new_signed_in_context: Callable[..., BrowserContext], sample_meeting: int,
) -> None:
    page = new_signed_in_context().new_page()
    page.goto(f"/meetings/{sample_meeting}/agenda/2")
    data, _name = _download(page, "Add to calendar (.ics)")
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 6, len(events)  # the meeting and its five sessions
    for event in events:
        assert "UID" in event and "DTSTAMP" in event, f"{event.get('SUMMARY')}: {sorted(event)}"
    zones = {str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")}
    assert ZONE in zones, f"TZID={ZONE} is used but the file has VTIMEZONE for {sorted(zones)} only"


def test_every_agenda_builder_has_unique_ids_and_days_named_by_their_dates(
    new_signed_in_context: Callable[..., BrowserContext], sample_meeting: int,
) -> None:
    """Ids that labels and ARIA point to are unique, and each day's section is named by its own heading.

    The first meeting that got agenda items in this database (the sample meeting, or the meeting of the first
    test above when this file runs alone) holds the items with ids 1 and 2, where the clash shows."""
    page = new_signed_in_context().new_page()
    page.goto("/meetings")
    paths = [p for p in page.locator("main ul.list-group a").evaluate_all("links => links.map(a => a.pathname)")]
    assert f"/meetings/{sample_meeting}" in paths, paths
    problems = []
    for path in paths:
        page.goto(path + "/agenda")
        found = page.evaluate("""() => {
          const seen = {};
          for (const e of document.querySelectorAll('[id]')) { seen[e.id] = (seen[e.id] || 0) + 1; }
          const referenced = new Set();
          for (const e of document.querySelectorAll('label[for]')) { referenced.add(e.htmlFor); }
          for (const e of document.querySelectorAll('[aria-labelledby], [aria-describedby], [aria-controls]')) {
            for (const name of ['aria-labelledby', 'aria-describedby', 'aria-controls']) {
              for (const id of (e.getAttribute(name) || '').split(/\\s+/)) { if (id) { referenced.add(id); } }
            }
          }
          const duplicates = [...referenced].filter((id) => seen[id] > 1);
          const misnamed = [...document.querySelectorAll('main section[aria-labelledby]')]
            .map((s) => [s, document.getElementById(s.getAttribute('aria-labelledby'))])
            .filter(([s, label]) => !label || !s.contains(label))
            .map(([s, label]) => s.getAttribute('aria-labelledby') + ' -> '
                 + (label ? label.outerHTML.slice(0, 60) : 'nothing'));
          return {duplicates, misnamed};
        }""")
        if found["duplicates"] or found["misnamed"]:
            problems.append(f"{path}/agenda: duplicate ids {found['duplicates']};"
                            f" sections named by {found['misnamed']}")
    assert not problems, "\n".join(problems)
