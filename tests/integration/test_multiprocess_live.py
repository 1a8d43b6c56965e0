"""Several processes behind one site (DESIGN.md section 6: "Several processes share one Redis message queue;
command-line tools emit through it too"): two real ``cmc serve`` processes on the same instance folder (the
same SQLite database), both with ``CMC_SOCKETIO_MESSAGE_QUEUE`` and ``CMC_RATELIMIT_STORAGE_URI`` pointing at a
real Redis, and real ``socketio.Client`` connections (websockets only, personal access tokens).

Proved here: an alert published through the API of process A reaches clients on A and on B; ``cmc alerts
publish`` run as a separate command reaches a client on B; revoking a token through A drops the connection
that token holds on B at once; and a client that was away from B catches up with ``alerts:sync`` with exactly
the alerts it missed, in order, while a non-member receives none of them.

Needs ``CMC_TEST_REDIS_URL`` (for example ``redis://127.0.0.1:6379/15``); skipped without it.

Redis publish/subscribe ignores the database number, and the application does not let the Socket.IO channel
be configured (Flask-SocketIO's default ``flask-socketio``): two runs of this file at once share the channel.
So every alert here carries a headline made unique for this run, and every check matches on it, never on an
id alone (two fresh databases number their alerts alike). The rate-limit keys the servers write carry a key
prefix unique to this run (``instance/config.py``) and are deleted at the end.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
import requests

from tests.live_server import DEMO_PASSWORD, LiveServer, running_live_server, running_sibling_server
from tests.socket_client import CONNECT_TIMEOUT, EVENT_TIMEOUT, LiveClient, live_clients
from tests.web_client import enrol_second_factor as _enrol_second_factor
from tests.web_client import form_token as _form_token

REDIS_URL = os.environ.get("CMC_TEST_REDIS_URL", "")

pytestmark = [pytest.mark.live_database, pytest.mark.skipif(
    not REDIS_URL,
    reason="CMC_TEST_REDIS_URL not set: these tests need a real Redis for the Socket.IO message queue and the "
           "rate-limit storage (e.g. CMC_TEST_REDIS_URL=redis://127.0.0.1:6379/15)")]

SLUG = "migrant-smuggling"
COORDINATOR = "coordinator.bs@cmc.demo"  # coordinates Migrant Smuggling: publishes
TT = "delegate.tt@cmc.demo"  # member of Migrant Smuggling (Trinidad and Tobago)
DO = "delegate.do@cmc.demo"  # member of Migrant Smuggling (Dominican Republic)
OUTSIDER_PASSWORD = "flying fish friday 2026"
SILENCE = 1.0  # how long "nothing arrives" is watched for
DROP_WITHIN = 1.0  # DESIGN.md: revocation disconnects "at once"; here across processes


# --------------------------------------------------------------------------------------------- fixtures

@dataclass
class Site:
    """Two processes on one instance folder, the run's tag, and the tokens the tests use."""

    a: LiveServer
    b: LiveServer
    tag: str
    tokens: dict[str, str]

    def headline(self, stem: str) -> str:
        """A headline unique to this run (the Redis channel may carry another run's alerts)."""
        return f"{stem} [{self.tag}-{uuid.uuid4().hex[:6]}]"


def _redis_client() -> redis.Redis:
    return redis.Redis.from_url(REDIS_URL, socket_timeout=5)


def _delete_keys(pattern: str) -> int:
    client = _redis_client()
    try:
        keys = list(client.scan_iter(match=pattern, count=500))
        if keys:
            client.delete(*keys)
        return len(keys)
    finally:
        client.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Process A (migrated and demo-seeded) and process B on the same instance folder, both on the Redis of
    ``CMC_TEST_REDIS_URL``; stopped, and this run's Redis keys deleted, when the module ends."""
    client = _redis_client()
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"CMC_TEST_REDIS_URL={REDIS_URL} is set but Redis does not answer: {exc}", pytrace=False)
    finally:
        client.close()

    tag = uuid.uuid4().hex[:10]
    key_prefix = f"cmc-test-{tag}"
    instance: Path = tmp_path_factory.mktemp("cmc-multiprocess")
    # Read by every process (and command) of this instance before the environment.
    (instance / "config.py").write_text(f"RATELIMIT_KEY_PREFIX = {key_prefix!r}\n", encoding="utf-8")
    queue_env = {"CMC_SOCKETIO_MESSAGE_QUEUE": REDIS_URL, "CMC_RATELIMIT_STORAGE_URI": REDIS_URL}
    try:
        with running_live_server(instance, extra_env=queue_env) as a, running_sibling_server(a) as b:
            assert a.instance_path == b.instance_path and a.port != b.port
            outsider = f"outsider.{tag}@gov.bb"  # Barbados takes part in no demo membership
            # Each command is a process of its own (about a second each): run them side by side.
            with ThreadPoolExecutor(max_workers=4) as pool:
                made = {email: pool.submit(a.create_token, email, "multiprocess live tests")
                        for email in (COORDINATOR, TT, DO)}
                pool.submit(a.cmc, "accounts", "create", "--email", outsider, "--name", "Xavier Outsider",
                            "--party", "BB", "--role", "delegate", "--password-stdin",
                            input_text=OUTSIDER_PASSWORD + "\n").result()
                made["outsider"] = pool.submit(a.create_token, outsider, "multiprocess live tests")
                # The coordinator must set up a second factor before its token may publish through the API:
                # through the real forms of process B (the sign-in goes through the shared rate limiter).
                _enrol_second_factor(b, COORDINATOR, DEMO_PASSWORD)
                tokens = {key: future.result() for key, future in made.items()}
            yield Site(a=a, b=b, tag=tag, tokens=tokens)
    finally:
        _delete_keys(f"*{key_prefix}*")


@pytest.fixture(autouse=True)
def server_logs_stay_clean(site: Site) -> Iterator[None]:
    """Neither process may log an error or a traceback during a test."""
    marks = {server.base_url: server.log_mark() for server in (site.a, site.b)}
    yield
    for server in (site.a, site.b):
        problems = server.problems_since(marks[server.base_url])
        if problems:
            pytest.fail(f"the server at {server.base_url} logged errors during this test:\n{problems}",
                        pytrace=False)


@pytest.fixture
def live(site: Site) -> Iterator[Callable[..., LiveClient]]:
    """``live(server, token)``: a client of ``server`` (not connected yet) that checks, once connected, that
    it answers ``ping:server``. Every client is disconnected, and every socket closed, when the test ends."""
    with live_clients() as clients:

        def make(server: LiveServer, token: str) -> LiveClient:
            return clients.new(server.base_url, origin=server.base_url, token=token, event_timeout=EVENT_TIMEOUT,
                               ping_after_connect=True)

        yield make


def _publish(site: Site, server: LiveServer, headline: str, severity: str = "Moderate") -> dict[str, Any]:
    """Publish an alert as the coordinator through ``server``'s JSON API; return it."""
    answer = server.api("POST", f"/networks/{SLUG}/alerts", token=site.tokens[COORDINATOR], json_body={
        "infos": [{"headline": headline, "event": "Suspected smuggling vessel", "severity": severity,
                   "urgency": "Immediate", "certainty": "Likely", "area_desc": "Windward Passage"}],
        "status": "Exercise"})
    assert answer.status == 201, answer
    assert answer.body["state"] == "published", answer.body
    return dict(answer.body)


def _headline(alert: Any) -> str | None:
    return alert["infos"][0]["headline"] if isinstance(alert, dict) and alert.get("infos") else None


def _mine(site: Site, seen: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The events of ``seen`` about alerts of this run (another run may share the channel)."""
    return [(name, data) for name, data in seen if site.tag in str(data)]


# --------------------------------------------------------------------------------------------- (a)

def test_an_alert_published_through_a_reaches_clients_on_a_and_on_b(
    site: Site, live: Callable[..., LiveClient],
) -> None:
    on_b = live(site.b, site.tokens[TT]).connect()
    on_a = live(site.a, site.tokens[DO]).connect()

    headline = site.headline("Go-fast boat left the Windward Passage")
    published = _publish(site, site.a, headline, severity="Severe")

    for conn in (on_b, on_a):
        event = conn.next_event("alert:new", lambda alert: _headline(alert) == headline)
        assert event["id"] == published["id"]
        assert event["identifier"] == published["identifier"]
        assert event["network"]["slug"] == SLUG
        assert event["infos"][0]["severity"] == "Severe"
        assert event["sender_party"] == "BS"
    # Once each: the message queue does not deliver twice to a process, nor a process to itself twice.
    on_b.drain(0.3)
    on_a.drain(0.3)
    for conn in (on_b, on_a):
        copies = [d for name, d in conn.seen if name == "alert:new" and _headline(d) == headline]
        assert len(copies) == 1, f"{conn.url} received the alert {len(copies)} times: {conn.seen}"


# --------------------------------------------------------------------------------------------- (b)

def test_cmc_alerts_publish_as_a_separate_command_reaches_a_client_on_b(
    site: Site, live: Callable[..., LiveClient],
) -> None:
    on_b = live(site.b, site.tokens[DO]).connect()
    headline = site.headline("Route change towards the Mona Passage")

    # The command runs in a process of its own, with the same environment (database, message queue).
    started = time.monotonic()
    out = site.a.cmc("alerts", "publish", "--network", SLUG, "--email", COORDINATOR, "--headline", headline,
                     "--event", "Route change", "--severity", "Moderate", "--status", "Exercise").stdout
    assert out.startswith("Alert "), out
    alert_id = int(out.split()[1])
    assert time.monotonic() - started < 20, "cmc alerts publish took too long to exit"

    event = on_b.next_event("alert:new", lambda alert: _headline(alert) == headline)
    assert event["id"] == alert_id
    assert event["status"] == "Exercise"
    assert event["infos"][0]["event"] == "Route change"
    # And the alert is stored: process B serves it through its own API.
    stored = site.b.api("GET", f"/alerts/{alert_id}", token=site.tokens[DO])
    assert stored.status == 200 and _headline(stored.body) == headline, stored


# --------------------------------------------------------------------------------------------- (c)

def test_revoking_a_token_through_a_drops_its_connection_on_b_at_once(
    site: Site, live: Callable[..., LiveClient],
) -> None:
    # A second token of the same account (the API makes tokens only for a signed-in person); its id from the
    # account's list of tokens.
    name = f"doomed {site.tag}"
    doomed = site.a.create_token(TT, name)
    listed = site.a.api("GET", "/tokens", token=site.tokens[TT])
    assert listed.status == 200, listed
    doomed_id = next(t["id"] for t in listed.body["items"] if t["name"] == name)

    victim = live(site.b, doomed).connect()
    bystander = live(site.b, site.tokens[TT]).connect()  # another token of the same account, also on B

    started = time.monotonic()
    answer = site.a.api("DELETE", f"/tokens/{doomed_id}", token=site.tokens[TT])
    assert answer.status == 204, answer
    assert victim.dropped.wait(DROP_WITHIN), (
        f"the connection on B made with the token revoked through A was still open {DROP_WITHIN} s later")
    assert victim.dropped_at is not None and victim.dropped_at - started <= DROP_WITHIN
    assert not victim.client.connected

    # The token is refused by both processes from now on ...
    assert site.b.api("GET", "/me", token=doomed).status == 401
    assert site.a.api("GET", "/me", token=doomed).status == 401
    # ... and the other connection of the same account on B is untouched.
    assert bystander.client.connected and not bystander.dropped.is_set()
    assert bystander.call("ping:server")["ok"] is True


# --------------------------------------------------------------------------------------------- (d)

def test_a_client_back_on_b_syncs_exactly_the_alerts_it_missed_and_a_non_member_gets_none(
    site: Site, live: Callable[..., LiveClient],
) -> None:
    outsider = live(site.b, site.tokens["outsider"]).connect()  # on B during the whole test
    outsider_on_a = live(site.a, site.tokens["outsider"]).connect()

    away = live(site.b, site.tokens[TT]).connect()
    before = away.call("alerts:sync", {"after_id": 0})
    assert before["ok"] is True, before
    last_seen = max((a["id"] for a in before["alerts"]), default=0)
    away.client.disconnect()
    assert away.dropped.wait(CONNECT_TIMEOUT)

    headlines = [site.headline(stem) for stem in ("Vessel sighted off Icacos", "Landing at Cedros",
                                                  "Second landing at Cedros")]
    published = [_publish(site, site.a, h, severity=s) for h, s in zip(headlines, ("Minor", "Moderate", "Severe"),
                                                                       strict=True)]
    ids = [a["id"] for a in published]
    assert ids == sorted(ids) and ids[0] > last_seen

    back = live(site.b, site.tokens[TT]).connect()
    answer = back.call("alerts:sync", {"after_id": last_seen})
    assert answer["ok"] is True, answer
    assert [a["id"] for a in answer["alerts"]] == ids, answer["alerts"]
    assert [_headline(a) for a in answer["alerts"]] == headlines
    assert [a["infos"][0]["severity"] for a in answer["alerts"]] == ["Minor", "Moderate", "Severe"]
    # Asking again from the newest gives nothing more.
    assert answer["has_more"] is False and answer["next_after_id"] == ids[-1]
    assert back.call("alerts:sync", {"after_id": ids[-1]}) == {"ok": True, "alerts": [], "has_more": False,
                                                               "next_after_id": ids[-1]}

    # The non-member, connected to both processes meanwhile, received none of them, and syncs none.
    outsider.drain(SILENCE)
    outsider_on_a.drain(0.1)
    leaked = _mine(site, outsider.seen) + _mine(site, outsider_on_a.seen)
    assert not leaked, f"alerts of {SLUG} reached a non-member: {leaked}"
    synced = outsider.call("alerts:sync", {"after_id": 0})
    assert synced == {"ok": True, "alerts": [], "has_more": False, "next_after_id": 0}, synced
    assert outsider.client.connected and outsider_on_a.client.connected


# --------------------------------------------------------------------------------------------- (e)

def test_failed_sign_ins_count_across_processes_through_the_shared_rate_limit_storage(site: Site) -> None:
    """CMC_RATELIMIT_STORAGE_URI: ten failed sign-ins of one account, half through each process, use up its
    allowance (LOGIN_LIMIT_PER_ACCOUNT, 10 per 15 minutes) on both; neither process alone saw ten."""
    email = f"outsider.{site.tag}@gov.bb"
    with requests.Session() as web:  # one cookie jar: cookies do not depend on the port
        csrf = _form_token(web.get(site.a.url("/sign-in"), timeout=10).text)
        for attempt in range(10):
            server = (site.a, site.b)[attempt % 2]
            answer = web.post(server.url("/sign-in"), timeout=10,
                              data={"email": email, "password": f"wrong {attempt}", "csrf_token": csrf})
            assert answer.status_code == 401, f"attempt {attempt + 1} on {server.base_url}: {answer.status_code}"
        for server in (site.b, site.a):
            answer = web.post(server.url("/sign-in"), timeout=10,
                              data={"email": email, "password": OUTSIDER_PASSWORD, "csrf_token": csrf})
            assert answer.status_code == 429, f"{server.base_url} let the 11th attempt through: {answer.status_code}"
            assert "Too many failed attempts" in answer.text
