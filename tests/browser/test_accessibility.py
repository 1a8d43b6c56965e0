"""axe-core on every page: no violation of impact serious or critical (UI.md: "Weight and access")."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect


def test_page_has_no_serious_axe_violation(screen_name: str, open_screen: Callable[..., Page],
                                           axe_check: Callable[[Page], list[str]]) -> None:
    page = open_screen(screen_name)
    problems = axe_check(page)
    assert not problems, f"axe on {screen_name} ({page.url}):\n" + "\n".join(problems)


def test_form_errors_have_no_serious_axe_violation(open_screen: Callable[..., Page],
                                                   axe_check: Callable[[Page], list[str]]) -> None:
    """The error state of a form (summary, invalid fields) is a page of its own for a screen reader."""
    page = open_screen("admin-invite")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#error-summary")).to_be_visible()
    problems = axe_check(page)
    assert not problems, f"axe on the invite form with errors ({page.url}):\n" + "\n".join(problems)


def test_sign_in_error_has_no_serious_axe_violation(open_screen: Callable[..., Page],
                                                    axe_check: Callable[[Page], list[str]]) -> None:
    page = open_screen("sign-in")
    page.locator("main").get_by_role("button", name="Sign in").click()  # empty form: no failed attempt counted
    expect(page.locator("#sign-in-error")).to_be_visible()
    problems = axe_check(page)
    assert not problems, f"axe on sign-in with an error ({page.url}):\n" + "\n".join(problems)


def test_the_axe_check_catches_a_violation(open_screen: Callable[..., Page],
                                           axe_check: Callable[[Page], list[str]]) -> None:
    """The harness itself: a field without a label (critical) must be reported, so a silent axe that
    checks nothing cannot make the tests above pass."""
    page = open_screen("sign-in")
    page.evaluate("document.querySelector('main form').insertAdjacentHTML('beforeend', '<input type=text>')")
    problems = axe_check(page)
    assert any(p.startswith("- label (critical)") for p in problems), problems
