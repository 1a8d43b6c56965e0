"""What a page costs on the wire, as Chromium counts it: every HTTP answer's encoded bytes (headers and compressed
body) through the DevTools protocol, which answers came from the browser's cache, and a slow link to load them
over (``Network.emulateNetworkConditions``).

Used by the browser test of page weight (``tests/browser/test_weight.py``) and the slow-link benchmark
(``tests/perf/bench_slowlink.py``). The live connection's websocket frames are not HTTP answers and are not
counted (the handshake is not either: Chromium reports it as a websocket, not a request).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Page

#: The slow island link of issue 15: 400 ms latency, 50 KB/s each way.
SLOW_LINK = {"latency_ms": 400.0, "down_bytes_per_s": 50 * 1024, "up_bytes_per_s": 50 * 1024}


@dataclass
class Answer:
    """One HTTP request of a page load and how it was answered."""

    url: str
    status: int = 0
    encoded_bytes: int = 0  # on the wire: headers plus the (compressed) body
    from_cache: bool = False
    encoding: str = ""
    cache_control: str = ""
    finished: bool = False

    @property
    def path(self) -> str:
        """The URL's path."""
        return urlsplit(self.url).path


@dataclass
class Transfer:
    """The HTTP answers of one measured action."""

    answers: list[Answer] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total_bytes(self) -> int:
        """Bytes that crossed the network (answers served from the cache count 0)."""
        return sum(a.encoded_bytes for a in self.answers if not a.from_cache)

    @property
    def static_fetched(self) -> list[str]:
        """Static files (``/static/``, the scripts' catalogues) fetched from the network, revalidations included."""
        return [a.path for a in self.answers if not a.from_cache and a.path.startswith(("/static/", "/i18n/"))]

    def describe(self) -> str:
        """One line per answer, for an assertion message."""
        return "\n".join(f"  {a.status} {a.path} {a.encoded_bytes} B {'(cache)' if a.from_cache else ''} "
                         f"{a.encoding} {a.cache_control}" for a in self.answers)


class TransferMeter:
    """Counts a page's HTTP answers through a DevTools session attached to it."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.cdp = page.context.new_cdp_session(page)
        self._answers: dict[str, Answer] = {}
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.requestServedFromCache", self._cached)
        self.cdp.on("Network.responseReceived", self._received)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.send("Network.enable")

    def throttle(self, latency_ms: float, down_bytes_per_s: float, up_bytes_per_s: float) -> None:
        """Every later request waits ``latency_ms`` and moves at most these bytes per second each way."""
        self.cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": latency_ms, "downloadThroughput": down_bytes_per_s,
            "uploadThroughput": up_bytes_per_s})

    def _sent(self, event: dict[str, Any]) -> None:
        if event.get("type") == "WebSocket" or not event["request"]["url"].startswith("http"):
            return
        self._answers[event["requestId"]] = Answer(url=event["request"]["url"])

    def _cached(self, event: dict[str, Any]) -> None:
        if event["requestId"] in self._answers:
            self._answers[event["requestId"]].from_cache = True

    def _received(self, event: dict[str, Any]) -> None:
        answer = self._answers.get(event["requestId"])
        if answer is None:
            return
        response = event["response"]
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        answer.status = int(response.get("status", 0))
        answer.encoding = headers.get("content-encoding", "")
        answer.cache_control = headers.get("cache-control", "")
        if response.get("fromDiskCache") or response.get("fromPrefetchCache") or response.get("fromServiceWorker"):
            answer.from_cache = True

    def _finished(self, event: dict[str, Any]) -> None:
        answer = self._answers.get(event["requestId"])
        if answer is not None:
            answer.encoded_bytes = int(event.get("encodedDataLength", 0))
            answer.finished = True

    def measure(self, action: Callable[[], Any], settle_ms: int = 300) -> Transfer:
        """Run ``action`` (a navigation, a form sent), wait until the page has loaded and its requests are done,
        and return what crossed the network, with the seconds the action took until the ``load`` event."""
        self._answers = {}
        started = time.monotonic()
        action()
        self.page.wait_for_load_state("load")
        seconds = time.monotonic() - started
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # answers still arriving after load (late scripts' requests)
            self.page.wait_for_timeout(settle_ms)
            if all(a.finished or a.from_cache for a in self._answers.values()):
                break
        return Transfer(answers=list(self._answers.values()), seconds=seconds)
