"""The board's live event over the wire: the real server (``cmc serve``) and real Socket.IO clients. A change of
a roll call (here a reminder sent through the API, which calls ``live.changed`` after its commit, as every
roll call service does) sends ``rollcall:update`` {id, reason, answered, asked} to the readers of its network,
and, without the counts, to the members of an asked party outside the network; to no one else. The counts are
read at the moment of the event (an answer stored meanwhile counts)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from tests.live_server import DEMO_PASSWORD, LiveServer, running_live_server
from tests.socket_client import live_clients
from tests.web_client import enrol_second_factor

#: Its server runs on the live database of the run (SQLite, or PostgreSQL under make test-postgres).
pytestmark = pytest.mark.live_database

SECRETARIAT = "secretariat@cmc.demo"
READER = "delegate.do@cmc.demo"  # a member of Migrant Smuggling
NETWORK = "migrant-smuggling"
SILENCE = 1.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_live_server(tmp_path_factory.mktemp("cmc-rollcall-live")) as live_server:
        yield live_server


def _engine(server: LiveServer):  # type: ignore[no-untyped-def]
    return create_engine(server.env.get("CMC_DATABASE_URL") or f"sqlite:///{server.instance_path / 'cmc.db'}")


def _start(server: LiveServer) -> tuple[int, list[str], str]:
    """A roll call of the network asking its member parties, written straight into the server's database (the
    starting service is another part's); returns its id, the asked codes and a party code the network leaves
    out."""
    now = datetime.now(UTC).replace(tzinfo=None)
    engine = _engine(server)
    with engine.begin() as connection:
        network_id = connection.execute(text("SELECT id FROM networks WHERE slug = :s"), {"s": NETWORK}).scalar_one()
        parties = connection.execute(text(
            "SELECT p.id, p.code FROM parties p JOIN network_parties n ON n.party_id = p.id "
            "WHERE n.network_id = :n AND p.status = 'member' ORDER BY p.code"), {"n": network_id}).all()
        left_out = connection.execute(text(
            "SELECT code FROM parties WHERE status != 'member' OR id NOT IN "
            "(SELECT party_id FROM network_parties WHERE network_id = :n) ORDER BY code"), {"n": network_id}).first()
        organiser = connection.execute(text("SELECT id, party_id FROM accounts WHERE email = :e"),
                                       {"e": SECRETARIAT}).one()
        roll_call_id = connection.execute(text(
            "INSERT INTO roll_calls (network_id, title, instructions, language, questions, state, started_at, "
            "deadline, organiser_id, organiser_party_id, handling_code, handling_text) VALUES (:n, 'Live board', '', "
            "'en', :q, 'open', :s, :d, :o, :p, 'H0', '') RETURNING id"), {
                "n": network_id, "q": json.dumps([{"key": "status", "required": True}]), "s": now,
                "d": now + timedelta(hours=24), "o": organiser.id, "p": organiser.party_id}).scalar_one()
        for party_id, _code in parties:
            connection.execute(text("INSERT INTO roll_call_parties (roll_call_id, party_id) VALUES (:r, :p)"),
                               {"r": roll_call_id, "p": party_id})
    engine.dispose()
    assert left_out is not None
    return roll_call_id, [code for _id, code in parties], left_out.code


def _answer(server: LiveServer, roll_call_id: int, email: str) -> None:
    """The answer of the party of ``email``'s account, stored straight (the answering service is another
    part's)."""
    engine = _engine(server)
    with engine.begin() as connection:
        author = connection.execute(text("SELECT id, party_id FROM accounts WHERE email = :e"), {"e": email}).one()
        party_id = author.party_id
        connection.execute(text(
            "INSERT INTO roll_call_answers (roll_call_id, party_id, revision, author_id, by_focal_point, created_at, "
            "status, needs, note, extra, flags) VALUES (:r, :p, 1, :a, false, :t, 'affected_coping', '', '', '{}', "
            "'')"), {"r": roll_call_id, "p": party_id, "a": author.id,
                     "t": datetime.now(UTC).replace(tzinfo=None)})
    engine.dispose()


def _account(server: LiveServer, party: str) -> str:
    email = f"rollcall.{uuid.uuid4().hex[:8]}@example.org"
    out = server.cmc("accounts", "create", "--email", email, "--name", "Outside Reader", "--party", party,
                     "--role", "delegate", "--password-stdin", input_text="Correct-horse-battery-9\n").stdout
    assert re.search(r"Created account (\d+)", out), out
    return email


def test_a_change_reaches_the_networks_readers_live_and_no_one_else(server: LiveServer) -> None:
    enrol_second_factor(server, SECRETARIAT, DEMO_PASSWORD)
    admin = server.create_token(SECRETARIAT, "rollcall live tests")
    reader = server.create_token(READER, "rollcall live tests")
    roll_call_id, asked, left_out = _start(server)
    stranger = server.create_token(_account(server, left_out), "rollcall live tests")  # party not asked
    asked_outside = server.create_token(_account(server, asked[-1]), "rollcall live tests")  # not in the network
    with live_clients() as clients:
        listening = clients.new(server.base_url, origin=server.base_url, token=reader, ping_after_connect=True)
        shut_out = clients.new(server.base_url, origin=server.base_url, token=stranger, ping_after_connect=True)
        own_room = clients.new(server.base_url, origin=server.base_url, token=asked_outside, ping_after_connect=True)
        listening.connect()
        shut_out.connect()
        own_room.connect()
        _answer(server, roll_call_id, READER)
        sent = server.api("POST", f"/rollcalls/{roll_call_id}/remind", token=admin, json_body={})
        assert sent.status == 200 and sent.body["sent"] is True, sent
        event = listening.next_event("rollcall:update", lambda data: data.get("id") == roll_call_id)
        assert event == {"id": roll_call_id, "reason": "remind", "answered": 1, "asked": len(asked)}
        # A member of an asked party outside the network reads the roll call, not the board: no counts.
        assert own_room.next_event("rollcall:update") == {"id": roll_call_id, "reason": "remind"}
        shut_out.drain(SILENCE)
        assert not [e for e in shut_out.seen if e[0] == "rollcall:update"]
        board = server.api("GET", f"/rollcalls/{roll_call_id}/board", token=reader)
        assert board.status == 200 and board.body["answered"] == 1
        assert server.api("GET", f"/rollcalls/{roll_call_id}/board", token=stranger).status == 404
