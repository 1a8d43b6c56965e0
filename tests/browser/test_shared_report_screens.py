""""Who read what we shared" in the browser: the report of the Bahamas (whose coordinator published the sample
alerts) after Trinidad's and the Dominican Republic's delegates read, acknowledged and exported them, at desktop
and phone widths, in English and French: no serious axe violation, no sideways scrolling of the page (the wide
table scrolls inside its box), the filter form works without scripts. Screenshots go to ``screenshots/``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.test_screens import OVERFLOW_JS, SCREENSHOTS, WIDTHS
from tests.browser.test_screens_languages import _set_language
from tests.live_server import LiveServer


@pytest.fixture
def uses(live_server: LiveServer, sample_alerts: int) -> int:
    """Trinidad's delegate reads the severe sample alert and exports its CAP; so does the Dominican Republic's."""
    for email in ("delegate.tt@cmc.demo", "delegate.do@cmc.demo"):
        token = live_server.create_token(email, "shared report")
        assert live_server.api("GET", f"/alerts/{sample_alerts}", token=token).status == 200
        assert live_server.api("GET", f"/alerts/{sample_alerts}.cap", token=token).status == 200
    return sample_alerts


@pytest.fixture
def secretariat_context(new_signed_in_context: Callable[..., BrowserContext]) -> Iterator[BrowserContext]:
    """The shared secretariat, switched back to English when the test ends."""
    context = new_signed_in_context()
    yield context
    _set_language(context, "en")


def _open(context: BrowserContext, width: int, query: str = "party=BS") -> Page:
    page = context.new_page()
    page.set_viewport_size(WIDTHS[width])
    response = page.goto(f"/shared?{query}")
    assert response is not None and response.status == 200
    page.wait_for_load_state("load")
    return page


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_report_reads_well_at_both_widths(language: str, uses: int, secretariat_context: BrowserContext,
                                              axe_check: Callable[[Page], list[str]]) -> None:
    _set_language(secretariat_context, language)
    SCREENSHOTS.mkdir(exist_ok=True)
    for width in WIDTHS:
        page = _open(secretariat_context, width)
        expect(page.locator("html")).to_have_attribute("lang", language)
        rows = page.locator("main table").last.locator("tbody tr")
        expect(rows.filter(has_text="delegate.tt@cmc.demo")).not_to_have_count(0)
        expect(rows.filter(has_text="delegate.do@cmc.demo")).not_to_have_count(0)
        assert page.locator("h1").count() == 1
        overflow = page.evaluate(OVERFLOW_JS)
        assert overflow["scroll"] <= overflow["inner"], f"{language} {width} scrolls sideways: {overflow}"
        problems = axe_check(page)
        assert not problems, f"axe on the report ({language}, {width}):\n" + "\n".join(problems)
        page.evaluate("document.fonts.ready.then(() => true)")
        page.screenshot(path=str(SCREENSHOTS / f"shared-report-{language}-{width}.png"), full_page=True,
                        animations="disabled", caret="hide")
        page.close()


def test_the_filters_work_without_scripts(uses: int, new_signed_in_context: Callable[..., BrowserContext]) -> None:
    context = new_signed_in_context(java_script_enabled=False)
    page = _open(context, 1280)
    page.locator("#reader").select_option("TT")
    page.locator("#kind").select_option("export")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"reader=TT"))
    texts = page.locator("main table").last.locator("tbody tr").all_inner_texts()
    assert texts and all("delegate.tt@cmc.demo" in t and "Exported" in t for t in texts), texts
    bad = context.new_page()
    response = bad.goto("/shared?party=BS&date_from=someday")
    assert response is not None and response.status == 422
    expect(bad.locator("#error-summary")).to_be_visible()
    expect(bad.locator("#date_from")).to_have_attribute("aria-invalid", "true")
