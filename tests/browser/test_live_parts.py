"""Home and feeds live (issue 16, item 4): a delegate's home ("What needs you", the activity feed, the
navigation count) and the network's workspace (its active alerts, its activity, the count), open side by side,
follow a publication, an acknowledgement from the toast, an update and a cancellation without reloading, and
say the same thing at every step: the count is the number of alerts home lists as waiting."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.test_alerts_live import (  # noqa: F401 - fixtures used by name
    KEPT_JS,
    LIVE_WAIT_MS,
    MARK_JS,
    SLUG,
    Member,
    _count,
    _home,
    _live,
    _publish,
    _toast,
    coordinator_token,
    new_member,
)
from tests.live_server import LiveServer


def _waiting_links(page: Page) -> list[str]:
    return page.locator('[data-live-part="waiting"] #alerts-waiting a').evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")


def _agrees(page: Page, count: int) -> None:
    """The navigation count is ``count`` and, on home, is the number of alerts listed as waiting (home lists the
    newest ten)."""
    expect(page.locator("#alerts-count")).to_have_attribute("data-count", str(count), timeout=LIVE_WAIT_MS)
    if page.locator('[data-live-part="waiting"]').count():
        expect(page.locator('[data-live-part="waiting"] #alerts-waiting li')).to_have_count(min(count, 10))


def test_home_and_the_workspace_follow_an_alert_and_agree(
    live_server: LiveServer, coordinator_token: str, new_member: Callable[[str], Member],  # noqa: F811
    new_context: Callable[..., BrowserContext], sign_in: Callable[..., None], watch_console: Callable[[Page], Any],
) -> None:
    tt = new_member("TT")
    home = _home(new_context, sign_in, tt)
    problems = watch_console(home)
    workspace = home.context.new_page()
    workspace_problems = watch_console(workspace)
    workspace.goto(f"/networks/{SLUG}")
    _live(workspace)
    listing = home.context.new_page()
    listing_problems = watch_console(listing)
    listing.goto("/alerts")
    _live(listing)
    active = listing.locator('[data-live-part="alerts_list"] .list-group').first
    before = _count(home)  # the shared server's other tests may have left alerts waiting for the party
    _agrees(home, before)
    for page in (home, workspace, listing):
        page.evaluate(MARK_JS)

    # Published: listed as waiting on home, in both feeds and in the workspace's active alerts; count + 1.
    headline = f"Vessel sighted off Icacos Point ({uuid.uuid4().hex[:6]})"
    alert_id = _publish(live_server, coordinator_token, headline, "Moderate")
    expect(home.locator('[data-live-part="waiting"]')).to_contain_text(headline, timeout=LIVE_WAIT_MS)
    assert f"/alerts/{alert_id}" in _waiting_links(home)
    expect(home.locator('[data-live-part="activity"]')).to_contain_text(headline)
    _agrees(home, before + 1)
    expect(workspace.locator('[data-live-part="network_alerts"]')).to_contain_text(headline, timeout=LIVE_WAIT_MS)
    expect(workspace.locator('[data-live-part="activity"]')).to_contain_text(headline)
    _agrees(workspace, before + 1)
    row = active.locator("li", has_text=headline)
    expect(row).to_contain_text("Waiting for your party", timeout=LIVE_WAIT_MS)
    _agrees(listing, before + 1)

    # Acknowledged from the toast on home: gone from "What needs you", the count back, on both pages.
    _toast(home, alert_id).get_by_role("button", name="Acknowledge").click()
    expect(_toast(home, alert_id).get_by_role("button", name="Acknowledged")).to_be_disabled()
    expect(home.locator('[data-live-part="waiting"]')).not_to_contain_text(headline, timeout=LIVE_WAIT_MS)
    _agrees(home, before)
    _agrees(workspace, before)
    expect(row).to_contain_text("Acknowledged by your party", timeout=LIVE_WAIT_MS)
    _agrees(listing, before)

    # An update is a new message to acknowledge; the workspace lists the update, not the old text.
    updated = f"{headline}: now two vessels"
    answer = live_server.api("POST", f"/alerts/{alert_id}/update", token=coordinator_token, json_body={
        "infos": [{"headline": updated, "event": "Suspected smuggling vessel", "severity": "Severe",
                   "urgency": "Expected", "certainty": "Likely"}], "status": "Actual"})
    assert answer.status == 201, answer
    update_id = int(answer.body["id"])
    expect(home.locator('[data-live-part="waiting"]')).to_contain_text(updated, timeout=LIVE_WAIT_MS)
    _agrees(home, before + 1)
    expect(workspace.locator('[data-live-part="network_alerts"]')).to_contain_text(updated, timeout=LIVE_WAIT_MS)
    _agrees(workspace, before + 1)
    expect(active).to_contain_text(updated, timeout=LIVE_WAIT_MS)
    expect(active.locator("li", has_text=headline).filter(has_not_text=updated)).to_have_count(0)  # superseded
    _agrees(listing, before + 1)

    # Cancelled: nothing waits any more, and the workspace no longer lists it as active.
    cancelled = live_server.api("POST", f"/alerts/{update_id}/cancel", token=coordinator_token,
                                json_body={"note": "Vessels identified as fishing boats"})
    assert cancelled.status == 201, cancelled
    expect(home.locator('[data-live-part="waiting"]')).not_to_contain_text(updated, timeout=LIVE_WAIT_MS)
    _agrees(home, before)
    expect(workspace.locator('[data-live-part="network_alerts"]')).not_to_contain_text(
        re.compile(re.escape(updated)), timeout=LIVE_WAIT_MS)
    _agrees(workspace, before)
    expect(active).not_to_contain_text(updated, timeout=LIVE_WAIT_MS)
    _agrees(listing, before)

    for page in (home, workspace, listing):
        assert page.evaluate(KEPT_JS), "a page was reloaded"
    # The server agrees after a reload.
    home.reload()
    _agrees(home, before)
    assert not (problems.errors or workspace_problems.errors or listing_problems.errors), (
        problems.errors, workspace_problems.errors, listing_problems.errors)
