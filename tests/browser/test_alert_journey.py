"""Issue 16, done when: the coordinator draws an area and picks two parties on the map, previews, confirms and
publishes; the delegate's home ("What needs you"), navigation count, activity feed and notification bell update
together without a reload; the delegate acknowledges from the toast; the coordinator's summary moves from
"0 of 2" to "1 of 2"; the same grid checked at 390 px. On a network of its own (the fixture of
tests/browser/test_alert_grid_live.py): Bahamas sends, Trinidad and Tobago and the Dominican Republic are
asked, the United States observes."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.test_alert_grid_live import DESKTOP, PASSWORD, PHONE, grid_network  # noqa: F401 - fixture
from tests.browser.test_compose_map import _click_map

LIVE_WAIT_MS = 5_000


def _online(page: Page) -> None:
    expect(page.locator("#live-status")).to_have_attribute("data-state", "online", timeout=10_000)


def test_draw_preview_publish_and_watch_the_acknowledgement_arrive(
        grid_network: dict[str, Any], coordinator: Any,  # noqa: F811
        new_context: Callable[..., BrowserContext], sign_in: Callable[..., None],
        watch_console: Callable[[Page], Any]) -> None:
    slug = grid_network["slug"]
    headline = f"Go-fast boat heading for Icacos Point ({uuid.uuid4().hex[:6]})"

    # The Trinidad and Tobago delegate, on home, before anything is published.
    home = new_context().new_page()
    home.set_viewport_size(DESKTOP)
    delegate_problems = watch_console(home)
    sign_in(home, grid_network["tt_email"], PASSWORD)
    _online(home)
    before = int(home.locator("#alerts-count").get_attribute("data-count") or "0")
    bell = home.locator("#notifications-bell")
    unread = int(bell.get_attribute("data-count") or "0")

    # The coordinator draws a circle and picks two parties on the map, previews and confirms.
    page = new_context(storage_state=coordinator.storage_state).new_page()
    page.set_viewport_size(DESKTOP)
    problems = watch_console(page)
    page.goto(f"/networks/{slug}/alerts/new")
    expect(page.locator("#compose-map")).to_have_attribute("data-ready", "1")
    page.locator("#geocodes option").evaluate_all("options => options.forEach(o => { o.selected = false; })")
    page.get_by_role("button", name="Draw a circle").click()
    _click_map(page, 0.8, 0.8)
    _click_map(page, 0.83, 0.8)
    expect(page.locator("#circle")).not_to_have_value("")
    for code in ("TT", "DO"):
        page.locator(f"#compose-map path.map-party-{code}").dispatch_event("click")
        expect(page.locator(f"#geocodes option[value='{code}']")).to_have_js_property("selected", True)
    page.get_by_role("textbox", name="Headline", exact=True).fill(headline)
    page.get_by_role("textbox", name="Event", exact=True).fill("Suspected smuggling vessel")
    page.get_by_role("combobox", name="Severity").select_option("Severe")
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the alert before you publish it")
    expect(page.locator("#preview-toast")).to_contain_text(headline)
    publish = page.get_by_role("button", name="Publish alert")
    expect(publish).to_be_disabled()  # Severe: a second click first
    page.get_by_label(re.compile(r"^I have checked this Severe alert")).check()
    publish.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(headline)
    alert_id = int(re.search(r"/alerts/(\d+)$", page.url).group(1))  # type: ignore[union-attr]
    _online(page)
    expect(page.locator("#ack-summary-text")).to_have_text("0 of 2 acknowledged")
    expect(page.locator("#area-map")).to_have_attribute("data-ready", "1")  # the area, drawn on its page

    # The delegate's home, count and feed follow together.
    expect(home.locator('[data-live-part="waiting"]')).to_contain_text(headline, timeout=LIVE_WAIT_MS)
    expect(home.locator("#alerts-count")).to_have_attribute("data-count", str(before + 1))
    expect(home.locator('[data-live-part="activity"]')).to_contain_text(headline)
    expect(bell).to_have_attribute("data-count", str(unread + 1))

    # Acknowledged from the toast: the coordinator's summary moves without a reload.
    toast = home.locator(f'#alert-toasts .alert-toast[data-alert-id="{alert_id}"]')
    toast.get_by_role("button", name="Acknowledge").click()
    expect(toast.get_by_role("button", name="Acknowledged")).to_be_disabled()
    expect(page.locator("#ack-summary-text")).to_have_text("1 of 2 acknowledged", timeout=LIVE_WAIT_MS)
    expect(home.locator("#alerts-count")).to_have_attribute("data-count", str(before))
    expect(home.locator('[data-live-part="waiting"]')).not_to_contain_text(headline)

    # The same grid on a phone: the acknowledgement on screen, nothing sideways.
    page.set_viewport_size(PHONE)
    row = page.locator('#ack-grid tr[data-party="TT"]')
    expect(row).to_contain_text(grid_network["tt_name"])
    box = row.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"] + 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert problems.errors == [] and delegate_problems.errors == [], (problems.errors, delegate_problems.errors)
