"""Issue 17, done when: a delegate sits on the meeting page; the secretariat, in another browser, links a document
to an item with the picker (typing part of its title, choosing it with the keyboard) and publishes version 2;
the delegate's page shows the live notice of version 2 with its change list, without a reload. A French delegate
reads the same notice in French. axe finds no serious or critical violation on the builder with the picker open
or on the meeting page with the notice; screenshots of both at 1280 and 390 px, in English and French, go to
``screenshots/`` beside the other pages' (``CMC_MEETING_SHOTS`` to choose another folder)."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import sign_in_through_form
from tests.browser.test_screens import SCREENSHOTS
from tests.browser.test_screens_languages import _set_language
from tests.files import pdf
from tests.live_server import LiveServer

SHOTS = Path(os.environ.get("CMC_MEETING_SHOTS") or SCREENSHOTS)
WIDTHS = {1280: {"width": 1280, "height": 800}, 390: {"width": 390, "height": 844}}
DELEGATE = "delegate.tt@cmc.demo"
DOCUMENT = "Situation report on smuggling routes, third quarter"  # a demo document of Migrant Smuggling
PASSWORD = "Correct-horse-battery-9"
LIVE_WAIT_MS = 5_000


def _shoot(page: Page, name: str, axe_check: Callable[[Page], list[str]]) -> None:
    """axe on the page as it is, then full-page screenshots at each width (the page is not reloaded)."""
    problems = axe_check(page)
    assert not problems, f"axe on {name}:\n" + "\n".join(problems)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways at {width} px by {overflow} px"
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(WIDTHS[1280])


def _online(page: Page) -> None:
    expect(page.locator("#live-status")).to_have_attribute("data-state", "online", timeout=10_000)


def _plenary_with_one_version(live_server: LiveServer, context: BrowserContext) -> tuple[int, str]:
    """A published plenary meeting (everyone reads it) with version 1 of its agenda: planned through the form,
    its item added and published through the JSON API. Returns its id and the item's title."""
    page = context.new_page()
    title = f"Technical meeting on smuggling routes ({uuid.uuid4().hex[:6]})"
    page.goto("/meetings/new")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("First day").fill("2036-12-08")
    page.get_by_label("Last day").fill("2036-12-08")
    page.get_by_label("City").fill("Nassau")
    page.get_by_label("Status").select_option("published")
    page.get_by_role("button", name="Save meeting").click()
    expect(page).to_have_url(re.compile(r"/meetings/\d+$"))
    meeting_id = int(page.url.rsplit("/", 1)[1])
    page.close()
    token = live_server.create_token("secretariat@cmc.demo", "meeting journey")
    # A briefing named for Jamaica only, linked from the start: Haiti's delegation may not read it.
    upload = requests.post(live_server.url("/api/v1/networks/migrant-smuggling/documents"), timeout=30,
                           headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                           data={"title": "Briefing for Jamaica on landings", "audience": "named", "parties": ["JM"]},
                           files={"file": ("briefing.pdf", pdf("Briefing for Jamaica"), "application/pdf")})
    assert upload.status_code == 201, upload.text[:500]
    item = "Routes seen this quarter"
    added = live_server.api("POST", f"/meetings/{meeting_id}/items", token=token, json_body={
        "day": "2036-12-08", "start_time": "09:00", "end_time": "10:30", "title": item, "revision": 0,
        "document_ids": [upload.json()["id"]]})
    assert added.status == 201, added
    published = live_server.api("POST", f"/meetings/{meeting_id}/publish", token=token,
                                json_body={"revision": added.body["agenda_revision"]})
    assert published.status == 201 and published.body["number"] == 1, published
    # Haiti's delegation is registered: the builder warns that it may not read the briefing.
    registered = live_server.api("POST", f"/meetings/{meeting_id}/registrations", token=token, json_body={
        "party": "HT", "members": [{"name": "Marie Joseph", "role": "head", "title": "Head of delegation"}]})
    assert registered.status == 201, registered
    return meeting_id, item


def test_a_document_picked_and_published_reaches_the_delegate_live(
        live_server: LiveServer, secretariat: Any, new_context: Callable[..., BrowserContext],
        sign_in: Callable[..., None], axe_check: Callable[[Page], list[str]],
        watch_console: Callable[[Page], Any]) -> None:
    admin = new_context(storage_state=secretariat.storage_state)
    meeting_id, item = _plenary_with_one_version(live_server, admin)

    # The delegates sit on the meeting page: one reads English, a new one of Haiti reads French.
    delegate = new_context().new_page()
    delegate_problems = watch_console(delegate)
    sign_in(delegate, DELEGATE)
    delegate.goto(f"/meetings/{meeting_id}")
    _online(delegate)
    french_email = f"lecteur.{uuid.uuid4().hex[:8]}@gov.ht"
    live_server.cmc("accounts", "create", "--email", french_email, "--name", "Lecteur Haïti", "--party", "HT",
                    "--role", "delegate", "--language", "fr", "--password-stdin", input_text=PASSWORD + "\n")
    french = new_context().new_page()
    sign_in_through_form(french, french_email, PASSWORD)
    expect(french.locator("html")).to_have_attribute("lang", "fr")
    french.goto(f"/meetings/{meeting_id}")
    _online(french)
    notice = delegate.locator("#agenda-notice")
    expect(notice).to_be_empty()
    expect(notice).to_have_attribute("aria-live", "polite")

    # The secretariat opens the item's edit form and links the document with the keyboard only.
    builder = admin.new_page()
    problems = watch_console(builder)
    builder.goto(f"/meetings/{meeting_id}/agenda")
    builder.get_by_text(re.compile(r"^Edit")).first.click()
    fallback = builder.locator('[data-picker-fallback] input[name="document_ids"]').first
    expect(fallback).to_be_hidden()  # the typed field is the form without scripts
    search = builder.get_by_role("combobox", name="Linked documents").first
    search.press_sequentially("smuggling rout")
    listbox = builder.get_by_role("listbox").first
    expect(listbox).to_be_visible()
    expect(search).to_have_attribute("aria-expanded", "true")
    option = listbox.get_by_role("option").filter(has_text=DOCUMENT)
    expect(option).to_have_count(1)
    expect(option).to_contain_text("Migrant Smuggling")  # the network, with kind and languages
    search.press("ArrowDown")
    expect(listbox.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    expect(search).to_have_attribute("aria-activedescendant", re.compile(r"^doc-option-"))
    _shoot(builder, "meeting-builder-picker", axe_check)
    while listbox.get_by_role("option").filter(has_text=DOCUMENT).get_attribute("aria-selected") != "true":
        search.press("ArrowDown")
    search.press("Enter")
    expect(listbox).to_be_hidden()
    chip = builder.locator(".doc-chip").filter(has_text=DOCUMENT)
    expect(chip).to_have_count(1)
    expect(chip.get_by_role("button", name=f"Remove {DOCUMENT}")).to_be_visible()
    # Escape closes an open list without choosing.
    search.press_sequentially("referral")
    expect(listbox).to_be_visible()
    search.press("Escape")
    expect(listbox).to_be_hidden()
    search.press("Escape")
    expect(search).to_have_value("")
    builder.get_by_role("button", name="Save item").first.click()
    expect(builder.locator(".alert-success")).to_contain_text("The item is saved.")
    expect(builder.locator("ol.agenda-builder")).to_contain_text(DOCUMENT)  # by title, not number
    expect(builder.locator("[data-document-warning]")).to_have_text(
        re.compile(r"Warning: Not readable by the delegation of Haiti\.$"))

    # Version 2 is published: the delegates' pages tell them, each in their language, without a reload.
    builder.get_by_role("button", name="Publish version 2").click()
    expect(builder.get_by_role("heading", level=1)).to_contain_text("Technical meeting on smuggling routes")
    expect(notice).to_contain_text("Version 2 of the agenda is published", timeout=LIVE_WAIT_MS)
    expect(notice.locator("li")).to_have_text([f"Added a document to “{item}”."])
    expect(notice.get_by_role("link", name="Read version 2")).to_have_attribute(
        "href", f"/meetings/{meeting_id}/agenda/2")
    expect(french.locator("#agenda-notice li")).to_have_text([re.compile(item)], timeout=LIVE_WAIT_MS)
    assert french.locator("#agenda-notice").inner_text() != notice.inner_text()  # the French reader's words
    _shoot(delegate, "meeting-live-notice", axe_check)
    expect(french.locator("#agenda-notice h2")).to_be_visible()
    _shoot(french, "meeting-live-notice-fr", axe_check)
    notice.get_by_role("button", name="Dismiss this notice").click()
    expect(notice).to_be_empty()
    # Read again, the meeting page names the document by title and offers the version's downloads.
    delegate.reload()
    expect(delegate.locator("table.agenda-table")).to_contain_text(DOCUMENT)
    expect(delegate.get_by_role("link", name="Documents (ZIP)")).to_be_visible()
    expect(delegate.locator("#agenda-notice")).to_have_attribute("data-version", "2")

    # The builder with the picker open, in French (the secretariat's language put back afterwards).
    _set_language(admin, "fr")
    try:
        builder.goto(f"/meetings/{meeting_id}/agenda")
        search = builder.locator("#doc-search-new")
        search.press_sequentially("guide")
        expect(builder.locator("#doc-results-new")).to_be_visible()
        _shoot(builder, "meeting-builder-picker-fr", axe_check)
    finally:
        _set_language(admin, "en")
    assert not problems.errors, problems.errors
    assert not delegate_problems.errors, delegate_problems.errors
