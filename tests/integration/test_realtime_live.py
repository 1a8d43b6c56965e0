"""Live connections against the real server (``cmc serve``: gevent with websockets, in a subprocess), with real
``socketio.Client`` connections over websockets only (DESIGN.md section 6): authentication at connect, the
allowed origin, token revocation, server-chosen rooms and the ping event.

``tests/integration/test_realtime.py`` proves the same rules in-process with Flask-SocketIO's test client;
this file proves them over the wire, through the handshake a real client makes.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import websocket
from socketio.exceptions import ConnectionError as SocketConnectionError

from tests.live_server import LiveServer, running_live_server
from tests.socket_client import CONNECT_TIMEOUT, LiveClient, live_clients

#: Its servers and commands run on the live database of the run (SQLite, or PostgreSQL under make test-postgres).
pytestmark = pytest.mark.live_database

LISTENER = "delegate.do@cmc.demo"  # member of Migrant Smuggling and Refugee Protection, not of Border Management
POSTER = "delegate.tt@cmc.demo"  # member of Migrant Smuggling and Border Management
REVOKER = "focal.jm@cmc.demo"
EVENT_TIMEOUT = 2.0
SILENCE = 1.0  # how long "nothing arrives" is watched for
DROP_WITHIN = 1.0  # DESIGN.md: revocation disconnects "at once"
FOREIGN_ORIGINS = ["https://evil.example", "http://127.0.0.1.evil.example", "null"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """This module's own real server, freshly migrated and demo-seeded."""
    with running_live_server(tmp_path_factory.mktemp("cmc-realtime-live")) as live_server:
        yield live_server


@pytest.fixture(autouse=True)
def server_log_stays_clean(server: LiveServer) -> Iterator[None]:
    """Refused handshakes are normal traffic: the server must not log them (or anything else) as errors."""
    mark = server.log_mark()
    yield
    problems = server.problems_since(mark)
    if problems:
        pytest.fail("the server logged errors during this test:\n" + problems, pytrace=False)


@pytest.fixture(scope="module")
def tokens(server: LiveServer) -> dict[str, str]:
    """A personal access token of the listener and of the poster (``cmc tokens create``)."""
    return {email: server.create_token(email, "realtime live tests") for email in (LISTENER, POSTER)}


@pytest.fixture
def live(server: LiveServer) -> Iterator[Callable[..., LiveClient]]:
    """``live(token=None, origin=<the server's base URL>)``: a client, not yet connected (``.connect()``).
    Every client is disconnected, and every socket closed, when the test ends."""
    with live_clients() as clients:

        def make(token: str | None = None, *, origin: str = server.base_url) -> LiveClient:
            return clients.new(server.base_url, origin=origin, token=token, event_timeout=EVENT_TIMEOUT)

        yield make


def _post_thread(server: LiveServer, token: str, slug: str, title: str) -> dict[str, Any]:
    answer = server.api("POST", f"/networks/{slug}/threads", token=token,
                        json_body={"title": title, "body": f"Posted by the live tests: *{title}*."})
    assert answer.status == 201, answer
    return dict(answer.body)


def _title(stem: str) -> str:
    return f"{stem} {uuid.uuid4().hex[:8]}"


# --- (a) authentication at connect ----------------------------------------------------------------------

def test_connect_without_cookie_or_token_is_refused(live: Callable[..., LiveClient]) -> None:
    conn = live()
    with pytest.raises(SocketConnectionError):
        conn.connect()
    assert not conn.client.connected
    assert any("unauthenticated" in str(r) for r in conn.refusals), conn.refusals


@pytest.mark.parametrize("bad", ["cmc_made_up_token", "not-even-a-token"])
def test_connect_with_an_unknown_token_is_refused(live: Callable[..., LiveClient], bad: str) -> None:
    conn = live(bad)
    with pytest.raises(SocketConnectionError):
        conn.connect()
    assert any("unauthenticated" in str(r) for r in conn.refusals), conn.refusals


# --- (b) a token connects and receives the events of its networks ------------------------------------------

def test_token_connects_and_receives_a_thread_posted_through_the_api(
    server: LiveServer, live: Callable[..., LiveClient], tokens: dict[str, str],
) -> None:
    listener = live(tokens[LISTENER]).connect()
    assert listener.client.connected

    title = _title("Night landings")
    created = _post_thread(server, tokens[POSTER], "migrant-smuggling", title)

    event = listener.next_event("thread:new", lambda t: t.get("id") == created["id"])
    assert event["title"] == title
    assert event["network"] == "migrant-smuggling"
    assert event["network_id"] == created["network_id"]
    assert event["author"]["party"] == "TT"
    assert "<em>" in event["body_html"]
    assert [name for name, _data in listener.seen] == ["thread:new"], listener.seen


# --- (c) origins -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
def test_a_foreign_origin_is_refused_even_with_a_valid_token(
    live: Callable[..., LiveClient], tokens: dict[str, str], origin: str,
) -> None:
    conn = live(tokens[LISTENER], origin=origin)
    # cmc serve refuses the websocket handshake itself (403), before any upgrade.
    with pytest.raises(SocketConnectionError):
        conn.connect()
    assert not conn.client.connected and conn.client.eio.state != "connected"
    assert not conn.client.namespaces


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
def test_a_foreign_origin_gets_no_engineio_session_on_the_wire(
    server: LiveServer, tokens: dict[str, str], origin: str,
) -> None:
    """The same refusal on the wire, with websocket-client alone: the handshake gets 403, no upgrade."""
    url = server.base_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(url, origin=origin, timeout=CONNECT_TIMEOUT)
    assert refused.value.status_code == 403


def test_the_configured_origin_is_accepted(server: LiveServer, live: Callable[..., LiveClient],
                                           tokens: dict[str, str]) -> None:
    conn = live(tokens[LISTENER], origin=server.base_url).connect()
    assert conn.client.connected
    assert conn.call("ping:server", {})["ok"] is True


# --- (d) revocation ----------------------------------------------------------------------------------------

def test_a_revoked_token_is_dropped_at_once_and_refused_afterwards(
    server: LiveServer, live: Callable[..., LiveClient],
) -> None:
    # Two tokens from the command line (a token cannot mint another through the API); the API tells the ids.
    first = server.create_token(REVOKER, "stays")
    doomed = server.create_token(REVOKER, "doomed")
    assert server.api("POST", "/tokens", token=first, json_body={"name": "child"}).status == 403
    listed = server.api("GET", "/tokens", token=first).body["items"]
    doomed_id = next(t["id"] for t in listed if t["name"] == "doomed" and doomed.startswith(t["prefix"]))

    conn = live(doomed).connect()
    assert conn.call("ping:server", {})["ok"] is True
    bystander = live(first).connect()  # another token of the same account stays connected

    started = time.monotonic()
    answer = server.api("DELETE", f"/tokens/{doomed_id}", token=doomed)
    assert answer.status == 204, answer
    assert conn.dropped.wait(DROP_WITHIN), (
        f"the connection made with the revoked token was still open {DROP_WITHIN} s after the revocation")
    assert conn.dropped_at is not None and conn.dropped_at - started <= DROP_WITHIN
    assert not conn.client.connected

    again = live(doomed)
    with pytest.raises(SocketConnectionError):
        again.connect()
    assert any("unauthenticated" in str(r) for r in again.refusals), again.refusals
    assert server.api("GET", "/me", token=doomed).status == 401

    assert bystander.client.connected and not bystander.dropped.is_set()
    assert bystander.call("ping:server", {})["ok"] is True


# --- (e) clients never name rooms ------------------------------------------------------------------------

def test_a_room_named_by_the_client_is_not_joined(
    server: LiveServer, live: Callable[..., LiveClient], tokens: dict[str, str],
) -> None:
    me = server.api("GET", "/me", token=tokens[POSTER])
    assert me.status == 200, me
    foreign_id = next(n["id"] for n in me.body["networks"] if n["slug"] == "border-management")
    mine = server.api("GET", "/me", token=tokens[LISTENER]).body["networks"]
    assert foreign_id not in {n["id"] for n in mine}, "the listener must not be a member of Border Management"

    listener = live(tokens[LISTENER]).connect()
    for event in ("join", "join_room", "enter_room", "subscribe"):
        listener.client.emit(event, {"room": f"network:{foreign_id}"})
    listener.client.emit("join", f"network:{foreign_id}")
    # Sent after the emits on the same connection: once answered, the server has handled them.
    assert listener.call("ping:server", {})["ok"] is True

    foreign = _post_thread(server, tokens[POSTER], "border-management", _title("Not for the listener"))
    posted_at = time.monotonic()
    own = _post_thread(server, tokens[POSTER], "migrant-smuggling", _title("For the listener"))
    # The connection is alive and receives its own networks' events ...
    listener.next_event("thread:new", lambda t: t.get("id") == own["id"])
    # ... but nothing of the room it named.
    listener.drain(max(SILENCE - (time.monotonic() - posted_at), 0.0))
    leaked = [(name, data) for name, data in listener.seen if isinstance(data, dict)
              and (data.get("id") == foreign["id"] or data.get("network_id") == foreign_id)]
    assert not leaked, f"events of network:{foreign_id} reached a non-member who named the room: {leaked}"


# --- (f) ping -----------------------------------------------------------------------------------------------

def test_ping_server_answers_ok_with_the_account(server: LiveServer, live: Callable[..., LiveClient],
                                                 tokens: dict[str, str]) -> None:
    account_id = server.api("GET", "/me", token=tokens[LISTENER]).body["id"]
    conn = live(tokens[LISTENER]).connect()
    assert conn.call("ping:server", {}) == {"ok": True, "account_id": account_id}
    assert conn.call("ping:server")["ok"] is True  # no payload at all
