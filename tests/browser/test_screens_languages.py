"""Home, a workspace, an alert with its grid, and the agenda builder in Spanish, French and Dutch, at desktop
and phone widths: screenshots into ``screenshots/<name>-<lang>-<width>.png`` for review, and at both widths no
sideways scrolling (Dutch and French run long), the page in its language (``<html lang>``) and one h1.

The shared secretariat and coordinator switch their own language in settings for the test, through the form,
and switch back to English afterwards, so the other browser tests keep reading English."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import COORDINATOR, SCREENS
from tests.browser.test_screens import OVERFLOW_JS, SCREENSHOTS, WIDTHS

PAGES = ("home", "network-workspace", "alert", "meeting-agenda")
LANGUAGES = ("es", "fr", "nl")


def _set_language(context: BrowserContext, code: str) -> None:
    page = context.new_page()
    page.goto("/settings/")
    page.locator("#language").select_option(code)
    page.locator("form[action$='/settings/profile'] button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", code)
    page.close()


@pytest.fixture
def in_language(new_context: Callable[..., BrowserContext], request: pytest.FixtureRequest
                ) -> Iterator[Callable[[str, str], None]]:
    """``in_language(screen, "fr")``: the person of that screen reads French until the test ends."""
    changed: dict[str, BrowserContext] = {}

    def switch(screen: str, code: str) -> None:
        who = SCREENS[screen][1]
        account = request.getfixturevalue("coordinator" if who == COORDINATOR else "secretariat")
        context = changed.get(who) or new_context(storage_state=account.storage_state)
        changed[who] = context
        _set_language(context, code)

    yield switch
    for context in changed.values():
        _set_language(context, "en")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("screen", PAGES)
def test_pages_in_each_language_fit_a_phone(screen: str, language: str, sample_alerts: int, sample_meeting: int,
                                            in_language: Callable[[str, str], None],
                                            open_screen: Callable[..., Page]) -> None:
    # The sample alerts and meeting are made (through English forms) before anyone switches language.
    in_language(screen, language)
    SCREENSHOTS.mkdir(exist_ok=True)
    for width, viewport in WIDTHS.items():
        page = open_screen(screen, viewport=viewport)
        expect(page.locator("html")).to_have_attribute("lang", language)
        page.evaluate("document.fonts.ready.then(() => true)")
        page.screenshot(path=str(SCREENSHOTS / f"{screen}-{language}-{width}.png"), full_page=True,
                        animations="disabled", caret="hide")
        assert page.locator("h1").count() == 1
        sizes = page.evaluate(OVERFLOW_JS)  # long words must not push anything past the edge, at either width
        assert sizes["scroll"] <= sizes["inner"], (
            f"{screen} in {language} scrolls sideways at {width} px: {sizes['scroll']} > {sizes['inner']};"
            f" wider elements: {sizes['wide']}")
        page.context.close()
