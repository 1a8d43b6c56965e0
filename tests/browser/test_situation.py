"""The situation dashboard as the secretariat reads it: the map of active alerts, the three figures as tables
with their bars, the CSV links; nothing leaves the site, no sideways scroll on a phone, no serious or critical
axe violation; in French too. Screenshots at desktop and phone widths go to /tmp/situation-shots/."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import EnrolledAccount
from tests.browser.test_maps import WIDTHS, _fits, _watched, map_alerts  # noqa: F401 - the fixture
from tests.browser.test_screens_languages import _set_language

SHOTS = Path(tempfile.gettempdir()) / "situation-shots"


def test_the_situation_dashboard(new_context: Callable[..., BrowserContext], secretariat: EnrolledAccount,
                                 map_alerts: dict[str, int], base_url: str,  # noqa: F811
                                 axe_check: Callable[[Page], list[str]]) -> None:
    context = new_context(storage_state=secretariat.storage_state)
    page, problems, outside = _watched(context, base_url)
    SHOTS.mkdir(exist_ok=True)
    for language in ("en", "fr"):
        _set_language(context, language)
        for width, viewport in WIDTHS.items():
            page.set_viewport_size(viewport)
            page.goto("/situation")
            expect(page.locator("#alerts-map")).to_have_attribute("data-ready", "1")
            expect(page.locator(f"#alerts-map a.map-marker[href='/alerts/{map_alerts['severe']}']")).to_have_count(1)
            expect(page.locator("#pace-table tbody tr")).not_to_have_count(0)
            expect(page.locator("#months-table tbody tr")).to_have_count(12)
            expect(page.locator("#pace-table svg.chart-bar").first).to_be_attached()
            _fits(page, f"the dashboard scrolls sideways at {width} px in {language}")
            page.screenshot(path=str(SHOTS / f"situation-{language}-{width}.png"), full_page=True)
        if language == "en":
            violations = axe_check(page)
            assert not violations, "axe on the dashboard:\n" + "\n".join(violations)
            with page.expect_download() as download:
                page.locator("a[href$='/situation/pace.csv']").click()
            assert download.value.suggested_filename.startswith("cmc-situation-pace-")
    _set_language(context, "en")
    assert outside == [], outside
    assert problems.errors == [], problems.errors
