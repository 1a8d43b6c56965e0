"""The one-frame broadcast of ``cmc.realtime.fanout`` over real sockets: a gevent-websocket server (a subprocess,
patched by gevent as the realtime processes are) broadcasts to raw websocket clients, one of which does not read
while the server writes megabytes to it, so that the kernel takes only part of a frame and later packets must queue.

What must hold whichever way a frame went (written directly, finished by the writer, or queued): every client of
the room gets every event once, in order, intact (multi-byte UTF-8 included); a client outside the room gets none.
The server reports how many frames took each way, so the test also fails if the direct path is never used or the
partial-write and queued paths are never exercised.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websocket

ROOT = Path(__file__).resolve().parents[2]
EVENTS = 120
PAD = 6000  # characters of "é" (two bytes each): ~12 KB an event, ~1.4 MB a client

SERVER = r'''
from gevent import monkey
monkey.patch_all()
import json, sys, urllib.parse
import socketio
from gevent import pywsgi
from geventwebsocket.handler import WebSocketHandler
from cmc.realtime import fanout

counts = {"direct": 0, "partial": 0, "queued": 0}
write_frame = fanout.write_frame

def counting(sock, frame, now, ping_timeout):
    before = sock.queue.qsize()
    written = write_frame(sock, frame, now, ping_timeout)
    counts["queued" if not written else "partial" if sock.queue.qsize() > before else "direct"] += 1
    return written

fanout.write_frame = counting
sio = socketio.Server(async_mode="gevent", client_manager=fanout.FanoutManager(), cors_allowed_origins="*")
assert fanout.install(sio)

@sio.on("connect")
def connect(sid, environ, auth=None):
    if (auth or {}).get("join", True):
        sio.enter_room(sid, "all")

def app(environ, start_response):
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    if environ["PATH_INFO"] == "/emit":
        n, pad = int(query["n"][0]), int(query["pad"][0])
        for seq in range(n):
            sio.emit("tick", {"seq": seq, "pad": "\u00e9" * pad, "mark": "\u2764"}, to="all")
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(counts).encode()]

server = pywsgi.WSGIServer(("127.0.0.1", int(sys.argv[1])), socketio.WSGIApp(sio, app),
                           handler_class=WebSocketHandler, log=None)
server.start()  # listening before "ready": a client connecting at once must not be refused
print("ready", flush=True)
server.serve_forever()
'''


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The broadcasting server's port (the process ends with the module)."""
    script = tmp_path_factory.mktemp("fanout") / "server.py"
    script.write_text(SERVER)
    chosen = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen([sys.executable, str(script), str(chosen)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.strip() == "ready", line + process.stdout.read()
        yield chosen
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def _client(port: int, *, join: bool = True, small_buffer: bool = False) -> websocket.WebSocket:
    """A Socket.IO client speaking the protocol by hand: Engine.IO open, then a Socket.IO connect."""
    options = [(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)] if small_buffer else []
    ws = websocket.create_connection(f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket", timeout=20,
                                     sockopt=options)
    assert ws.recv().startswith("0")
    ws.send("40" + json.dumps({"join": join}))
    assert ws.recv().startswith("40")
    return ws


def _events(ws: websocket.WebSocket, count: int) -> list[dict[str, Any]]:
    """The next ``count`` ``tick`` events (pings answered)."""
    found: list[dict[str, Any]] = []
    while len(found) < count:
        message = ws.recv()
        if message == "2":
            ws.send("3")
            continue
        assert message.startswith('42["tick",'), message[:80]
        found.append(json.loads(message[2:])[1])
    return found


def _emit(port: int, n: int, pad: int) -> dict[str, int]:
    """Broadcast ``n`` events to the room; the server's counts of how frames went, after them."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/emit?n={n}&pad={pad}", timeout=60) as answer:
        return dict(json.loads(answer.read()))


def _check(events: list[dict[str, Any]], pad: int) -> None:
    assert [e["seq"] for e in events] == list(range(len(events)))
    assert all(e["pad"] == "é" * pad and e["mark"] == "❤" for e in events)


def test_every_member_gets_every_event_once_in_order_even_when_a_reader_stalls(port: int) -> None:
    readers = [_client(port) for _ in range(3)]
    stalled = _client(port, small_buffer=True)
    outsider = _client(port, join=False)
    received: dict[int, list[dict[str, Any]]] = {}

    def read(index: int, ws: websocket.WebSocket) -> None:
        received[index] = _events(ws, EVENTS)

    threads = [threading.Thread(target=read, args=(i, ws)) for i, ws in enumerate(readers)]
    for thread in threads:
        thread.start()
    counts = _emit(port, EVENTS, PAD)
    for thread in threads:
        thread.join(timeout=60)
    time.sleep(0.5)  # the stalled client starts reading only now: the server has queued what the kernel refused
    late = _events(stalled, EVENTS)
    for ws in readers:
        ws.close()
    stalled.close()

    assert sorted(received) == [0, 1, 2]
    for events in received.values():
        _check(events, PAD)
    _check(late, PAD)
    outsider.settimeout(1.0)
    with pytest.raises(websocket.WebSocketTimeoutException):
        while True:  # pings may come; a tick must not
            message = outsider.recv()
            assert message in ("2",), message[:80]
            outsider.send("3")
    outsider.close()
    # All three ways were taken: direct writes, a frame the kernel took in part, and packets queued behind it.
    assert counts["direct"] > 0 and counts["partial"] > 0 and counts["queued"] > 0, counts


def test_small_broadcasts_are_written_directly(port: int) -> None:
    readers = [_client(port) for _ in range(5)]
    before = _emit(port, 0, 0)
    after = _emit(port, 10, 10)
    for ws in readers:
        _check(_events(ws, 10), 10)
        ws.close()
    assert after["direct"] - before["direct"] >= 50, (before, after)


@pytest.mark.parametrize("length", [0, 1, 125, 126, 65535, 65536, 70000])
def test_the_frame_is_the_one_gevent_websocket_would_write(length: int) -> None:
    from geventwebsocket.websocket import WebSocket

    from cmc.realtime.fanout import websocket_frame

    written: list[bytes] = []

    class Stream:
        write = written.append
        read = None

    text = "4" + "é" * (length // 2) + "x" * (length % 2)
    WebSocket({}, Stream(), None).send(text)  # type: ignore[arg-type]
    assert websocket_frame(text) == bytes(written[0])
