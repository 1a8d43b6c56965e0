"""The second factor the secretariat must use: enrolment on first sign-in, the code step of later sign-ins,
replay refused, recovery codes; and the accessibility and layout of those pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

PASSWORD = "coral reef at dawn 2027"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def _look(page: Page, name: str, axe_check: Callable[[Page], list[str]] | None) -> None:
    """axe (unless None), one h1, screenshots at both widths, and no sideways scrolling on a phone."""
    if axe_check is not None:
        problems = axe_check(page)
        assert not problems, f"axe on {name} ({page.url}):\n" + "\n".join(problems)
    assert page.locator("h1").count() == 1, f"{name}: {page.locator('h1').all_inner_texts()}"
    SCREENSHOTS.mkdir(exist_ok=True)
    for width, viewport in ((1280, DESKTOP), (390, PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True, animations="disabled",
                        caret="hide")
        if width == 390:
            scroll = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert scroll[0] <= scroll[1], f"{name} scrolls sideways on a phone: {scroll}"
    page.set_viewport_size(DESKTOP)


def test_secretariat_enrols_then_signs_in_with_a_code(
    page: Page, new_context: Callable[..., BrowserContext], live_server: Any, base_url: str,
    submit_sign_in: Callable[..., None], enrol_second_factor: Callable[[Page], Any],
    axe_check: Callable[[Page], list[str]], unique_email: Callable[[str], str],
) -> None:
    email = unique_email("secretariat")
    live_server.cmc("accounts", "create", "--email", email, "--name", "Kemar Second", "--party", "IOM",
                    "--role", "secretariat", "--password-stdin", input_text=PASSWORD + "\n")

    # First sign-in: the platform asks for the second factor before anything else.
    submit_sign_in(page, email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/settings/security$"))
    expect(page.get_by_text("Set up your second factor to continue.")).to_be_visible()
    page.goto("/admin/accounts")
    expect(page).to_have_url(re.compile(r"/settings/security$"))
    _look(page, "second-factor-enrol", axe_check)

    # A wrong code: the error summary, the field's message, and still the enrolment page.
    page.locator("main form").get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Turn on second factor").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#error-summary a[href='#code']")).to_be_visible()
    expect(page.locator("#code")).to_have_attribute("aria-invalid", "true")

    factor = enrol_second_factor(page)
    _look(page, "second-factor-recovery-codes", None)  # axe: test_recovery_codes_page_is_accessible
    page.get_by_role("link", name="I have saved them, continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Kemar Second")
    page.locator("header").get_by_role("button", name="Sign out").click()

    # Later sign-ins: password, then a code.
    submit_sign_in(page, email, PASSWORD)
    expect(page).to_have_url(base_url + "/sign-in/code")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    _look(page, "second-factor-code", axe_check)
    used = factor.next_code()
    page.get_by_label("Code").fill(used)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Kemar Second")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "online", timeout=10_000)
    page.locator("header").get_by_role("button", name="Sign out").click()

    # The same code again is refused (replay), a recovery code works once.
    fresh = new_context().new_page()
    submit_sign_in(fresh, email, PASSWORD)
    fresh.get_by_label("Code").fill(used)
    fresh.get_by_role("button", name="Continue").click()
    expect(fresh.locator("#code-error")).to_be_visible()
    expect(fresh.get_by_role("heading", level=1)).to_have_text("Enter your code")
    fresh.get_by_label("Code").fill(factor.recovery_codes.pop())
    fresh.get_by_role("button", name="Continue").click()
    expect(fresh.get_by_role("heading", level=1)).to_have_text("Welcome, Kemar Second")


def test_recovery_codes_page_is_accessible(
    page: Page, live_server: Any, submit_sign_in: Callable[..., None],
    enrol_second_factor: Callable[[Page], Any], axe_check: Callable[[Page], list[str]],
    unique_email: Callable[[str], str],
) -> None:
    email = unique_email("secretariat")
    live_server.cmc("accounts", "create", "--email", email, "--name", "Joy Codes", "--party", "IOM",
                    "--role", "secretariat", "--password-stdin", input_text=PASSWORD + "\n")
    submit_sign_in(page, email, PASSWORD)
    enrol_second_factor(page)
    problems = axe_check(page)
    assert not problems, f"axe on the recovery codes ({page.url}):\n" + "\n".join(problems)
