"""Ending a session from another browser drops that browser's live connection at once and signs it out
(DESIGN.md section 6: "Logout ... disconnects the affected connections at once"): the person themself from
Settings -> Sessions, and the secretariat from Admin -> Accounts -> (person) -> Active sessions.

Each test uses an account of its own, so the session table holds exactly the sessions the test made.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.live_server import LiveServer

PASSWORD = "harbour lights at night 2026"
#: The server closes an ended session's live connection at once; the browser must see it well before Socket.IO's
#: own heartbeat (25 s) would have noticed anything. Generous, not a speed measure: a loaded machine is slow.
DROP_WITHIN_MS = 10_000


def _new_delegate(live_server: LiveServer, stem: str) -> tuple[str, str]:
    """A fresh Trinidad and Tobago delegate with a password; returns (email, name)."""
    tag = uuid.uuid4().hex[:8]
    email, name = f"{stem}.{tag}@gov.tt", f"Ravi {stem.title()} {tag}"
    live_server.cmc("accounts", "create", "--email", email, "--name", name, "--party", "TT", "--role", "delegate",
                    "--password-stdin", input_text=PASSWORD + "\n")
    return email, name


def _signed_in_page(new_context: Callable[..., BrowserContext], sign_in: Callable[..., None], email: str) -> Page:
    page = new_context().new_page()
    sign_in(page, email, PASSWORD)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "online", timeout=10_000)
    return page


def _end_and_watch(end_button: Locator, victim: Page) -> float:
    """Click "End session" and return how long (seconds) the victim's live indicator stayed online after the
    click; fail if it is still online after :data:`DROP_WITHIN_MS`."""
    status = victim.locator("#live-status")
    started = time.monotonic()
    end_button.click()
    expect(status).not_to_have_attribute("data-state", "online", timeout=DROP_WITHIN_MS)
    return time.monotonic() - started


def _is_signed_out(page: Page) -> None:
    """The dropped page reloads by itself (live.js) and lands on the sign-in page."""
    expect(page).to_have_url(re.compile(r"/sign-in(\?|$)"), timeout=5_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator("#live-status")).to_have_count(0)


def test_ending_my_other_session_signs_that_browser_out_at_once(
    live_server: LiveServer, new_context: Callable[..., BrowserContext], sign_in: Callable[..., None],
) -> None:
    email, _name = _new_delegate(live_server, "sessions")
    page_a = _signed_in_page(new_context, sign_in, email)
    page_b = _signed_in_page(new_context, sign_in, email)

    # Context A: Settings -> Sessions.
    page_a.locator("header").locator("a.user-link").click()
    expect(page_a.get_by_role("heading", level=1)).to_have_text("Settings")
    page_a.get_by_role("navigation", name="Settings").get_by_role("link", name="Sessions").click()
    expect(page_a.get_by_role("heading", name="Where you are signed in")).to_be_visible()
    rows = page_a.locator("#sessions-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="This browser")).to_have_count(1)
    other = rows.filter(has_not_text="This browser")
    expect(other).to_have_count(1)

    _end_and_watch(other.get_by_role("button", name="End session"), page_b)
    _is_signed_out(page_b)

    # A is untouched: the table lists it alone, and its own live connection stays up.
    expect(page_a.get_by_text("The session is ended. That browser is signed out.")).to_be_visible()
    expect(rows).to_have_count(1)
    expect(rows.filter(has_text="This browser")).to_have_count(1)
    expect(page_a.locator("#live-status")).to_have_attribute("data-state", "online", timeout=10_000)

    # B cannot come back with what it had: its cookie is dead.
    page_b.goto("/settings/sessions")
    _is_signed_out(page_b)


def test_secretariat_ends_a_delegates_session_from_the_accounts_admin(
    live_server: LiveServer, new_context: Callable[..., BrowserContext],
    new_signed_in_context: Callable[..., BrowserContext], sign_in: Callable[..., None],
) -> None:
    email, name = _new_delegate(live_server, "admin")
    delegate = _signed_in_page(new_context, sign_in, email)

    admin = new_signed_in_context().new_page()
    admin.goto("/")
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Accounts")
    admin.get_by_label("Party").select_option("TT")
    admin.get_by_role("button", name="Filter").click()
    admin.get_by_role("link", name=name, exact=True).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(name)

    sessions = admin.locator("section").filter(has=admin.get_by_role("heading", name="Active sessions"))
    rows = sessions.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.filter(has_text="This browser")).to_have_count(0)  # the secretariat's own browser is not theirs

    _end_and_watch(rows.get_by_role("button", name="End session"), delegate)
    _is_signed_out(delegate)

    expect(admin.get_by_text("The session is ended.")).to_be_visible()
    expect(sessions.get_by_text("No active sessions.")).to_be_visible()
    expect(admin.locator("#live-status")).to_have_attribute("data-state", "online", timeout=10_000)
