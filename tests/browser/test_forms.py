"""Forms in their error state (UI.md: "an error summary at the top linking to each wrong field, the field's
own message beside it"), and a table with actions on a phone."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect


def _invite(page: Page) -> None:
    page.get_by_role("button", name="Send invitation").click()


def _party(page: Page) -> None:
    page.get_by_label("Code").fill("")
    page.get_by_label("Name", exact=True).fill("")
    page.get_by_role("button", name="Save").click()


def _profile(page: Page) -> None:
    page.get_by_label("Name", exact=True).fill("")
    page.get_by_role("button", name="Save profile").click()


def _password(page: Page) -> None:
    page.locator("#password-new").fill("a new password that is long")
    page.get_by_role("button", name="Change password").click()


def _token(page: Page) -> None:
    page.get_by_role("button", name="Create token").click()


#: Page width, window width, and the absolutely positioned elements sticking out on the right.
WIDTH_JS = """() => [document.documentElement.scrollWidth, window.innerWidth,
  [...document.querySelectorAll('main *')]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth
                   && getComputedStyle(e).position === 'absolute')
    .map((e) => e.className + ' "' + e.textContent.trim() + '"')]"""

FORMS: dict[str, tuple[str, Callable[[Page], None]]] = {
    "invite": ("admin-invite", _invite),
    "party": ("admin-party-edit", _party),
    "profile": ("settings", _profile),
    "password": ("settings", _password),
    "token": ("settings-tokens", _token),
}


@pytest.mark.parametrize("form", [
    "invite", "party", "profile",
    "password",
    "token",
])
def test_error_summary_links_reach_their_fields(form: str, open_screen: Callable[..., Page]) -> None:
    screen, submit_empty = FORMS[form]
    page = open_screen(screen)
    submit_empty(page)

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    links = summary.get_by_role("link")
    assert links.count() >= 1
    for link in links.all():
        href = link.get_attribute("href") or ""
        assert href.startswith("#"), href
        target = page.locator(href)
        assert target.count() == 1, f"{form}: the summary links to {href}, which is not on the page"
        expect(target).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"{href}-error")).to_be_visible()
        assert f"{href[1:]}-error" in (target.get_attribute("aria-describedby") or "").split()

    # Following a link puts the cursor in the field.
    first = links.first
    href = first.get_attribute("href") or ""
    first.click()
    expect(page.locator(href)).to_be_focused()


def test_a_token_is_shown_once_and_its_table_fits_a_phone(page: Page, sign_in: Callable[..., None]) -> None:
    sign_in(page, "focal.jm@cmc.demo")
    page.goto("/settings/tokens")
    page.get_by_label("Token name").fill("Jamaica alert bridge")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token")
    expect(secret).to_be_visible()
    assert len(secret.inner_text().strip()) >= 32
    row = page.get_by_role("row").filter(has_text="Jamaica alert bridge")
    expect(row.get_by_role("button", name="Revoke Jamaica alert bridge")).to_be_visible()

    # Shown once: a reload of the list does not show it again.
    page.goto("/settings/tokens")
    expect(page.locator("#new-token")).to_have_count(0)

    page.set_viewport_size({"width": 390, "height": 844})
    sizes = page.evaluate(WIDTH_JS)
    assert sizes[0] <= sizes[1], f"the tokens page scrolls sideways on a phone: {sizes}"
