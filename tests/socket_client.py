"""The one real Socket.IO client of the live tests: a ``socketio.Client`` over websockets only, with the
``Origin`` header a browser would send, authenticated by a personal access token (the ``auth`` payload) or by
a browser session (the session cookie), that records everything the server sends it.

A :class:`LiveClient` keeps every server event in order (:meth:`LiveClient.next_event`,
:meth:`LiveClient.drain`), the reasons a connection was refused (``refusals``) and when the server dropped it
(``dropped``, ``dropped_at``). :func:`live_clients` hands out clients and, when its block ends, disconnects
every one and closes every socket they opened (also those the server closed first).

Used by ``tests/integration/test_realtime_live.py``, ``test_multiprocess_live.py`` and
``test_production_layout.py``. Nothing here is a pytest fixture, so importing it has no side effect.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import socketio
import websocket

#: How long a connection (handshake and Socket.IO connect) may take.
CONNECT_TIMEOUT = 3.0
#: How long an awaited event or the answer to a call may take, unless a client is told otherwise.
EVENT_TIMEOUT = 3.0


@dataclass
class LiveClient:
    """One real Socket.IO client of the server at ``url`` and what it received: every server event in order,
    the reasons it was refused, and when (monotonic clock) the server dropped it.

    ``token`` is sent in the connect ``auth`` payload; ``cookie`` (a ``Cookie`` header value, e.g.
    ``cmc_session=...``) stands for a browser session. With ``ping_after_connect``, :meth:`connect` also checks
    that the connection answers ``ping:server`` (it has joined its rooms).
    """

    client: socketio.Client
    url: str
    token: str | None = None
    cookie: str | None = None
    event_timeout: float = EVENT_TIMEOUT
    ping_after_connect: bool = False
    events: queue.Queue[tuple[str, Any]] = field(default_factory=queue.Queue)
    seen: list[tuple[str, Any]] = field(default_factory=list)
    refusals: list[Any] = field(default_factory=list)
    dropped: threading.Event = field(default_factory=threading.Event)
    dropped_at: float | None = None

    def __post_init__(self) -> None:
        def on_any(event: str, *args: Any) -> None:
            self.events.put((event, args[0] if len(args) == 1 else args))

        def on_disconnect(*_reason: Any) -> None:
            self.dropped_at = time.monotonic()
            self.dropped.set()

        def on_connect_error(data: Any = None) -> None:
            self.refusals.append(data)

        self.client.on("*", on_any)
        self.client.on("disconnect", on_disconnect)
        self.client.on("connect_error", on_connect_error)

    @property
    def connected(self) -> bool:
        """Whether the Socket.IO connection is up."""
        return bool(self.client.connected)

    def connect(self) -> LiveClient:
        """Connect over websockets only; raises ``socketio.exceptions.ConnectionError`` when refused."""
        self.client.connect(self.url, transports=["websocket"],
                            auth={"token": self.token} if self.token is not None else None,
                            headers={"Cookie": self.cookie} if self.cookie is not None else {},
                            wait_timeout=CONNECT_TIMEOUT)
        if self.ping_after_connect:
            assert self.call("ping:server")["ok"] is True  # joined to its rooms, answering
        return self

    def call(self, event: str, *data: Any) -> Any:
        """Send ``event`` and return the server's answer (fails after ``event_timeout``)."""
        return self.client.call(event, *data, timeout=self.event_timeout)

    def next_event(self, name: str, match: Callable[[Any], bool] | None = None, timeout: float | None = None
                   ) -> Any:
        """The next ``name`` event that ``match`` accepts within ``timeout`` (default ``event_timeout``); fail
        otherwise. Every event received meanwhile is kept in ``seen``."""
        timeout = self.event_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            try:
                event, data = self.events.get(timeout=max(deadline - time.monotonic(), 0.001))
            except queue.Empty:
                pytest.fail(f"no matching {name!r} event within {timeout} s on {self.url}; received {self.seen}",
                            pytrace=False)
            self.seen.append((event, data))
            if event == name and (match is None or match(data)):
                return data

    def drain(self, seconds: float) -> None:
        """Keep in ``seen`` everything that arrives within ``seconds`` from now."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                self.seen.append(self.events.get(timeout=left))
            except queue.Empty:
                return


class LiveClients:
    """Makes :class:`LiveClient` objects and remembers them, and the websockets under them, for :meth:`close`."""

    def __init__(self) -> None:
        self.made: list[LiveClient] = []
        self.sockets: list[websocket.WebSocket] = []
        opened = self.sockets

        class TrackedWebSocket(websocket.WebSocket):
            """The websocket-client socket under ``socketio.Client``, remembered so that :meth:`close` can
            release it: when the server closes a websocket right after the upgrade, the client raises without
            closing it."""

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                opened.append(self)

        self._socket_class = TrackedWebSocket

    def new(self, url: str, *, origin: str, token: str | None = None, cookie: str | None = None,
            event_timeout: float = EVENT_TIMEOUT, ping_after_connect: bool = False) -> LiveClient:
        """A client of the server at ``url`` sending ``Origin: origin``, not connected yet (``.connect()``)."""
        client = socketio.Client(reconnection=False, handle_sigint=False,
                                 websocket_extra_options={"origin": origin, "class_": self._socket_class})
        self.made.append(LiveClient(client=client, url=url, token=token, cookie=cookie, event_timeout=event_timeout,
                                    ping_after_connect=ping_after_connect))
        return self.made[-1]

    def close(self) -> None:
        """Disconnect every client made here and close every socket they opened."""
        for conn in self.made:
            if conn.client.connected:
                conn.client.disconnect()
            conn.client.shutdown()
        for sock in self.sockets:
            sock.close(timeout=0.2)  # does nothing once the server has closed it ...
            sock.shutdown()  # ... so release the socket itself
        self.made.clear()
        self.sockets.clear()


@contextmanager
def live_clients() -> Iterator[LiveClients]:
    """A :class:`LiveClients` whose clients are all disconnected, and sockets closed, when the block ends."""
    clients = LiveClients()
    try:
        yield clients
    finally:
        clients.close()
