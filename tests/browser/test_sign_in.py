"""Signing in and out through the real form, as a person does."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.live_server import DEMO_PASSWORD

DELEGATE = "delegate.tt@cmc.demo"
DELEGATE_NAME = "Priya Ramdial"
SESSION_COOKIE = "cmc_session"
GENERIC_ERROR = "The email or password is not right, or the account cannot sign in."


def _path_is(page: Page, base_url: str, path: str) -> None:
    """The page's address is exactly ``base_url + path`` (any query string allowed)."""
    expect(page).to_have_url(re.compile("^" + re.escape(base_url + path) + r"(\?.*)?$"))


def test_sign_in_live_connection_and_sign_out_kills_the_cookie(
    page: Page, new_context: Callable[..., BrowserContext], base_url: str,
    submit_sign_in: Callable[..., None],
) -> None:
    submit_sign_in(page, DELEGATE, DEMO_PASSWORD)

    # Home, for this person and party.
    _path_is(page, base_url, "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {DELEGATE_NAME}")
    header = page.locator("header")
    expect(header.locator(".user-name")).to_have_text(DELEGATE_NAME)
    expect(header.locator(".user-link .party-code")).to_have_text("TT")
    expect(page).to_have_title(re.compile(r"^Home - CMC Platform$"))

    # The live connection comes up and says so in words.
    live = page.locator("#live-status")
    expect(live).to_have_attribute("data-state", "online", timeout=10_000)
    expect(live.locator(".live-label")).to_have_text("Live")

    cookies = {c["name"]: c for c in page.context.cookies()}
    assert SESSION_COOKIE in cookies, f"no {SESSION_COOKIE} cookie after sign-in: {list(cookies)}"
    old_cookie = cookies[SESSION_COOKIE]
    assert old_cookie["httpOnly"], "the session cookie must be HttpOnly"
    replay = {"name": SESSION_COOKIE, "value": old_cookie["value"], "url": base_url}

    # Control: the copied cookie alone opens home in another browser (so the check below means something).
    copy = new_context()
    copy.add_cookies([replay])
    copy_page = copy.new_page()
    copy_page.goto("/")
    expect(copy_page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {DELEGATE_NAME}")
    expect(copy_page.locator("#live-status")).to_have_attribute("data-state", "online", timeout=10_000)

    # Sign out through the form in the navigation.
    page.locator("header form[action$='/sign-out']").get_by_role("button", name="Sign out").click()
    _path_is(page, base_url, "/sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    expect(page.locator("#live-status")).to_have_count(0)

    # The other browser's live connection was dropped with the session, and its page sent to sign-in.
    _path_is(copy_page, base_url, "/sign-in")
    copy.close()

    # The old cookie, put back into a fresh browser, is worthless now.
    replayed = new_context()
    replayed.add_cookies([replay])
    replayed_page = replayed.new_page()
    replayed_page.goto("/")
    _path_is(replayed_page, base_url, "/sign-in")
    expect(replayed_page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(replayed_page.locator("#live-status")).to_have_count(0)


def test_wrong_password_shows_the_generic_error(page: Page, base_url: str,
                                                submit_sign_in: Callable[..., None]) -> None:
    responses: list[Any] = []
    page.on("response", lambda r: responses.append(r) if r.request.method == "POST" else None)
    submit_sign_in(page, DELEGATE, "not-the-password-at-all")

    error = page.locator("#sign-in-error")
    expect(error).to_be_visible()
    expect(error).to_have_attribute("role", "alert")
    # Generic: it must not tell whether the address has an account, or which half was wrong.
    expect(error).to_have_text(GENERIC_ERROR)
    _path_is(page, base_url, "/sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert [r.status for r in responses] == [401]
    # The typed address is kept; the password is not.
    expect(page.locator("input[name=email]")).to_have_value(DELEGATE)
    expect(page.locator("input[name=password]")).to_have_value("")


def test_unknown_address_gets_the_same_message(page: Page, submit_sign_in: Callable[..., None]) -> None:
    submit_sign_in(page, DELEGATE, "not-the-password-at-all")
    known = page.locator("#sign-in-error").inner_text()
    submit_sign_in(page, "nobody.at.all@example.org", "not-the-password-at-all")
    expect(page.locator("#sign-in-error")).to_have_text(known)


@pytest.mark.parametrize("target", [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "javascript:alert(1)",
])
def test_off_site_next_lands_on_home(page: Page, base_url: str, target: str,
                                     submit_sign_in: Callable[..., None]) -> None:
    submit_sign_in(page, DELEGATE, DEMO_PASSWORD, path="/sign-in?next=" + quote(target, safe=""))
    _path_is(page, base_url, "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {DELEGATE_NAME}")


def test_on_site_next_is_followed(page: Page, base_url: str, submit_sign_in: Callable[..., None]) -> None:
    page.goto("/settings/tokens")
    _path_is(page, base_url, "/sign-in")  # sent to sign in, with next pointing back
    expect(page).to_have_url(re.compile(r"next=(%2F|/)settings(%2F|/)tokens"))
    page.locator("input[name=email]").fill(DELEGATE)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    _path_is(page, base_url, "/settings/tokens")
