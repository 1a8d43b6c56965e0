"""Page weight in a real Chromium: each main page's transfer size with an empty cache and again with a warm one,
against the budget of the UI guide (home under 60 KB compressed on an empty cache, under 15 KB warm) and the rule
that a repeat page fetches no static file at all (content-hashed names, cached for a year, ``immutable``).

Sizes, not timings: Chromium's own count of encoded bytes (headers and compressed bodies), through the DevTools
protocol (``tests/transfer.py``). The slow-link timings are a benchmark: ``tests/perf/bench_slowlink.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.transfer import Transfer, TransferMeter

KB = 1024
EMPTY_BUDGET = 60 * KB
WARM_BUDGET = 15 * KB
#: Pages that show a map load Leaflet, the TopoJSON client and the Caribbean basemap (Natural Earth, cut to the
#: region) once: their own budget on an empty cache (measured: about 112 KB for the map of alerts, 115 KB for an
#: alert page, of which about 72 KB brotli are the map's files: Leaflet 37, basemap 26, the rest 9); warm, they
#: fetch nothing again like every page. The list of alerts without ``?view=map`` loads none of it
#: (``test_the_list_loads_no_map_file``).
MAP_BUDGET = 130 * KB
MAP_PAGES = {"alert", "alerts map"}

#: name -> (path, or the sample fixture whose id makes it, signed in)
PAGES: dict[str, tuple[str, bool]] = {
    "sign-in": ("/sign-in", False),
    "home": ("/", True),
    "network workspace": ("/networks/migrant-smuggling", True),
    "alerts list": ("/alerts", True),
    "alerts map": ("/alerts?view=map", True),
    "alert": ("sample_alerts", True),
    "documents": ("/documents", True),
    "meeting": ("sample_meeting", True),
}


def _path(name: str, request: pytest.FixtureRequest) -> str:
    path, _signed_in = PAGES[name]
    if path == "sample_alerts":
        return f"/alerts/{request.getfixturevalue('sample_alerts')}"
    if path == "sample_meeting":
        return f"/meetings/{request.getfixturevalue('sample_meeting')}"
    return path


def _load_twice(context: BrowserContext, path: str) -> tuple[Transfer, Transfer]:
    """Open ``path`` in a fresh context (empty cache), then open it again (warm cache)."""
    page: Page = context.new_page()
    meter = TransferMeter(page)
    empty = meter.measure(lambda: page.goto(path))
    assert empty.answers and empty.answers[0].status == 200, empty.describe()
    warm = meter.measure(lambda: page.goto(path))
    return empty, warm


@pytest.mark.parametrize("name", list(PAGES))
def test_page_weight_with_an_empty_and_a_warm_cache(name: str, request: pytest.FixtureRequest,
                                                    new_context: Callable[..., BrowserContext],
                                                    new_signed_in_context: Callable[..., BrowserContext]) -> None:
    path = _path(name, request)
    context = new_signed_in_context() if PAGES[name][1] else new_context()
    empty, warm = _load_twice(context, path)
    print(f"\n{name} ({path}): empty cache {empty.total_bytes / KB:.1f} KB in {len(empty.answers)} answers, "
          f"warm {warm.total_bytes / KB:.1f} KB in {len([a for a in warm.answers if not a.from_cache])}")

    statics = [a for a in empty.answers if a.path.startswith("/static/")]
    assert statics, f"{name}: no static file loaded\n{empty.describe()}"
    for answer in statics:
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", answer.path), f"{answer.path} is not content-hashed"
        assert answer.cache_control == "public, max-age=31536000, immutable", empty.describe()
        if answer.path.endswith((".css", ".js")):
            assert answer.encoding in ("br", "gzip"), f"{answer.path} was sent uncompressed\n{empty.describe()}"
    document = empty.answers[0]
    assert document.encoding in ("br", "gzip"), f"{name}: the page itself was sent uncompressed"

    assert warm.static_fetched == [], f"{name}: a repeat visit fetched static files again\n{warm.describe()}"
    budget = MAP_BUDGET if name in MAP_PAGES else EMPTY_BUDGET
    assert empty.total_bytes < budget, f"{name}: {empty.total_bytes} bytes\n{empty.describe()}"
    assert warm.total_bytes < WARM_BUDGET, f"{name}: {warm.total_bytes} bytes warm\n{warm.describe()}"


def test_the_list_loads_no_map_file(new_signed_in_context: Callable[..., BrowserContext]) -> None:
    """Leaflet and the basemap are for the pages that show a map: the list of alerts fetches none of them."""
    page = new_signed_in_context().new_page()
    meter = TransferMeter(page)
    loaded = meter.measure(lambda: page.goto("/alerts"))
    files = r"leaflet|topojson|world-atlas|/js/map\.|/css/map\."
    mapping = [a.path for a in loaded.answers if re.search(files, a.path)]
    assert mapping == [], loaded.describe()


def test_home_reached_from_sign_in_on_a_warm_cache_fetches_no_static_file(
        new_context: Callable[..., BrowserContext], sign_in: Callable[..., None]) -> None:
    """Signing in after the sign-in page loaded the shared files: home needs only its own document (and a
    script of its own pages, if any, on first use)."""
    context = new_context()
    page = context.new_page()
    meter = TransferMeter(page)
    meter.measure(lambda: page.goto("/sign-in"))
    moved = meter.measure(lambda: sign_in(page, "focal.jm@cmc.demo"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Welcome, "))
    shared = [p for p in moved.static_fetched if not p.startswith("/static/vendor/socket.io/")
              and not re.match(r"^/static/js/(live|alerts|parts)\.", p)]
    # The signed-in frame adds the live connection's scripts; everything the sign-in page loaded is reused.
    assert shared == [], moved.describe()


def test_the_measure_sees_a_static_file_fetched_again(new_context: Callable[..., BrowserContext],
                                                     live_server: Any) -> None:
    """The warm-cache check can fail: a plain (unhashed) name is revalidated on every visit."""
    context = new_context()
    page = context.new_page()
    meter = TransferMeter(page)
    url = live_server.url("/static/css/app.css")
    meter.measure(lambda: page.goto(url))
    again = meter.measure(lambda: page.goto(url))
    assert again.static_fetched == ["/static/css/app.css"], again.describe()


def test_the_menu_of_small_screens_folds_and_unfolds(new_signed_in_context: Callable[..., BrowserContext]) -> None:
    """Bootstrap's scripts are not loaded: app.js opens and closes the navigation behind the menu button."""
    page = new_signed_in_context().new_page()
    page.set_viewport_size({"width": 600, "height": 800})
    page.goto("/")
    menu = page.get_by_role("button", name="Menu")
    documents = page.locator("#main-nav").get_by_role("link", name="Documents")
    expect(documents).to_be_hidden()
    menu.click()
    expect(documents).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "true")
    menu.click()
    expect(documents).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
