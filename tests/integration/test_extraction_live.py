"""Hostile uploads against the real server (``cmc serve``: gevent, one OS thread for every page and socket):
while the issue's ``.docx`` (120 KB unpacking to 49 MB), a 1 GB-unpacked ODT and a text of 240,000 distinct
words are uploaded, another client asks ``/healthz`` and a Socket.IO ``ping:server`` every 100 ms, and no
answer may take longer than 500 ms.

Twice: with the built-in limits (the files are refused on their declared sizes: ratio and size), and with
the size and ratio limits opened wide and a 3 s time limit, so that the child really parses the 49 MB and
spends its 3 s on the gigabyte before it is killed: the server must stay responsive while the work runs,
not only because the work is refused. Both files are stored either way, and the answer says the text is
not indexed and why.

Before this change the same test froze both probes for seconds (the parse ran inside the request, in the
serving thread). The test takes about 20 s: a live server, restarted once, and a 3 s time limit.
"""

from __future__ import annotations

import io
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.files import docx, hostile_docx, odt_bomb
from tests.live_server import LiveServer, running_live_server
from tests.socket_client import LiveClient, live_clients

#: Its servers and commands run on the live database of the run (SQLite, or PostgreSQL under make test-postgres).
pytestmark = pytest.mark.live_database

MEMBER = "delegate.tt@cmc.demo"  # Trinidad and Tobago, member of Migrant Smuggling
SLUG = "migrant-smuggling"
UPLOAD_PATH = f"/api/v1/networks/{SLUG}/documents"
PERIOD = 0.1
#: The answer time allowed on top of twice the machine's idle noise. A stalled server (the defect this guards
#: against) answered after 1.3 s to 12 s; under CI (two suites on two cores) a healthy one reached 0.8 s, with
#: an idle noise measured at 0.2 s, so the bound sits between the two.
SLOWEST_ALLOWED = 0.8
#: Socket clients the pings take turns on: each pings every 400 ms, under the per-connection event limit.
SOCKETS = 4
RELAXED = {"CMC_EXTRACT_MAX_RATIO": "1000000", "CMC_EXTRACT_MAX_UNPACKED_MB": "4000",
           "CMC_EXTRACT_TIMEOUT_SECONDS": "3"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_live_server(tmp_path_factory.mktemp("cmc-extraction-live")) as live_server:
        yield live_server


@pytest.fixture(scope="module")
def token(server: LiveServer) -> str:
    return server.create_token(MEMBER, "extraction live tests")


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    files = {}
    for name, build in (("report.docx", hostile_docx), ("annex.odt", odt_bomb)):
        buffer = io.BytesIO()
        build(buffer)
        files[name] = folder / name
        files[name].write_bytes(buffer.getvalue())
    # Not hostile, only heavy to index: 240,000 distinct words (1.9 MB). SQLite's FTS5 took ~500 ms over
    # them inside the serving thread.
    files["register.txt"] = folder / "register.txt"
    files["register.txt"].write_text(" ".join(f"id{number:07d}" for number in range(240_000)))
    return files


class Probe:
    """Two threads: one asks ``/healthz``, the other ``ping:server`` (on the next socket in turn), every
    100 ms; each answer's time is kept (a failure counts as the time it took to fail)."""

    def __init__(self, server: LiveServer, sockets: list[LiveClient]) -> None:
        self.server = server
        self.sockets = sockets
        self.health: list[float] = []
        self.pings: list[float] = []
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._every_period, args=(self._health,), daemon=True),
                        threading.Thread(target=self._every_period, args=(self._ping,), daemon=True)]

    def _health(self, turn: int) -> None:
        started = time.monotonic()
        try:
            status = requests.get(self.server.url("/healthz"), timeout=5).status_code
            if status != 200:
                self.failures.append(f"/healthz answered {status}")
        except requests.RequestException as exc:
            self.failures.append(f"/healthz: {exc}")
        self.health.append(time.monotonic() - started)

    def _ping(self, turn: int) -> None:
        started = time.monotonic()
        try:
            answer = self.sockets[turn % len(self.sockets)].call("ping:server")
            if not answer.get("ok"):
                self.failures.append(f"ping:server answered {answer}")
        except Exception as exc:  # a timeout of the call: the time it took is what counts
            self.failures.append(f"ping:server: {exc!r}")
        self.pings.append(time.monotonic() - started)

    def _every_period(self, probe: Callable[[int], None]) -> None:
        turn = 0
        while not self.stop.is_set():
            started = time.monotonic()
            probe(turn)
            turn += 1
            self.stop.wait(max(0.0, PERIOD - (time.monotonic() - started)))

    def __enter__(self) -> Probe:
        for thread in self.threads:
            thread.start()
        time.sleep(0.5)  # a few answers before the uploads, as a baseline
        return self

    def __exit__(self, *_exc: object) -> None:
        time.sleep(0.5)  # and a few after
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=10)

    def report(self) -> str:
        return (f"/healthz: {len(self.health)} answers, median {statistics.median(self.health) * 1000:.0f} ms, "
                f"slowest {max(self.health) * 1000:.0f} ms; ping:server: {len(self.pings)} answers, median "
                f"{statistics.median(self.pings) * 1000:.0f} ms, slowest {max(self.pings) * 1000:.0f} ms")


def upload(server: LiveServer, token: str, path: Path, title: str) -> requests.Response:
    with path.open("rb") as handle:
        return requests.post(server.url(UPLOAD_PATH), timeout=60,
                             headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                             data={"title": title, "kind": "report", "languages": "en"},
                             files={"file": (path.name, handle, "application/octet-stream")})


def uploads_while_probing(server: LiveServer, token: str, files: dict[str, Path]) -> dict[str, Any]:
    """Upload each hostile file while the probe runs; return each answer's current version, and check the
    probe's answers."""
    versions = {}
    with live_clients() as clients:
        sockets = [clients.new(server.base_url, origin=server.base_url, token=token, event_timeout=5).connect()
                   for _ in range(SOCKETS)]
        # The machine's own noise, measured in the same run with nothing uploaded: on a quiet machine the
        # slowest idle answer is a few tens of ms; when other test processes share the two cores it can reach
        # several hundred, and the upload's allowance is counted on top of it (before the fix: 1.3 s to 12 s).
        with Probe(server, sockets) as idle:
            time.sleep(2)
        noise = max(max(idle.health), max(idle.pings))
        with Probe(server, sockets) as probe:
            for name, path in files.items():
                answer = upload(server, token, path, f"Hostile {name}")
                assert answer.status_code == 201, answer.text[:500]
                versions[name] = answer.json()["versions"][0]
        assert not probe.failures, probe.failures[:5]
        assert len(probe.health) >= 10 and len(probe.pings) >= 10, probe.report()
        slowest = max(max(probe.health), max(probe.pings))
        assert slowest < SLOWEST_ALLOWED + 2 * noise, (f"an answer took {slowest * 1000:.0f} ms (idle noise "
                                                   f"{noise * 1000:.0f} ms). {probe.report()}")
    return versions


def test_hostile_uploads_do_not_stall_the_server(server: LiveServer, token: str,
                                                 hostile_files: dict[str, Path]) -> None:
    # The built-in limits: refused on the sizes they declare, stored without text, and said so.
    versions = uploads_while_probing(server, token, hostile_files)
    assert versions["report.docx"]["text"]["status"] == "limit:ratio"
    assert versions["annex.odt"]["text"]["status"] == "limit:size"
    assert versions.pop("register.txt")["text"]["status"] == "indexed"
    for version in versions.values():
        assert version["text"]["indexed"] is False
        assert "Search finds it by its title and description only" in version["text"]["message"]

    # Size and ratio limits opened wide, 3 s of time: the child parses the 49 MB, and works on the gigabyte
    # until it is killed, while the server keeps answering.
    server.stop()
    server.env.update(RELAXED)
    try:
        server.start()
        versions = uploads_while_probing(server, token, hostile_files)
        assert versions["report.docx"]["text"]["status"] == "indexed"
        assert versions["annex.odt"]["text"]["status"] == "limit:time"
        assert "longer than 3 seconds" in versions["annex.odt"]["text"]["message"]
    finally:
        server.stop()
        for name in RELAXED:
            server.env.pop(name)
        server.start()


def test_a_normal_docx_is_still_found_by_its_words(server: LiveServer, token: str, tmp_path: Path) -> None:
    path = tmp_path / "minutes.docx"
    path.write_bytes(docx(paragraphs=["The coast guard counted", "seventeen boats near Tobago"]))
    answer = upload(server, token, path, "Minutes of the working group")
    assert answer.status_code == 201, answer.text[:500]
    assert answer.json()["versions"][0]["text"] == {"indexed": True, "status": "indexed", "message": None}
    found = server.api("GET", "/documents?q=seventeen+boats", token=token)
    assert [item["id"] for item in found.body["items"]] == [answer.json()["id"]]
