"""The slow island link: Debian's Chromium throttled through the DevTools protocol to 400 ms latency and 50 KB/s
each way (``Network.emulateNetworkConditions``), against the embedded profile (``cmc serve`` on SQLite with the
demo data, as ``make run`` starts it).

Measured, each the median of a few runs in fresh browser contexts (an empty cache each):

* the sign-in page opened, the form sent, home rendered (its ``load`` event after the redirect): the seconds
  from asking for the sign-in page, and the sign-in page alone;
* a page opened again on a warm cache (home, then the alerts list, which shares home's static files);
* home's transfer size with an empty cache and with a warm one (Chromium's encoded bytes: headers and compressed
  bodies), and the static files a warm page still fetched.

Targets (issue 15): sign-in to home under 5 s, a warm page under 1.5 s, home under 60 KB on an empty cache and
under 15 KB warm, no static file fetched on a warm page. A benchmark, not a timed test.

Run: ``.venv/bin/python -m tests.perf.bench_slowlink`` (writes ``tests/perf/results/slowlink.json``).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.live_server import DEMO_PASSWORD, LiveServer, running_live_server
from tests.perf import harness
from tests.perf.harness import Row, info_row, limit_row
from tests.transfer import SLOW_LINK, TransferMeter

NAME = "slowlink"
TITLE = "Slow island link: sign-in to home, a warm page, and page weight (Chromium, 400 ms, 50 KB/s)"
RUNS = int(os.environ.get("CMC_BENCH_SLOWLINK_RUNS", "3"))
MEMBER = "focal.jm@cmc.demo"  # a delegate without a second factor in the demo data
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
KB = 1024
SIGN_IN_TO_HOME_TARGET_S = 5.0
WARM_PAGE_TARGET_S = 1.5
HOME_EMPTY_TARGET_KB = 60.0
HOME_WARM_TARGET_KB = 15.0


@dataclass
class Run:
    """One pass in a fresh browser context."""

    sign_in_page_s: float
    sign_in_to_home_s: float
    warm_home_s: float
    warm_other_s: float
    home_empty_bytes: int
    home_warm_bytes: int
    warm_static_fetched: list[str]
    empty_answers: str


def _throttled_page(browser: Browser, **context_args: Any) -> tuple[Page, TransferMeter]:
    page = browser.new_context(viewport={"width": 1280, "height": 800}, **context_args).new_page()
    meter = TransferMeter(page)
    meter.throttle(SLOW_LINK["latency_ms"], SLOW_LINK["down_bytes_per_s"], SLOW_LINK["up_bytes_per_s"])
    return page, meter


def one_run(browser: Browser, server: LiveServer) -> Run:
    """Sign in on an empty cache over the slow link, open pages again warm, then weigh home on its own."""
    page, meter = _throttled_page(browser)
    sign_in_page = meter.measure(lambda: page.goto(server.url("/sign-in")))

    def send_form() -> None:
        page.locator("input[name=email]").fill(MEMBER)
        page.locator("input[name=password]").fill(DEMO_PASSWORD)
        page.locator("main").get_by_role("button", name="Sign in").click()
        page.wait_for_url(server.url("/"))
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Welcome, "))

    home = meter.measure(send_form)
    warm_home = meter.measure(lambda: page.goto(server.url("/")))
    warm_other = meter.measure(lambda: page.goto(server.url("/alerts")))
    state = page.context.storage_state()
    page.context.close()

    # Home alone, signed in, on an empty cache and then again (what a returning person's browser fetches).
    page, meter = _throttled_page(browser, storage_state=state)
    empty = meter.measure(lambda: page.goto(server.url("/")))
    warm = meter.measure(lambda: page.goto(server.url("/")))
    page.context.close()
    return Run(sign_in_page_s=sign_in_page.seconds, sign_in_to_home_s=sign_in_page.seconds + home.seconds,
               warm_home_s=warm_home.seconds, warm_other_s=warm_other.seconds,
               home_empty_bytes=empty.total_bytes, home_warm_bytes=warm.total_bytes,
               warm_static_fetched=sorted(set(warm.static_fetched + warm_home.static_fetched
                                              + warm_other.static_fetched)),
               empty_answers=", ".join(f"{a.path.rsplit('/', 1)[-1] or '/'} {a.encoded_bytes / KB:.1f} KB"
                                       + (f" ({a.encoding})" if a.encoding else "")
                                       for a in empty.answers if not a.from_cache))


@contextmanager
def embedded_server() -> Iterator[LiveServer]:
    """``cmc serve`` on a fresh SQLite instance with the demo data (removed afterwards)."""
    harness.WORK.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="slowlink-", dir=harness.WORK))
    try:
        with running_live_server(folder) as server:
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    """Start the server, run the passes, write the result."""
    runs: list[Run] = []
    with embedded_server() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            one_run(browser, server)  # warm-up: the server's first requests compile templates and catalogues
            for index in range(RUNS):
                runs.append(one_run(browser, server))
                run = runs[-1]
                print(f"  run {index + 1}: sign-in page {run.sign_in_page_s:.2f} s, sign-in to home "
                      f"{run.sign_in_to_home_s:.2f} s, warm home {run.warm_home_s:.2f} s, warm alerts list "
                      f"{run.warm_other_s:.2f} s; home {run.home_empty_bytes / KB:.1f} KB empty, "
                      f"{run.home_warm_bytes / KB:.1f} KB warm", flush=True)
        finally:
            browser.close()
    med = harness.median
    rows: list[Row] = [
        limit_row("sign-in page to home rendered, empty cache", med([r.sign_in_to_home_s for r in runs]), "s",
                  below=SIGN_IN_TO_HOME_TARGET_S),
        info_row("of which the sign-in page alone", med([r.sign_in_page_s for r in runs]), "s"),
        limit_row("warm-cache page: home again", med([r.warm_home_s for r in runs]), "s", below=WARM_PAGE_TARGET_S),
        limit_row("warm-cache page: alerts list after home", med([r.warm_other_s for r in runs]), "s",
                  below=WARM_PAGE_TARGET_S),
        limit_row("home transfer, empty cache", med([r.home_empty_bytes for r in runs]) / KB, "KB",
                  below=HOME_EMPTY_TARGET_KB),
        limit_row("home transfer, warm cache", med([r.home_warm_bytes for r in runs]) / KB, "KB",
                  below=HOME_WARM_TARGET_KB),
        limit_row("static files fetched by a warm page", max(len(r.warm_static_fetched) for r in runs), "files",
                  at_most=0),
    ]
    notes = [f"Home on an empty cache, answer by answer (last run): {runs[-1].empty_answers}."]
    fetched = sorted({path for r in runs for path in r.warm_static_fetched})
    if fetched:
        notes.append(f"Static files a warm page fetched again: {', '.join(fetched)}.")
    setup = (f"{harness.machine_description()}. Server: the embedded profile (cmc serve: gevent, one process) on "
             f"SQLite with the demo data, on this machine. Browser: Debian's Chromium through Playwright, throttled "
             f"with Network.emulateNetworkConditions to {SLOW_LINK['latency_ms']:g} ms latency and "
             f"{SLOW_LINK['down_bytes_per_s'] / KB:g} KB/s down and up; each run in fresh browser contexts (empty "
             f"cache), signed in as {MEMBER} through the form; times to the load event; sizes are Chromium's "
             f"encoded bytes (headers and compressed bodies, the live connection's websocket not counted). Median "
             f"of {RUNS} runs after one warm-up run.")
    harness.write_result(NAME, TITLE, setup, rows, notes)


if __name__ == "__main__":
    main()
