"""Composing on the map: the coordinator draws a circle and a polygon and picks two parties by clicking their
territories; the text fields (what is sent) follow, the map follows what is typed, the preview shows the area,
nothing leaves the site, no console error, and axe finds no serious or critical violation."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import EnrolledAccount
from tests.browser.test_maps import _fits, _watched

SLUG = "migrant-smuggling"
SHOTS = Path(tempfile.gettempdir()) / "compose-shots"


def _click_map(page: Page, x: float, y: float) -> None:
    """Click the compose map at a share of its width and height (on the sea, away from the controls)."""
    box = page.locator("#compose-map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * x, box["y"] + box["height"] * y)


def _pick_party(page: Page, code: str) -> None:
    """Click the party's territory (a territory of several islands is one shape: its click, not a pixel)."""
    territory = page.locator(f"#compose-map path.map-party-{code}")
    expect(territory).to_have_count(1)
    territory.dispatch_event("click")
    expect(page.locator(f"#geocodes option[value='{code}']")).to_have_js_property("selected", True)
    expect(page.locator("#compose-map-status")).to_contain_text("added to the affected parties")


def test_draw_a_circle_and_a_polygon_and_pick_parties_on_the_map(
        new_context: Callable[..., BrowserContext], coordinator: EnrolledAccount, base_url: str,
        axe_check: Callable[[Page], list[str]]) -> None:
    context = new_context(storage_state=coordinator.storage_state)
    page, problems, outside = _watched(context, base_url)
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(f"/networks/{SLUG}/alerts/new")
    expect(page.locator("#compose-map")).to_have_attribute("data-ready", "1")
    page.locator("#geocodes option").evaluate_all("options => options.forEach(o => { o.selected = false; })")

    page.get_by_role("button", name="Draw a circle").click()
    expect(page.get_by_role("button", name="Draw a circle")).to_have_attribute("aria-pressed", "true")
    _click_map(page, 0.55, 0.55)
    expect(page.locator("#compose-map-status")).to_contain_text("edge")
    _click_map(page, 0.6, 0.55)
    expect(page.locator("#circle")).to_have_value(re.compile(r"^-?\d+(\.\d+)?,-\d+(\.\d+)? \d+(\.\d)?$"))
    expect(page.locator("#compose-map-status")).to_contain_text("Circle of")

    page.get_by_role("button", name="Draw a polygon").click()
    for x, y in ((0.3, 0.5), (0.4, 0.45), (0.38, 0.6)):
        _click_map(page, x, y)
    page.get_by_role("button", name="Close the polygon").click()
    polygon = page.locator("#polygon").input_value().split()
    assert len(polygon) == 4 and polygon[0] == polygon[-1], polygon

    _pick_party(page, "JM")
    _pick_party(page, "TT")
    expect(page.locator("#geocodes option:checked")).to_have_count(2)
    SHOTS.mkdir(exist_ok=True)
    page.locator("#compose-map-figure").screenshot(path=str(SHOTS / "compose-map-1280.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    _fits(page, "the compose page scrolls sideways at 390 px")
    page.locator("#compose-map-figure").screenshot(path=str(SHOTS / "compose-map-390.png"))
    page.set_viewport_size({"width": 1280, "height": 1000})

    # Typing in the twin redraws: clearing both fields leaves no area drawn.
    page.get_by_role("button", name="Clear the drawing").click()
    expect(page.locator("#circle")).to_have_value("")
    expect(page.locator("#polygon")).to_have_value("")
    page.locator("#circle").fill("18.0,-76.8 40")
    page.locator("#circle").dispatch_event("input")
    expect(page.locator("#compose-map path[stroke-linejoin]")).not_to_have_count(0)

    violations = axe_check(page)
    assert not violations, "axe on the compose map:\n" + "\n".join(violations)
    assert outside == [], outside
    assert problems.errors == [], problems.errors
