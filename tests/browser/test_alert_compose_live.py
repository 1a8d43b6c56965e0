"""Composing an alert in a real browser: the coordinator of Migrant Smuggling starts from an event type, reads
the plain-word hints (which follow the chosen value), sees the draft autosaved on the server, previews, reads
who will receive it ("n parties, m people") and the toast as members will see it, ticks the Severe confirmation
(the publish button stays disabled until then) and publishes. axe finds no serious or critical violation on the
compose page or the preview. Screenshots of both, at 1280 and 390 px and in French, go to ``screenshots/``
beside the other pages' (``CMC_COMPOSE_SHOTS`` to choose another folder)."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.test_screens import SCREENSHOTS
from tests.browser.test_screens_languages import _set_language

SLUG = "migrant-smuggling"
SHOTS = Path(os.environ.get("CMC_COMPOSE_SHOTS") or SCREENSHOTS)
WIDTHS = {1280: {"width": 1280, "height": 800}, 390: {"width": 390, "height": 844}}
SEVERE_RED = "rgb(176, 42, 55)"  # .alert-toast.severity-severe in static/css/app.css, as a live toast


def _shoot(page: Page, name: str) -> None:
    """Full-page screenshots of the page as it is, at each width (the page is not reloaded)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.evaluate("document.fonts.ready.then(() => true)")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways at {width} px by {overflow} px"
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(WIDTHS[1280])


def _fill(page: Page, headline: str) -> None:
    page.get_by_label("Start from an event type").select_option(label="Suspected smuggling vessel")
    severity = page.get_by_role("combobox", name="Severity")
    expect(severity).to_have_value("Severe")  # the template filled it, and the hint followed
    expect(page.locator("#severity-hint")).to_have_text(re.compile(r"^\S+ ?: "))
    page.get_by_role("textbox", name="Headline", exact=True).fill(headline)
    page.get_by_role("textbox", name="Area description").fill("Gulf of Paria, off Icacos Point")
    page.locator("#description").fill("Two pirogues with about 60 people seen leaving the delta at 21:00.")


def test_coordinator_previews_confirms_and_publishes_a_severe_alert(
        new_context: Callable[..., BrowserContext], coordinator: Any, axe_check: Callable[[Page], list[str]],
        watch_console: Callable[[Page], Any]) -> None:
    headline = f"Two pirogues left Tucupita for the south coast of Trinidad ({uuid.uuid4().hex[:6]})"
    page = new_context(storage_state=coordinator.storage_state).new_page()
    problems = watch_console(page)
    page.goto(f"/networks/{SLUG}/alerts/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("New alert")

    # Plain words with a hint that follows the value and describes the select.
    severity = page.get_by_role("combobox", name="Severity")
    expect(severity).to_have_attribute("aria-describedby", re.compile(r"\bseverity-hint\b"))
    severity.select_option("Minor")
    expect(page.locator("#severity-hint")).to_have_text("Minor: minimal to no known threat to life or property.")
    page.get_by_role("combobox", name="Urgency").select_option("Expected")
    expect(page.locator("#urgency-hint")).to_have_text("Expected: act soon, within the next hour.")
    _fill(page, headline)
    expect(page.locator("#severity-hint")).to_have_text("Severe: significant threat to life or property.")
    # The draft goes to the server a few seconds after the last change.
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at", timeout=10_000)
    problems_found = axe_check(page)
    assert not problems_found, "axe on the compose page:\n" + "\n".join(problems_found)
    _shoot(page, "compose")

    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the alert before you publish it")
    expect(page.locator("#preview-reach")).to_contain_text(re.compile(r"It goes at once to \d+ parties, \d+ people"))
    toast = page.locator("#preview-toast .alert-toast.severity-severe")
    expect(toast).to_be_visible()
    expect(toast.locator(".severity-badge")).to_have_text(re.compile(r"Severe$"))
    expect(toast).to_contain_text(headline)
    assert toast.evaluate("t => getComputedStyle(t).borderLeftColor") == SEVERE_RED
    expect(page.locator("#preview-subject")).to_have_text(f"[Severe] {headline}")
    publish = page.get_by_role("button", name="Publish alert")
    expect(publish).to_be_disabled()
    problems_found = axe_check(page)
    assert not problems_found, "axe on the preview:\n" + "\n".join(problems_found)
    _shoot(page, "preview")

    confirm = page.get_by_label(re.compile(r"^I have checked this Severe alert: it goes to \d+ parties, \d+ people"))
    confirm.check()
    expect(publish).to_be_enabled()
    publish.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(headline)
    expect(page.get_by_text("The alert is published to every member of Migrant Smuggling.")).to_be_visible()
    # Published: the autosave is gone, the next compose page starts empty.
    page.goto(f"/networks/{SLUG}/alerts/new")
    expect(page.locator("#autosave-restored")).to_have_count(0)
    assert not problems.errors, problems.errors


def test_compose_and_preview_in_french(new_context: Callable[..., BrowserContext], coordinator: Any,
                                       axe_check: Callable[[Page], list[str]]) -> None:
    context = new_context(storage_state=coordinator.storage_state)
    _set_language(context, "fr")
    try:
        page = context.new_page()
        page.goto(f"/networks/{SLUG}/alerts/new")
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        page.locator("#template").select_option(index=1)
        page.locator("#headline").fill("Deux pirogues parties de Tucupita vers la côte sud de Trinidad")
        page.locator("#area_desc").fill("Golfe de Paria")
        page.locator("#severity-meanings summary").click()  # the list of meanings, opened
        _shoot(page, "compose-fr")
        page.locator("#preview-button").click()
        expect(page.locator("#confirm-box")).to_be_visible()
        problems_found = axe_check(page)
        assert not problems_found, "axe on the French preview:\n" + "\n".join(problems_found)
        _shoot(page, "preview-fr")
    finally:
        _set_language(context, "en")


def test_a_severe_draft_is_previewed_and_confirmed_before_approval_in_french(
        new_context: Callable[..., BrowserContext], coordinator: Any, live_server: Any,
        axe_check: Callable[[Page], list[str]]) -> None:
    """A Dominican Republic delegate's Severe draft: its page shows the coordinator the toast and the reach;
    "Approve and publish" without the box ticked is refused with the message beside the box, then approved."""
    token = live_server.create_token("delegate.do@cmc.demo", "approval preview")
    headline = f"Route change: boats now land east of Samaná at dawn ({uuid.uuid4().hex[:6]})"
    draft = live_server.api("POST", f"/networks/{SLUG}/alerts", token=token, json_body={
        "submit": True, "infos": [{"headline": headline, "event": "Route change", "severity": "Severe"}]})
    assert draft.status == 201 and draft.body["state"] == "submitted", draft
    context = new_context(storage_state=coordinator.storage_state)
    _set_language(context, "fr")
    try:
        page = context.new_page()
        page.goto(f"/alerts/{draft.body['id']}")
        review = page.locator("#review-box")
        expect(review.locator("#preview-reach")).to_contain_text(re.compile(r"\d+ parties et \d+ personnes"))
        expect(review.locator("#preview-toast .alert-toast.severity-severe")).to_contain_text(headline)
        problems_found = axe_check(page)
        assert not problems_found, "axe on the draft's review:\n" + "\n".join(problems_found)
        _shoot(page, "approve-fr")
        page.locator("#approve-button").click()
        expect(page.locator("#confirm_severe-error")).to_be_visible()
        _shoot(page, "approve-refused-fr")
        page.locator("#confirm_severe").check()
        page.locator("#approve-button").click()
        expect(page.locator("#review-box")).to_have_count(0)
        expect(page.locator("#ack-h")).to_be_visible()  # published: the acknowledgement box
    finally:
        _set_language(context, "en")
