"""The agenda timetable in Chromium, against the real server: the secretariat gives an item a room through the
builder's form (two sessions in different rooms at the same time: no overlap warning), publishes, and a
delegate reads the timetable on the meeting and version pages at desktop and phone widths, in English and in
French (screenshots under /tmp/shots-timetable/ for review; axe finds nothing serious), prints the list, and
downloads the timetable PDF.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

from cmc.i18n import timefmt
from tests.browser.test_meetings_live import (
    SECRETARIAT,
    Item,
    _api_publish,
    _download,
    _far_future_dates,
    _pdf_text,
    _plan_meeting,
)
from tests.live_server import LiveServer

DELEGATE = "delegate.do@cmc.demo"  # Dominican Republic
#: Where the screenshots go for review (/tmp/shots-timetable on Linux).
SHOTS = Path(tempfile.gettempdir()) / "shots-timetable"
WIDTHS = {"desktop": 1280, "phone": 390}


def _set_language(context: BrowserContext, code: str) -> None:
    """The signed-in person's language, through the settings form."""
    page = context.new_page()
    page.goto("/settings/")
    page.locator("#language").select_option(code)
    page.locator("form[action$='/settings/profile'] button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", code)
    page.close()


def _shoot(page: Page, name: str, axe_check: Callable[[Page], list[str]]) -> None:
    """Both widths: the timetable fits the page (only its own box scrolls sideways), a screenshot of each,
    and axe finds nothing serious."""
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        expect(page.locator("#timetable")).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} at {width} px scrolls sideways by {overflow} px"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
        problems = axe_check(page)
        assert not problems, f"{name} at {width} px:\n" + "\n".join(problems)


def test_a_delegate_reads_the_timetable_with_parallel_rooms(
    new_signed_in_context: Callable[..., BrowserContext], new_context: Callable[..., BrowserContext],
    sign_in: Callable[..., None], live_server: LiveServer, axe_check: Callable[[Page], list[str]],
    watch_console: Callable[[Page], Any],
) -> None:
    title = f"Plenary on mixed movements {uuid.uuid4().hex[:6]}"
    days = _far_future_dates()
    secretariat = new_signed_in_context().new_page()
    secretariat.goto("/")
    meeting_id = _plan_meeting(secretariat, title, *days)
    token = live_server.create_token(SECRETARIAT, "timetable browser test")

    # --- through the API: the frame of both days, each item in its room ("" is the plenary room).
    revision = 0
    for item, room in ((Item("Opening and adoption of the agenda", 0, "09:00", "09:30", "opening"), ""),
                       (Item("Protection at sea: search and rescue", 0, "09:30", "11:00", "session"), "Salon A"),
                       (Item("Coffee break", 0, "11:00", "11:30", "break"), ""),
                       (Item("Reports of the parallel sessions", 0, "11:30", "12:30", "session"), ""),
                       (Item("Statelessness and birth registration", 1, "09:00", "10:30", "session"), "Salon A"),
                       (Item("Data sharing between coast guards", 1, "09:00", "10:00", "panel"), "Salon B"),
                       (Item("Return and reintegration", 1, "09:30", "11:00", "session"), ""),
                       (Item("Closing and the next chair", 1, "11:00", "11:30", "closing"), "")):
        answer = live_server.api("POST", f"/meetings/{meeting_id}/items", token=token, json_body={
            "title": item.title, "day": days[item.day].isoformat(), "start_time": item.start,
            "end_time": item.end, "kind": item.kind, "room": room, "revision": revision})
        assert answer.status == 201, answer
        revision = int(answer.body["agenda_revision"])

    # --- through the builder's forms: a panel in Salon B beside the session in Salon A, and a room for an
    # item of the second day through its Edit form.
    secretariat.goto(f"/meetings/{meeting_id}/agenda")
    form = secretariat.get_by_role("region", name="Add an item")
    form.get_by_label("Title").fill("Labour mobility and skills recognition")
    form.get_by_label("Day").select_option(days[0].isoformat())
    form.get_by_label("Starts").fill("09:45")
    form.get_by_label("Ends").fill("11:00")
    form.get_by_label("Kind").select_option("panel")
    form.get_by_label("Room").fill("Salon B")
    form.get_by_role("button", name="Add item").click()
    expect(secretariat.get_by_role("status").filter(has_text="The item is added.")).to_be_visible()
    row = secretariat.locator("ol.agenda-builder > li").filter(
        has=secretariat.get_by_text("Return and reintegration", exact=True))
    row.locator("summary").click()
    row.get_by_label("Room").fill("Salon C")
    row.get_by_role("button", name="Save item").click()
    expect(secretariat.get_by_role("status").filter(has_text="The item is saved.")).to_be_visible()
    expect(row).to_contain_text("Room: Salon C")
    # Parallel items in different rooms: no overlap warning.
    expect(secretariat.locator("main .alert[role=alert]")).to_have_count(0)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        secretariat.set_viewport_size({"width": width, "height": 900})
        secretariat.screenshot(path=str(SHOTS / f"builder-en-{label}.png"), full_page=True)
    revision = int(secretariat.locator("ol.agenda-builder").first.get_attribute("data-revision") or 0)
    assert _api_publish(live_server, token, meeting_id, revision) == 1

    # --- the delegate: the timetable, in English then in French, at both widths.
    context = new_context()
    delegate = context.new_page()
    console = watch_console(delegate)
    sign_in(delegate, DELEGATE)
    delegate.goto(f"/meetings/{meeting_id}")
    first_day = delegate.locator("#timetable section.tt-day").nth(0)
    expect(first_day.get_by_role("heading", level=3)).to_have_text(timefmt.show(days[0], "day", locale="en"))
    expect(first_day.locator("th.tt-room")).to_have_text(["Salon A", "Salon B"])
    sea = first_day.locator("td.tt-block").filter(has_text="Protection at sea")
    labour = first_day.locator("td.tt-block").filter(has_text="Labour mobility")
    # Side by side: the same band of the page, Salon B to the right of Salon A.
    sea_box, labour_box = sea.bounding_box(), labour.bounding_box()
    assert sea_box and labour_box and labour_box["x"] >= sea_box["x"] + sea_box["width"] - 4
    assert labour_box["y"] > sea_box["y"]  # it starts 15 minutes later
    opening = first_day.locator("td.tt-block").filter(has_text="Opening and adoption")
    expect(opening).to_have_attribute("colspan", "2")
    expect(delegate.locator("#timetable section.tt-day").nth(1).locator("th.tt-room")).to_have_text(
        ["Salon A", "Salon B", "Salon C"])
    expect(delegate.locator(".tt-print-only")).to_be_hidden()  # the list is for print in this view
    _shoot(delegate, "meeting-en", axe_check)

    # Print: the timetable gives way to the list.
    delegate.set_viewport_size({"width": 1280, "height": 900})
    delegate.emulate_media(media="print")
    expect(delegate.locator("#timetable")).to_be_hidden()
    expect(delegate.locator("table.agenda-table").first).to_be_visible()
    delegate.emulate_media(media="screen")

    # The list view, by its link.
    delegate.get_by_role("link", name="List", exact=True).click()
    expect(delegate.locator("#timetable")).to_have_count(0)
    expect(delegate.locator("table.agenda-table").first).to_be_visible()
    delegate.get_by_role("link", name="Timetable", exact=True).click()
    expect(delegate.locator("#timetable")).to_be_visible()

    # The version page, and its timetable PDF.
    delegate.goto(f"/meetings/{meeting_id}/agenda/1")
    _shoot(delegate, "version-en", axe_check)
    data, name = _download(delegate, "Timetable (PDF)")
    assert name == f"agenda-{meeting_id}-v1-timetable.pdf"
    text = _pdf_text(data)
    for words in (title, "Agenda version 1", "Salon A", "Salon B", "Salon C", "Labour mobility"):
        assert words in text, text[:600]

    _set_language(context, "fr")
    try:
        delegate.goto(f"/meetings/{meeting_id}")
        expect(delegate.get_by_role("link", name="Liste", exact=True)).to_be_visible()
        expect(delegate.locator("#timetable section.tt-day").nth(0).get_by_role("heading", level=3)).to_have_text(
            timefmt.show(days[0], "day", locale="fr"))
        _shoot(delegate, "meeting-fr", axe_check)
    finally:
        _set_language(context, "en")
    assert not console.errors, "\n".join(console.errors)
