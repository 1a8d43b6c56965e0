"""Catching up never silently stops (hardening issue, item 5), over the wire.

A real ``socketio.Client`` against the real server (``cmc serve``) comes back from a long outage during which
1,200 alerts were published (written straight into the database: no live event reached anyone). One
``alerts:sync`` answer is a page of at most 500 that says whether more follow; paging from ``next_after_id``
brings every missed alert exactly once, in order, in three pages. Each page is confirmed with one
``alert:received {ids}`` event (1,200 single events would run into the socket rate limit), which records the
delivery for the client's party; a page naming an alert the client may not read is refused whole.

The server is this module's own: it takes 1,200 alerts that no other test should see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.bulk_alerts import insert_missed_alerts
from tests.live_server import LiveServer, running_live_server
from tests.socket_client import LiveClient, live_clients

#: Its servers and commands run on the live database of the run (SQLite, or PostgreSQL under make test-postgres).
pytestmark = pytest.mark.live_database

LISTENER = "delegate.do@cmc.demo"  # member of Migrant Smuggling, not of Border Management
MISSED = 1200
PAGE = 500


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_live_server(tmp_path_factory.mktemp("cmc-sync-live")) as live_server:
        yield live_server


@pytest.fixture(autouse=True)
def server_log_stays_clean(server: LiveServer) -> Iterator[None]:
    mark = server.log_mark()
    yield
    problems = server.problems_since(mark)
    if problems:
        pytest.fail("the server logged errors during this test:\n" + problems, pytrace=False)


@pytest.fixture(scope="module")
def token(server: LiveServer) -> str:
    """A personal access token of the listener (``cmc tokens create``: a process start, so once)."""
    return server.create_token(LISTENER, "sync live test")


@pytest.fixture
def live(server: LiveServer) -> Iterator[Callable[[str], LiveClient]]:
    with live_clients() as clients:
        yield lambda token: clients.new(server.base_url, origin=server.base_url, token=token, event_timeout=10.0)


def catch_up(client: LiveClient, after_id: int) -> tuple[list[int], list[dict[str, Any]]]:
    """Page ``alerts:sync`` from ``after_id`` as the page's client does: the ids in the order they came, and
    each answer without its alerts."""
    ids: list[int] = []
    answers: list[dict[str, Any]] = []
    while True:
        answer = client.call("alerts:sync", {"after_id": after_id})
        assert answer["ok"] is True, answer
        ids += [alert["id"] for alert in answer["alerts"]]
        answers.append({**answer, "alerts": len(answer["alerts"])})
        if answer["alerts"]:
            confirmed = client.call("alert:received", {"ids": [alert["id"] for alert in answer["alerts"]]})
            assert confirmed == {"ok": True}, confirmed
        if not answer["has_more"]:
            return ids, answers
        assert answer["next_after_id"] > after_id, answer
        after_id = answer["next_after_id"]
        assert len(answers) < 50, "paging does not end"


def test_a_client_back_from_a_long_outage_pages_through_1200_missed_alerts_exactly_once_in_order(
        server: LiveServer, live: Callable[[str], LiveClient], token: str) -> None:
    client = live(token).connect()
    before, _ = catch_up(client, 0)  # whatever the demo holds: the client is up to date
    cursor = before[-1] if before else 0
    client.client.disconnect()  # the outage

    missed = insert_missed_alerts(server, MISSED)
    assert len(missed) == MISSED and missed == sorted(missed) and missed[0] > cursor

    back = live(token).connect()
    ids, answers = catch_up(back, cursor)
    assert ids == missed  # every one, once, oldest first
    assert [(a["alerts"], a["has_more"]) for a in answers] == [(PAGE, True), (PAGE, True), (MISSED - 2 * PAGE, False)]
    assert [a["next_after_id"] for a in answers] == [missed[PAGE - 1], missed[2 * PAGE - 1], missed[-1]]
    # Caught up: the next answer is empty and says so.
    assert back.call("alerts:sync", {"after_id": missed[-1]}) == {"ok": True, "alerts": [], "has_more": False,
                                                                  "next_after_id": missed[-1]}

    # The pages' confirmations recorded the delivery for the listener's party (the Dominican Republic).
    for alert_id in (missed[0], missed[PAGE], missed[-1]):
        grid = server.api("GET", f"/alerts/{alert_id}/grid", token=token)
        assert grid.status == 200, grid
        row = next(r for r in grid.body["items"] if r["party"] == "DO")
        assert row["delivered_at"] is not None, (alert_id, row)
        assert row["acknowledged_at"] is None


def test_a_page_confirmation_naming_an_unreadable_alert_is_refused_whole(
        server: LiveServer, live: Callable[[str], LiveClient], token: str) -> None:
    client = live(token).connect()
    mine = insert_missed_alerts(server, 2)
    elsewhere = insert_missed_alerts(server, 1, network="border-management", author="delegate.tt@cmc.demo")
    refused = client.call("alert:received", {"ids": [mine[0], elsewhere[0]]})
    assert refused["ok"] is False and refused["error"] == "Not found.", refused
    for bad in ([], ["1"], [True], [-1], list(range(1, PAGE + 2)), "1,2"):
        answer = client.call("alert:received", {"ids": bad})
        assert answer["ok"] is False and "ids must be a list" in answer["error"], (bad, answer)
    grid = server.api("GET", f"/alerts/{mine[0]}/grid", token=token)
    assert next(r for r in grid.body["items"] if r["party"] == "DO")["delivered_at"] is None
    assert client.call("alert:received", {"ids": mine}) == {"ok": True}
