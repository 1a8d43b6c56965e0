"""The exact production layout of ``docs/deploy.md``, started for real: one gunicorn page process
(``deploy/gunicorn-pages.conf.py``, sync workers, ``-w 2``) and two realtime processes (``CMC_PROCESS_ROLE=realtime
gunicorn -c deploy/gunicorn-realtime.conf.py cmc.wsgi:app``, gevent-websocket workers), each on a port of its own,
all three on one fresh PostgreSQL database (migrated with ``cmc db upgrade``, seeded with ``cmc seed --demo``) and
one real Redis (the Socket.IO message queue, on a channel unique to this run, and the rate-limit storage).

nginx would put the three behind one origin; here that origin is the page process's address (``CMC_BASE_URL``),
and every Socket.IO client sends it as its ``Origin`` header to whichever realtime process it connects to, as a
browser behind nginx does. The realtime worker refuses a foreign websocket handshake with 403 before the
upgrade (the worker class in ``deploy/gunicorn-realtime.conf.py`` uses the same handler as ``cmc serve``); in
production nginx's Origin check answers 403 first (``deploy/nginx-cmc.conf``).

Proved here, with real ``socketio.Client`` websocket connections to realtime process 1 and realtime process 2:

(a) an alert published through the page process's API reaches members on both realtime processes, once each,
    and a non-member connected to both receives nothing of it;
(b) a thread reply posted through the page process reaches members of the network on both realtime processes
    (and the non-member receives nothing);
(c) signing out of a browser session through the page process's real forms drops that session's live
    connections on both realtime processes within a second, while a connection of the same person made with
    a token stays; revoking a token through the page process's API does the same for the token's connections;
(d) a realtime process refuses a handshake from another origin with 403, even with a valid token.

No process may log an error or a traceback during a test. Needs ``CMC_TEST_DATABASE_URL`` (a PostgreSQL server
where a fresh database can be created) and ``CMC_TEST_REDIS_URL``; skipped without either.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
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
import websocket
from socketio.exceptions import ConnectionError as SocketConnectionError

from tests.live_server import (
    DEMO_PASSWORD,
    ROOT,
    SERVER_STOP_TIMEOUT,
    LiveServer,
    free_port,
    fresh_postgres_database,
    wait_healthy,
)
from tests.socket_client import CONNECT_TIMEOUT, LiveClient, LiveClients, live_clients
from tests.web_client import enrol_second_factor as _enrol_second_factor
from tests.web_client import form_token as _form_token

DATABASE_URL = os.environ.get("CMC_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("CMC_TEST_REDIS_URL", "")

pytestmark = pytest.mark.skipif(
    not (DATABASE_URL and REDIS_URL),
    reason="CMC_TEST_DATABASE_URL and CMC_TEST_REDIS_URL must both be set: the production layout runs on "
           "PostgreSQL and a real Redis (e.g. postgresql://postgres@127.0.0.1:5432/test and "
           "redis://127.0.0.1:6379/15)")

SLUG = "migrant-smuggling"
COORDINATOR = "coordinator.bs@cmc.demo"  # coordinates Migrant Smuggling: publishes (needs a second factor)
TT = "delegate.tt@cmc.demo"  # member of Migrant Smuggling; no second factor required
DO = "delegate.do@cmc.demo"  # member of Migrant Smuggling
OUTSIDER_PASSWORD = "flying fish friday 2026"
START_TIMEOUT = 60.0  # three gunicorn masters importing the app at once on a shared two-core machine
SILENCE = 1.0  # how long "nothing arrives" is watched for
DROP_WITHIN = 1.0  # DESIGN.md: sign-out and revocation disconnect "at once"; here across processes

#: A line that means something went wrong: the application's own format (`` ERROR ``), gunicorn's
#: (``[ERROR]``), or a traceback.
_BAD_LINE = re.compile(r" (ERROR|CRITICAL) |\[(ERROR|CRITICAL)\]|^Traceback ")


# --------------------------------------------------------------------------------------------- processes

def gunicorn_executable() -> str:
    """The ``gunicorn`` script of the interpreter running the tests (else the checkout's venv)."""
    beside_python = Path(sys.executable).parent / "gunicorn"
    return str(beside_python if beside_python.exists() else ROOT / ".venv" / "bin" / "gunicorn")


@dataclass
class GunicornProcess(LiveServer):
    """One gunicorn master (and its workers) serving ``cmc.wsgi:app`` with a configuration of ``deploy/``, bound
    through ``CMC_BIND`` to this server's port; ``cmc`` commands, the API client and the log checks are those
    of :class:`LiveServer`. It runs in a process group of its own so that stopping it reaches the workers."""

    conf: str = ""
    extra_args: tuple[str, ...] = ()

    def launch(self) -> None:
        """Start the master without waiting for it to answer (:func:`wait_healthy` does that)."""
        if self.process is not None and self.process.returncode is None:
            raise RuntimeError("the server is still running; stop it first")
        command = [gunicorn_executable(), "-c", str(ROOT / self.conf), *self.extra_args, "cmc.wsgi:app"]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, env={**self.env, "CMC_BIND": f"127.0.0.1:{self.port}"},
                                            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def start(self) -> None:
        """Start the master and wait until ``/healthz`` answers 200."""
        self.launch()
        wait_healthy(self, timeout=START_TIMEOUT)

    def _signal_group(self, signum: int) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):  # the whole group has exited already
            os.killpg(self.process.pid, signum)

    def kill(self) -> None:
        """SIGKILL the master and its workers, and reap the master."""
        if self.process is None:
            return
        self._signal_group(signal.SIGKILL)
        self.process.wait(timeout=SERVER_STOP_TIMEOUT)

    def stop(self) -> None:
        """SIGTERM the master and its workers (a graceful shutdown), then SIGKILL whatever lingers."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self._signal_group(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=SERVER_STOP_TIMEOUT)
        self._signal_group(signal.SIGKILL)  # workers the master left behind, if any
        if self.process.poll() is None:
            self.process.wait(timeout=SERVER_STOP_TIMEOUT)

    def problems_since(self, mark: int) -> str | None:
        """The output after ``mark`` (its last 4,000 characters) if the application or gunicorn logged an error
        or a traceback there; None when it stayed clean."""
        with open(self.log_path, "rb") as log:
            log.seek(mark)
            new = log.read().decode(errors="replace")
        if any(_BAD_LINE.search(line) for line in new.splitlines()):
            return new[-4000:]
        return None


@dataclass
class Layout:
    """The page process, the two realtime processes, the site's one origin, the run's tag, and tokens."""

    pages: GunicornProcess
    realtime: tuple[GunicornProcess, GunicornProcess]
    origin: str
    tag: str
    tokens: dict[str, str]

    @property
    def processes(self) -> tuple[GunicornProcess, ...]:
        """All three processes."""
        return (self.pages, *self.realtime)

    def headline(self, stem: str) -> str:
        """A headline unique to this run."""
        return f"{stem} [{self.tag}-{uuid.uuid4().hex[:6]}]"


def _redis_client() -> redis.Redis:
    return redis.Redis.from_url(REDIS_URL, socket_timeout=5)


def _delete_keys(pattern: str) -> None:
    client = _redis_client()
    try:
        keys = list(client.scan_iter(match=pattern, count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Layout]:
    """The three processes on a fresh PostgreSQL database and the Redis of ``CMC_TEST_REDIS_URL``, with tokens
    for the coordinator (second factor set up through the page process's forms), two members and a non-member;
    stopped, the database dropped and this run's Redis keys deleted when the module ends."""
    client = _redis_client()
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"CMC_TEST_REDIS_URL={REDIS_URL} is set but Redis does not answer: {exc}", pytrace=False)
    finally:
        client.close()

    tag = uuid.uuid4().hex[:10]
    key_prefix = f"cmc-layout-{tag}"
    instance: Path = tmp_path_factory.mktemp("cmc-production-layout")
    # Read by every process and command of this instance (instance/config.py): the rate-limit keys of this run.
    (instance / "config.py").write_text(f"RATELIMIT_KEY_PREFIX = {key_prefix!r}\n", encoding="utf-8")
    pages_port, rt1_port, rt2_port = free_port(), free_port(), free_port()
    origin = f"http://127.0.0.1:{pages_port}"  # the one address of the site, as nginx would serve it
    try:
        with fresh_postgres_database(DATABASE_URL) as database_url:
            env = {k: v for k, v in os.environ.items() if not k.startswith("CMC_")}  # hermetic
            env.update({
                "CMC_INSTANCE_PATH": str(instance),  # shared: the uploads volume of every process
                "CMC_SECRET_KEY": secrets.token_urlsafe(36),
                "CMC_BASE_URL": origin,
                "CMC_DEMO_PASSWORD": DEMO_PASSWORD,
                "CMC_DATABASE_URL": database_url,
                "CMC_SOCKETIO_MESSAGE_QUEUE": REDIS_URL,
                "CMC_SOCKETIO_CHANNEL": f"cmc-layout-{tag}",  # Redis pub/sub ignores the database number
                "CMC_RATELIMIT_STORAGE_URI": REDIS_URL,
                "PYTHONUNBUFFERED": "1",
            })
            realtime_env = {**env, "CMC_PROCESS_ROLE": "realtime"}
            pages = GunicornProcess(base_url=origin, instance_path=instance, env=env,
                                    log_path=instance / "pages.log", conf="deploy/gunicorn-pages.conf.py",
                                    extra_args=("--workers", "2"))
            realtime = tuple(
                GunicornProcess(base_url=f"http://127.0.0.1:{port}", instance_path=instance, env=realtime_env,
                                log_path=instance / f"realtime-{n}.log", conf="deploy/gunicorn-realtime.conf.py")
                for n, port in ((1, rt1_port), (2, rt2_port)))
            assert len(realtime) == 2
            pages.cmc("db", "upgrade")
            pages.cmc("seed", "--demo")
            try:
                for process in (pages, *realtime):
                    process.launch()
                for process in (pages, *realtime):
                    wait_healthy(process, timeout=START_TIMEOUT)
                yield _prepare(pages, (realtime[0], realtime[1]), origin, tag)
            finally:
                for process in (*realtime, pages):
                    process.stop()
    finally:
        _delete_keys(f"*{key_prefix}*")


def _prepare(pages: GunicornProcess, realtime: tuple[GunicornProcess, GunicornProcess], origin: str,
             tag: str) -> Layout:
    """Tokens (``cmc tokens create``), a non-member account, and the coordinator's second factor."""
    outsider = f"outsider.{tag}@gov.bb"  # Barbados takes part in no demo membership
    with ThreadPoolExecutor(max_workers=3) as pool:  # each command is a process of its own
        made = {email: pool.submit(pages.create_token, email, "production layout tests")
                for email in (COORDINATOR, TT, DO)}
        pool.submit(pages.cmc, "accounts", "create", "--email", outsider, "--name", "Xavier Outsider",
                    "--party", "BB", "--role", "delegate", "--password-stdin",
                    input_text=OUTSIDER_PASSWORD + "\n").result()
        made["outsider"] = pool.submit(pages.create_token, outsider, "production layout tests")
        # The coordinator's token may publish only once a second factor is on: set it up through the page
        # process's real forms (through the shared rate limiter too).
        _enrol_second_factor(pages, COORDINATOR, DEMO_PASSWORD)
        tokens = {key: future.result() for key, future in made.items()}
    return Layout(pages=pages, realtime=realtime, origin=origin, tag=tag, tokens=tokens)


def _sign_in(web: requests.Session, server: LiveServer, email: str, password: str) -> str:
    """Sign ``web`` in through the real form of ``server`` (an account without a second factor); return the
    session cookie as a ``Cookie`` header value."""
    page = web.get(server.url("/sign-in"), timeout=10)
    answer = web.post(server.url("/sign-in"), timeout=10, data={
        "email": email, "password": password, "csrf_token": _form_token(page.text)})
    assert answer.status_code == 200 and not answer.url.endswith("/sign-in"), \
        f"sign-in of {email} ended on {answer.url} ({answer.status_code})"
    cookie = web.cookies.get("cmc_session")
    assert cookie, "no session cookie after signing in"
    return f"cmc_session={cookie}"


# --------------------------------------------------------------------------------------------- fixtures

@pytest.fixture(autouse=True)
def logs_stay_clean(layout: Layout) -> Iterator[None]:
    """No process may log an error or a traceback during a test."""
    marks = [process.log_mark() for process in layout.processes]
    yield
    for process, mark in zip(layout.processes, marks, strict=True):
        problems = process.problems_since(mark)
        if problems:
            pytest.fail(f"{process.log_path.name} ({process.base_url}) logged errors during this test:\n{problems}",
                        pytrace=False)


@pytest.fixture
def clients() -> Iterator[LiveClients]:
    """Socket.IO clients for one test, all disconnected when it ends."""
    with live_clients() as made:
        yield made


@pytest.fixture
def live(layout: Layout, clients: LiveClients) -> Callable[..., LiveClient]:
    """``live(n, token=..., cookie=...)``: a client of realtime process ``n`` (1 or 2) sending the site's
    origin, connected, and answering ``ping:server``."""

    def make(n: int, *, token: str | None = None, cookie: str | None = None) -> LiveClient:
        process = layout.realtime[n - 1]
        return clients.new(process.base_url, origin=layout.origin, token=token, cookie=cookie,
                           ping_after_connect=True).connect()

    return make


def _mine(layout: Layout, seen: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The events of ``seen`` that carry this run's tag."""
    return [(name, data) for name, data in seen if layout.tag in str(data)]


def _headline(alert: Any) -> str | None:
    return alert["infos"][0]["headline"] if isinstance(alert, dict) and alert.get("infos") else None


# --------------------------------------------------------------------------------------------- (a)

def test_an_alert_published_through_the_page_process_reaches_members_on_both_realtime_processes(
    layout: Layout, live: Callable[..., LiveClient],
) -> None:
    members = [live(1, token=layout.tokens[TT]), live(2, token=layout.tokens[DO]), live(2, token=layout.tokens[TT])]
    outsiders = [live(1, token=layout.tokens["outsider"]), live(2, token=layout.tokens["outsider"])]

    headline = layout.headline("Go-fast boat left the Windward Passage")
    answer = layout.pages.api("POST", f"/networks/{SLUG}/alerts", token=layout.tokens[COORDINATOR], json_body={
        "infos": [{"headline": headline, "event": "Suspected smuggling vessel", "severity": "Severe",
                   "urgency": "Immediate", "certainty": "Likely", "area_desc": "Windward Passage"}],
        "status": "Exercise"})
    assert answer.status == 201, answer
    published = answer.body
    assert published["state"] == "published", published

    for conn in members:
        event = conn.next_event("alert:new", lambda alert: _headline(alert) == headline)
        assert event["id"] == published["id"]
        assert event["identifier"] == published["identifier"]
        assert event["network"]["slug"] == SLUG
        assert event["infos"][0]["severity"] == "Severe"
    # Once each: neither the queue nor a realtime process delivers twice.
    for conn in members:
        conn.drain(0.3)
        copies = [d for name, d in conn.seen if name == "alert:new" and _headline(d) == headline]
        assert len(copies) == 1, f"{conn.url} received the alert {len(copies)} times: {conn.seen}"
    # The non-member, on both realtime processes, receives nothing of it.
    outsiders[0].drain(SILENCE)
    outsiders[1].drain(0.1)
    leaked = _mine(layout, outsiders[0].seen) + _mine(layout, outsiders[1].seen)
    assert not leaked, f"an alert of {SLUG} reached a non-member: {leaked}"
    assert all(conn.connected for conn in members + outsiders)


# --------------------------------------------------------------------------------------------- (b)

def test_a_reply_posted_through_the_page_process_reaches_members_on_both_realtime_processes(
    layout: Layout, live: Callable[..., LiveClient],
) -> None:
    title = f"Night landings near Cedros [{layout.tag}]"
    thread = layout.pages.api("POST", f"/networks/{SLUG}/threads", token=layout.tokens[TT],
                              json_body={"title": title, "body": "Three boats seen *last night*."})
    assert thread.status == 201, thread
    thread_id = thread.body["id"]

    viewers = [live(1, token=layout.tokens[DO]), live(2, token=layout.tokens[DO])]
    outsider = live(2, token=layout.tokens["outsider"])

    text = f"Confirmed by the coast guard [{layout.tag}-{uuid.uuid4().hex[:6]}]"
    reply = layout.pages.api("POST", f"/threads/{thread_id}/replies", token=layout.tokens[TT],
                             json_body={"body": text})
    assert reply.status == 201, reply

    for conn in viewers:
        event = conn.next_event("thread:reply", lambda r: r.get("id") == reply.body["id"])
        assert event["thread_id"] == thread_id
        assert event["body"] == text
        assert event["author"]["party"] == "TT"
    outsider.drain(SILENCE)
    assert not _mine(layout, outsider.seen), f"a reply in {SLUG} reached a non-member: {outsider.seen}"


# --------------------------------------------------------------------------------------------- (c)

def test_signing_out_through_the_page_process_drops_the_sessions_sockets_on_both_realtime_processes(
    layout: Layout, live: Callable[..., LiveClient], clients: LiveClients,
) -> None:
    with requests.Session() as web:
        cookie = _sign_in(web, layout.pages, TT, DEMO_PASSWORD)
        victims = [live(1, cookie=cookie), live(2, cookie=cookie)]
        bystander = live(2, token=layout.tokens[TT])  # the same person, with a token: not this session

        home = web.get(layout.pages.url("/"), timeout=10)
        assert home.status_code == 200, home.status_code
        started = time.monotonic()
        answer = web.post(layout.pages.url("/sign-out"), data={"csrf_token": _form_token(home.text)}, timeout=10)
        assert answer.status_code == 200 and answer.url.endswith("/sign-in"), (answer.status_code, answer.url)

    for conn in victims:
        assert conn.dropped.wait(DROP_WITHIN), (
            f"the connection on {conn.url} made with the signed-out session was still open {DROP_WITHIN} s later")
        assert conn.dropped_at is not None and conn.dropped_at - started <= DROP_WITHIN
        assert not conn.connected
    # The cookie is worthless from now on, on either realtime process ...
    again = clients.new(layout.realtime[0].base_url, origin=layout.origin, cookie=cookie)
    with pytest.raises(SocketConnectionError):
        again.connect()
    assert any("unauthenticated" in str(r) for r in again.refusals), again.refusals
    # ... and the same person's token connection is untouched.
    assert bystander.connected and not bystander.dropped.is_set()
    assert bystander.call("ping:server")["ok"] is True


def test_revoking_a_token_through_the_page_process_drops_its_sockets_on_both_realtime_processes(
    layout: Layout, live: Callable[..., LiveClient],
) -> None:
    name = f"doomed {layout.tag}"
    doomed = layout.pages.create_token(DO, name)
    listed = layout.pages.api("GET", "/tokens", token=layout.tokens[DO])
    assert listed.status == 200, listed
    doomed_id = next(t["id"] for t in listed.body["items"] if t["name"] == name)

    victims = [live(1, token=doomed), live(2, token=doomed)]
    bystander = live(1, token=layout.tokens[DO])

    started = time.monotonic()
    answer = layout.pages.api("DELETE", f"/tokens/{doomed_id}", token=layout.tokens[DO])
    assert answer.status == 204, answer
    for conn in victims:
        assert conn.dropped.wait(DROP_WITHIN), (
            f"the connection on {conn.url} made with the revoked token was still open {DROP_WITHIN} s later")
        assert conn.dropped_at is not None and conn.dropped_at - started <= DROP_WITHIN
    assert layout.pages.api("GET", "/me", token=doomed).status == 401
    assert bystander.connected and bystander.call("ping:server")["ok"] is True


# --------------------------------------------------------------------------------------------- (d)

@pytest.mark.parametrize("n", [1, 2])
def test_a_realtime_process_gives_another_origin_no_session_even_with_a_valid_token(
    layout: Layout, clients: LiveClients, n: int,
) -> None:
    """The realtime worker (``deploy/gunicorn-realtime.conf.py``) refuses the handshake itself with 403, before
    the websocket upgrade, as ``cmc serve`` does: no session exists and the client is not connected."""
    process = layout.realtime[n - 1]
    conn = clients.new(process.base_url, origin="https://evil.example", token=layout.tokens[DO])
    with pytest.raises(SocketConnectionError):
        conn.connect()
    assert not conn.connected and not conn.client.namespaces

    # The same on the wire, with websocket-client alone: 403 at the handshake.
    url = process.base_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(url, origin="https://evil.example", timeout=CONNECT_TIMEOUT)
    assert refused.value.status_code == 403
