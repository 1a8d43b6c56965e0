"""The live notice of a new agenda version over the wire: the real server (``cmc serve``) and real Socket.IO
clients. Publishing a version sends ``agenda:published`` {meeting_id, version} to every connected person who may
read the meeting (their ``user:<id>`` room) and to no one else."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.live_server import DEMO_PASSWORD, LiveServer, running_live_server
from tests.socket_client import live_clients
from tests.web_client import enrol_second_factor

#: Its server runs on the live database of the run (SQLite, or PostgreSQL under make test-postgres).
pytestmark = pytest.mark.live_database

SECRETARIAT = "secretariat@cmc.demo"
READER = "delegate.do@cmc.demo"  # a member of Migrant Smuggling: reads its network meeting
NETWORK_MEETING = "Technical meeting of the migrant smuggling network"  # the demo's meeting of Migrant Smuggling
SILENCE = 1.0  # how long "nothing arrives" is watched for


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """This module's own real server, freshly migrated and demo-seeded."""
    with running_live_server(tmp_path_factory.mktemp("cmc-meeting-live")) as live_server:
        yield live_server


def _outsider(server: LiveServer) -> str:
    """A new delegate of Haiti in no network: reads plenary meetings, not the network's."""
    email = f"outsider.{uuid.uuid4().hex[:8]}@gov.ht"
    out = server.cmc("accounts", "create", "--email", email, "--name", "Outside Reader", "--party", "HT",
                     "--role", "delegate", "--password-stdin", input_text="Correct-horse-battery-9\n").stdout
    assert re.search(r"Created account (\d+)", out), out
    return email


def _meeting(server: LiveServer, token: str, title: str) -> dict[str, Any]:
    answer = server.api("GET", "/meetings", token=token)
    assert answer.status == 200, answer
    return next(m for m in answer.body["items"] if m["title"] == title)


def test_a_new_version_reaches_the_readers_of_the_meeting_and_no_one_else(server: LiveServer) -> None:
    enrol_second_factor(server, SECRETARIAT, DEMO_PASSWORD)  # the secretariat's token works once it has one
    admin = server.create_token(SECRETARIAT, "meeting live tests")
    reader = server.create_token(READER, "meeting live tests")
    outsider = server.create_token(_outsider(server), "meeting live tests")
    meeting = _meeting(server, admin, NETWORK_MEETING)
    detail = server.api("GET", f"/meetings/{meeting['id']}", token=admin).body
    with live_clients() as clients:
        listening = clients.new(server.base_url, origin=server.base_url, token=reader, ping_after_connect=True)
        shut_out = clients.new(server.base_url, origin=server.base_url, token=outsider, ping_after_connect=True)
        listening.connect()
        shut_out.connect()
        added = server.api("POST", f"/meetings/{meeting['id']}/items", token=admin, json_body={
            "revision": meeting["agenda_revision"], "day": meeting["start_date"], "title": "Live notice check",
            "start_time": "16:00", "end_time": "16:30"})
        assert added.status == 201, added
        published = server.api("POST", f"/meetings/{meeting['id']}/publish", token=admin,
                               json_body={"revision": added.body["agenda_revision"]})
        assert published.status == 201, published
        number = published.body["number"]
        assert number == len(detail["versions"]) + 1
        event = listening.next_event("agenda:published", lambda e: e.get("meeting_id") == meeting["id"])
        assert event == {"meeting_id": meeting["id"], "version": number}  # ids only: the page asks for the text
        shut_out.drain(SILENCE)
        assert not [name for name, _data in shut_out.seen if name == "agenda:published"], shut_out.seen
