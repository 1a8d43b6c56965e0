"""Maps in a real Chromium: the alert page draws its area on the Caribbean basemap, and the alerts list's map view
shows a marker per active alert, linked to it, with a legend. Under the strict CSP (no console error), with no
request leaving the site (no tiles, no CDN), and no serious or critical axe violation. Screenshots at desktop and
phone widths, and in Dutch, into ``/tmp/map-shots/`` for review."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, Request, expect

from tests.browser.conftest import COORDINATOR, EnrolledAccount, PageProblems
from tests.browser.test_screens import OVERFLOW_JS
from tests.browser.test_screens_languages import in_language  # noqa: F401  (the fixture)
from tests.live_server import LiveServer

SHOTS = Path(tempfile.gettempdir()) / "map-shots"
WIDTHS = {1280: {"width": 1280, "height": 900}, 390: {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def map_alerts(live_server: LiveServer, sample_alerts: int) -> dict[str, int]:
    """Besides the sample alerts (a Severe one with a circle off Trinidad, a Moderate exercise without an area),
    a Minor alert with a polygon south of Jamaica: three severities, a circle, a polygon, two territories."""
    token = live_server.create_token(COORDINATOR, "map alerts")
    minor = live_server.api("POST", "/networks/migrant-smuggling/alerts", token=token, json_body={
        "infos": [{"headline": "Fishing boats report a drifting canoe south of Portland Point",
                   "event": "Vessel in distress", "severity": "Minor", "geocodes": ["JM"],
                   "area_desc": "South of Portland Point, Jamaica",
                   "polygon": "17.3,-77.6 17.3,-76.9 17.7,-76.9 17.7,-77.6 17.3,-77.6"}]})
    assert minor.status == 201, minor
    return {"severe": sample_alerts, "minor": int(minor.body["id"])}


def _watched(context: BrowserContext, base_url: str) -> tuple[Page, PageProblems, list[str]]:
    """A page whose console errors and requests to anywhere but the site are recorded."""
    page = context.new_page()
    problems = PageProblems().attach(page)
    outside: list[str] = []
    origin = urlsplit(base_url).netloc

    def on_request(request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in ("data", "blob") and parts.netloc != origin:
            outside.append(request.url)

    page.on("request", on_request)
    return page, problems, outside


def _fits(page: Page, what: str) -> None:
    """No sideways scrolling: nothing sticks out of the viewport."""
    found = page.evaluate(OVERFLOW_JS)
    assert found["scroll"] <= found["inner"] + 1 and not found["wide"], f"{what}: {found}"


def _shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_alert_page_draws_its_area_on_the_map(new_context: Callable[..., BrowserContext],
                                                  coordinator: EnrolledAccount, map_alerts: dict[str, int],
                                                  base_url: str, axe_check: Callable[[Page], list[str]]) -> None:
    context = new_context(storage_state=coordinator.storage_state)
    page, problems, outside = _watched(context, base_url)
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.goto(f"/alerts/{map_alerts['severe']}")
        area_map = page.locator("#area-map")
        expect(area_map).to_have_attribute("data-ready", "1")
        # The land, Trinidad and Tobago highlighted, the circle in the colour of a Severe tag.
        expect(area_map.locator("path.leaflet-interactive, path")).not_to_have_count(0)
        assert area_map.locator("path[fill='#ffd24d']").count() >= 1
        assert area_map.locator("path[stroke='#b02a37']").count() == 1
        expect(page.locator("#area-map-figure .map-legend")).to_contain_text("Area of the alert (Severe)")
        expect(page.locator("#area-map-figure .map-legend")).to_contain_text("Affected parties: TT")
        expect(page.get_by_role("button", name="Zoom in")).to_be_visible()
        _fits(page, f"the alert page scrolls sideways at {width} px")
        box = area_map.bounding_box()
        assert box is not None and box["height"] >= 250 and box["width"] <= width
        _shoot(page, f"alert-{width}")
    assert outside == [], outside
    assert problems.errors == [], problems.errors
    violations = axe_check(page)
    assert not violations, "axe on the alert page with its map:\n" + "\n".join(violations)


def test_the_alerts_map_view_shows_markers_linked_to_the_active_alerts(
        new_context: Callable[..., BrowserContext], secretariat: EnrolledAccount, map_alerts: dict[str, int],
        base_url: str, axe_check: Callable[[Page], list[str]]) -> None:
    context = new_context(storage_state=secretariat.storage_state)
    page, problems, outside = _watched(context, base_url)
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.goto("/alerts")
        page.get_by_role("link", name="Map", exact=True).click()
        expect(page).to_have_url(re.compile(r"view=map"))
        alerts_map = page.locator("#alerts-map")
        expect(alerts_map).to_have_attribute("data-ready", "1")
        markers = alerts_map.locator("a.map-marker")
        for key in ("severe", "minor"):
            expect(markers.and_(page.locator(f"[href='/alerts/{map_alerts[key]}']"))).to_have_count(1)
        expect(markers.first).to_have_attribute("aria-label", re.compile(r"^(Severe|Minor|Extreme|Moderate): "))
        expect(page.locator(".map-legend")).to_contain_text("Severe")
        expect(page.locator(".map-legend")).to_contain_text("Affected parties")
        expect(page.locator("#map-twin")).to_contain_text("Fishing boats report a drifting canoe")
        _fits(page, f"the map view scrolls sideways at {width} px")
        _shoot(page, f"alerts-map-{width}")
    markers.and_(page.locator(f"[href='/alerts/{map_alerts['minor']}']")).click()
    expect(page).to_have_url(re.compile(rf"/alerts/{map_alerts['minor']}$"))
    expect(page.locator("#area-map")).to_have_attribute("data-ready", "1")
    assert outside == [], outside
    assert problems.errors == [], problems.errors
    page.goto("/alerts?view=map")
    expect(page.locator("#alerts-map")).to_have_attribute("data-ready", "1")
    violations = axe_check(page)
    assert not violations, "axe on the alerts map:\n" + "\n".join(violations)


def test_the_filters_and_the_list_view(new_context: Callable[..., BrowserContext], secretariat: EnrolledAccount,
                                       map_alerts: dict[str, int], axe_check: Callable[[Page], list[str]]) -> None:
    """The list loads no map; the filters narrow it and stay in the switch to the map; a bad value is a 400
    with its message, readable by a screen reader."""
    page = new_context(storage_state=secretariat.storage_state).new_page()
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.goto("/alerts")
        assert page.evaluate("typeof window.L") == "undefined"
        page.get_by_label("Severity").select_option("Minor")
        page.get_by_role("button", name="Show").click()
        expect(page).to_have_url(re.compile(r"severity=Minor"))
        expect(page.locator("main")).to_contain_text("Fishing boats report a drifting canoe")
        expect(page.locator("main")).not_to_contain_text("Two pirogues")
        _fits(page, f"the filtered list scrolls sideways at {width} px")
        _shoot(page, f"alerts-filtered-{width}")
        page.get_by_role("link", name="Map", exact=True).click()
        expect(page).to_have_url(re.compile(r"severity=Minor.*view=map|view=map.*severity=Minor"))
        expect(page.locator("#alerts-map a.map-marker")).to_have_count(1)
    answer = page.goto("/alerts?severity=Huge&active=maybe")
    assert answer is not None and answer.status == 400
    expect(page.locator("#error-summary")).to_contain_text("Choose a severity from the list.")
    violations = axe_check(page)
    assert not violations, "axe on the filters with errors:\n" + "\n".join(violations)
    _shoot(page, "alerts-filter-errors-1280")


def test_the_maps_in_dutch(in_language: Callable[[str, str], None],  # noqa: F811
                           new_context: Callable[..., BrowserContext], secretariat: EnrolledAccount,
                           map_alerts: dict[str, int]) -> None:
    in_language("alerts", "nl")
    page = new_context(storage_state=secretariat.storage_state).new_page()
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.goto("/alerts?view=map")
        expect(page.locator("html")).to_have_attribute("lang", "nl")
        expect(page.locator("#alerts-map")).to_have_attribute("data-ready", "1")
        _fits(page, f"the Dutch map view scrolls sideways at {width} px")
        _shoot(page, f"alerts-map-nl-{width}")
        page.goto(f"/alerts/{map_alerts['severe']}")
        expect(page.locator("#area-map")).to_have_attribute("data-ready", "1")
        _shoot(page, f"alert-nl-{width}")
