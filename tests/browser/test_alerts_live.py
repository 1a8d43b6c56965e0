"""The early alerts issue, done when: the coordinator of Migrant Smuggling publishes a Severe alert through the
real compose form; delegates of two parties, each in a browser of their own with their home page open, see
it arrive as a toast without reloading (announced at once, severity in words), and their navigation count goes
up; one of them acknowledges from the toast, and the coordinator's open alert page shows that party's row of
the acknowledgement grid switch to acknowledged without reloading, while the other party's row is not.

Also: a delegate whose page was closed while an alert was published gets it when they open a page again in
the same tab (``alerts:sync`` from the last alert the tab saw), and a Minor alert arrives politely (no
``role=alert`` announcement) and its toast goes away by itself, while a Severe one stays.

The delegates are fresh accounts of Trinidad and Tobago and the Dominican Republic that the coordinator adds
to the network through the API, so no other test's sessions or acknowledgements can touch them. Screenshots of
the toasts go to ``screenshots/`` beside the other pages' (``test_screens.py``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.bulk_alerts import insert_missed_alerts
from tests.live_server import LiveServer

NETWORK = "Migrant Smuggling"
SLUG = "migrant-smuggling"
COORDINATOR = "coordinator.bs@cmc.demo"
PASSWORD = "coral reef watch 2026"
LIVE_WAIT_MS = 5_000
MINOR_TOAST_MS = 20_000  # static/js/alerts.js removes a toast that is not Severe or Extreme after 20 s
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
PHONE = {"width": 390, "height": 844}

#: Survives only as long as the page is not reloaded or left.
MARK_JS = "() => { window.__sameDocument = 'kept'; }"
KEPT_JS = "() => window.__sameDocument === 'kept'"


@dataclass
class Member:
    """A fresh delegate added to Migrant Smuggling."""

    email: str
    name: str
    party: str


@pytest.fixture(scope="module")
def coordinator_token(live_server: LiveServer, coordinator: Any) -> str:
    """A personal access token of the coordinator (whose second factor the ``coordinator`` fixture set up:
    the API refuses a coordinator without one)."""
    return live_server.create_token(COORDINATOR, "alerts browser tests")


@pytest.fixture
def new_member(live_server: LiveServer, coordinator_token: str) -> Callable[[str], Member]:
    """``new_member("TT")``: a fresh delegate of that party, with a password, added to Migrant Smuggling by
    its coordinator through the API."""

    def make(party: str) -> Member:
        tag = uuid.uuid4().hex[:8]
        email, name = f"alerts.{tag}@gov.{party.lower()}", f"Alert Watch {party} {tag}"
        out = live_server.cmc("accounts", "create", "--email", email, "--name", name, "--party", party,
                              "--role", "delegate", "--password-stdin", input_text=PASSWORD + "\n").stdout
        match = re.search(r"Created account (\d+)", out)
        assert match, out
        added = live_server.api("POST", f"/networks/{SLUG}/members", token=coordinator_token,
                                json_body={"account_id": int(match.group(1)), "role": "member"})
        assert added.status == 201, added
        return Member(email=email, name=name, party=party)

    return make


def _live(page: Page) -> None:
    expect(page.locator("#live-status")).to_have_attribute("data-state", "online", timeout=10_000)


def _home(new_context: Callable[..., BrowserContext], sign_in: Callable[..., None], member: Member,
          **context_args: Any) -> Page:
    """The member signed in through the form, on home, with the live connection up."""
    page = new_context(**context_args).new_page()
    sign_in(page, member.email, PASSWORD)
    _live(page)
    return page


def _count(page: Page) -> int:
    """The navigation count of alerts waiting for the party (``#alerts-count``)."""
    return int(page.locator("#alerts-count").get_attribute("data-count") or "0")


def _toast(page: Page, alert_id: int) -> Locator:
    return page.locator(f'#alert-toasts .alert-toast[data-alert-id="{alert_id}"]')


def _publish(live_server: LiveServer, token: str, headline: str, severity: str) -> int:
    """Publish an alert as the coordinator through the API; return its id."""
    answer = live_server.api("POST", f"/networks/{SLUG}/alerts", token=token, json_body={
        "infos": [{"headline": headline, "event": "Suspected smuggling vessel", "severity": severity,
                   "urgency": "Expected", "certainty": "Likely"}], "status": "Actual"})
    assert answer.status == 201, answer
    return int(answer.body["id"])


def _screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), animations="disabled", caret="hide")


def test_a_severe_alert_reaches_two_parties_live_and_the_coordinator_sees_the_acknowledgement_live(
    live_server: LiveServer, coordinator: Any, new_member: Callable[[str], Member],
    new_context: Callable[..., BrowserContext], sign_in: Callable[..., None], watch_console: Callable[[Page], Any],
) -> None:
    headline = f"Go-fast boat heading for the south coast of Trinidad ({uuid.uuid4().hex[:6]})"
    event = "Suspected smuggling vessel"
    tt, do = new_member("TT"), new_member("DO")

    # Each delegate in a browser of their own, on their home page, before anything is published.
    delegates: dict[str, Page] = {}
    problems = {}
    counts = {}
    for member in (tt, do):
        page = _home(new_context, sign_in, member)
        problems[member.party] = watch_console(page)
        counts[member.party] = _count(page)
        expect(page.locator("#alert-toasts .alert-toast")).to_have_count(0)
        page.evaluate(MARK_JS)
        delegates[member.party] = page

    # The coordinator: Networks -> Migrant Smuggling -> Alerts -> Publish an alert.
    coord = new_context(storage_state=coordinator.storage_state).new_page()
    coord_problems = watch_console(coord)
    coord.goto("/")
    expect(coord.get_by_role("heading", level=1)).to_have_text("Welcome, Keisha Rolle")
    coord.get_by_role("navigation", name="Main").get_by_role("link", name="Networks").click()
    coord.get_by_role("link", name=NETWORK, exact=True).click()
    expect(coord.get_by_role("heading", level=1)).to_have_text(NETWORK)
    coord.locator("main").get_by_role("link", name="Alerts", exact=True).click()  # the network's tab
    expect(coord).to_have_url(re.compile(rf"/networks/{SLUG}/alerts$"))
    coord.get_by_role("link", name="Publish an alert").click()
    expect(coord.get_by_role("heading", level=1)).to_have_text("New alert")
    coord.get_by_role("textbox", name="Headline", exact=True).fill(headline)
    coord.get_by_role("textbox", name="Event", exact=True).fill(event)
    coord.get_by_role("combobox", name="Severity").select_option("Severe")
    coord.get_by_role("button", name="Preview", exact=True).click()  # then confirm the Severe alert
    coord.get_by_label(re.compile(r"^I have checked this Severe alert")).check()
    coord.get_by_role("button", name="Publish alert").click()

    # The coordinator lands on the alert, with the grid: one row per party of the network.
    expect(coord.get_by_role("heading", level=1)).to_have_text(headline)
    expect(coord.get_by_text(f"The alert is published to every member of {NETWORK}.")).to_be_visible()
    match = re.search(r"/alerts/(\d+)$", coord.url)
    assert match, coord.url
    alert_id = int(match.group(1))
    grid = coord.locator(f'#ack-grid[data-alert-id="{alert_id}"]')
    rows = {party: grid.locator(f'tbody tr[data-party="{party}"]') for party in ("TT", "DO")}
    for row in rows.values():
        expect(row).to_have_count(1)
    _live(coord)
    coord.evaluate(MARK_JS)

    # Both delegates see the toast, announced at once, without a reload; their count goes up by one.
    for member in (tt, do):
        page = delegates[member.party]
        toast = _toast(page, alert_id)
        expect(toast).to_be_visible(timeout=LIVE_WAIT_MS)
        expect(toast).to_have_class(re.compile(r"\bseverity-severe\b"))
        expect(toast.locator(".severity-badge")).to_have_text(re.compile(r"\bSevere$"))
        expect(toast.get_by_text("Severe", exact=False).first).to_be_visible()
        expect(toast).to_contain_text(headline)
        expect(toast).to_contain_text(f"{NETWORK} · BS")
        # Through the notification centre, which marks the alert's notification read and opens the alert.
        expect(toast.get_by_role("link", name="Open")).to_have_attribute("href",
                                                                         f"/notifications/alert/{alert_id}/open")
        expect(page.locator("#alert-announcer-urgent")).to_have_text(f"Severe alert: {headline}")
        expect(page.get_by_role("alert")).to_have_text(f"Severe alert: {headline}")
        expect(page.locator("#alerts-count")).to_have_attribute("data-count", str(counts[member.party] + 1))
        expect(page.locator("#alerts-count")).to_be_visible()
        assert page.evaluate(KEPT_JS), f"the {member.party} delegate's page was reloaded"
    _screenshot(delegates["TT"], "alert-toast-severe-1280")

    # Trinidad and Tobago acknowledges from the toast.
    tt_page = delegates["TT"]
    ack = _toast(tt_page, alert_id).get_by_role("button", name="Acknowledge")
    ack.click()
    expect(_toast(tt_page, alert_id).get_by_role("button", name="Acknowledged")).to_be_disabled()
    expect(tt_page.locator("#alerts-count")).to_have_attribute("data-count", str(counts["TT"]))

    # The coordinator's open page shows it at once; the Dominican Republic has not acknowledged.
    expect(rows["TT"]).to_have_attribute("data-state", "acknowledged", timeout=LIVE_WAIT_MS)
    expect(rows["TT"].locator(".acknowledged")).to_contain_text(f"Acknowledged by {tt.name} at ")
    expect(rows["DO"]).not_to_have_attribute("data-state", "acknowledged")
    expect(rows["DO"].locator(".acknowledged")).to_have_text("Not acknowledged yet")
    assert coord.evaluate(KEPT_JS), "the coordinator's alert page was reloaded"
    _screenshot(coord, "alert-grid-live-1280")

    # The server agrees (the grid after a reload comes from the database): both parties' connections
    # reported delivery (alert:received), only Trinidad and Tobago acknowledged.
    coord.reload()
    expect(rows["TT"]).to_have_attribute("data-state", "acknowledged")
    expect(rows["DO"]).to_have_attribute("data-state", "delivered")

    for who, watched in [*problems.items(), ("coordinator", coord_problems)]:
        assert not watched.errors, f"{who}: " + "\n".join(watched.errors)


def test_an_alert_published_while_the_page_was_closed_arrives_when_a_page_opens_again(
    live_server: LiveServer, coordinator_token: str, new_member: Callable[[str], Member],
    new_context: Callable[..., BrowserContext], sign_in: Callable[..., None],
) -> None:
    member = new_member("DO")
    page = _home(new_context, sign_in, member)

    # One alert while the page is open: it arrives live, and the tab remembers it as the last one seen.
    before = _count(page)
    seen = _publish(live_server, coordinator_token, f"Vessel sighted off Samaná ({uuid.uuid4().hex[:6]})",
                    "Moderate")
    expect(_toast(page, seen)).to_be_visible(timeout=LIVE_WAIT_MS)
    # The count follows the toast once parts.js has asked the server (not at the same instant): wait for it.
    expect(page.locator("#alerts-count")).to_have_attribute("data-count", str(before + 1), timeout=LIVE_WAIT_MS)
    count = before + 1

    # The delegate leaves the platform in this tab; an alert is published meanwhile.
    page.goto("about:blank")
    headline = f"Landing expected near Punta Cana tonight ({uuid.uuid4().hex[:6]})"
    missed = _publish(live_server, coordinator_token, headline, "Severe")

    # Back on a page of the platform, in the same tab: the missed alert comes through alerts:sync.
    page.goto("/")
    _live(page)
    toast = _toast(page, missed)
    expect(toast).to_be_visible(timeout=LIVE_WAIT_MS)
    expect(toast).to_contain_text(headline)
    expect(page.locator("#alert-announcer-urgent")).to_have_text(f"Severe alert: {headline}")
    # The one seen before does not show again.
    expect(_toast(page, seen)).to_have_count(0)
    # The missed alert waits for the party on home, and the count is the server's (other tests' alerts of the
    # shared server may have changed it since: what matters is that the page agrees with the server).
    expect(page.locator('[data-live-part="waiting"]')).to_contain_text(headline)
    server = page.evaluate("""() => fetch('/parts?part=waiting', {headers: {'X-Requested-With': 'fetch'}})
                                   .then(r => r.json()).then(a => a.waiting)""")
    assert _count(page) == server >= count


def test_a_minor_alert_arrives_politely_and_goes_away_by_itself_while_a_severe_one_stays(
    live_server: LiveServer, coordinator_token: str, new_member: Callable[[str], Member],
    new_context: Callable[..., BrowserContext], sign_in: Callable[..., None],
) -> None:
    member = new_member("TT")
    context = new_context()
    context.clock.install()  # the page's timers, so that 20 s can pass at once; time runs on meanwhile
    page = context.new_page()
    page.set_viewport_size(PHONE)
    sign_in(page, member.email, PASSWORD)
    _live(page)

    severe_headline = f"Large irregular arrival at Cedros ({uuid.uuid4().hex[:6]})"
    severe = _publish(live_server, coordinator_token, severe_headline, "Severe")
    expect(_toast(page, severe)).to_be_visible(timeout=LIVE_WAIT_MS)
    minor_headline = f"Route change reported towards Icacos ({uuid.uuid4().hex[:6]})"
    minor = _publish(live_server, coordinator_token, minor_headline, "Minor")
    minor_toast = _toast(page, minor)
    expect(minor_toast).to_be_visible(timeout=LIVE_WAIT_MS)
    expect(minor_toast).to_have_class(re.compile(r"\bseverity-minor\b"))
    expect(minor_toast.locator(".severity-badge")).to_have_text(re.compile(r"\bMinor$"))

    # Announced politely, not as an alert: the role=alert announcer still speaks of the Severe one only.
    expect(page.locator("#alert-announcer")).to_have_text(f"Minor alert: {minor_headline}")
    expect(page.locator("#alert-announcer")).not_to_have_attribute("role", "alert")
    expect(page.locator("#alert-announcer")).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("alert")).to_have_text(f"Severe alert: {severe_headline}")
    _screenshot(page, "alert-toasts-390")

    page.clock.fast_forward(MINOR_TOAST_MS - 2_000)
    expect(minor_toast).to_be_visible()
    page.clock.fast_forward(3_000)
    expect(minor_toast).to_have_count(0)
    expect(_toast(page, severe)).to_be_visible()  # Severe stays until dismissed ...
    _toast(page, severe).get_by_role("button", name="Dismiss alert").click()
    expect(_toast(page, severe)).to_have_count(0)  # ... and goes when dismissed


def test_the_grid_catches_up_with_an_acknowledgement_made_while_the_coordinators_link_was_down(
    live_server: LiveServer, coordinator: Any, coordinator_token: str, new_member: Callable[[str], Member],
    new_context: Callable[..., BrowserContext],
) -> None:
    member = new_member("TT")
    member_token = live_server.create_token(member.email, "alerts browser tests")
    alert_id = _publish(live_server, coordinator_token, f"Vessel adrift off Toco ({uuid.uuid4().hex[:6]})",
                        "Moderate")

    coord = new_context(storage_state=coordinator.storage_state).new_page()
    coord.goto(f"/alerts/{alert_id}")
    _live(coord)
    row = coord.locator(f'#ack-grid[data-alert-id="{alert_id}"] tbody tr[data-party="TT"]')
    expect(row).not_to_have_attribute("data-state", "acknowledged")
    coord.evaluate(MARK_JS)

    # The coordinator's link drops; Trinidad and Tobago acknowledges meanwhile; the link comes back.
    coord.evaluate("() => window.CMCLive.socket.disconnect()")
    expect(coord.locator("#live-status")).to_have_attribute("data-state", "offline")
    answer = live_server.api("POST", f"/alerts/{alert_id}/ack", token=member_token)
    assert answer.status == 200, answer
    coord.evaluate("() => window.CMCLive.socket.connect()")
    _live(coord)

    expect(row).to_have_attribute("data-state", "acknowledged", timeout=LIVE_WAIT_MS)
    assert coord.evaluate(KEPT_JS), "the coordinator's alert page was reloaded"


def test_a_page_back_from_a_long_outage_pages_until_it_has_every_missed_alert(
    live_server: LiveServer, coordinator_token: str, new_member: Callable[[str], Member],
    new_context: Callable[..., BrowserContext], sign_in: Callable[..., None], watch_console: Callable[[Page], Any],
) -> None:
    """Hardening issue, item 5: 1,200 alerts published while the tab had no page open (more than two pages of
    ``alerts:sync``), one published through the API after them, and one published while the page is catching
    up. The page's client asks page after page until the answer says nothing more follows: every alert
    reaches the page once, the tab's cursor ends on the newest, the catch-up is summed up in one toast (not
    1,200), and the deliveries are recorded for the party."""
    member = new_member("DO")
    page = _home(new_context, sign_in, member)
    problems = watch_console(page)
    user_id = page.evaluate("() => document.body.getAttribute('data-user-id')")

    page.goto("about:blank")  # the outage: no page of the platform open in the tab
    missed = insert_missed_alerts(live_server, 1200, current=False)
    newest = _publish(live_server, coordinator_token, f"Vessel seen off Samaná ({uuid.uuid4().hex[:6]})", "Severe")

    page.goto("/")
    during = _publish(live_server, coordinator_token, f"Second vessel off Samaná ({uuid.uuid4().hex[:6]})", "Minor")
    _live(page)
    page.wait_for_function("id => window.CMCAlerts.seen[id] && !window.CMCAlerts.catchingUp()", arg=during,
                           timeout=30_000)
    everything = [*missed, newest, during]
    assert page.evaluate("ids => ids.filter(id => !window.CMCAlerts.seen[id])", everything) == []
    assert page.evaluate("() => window.CMCAlerts.pages()") >= 3  # 500 + 500 + the rest: it paged
    assert page.evaluate("() => window.CMCAlerts.lastId()") == during
    assert page.evaluate(f"() => window.sessionStorage.getItem('cmc-alert-last-{user_id}')") == str(during)

    # One summary toast, not 1,200; the one published during the catch-up came live or in the summary.
    summary = page.locator("#alert-toasts .alert-catch-up")
    expect(summary).to_have_count(1)
    summed = int(summary.get_attribute("data-count") or 0)
    single = page.locator("#alert-toasts .alert-toast[data-alert-id]").count()
    assert summed in (1201, 1202) and summed + single == 1202, (summed, single)
    expect(summary).to_contain_text(f"{summed} alerts arrived while you were away (1 Severe or Extreme).")
    expect(page.locator("#alert-announcer-urgent")).to_contain_text(f"{summed} alerts arrived")

    # Every page of the catch-up was confirmed: the delivery is recorded for the Dominican Republic.
    for alert_id in (missed[0], missed[600], missed[-1]):
        grid = page.request.get(f"/api/v1/alerts/{alert_id}/grid").json()
        assert grid["items"][0]["party"] == "DO" and grid["items"][0]["delivered_at"], grid

    # A reload in the same tab starts from the cursor: nothing arrives twice.
    page.reload()
    _live(page)
    page.wait_for_function("() => window.CMCAlerts.pages() >= 1 && !window.CMCAlerts.catchingUp()")
    expect(page.locator("#alert-toasts .alert-toast")).to_have_count(0)
    assert not problems.errors, "\n".join(problems.errors)
