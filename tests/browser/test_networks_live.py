"""The networks issue, done when: a coordinator starts a thread in Migrant Smuggling; a delegate of another
party with the network open sees it appear without reloading, opens it and replies; the coordinator's open
thread shows the reply without reloading; a non-member gets 404 for the thread and the workspace but still
sees the network in the directory as "Not a member"; an observer reads but cannot reply; and a hostile
Markdown reply stays inert, whether it arrives live or with the page.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.live_server import LiveServer

NETWORK = "Migrant Smuggling"
SLUG = "migrant-smuggling"
DELEGATE = "delegate.tt@cmc.demo"  # Trinidad and Tobago, member
OBSERVER = "observer.us@cmc.demo"  # United States (observer party), member
LIVE_WAIT_MS = 5_000
HOSTILE_LINK = "see the annex"
HOSTILE_REPLY = (
    "Careful with this one.\n\n"
    "<img src=x onerror=window.__xss=1>\n\n"
    f"[{HOSTILE_LINK}](javascript:window.__xss=1)\n\n"
    "<script>window.__xss=1</script>"
)

#: Survives only as long as the page is not reloaded or left.
MARK_JS = "() => { window.__sameDocument = 'kept'; }"
KEPT_JS = "() => window.__sameDocument === 'kept'"


def _live(page: Page) -> None:
    expect(page.locator("#live-status")).to_have_attribute("data-state", "online", timeout=10_000)


def _open_network_from_nav(page: Page) -> None:
    """Main navigation -> Networks -> Migrant Smuggling (the overview)."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Networks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Networks")
    page.get_by_role("link", name=NETWORK, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NETWORK)
    _live(page)


def _thread_id(page: Page) -> int:
    match = re.search(r"/threads/(\d+)", page.url)
    assert match, page.url
    return int(match.group(1))


def _assert_inert(page: Page, where: str) -> None:
    """The hostile reply is on the page as harmless text: no image with a handler, no script, no javascript:
    link, and clicking its link text runs nothing."""
    reply = page.locator("#replies li").filter(has_text="Careful with this one.")
    expect(reply).to_have_count(1)
    expect(reply.locator("img")).to_have_count(0)
    expect(reply.locator("script")).to_have_count(0)
    expect(reply.locator("[onerror], [onclick], [onload]")).to_have_count(0)
    expect(reply.locator("a[href^='javascript' i]")).to_have_count(0)
    link_text = reply.get_by_text(HOSTILE_LINK, exact=True)
    expect(link_text).to_be_visible()
    url = page.url
    link_text.click()
    page.wait_for_timeout(300)  # a handler or a navigation would have run by now
    assert page.evaluate("typeof window.__xss") == "undefined", f"{where}: the hostile reply ran script"
    assert page.url == url, f"{where}: clicking the link text navigated to {page.url}"


@pytest.fixture
def coordinator_page(new_context: Callable[..., BrowserContext], coordinator: Any) -> Page:
    """The coordinator (second factor set up through the real enrolment page at its first sign-in),
    signed in, on home."""
    page = new_context(storage_state=coordinator.storage_state).new_page()
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Keisha Rolle")
    return page


def test_a_thread_and_its_replies_reach_members_live_and_nobody_else(
    live_server: LiveServer, coordinator_page: Page, new_context: Callable[..., BrowserContext],
    sign_in: Callable[..., None], watch_console: Callable[[Page], Any],
) -> None:
    title = f"Fishing boats used on the Windward route ({uuid.uuid4().hex[:6]})"
    body = "We have **three** reports this week of fishing boats carrying passengers at night."

    # A delegate of another party has the overview open before anything is posted.
    delegate = new_context().new_page()
    delegate_console = watch_console(delegate)
    sign_in(delegate, DELEGATE)
    _open_network_from_nav(delegate)
    expect(delegate.get_by_role("link", name=title)).to_have_count(0)
    delegate.evaluate(MARK_JS)

    # The coordinator: Networks -> Migrant Smuggling -> Start a discussion.
    coord = coordinator_page
    coord_console = watch_console(coord)
    _open_network_from_nav(coord)
    coord.get_by_role("link", name="Start a discussion").click()
    expect(coord.get_by_role("heading", level=1)).to_have_text("Start a discussion")
    coord.get_by_label("Title").fill(title)
    coord.get_by_label("Message").fill(body)
    coord.get_by_role("button", name="Post").click()
    expect(coord.get_by_role("heading", level=1)).to_have_text(title)
    expect(coord.locator("#thread .prose strong")).to_have_text("three")
    thread_id = _thread_id(coord)
    _live(coord)
    coord.evaluate(MARK_JS)

    # The delegate's overview shows it, first in the list, without a reload.
    item = delegate.locator(f"#thread-item-{thread_id}")
    expect(item).to_be_visible(timeout=LIVE_WAIT_MS)
    expect(item.get_by_role("link", name=title)).to_have_attribute("href", f"/threads/{thread_id}")
    expect(item).to_contain_text("Keisha Rolle (BS)")
    expect(item.get_by_text("New", exact=True)).to_be_visible()
    expect(delegate.locator("#thread-list > li").first).to_have_id(f"thread-item-{thread_id}")
    assert delegate.evaluate(KEPT_JS), "the delegate's overview was reloaded"

    # The delegate opens it and replies through the form.
    item.get_by_role("link", name=title).click()
    expect(delegate.get_by_role("heading", level=1)).to_have_text(title)
    _live(delegate)
    reply_text = f"Trinidad saw two such boats near Icacos on Tuesday ({uuid.uuid4().hex[:6]})."
    delegate.get_by_label("Your reply").fill(reply_text)
    delegate.get_by_role("button", name="Reply", exact=True).click()
    expect(delegate.locator("#replies")).to_contain_text(reply_text)

    # The coordinator's open thread shows the reply, without a reload.
    live_reply = coord.locator("#replies li").filter(has_text=reply_text)
    expect(live_reply).to_be_visible(timeout=LIVE_WAIT_MS)
    expect(live_reply).to_contain_text("Priya Ramdial (TT)")
    expect(coord.locator("#no-replies")).to_have_count(0)
    assert coord.evaluate(KEPT_JS), "the coordinator's thread page was reloaded"

    # A hostile reply: inert when it arrives live (inserted by threads.js) and when served with the page.
    delegate.get_by_label("Your reply").fill(HOSTILE_REPLY)
    delegate.get_by_role("button", name="Reply", exact=True).click()
    expect(coord.locator("#replies li").filter(has_text="Careful with this one.")).to_be_visible(
        timeout=LIVE_WAIT_MS)
    assert coord.evaluate(KEPT_JS), "the coordinator's thread page was reloaded"
    _assert_inert(coord, "coordinator, live")
    _assert_inert(delegate, "delegate, served")
    coord.reload()
    _assert_inert(coord, "coordinator, served")

    # Neither page had a script error (a CSP report from a refused handler would show here too).
    assert not coord_console.errors, "\n".join(coord_console.errors)
    assert not delegate_console.errors, "\n".join(delegate_console.errors)

    # --- a non-member (Barbados takes part in no demo membership) ---------------------------------------
    outsider_email = f"nonmember.{uuid.uuid4().hex[:8]}@gov.bb"
    live_server.cmc("accounts", "create", "--email", outsider_email, "--name", "Xavier Outsider", "--party", "BB",
                    "--role", "delegate", "--password-stdin", input_text="flying fish friday 2026\n")
    outsider = new_context().new_page()
    sign_in(outsider, outsider_email, "flying fish friday 2026")
    for path in (f"/threads/{thread_id}", f"/networks/{SLUG}", f"/networks/{SLUG}/members",
                 f"/networks/{SLUG}/threads/new"):
        response = outsider.goto(path)
        assert response is not None and response.status == 404, f"{path}: {response and response.status}"
        expect(outsider.get_by_role("heading", level=1)).to_have_text("Page not found")
        expect(outsider.locator("main")).not_to_contain_text(title)
        expect(outsider.locator("main")).not_to_contain_text(reply_text)

    outsider.goto("/networks")
    card = outsider.locator("article.network-card").filter(
        has=outsider.get_by_role("heading", name=NETWORK, exact=True))
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Not a member")
    expect(card.get_by_role("link")).to_have_count(0)  # its name is not a way in

    # --- an observer member reads the thread, with no way to reply --------------------------------------
    observer = new_context().new_page()
    sign_in(observer, OBSERVER)
    response = observer.goto(f"/threads/{thread_id}")
    assert response is not None and response.status == 200
    expect(observer.get_by_role("heading", level=1)).to_have_text(title)
    expect(observer.locator("#replies")).to_contain_text(reply_text)
    expect(observer.get_by_text("you read this network but do not post in it")).to_be_visible()
    expect(observer.locator("#reply-form")).to_have_count(0)
    expect(observer.get_by_label("Your reply")).to_have_count(0)
    expect(observer.get_by_role("button", name="Reply", exact=True)).to_have_count(0)
    expect(observer.get_by_role("button", name=re.compile(r"^(Delete|Pin|Edit)"))).to_have_count(0)
    observer.goto(f"/networks/{SLUG}")
    expect(observer.locator("#thread-list").get_by_role("link", name=title)).to_be_visible()
    expect(observer.get_by_role("link", name="Start a discussion")).to_have_count(0)
