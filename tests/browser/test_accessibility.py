"""axe-core on every page: no violation of impact serious or critical (UI.md: "Weight and access")."""

from __future__ import annotations

from collections.abc import Callable

import pytest
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


def _alert_compose_with_errors(page: Page) -> None:
    page.locator("#headline").fill("")
    page.locator("#alert-form").get_by_role("button").last.click()


def _meeting_form_with_errors(page: Page) -> None:
    page.goto("/meetings/new")
    page.get_by_label("First day").fill("2036-11-18")
    page.get_by_label("Last day").fill("2036-11-17")  # before the first: the service's error, on this field
    page.get_by_role("button", name="Save meeting").click()


@pytest.mark.parametrize(("screen", "send"), [("alert-compose", _alert_compose_with_errors),
                                              ("meetings", _meeting_form_with_errors)])
def test_alert_and_meeting_form_errors_have_no_serious_axe_violation(
        open_screen: Callable[..., Page], axe_check: Callable[[Page], list[str]], screen: str,
        send: Callable[[Page], None]) -> None:
    """The forms drawn by the one field macro in their error state: every invalid field says so."""
    page = open_screen(screen)
    send(page)
    # A click waits for the answer's navigation to start, not for its stylesheets: axe must read the page as drawn.
    page.wait_for_load_state("load")
    expect(page.locator("#error-summary")).to_be_visible()
    invalid = page.locator("main .is-invalid")
    assert invalid.count() > 0
    for n in range(invalid.count()):
        expect(invalid.nth(n)).to_have_attribute("aria-invalid", "true")
    problems = axe_check(page)
    assert not problems, f"axe on {page.url} with errors:\n" + "\n".join(problems)
