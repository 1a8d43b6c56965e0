"""Full-page screenshots of every page at desktop and phone widths, for visual review, into
``screenshots/<name>-<width>.png`` (gitignored). Each page also has exactly one h1, and no horizontal
scrolling on a phone."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
#: The page's scroll width, and the elements that stick out past the right edge of the window without a
#: scrolling box to hold them (absolutely positioned ones escape an overflow box that is not positioned).
OVERFLOW_JS = """() => {
  const inner = window.innerWidth;
  const clipped = (e) => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.overflowX !== 'visible' && (getComputedStyle(e).position !== 'absolute'
          || style.position !== 'static')) { return true; }
    }
    return false;
  };
  const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\\s+/).join('.') : '')
    + ' "' + (e.textContent || '').trim().slice(0, 30) + '"';
  const wide = [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > inner + 1 && !clipped(e));
  return {scroll: document.documentElement.scrollWidth, inner: inner, wide: wide.slice(0, 6).map(name)};
}"""
WIDTHS = {1280: {"width": 1280, "height": 800}, 390: {"width": 390, "height": 844}}


@pytest.mark.parametrize("width", list(WIDTHS))
def test_screenshot(screen_name: str, width: int, open_screen: Callable[..., Page]) -> None:
    page = open_screen(screen_name, viewport=WIDTHS[width])
    page.evaluate("document.fonts.ready.then(() => true)")

    # The picture first, so that a page failing the checks below can be looked at.
    SCREENSHOTS.mkdir(exist_ok=True)
    target = SCREENSHOTS / f"{screen_name}-{width}.png"
    target.unlink(missing_ok=True)
    page.screenshot(path=str(target), full_page=True, animations="disabled", caret="hide")
    assert target.exists() and target.stat().st_size > 1000, f"no screenshot at {target}"

    # UI.md: "Page - Network or meeting - CMC Platform".
    title = page.title()
    assert re.fullmatch(r"\S.* - CMC Platform", title), f"{screen_name}: title {title!r}"

    h1s = page.locator("h1")
    assert h1s.count() == 1, f"{screen_name}: {h1s.count()} h1 elements: {h1s.all_inner_texts()}"

    if width == 390:
        sizes = page.evaluate(OVERFLOW_JS)
        assert sizes["scroll"] <= sizes["inner"], (
            f"{screen_name} scrolls sideways on a phone: scrollWidth {sizes['scroll']} > {sizes['inner']};"
            f" wider elements: {sizes['wide']}")
