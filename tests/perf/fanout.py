"""The production layout for the fan-out benchmarks, its members, and the Node.js driver and reference.

* :func:`prepare_fanout_instance`: a fresh PostgreSQL database (``cmc_bench_fanout``), migrated and demo-seeded,
  plus ``members`` generated delegates of the Migrant Smuggling network with a personal access token each
  (the driver's credentials: the socket connect handler authenticates a token exactly as it does a browser
  session, and both join the same server-chosen rooms), and a token of the network's coordinator to publish.
* :func:`running_layout`: what ``docs/deploy.md`` runs: gunicorn page workers (``deploy/gunicorn-pages.conf.py``)
  and one realtime process per core (``deploy/gunicorn-realtime.conf.py``), all on that database and on Redis.
* :func:`run_driver` and :func:`running_reference`: ``tests/perf/node/fanout.js`` and ``reference.js``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.perf import harness

NODE_DIR = harness.PERF / "node"
REALTIME_CONF = harness.ROOT / "deploy" / "gunicorn-realtime.conf.py"
#: The fan-out database (dropped and rebuilt by every run); ``CMC_BENCH_FANOUT_DATABASE`` gives another name, so that
#: two checkouts benchmarking on one PostgreSQL server do not drop each other's.
FANOUT_DATABASE = os.environ.get("CMC_BENCH_FANOUT_DATABASE") or "cmc_bench_fanout"
SLUG = "migrant-smuggling"
COORDINATOR = "coordinator.bs@cmc.demo"
#: The origin every process accepts: behind nginx, pages and sockets share one site.
SITE = "http://127.0.0.1:5000"
#: What the driver publishes for each alert ({{token}} is the driver's match key, echoed in the headline).
ALERT_BODY = json.dumps({
    "status": "Exercise",
    "infos": [{"headline": "Load test {{token}}", "event": "Suspected smuggling vessel", "severity": "Moderate",
               "urgency": "Expected", "certainty": "Likely", "description": "Benchmark alert {{seq}}."}],
})


@dataclass
class FanoutInstance:
    """The fan-out database, its members' token file and the coordinator's token."""

    instance: harness.Instance
    members: int
    credentials: Path
    coordinator_token: str


def ensure_node_modules() -> None:
    """Install the driver's packages (``npm ci``, from the lock file) when they are missing."""
    if (NODE_DIR / "node_modules" / "socket.io-client").exists():
        return
    if shutil.which("npm") is None:
        raise RuntimeError("Node.js and npm are needed for the fan-out benchmarks (apt-get install nodejs npm)")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=NODE_DIR, check=True)


def prepare_fanout_instance(members: int) -> FanoutInstance:
    """A new database with ``members`` delegates in the Migrant Smuggling network, each with a token."""
    name = FANOUT_DATABASE
    harness._admin_scalar(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    harness._admin_scalar(f'CREATE DATABASE "{name}"')
    path = harness.WORK / name
    shutil.rmtree(path, ignore_errors=True)
    url = harness.database_url(name)
    env = harness.instance_env(path, url, base_url=SITE)
    # Redis pub/sub ignores the database number: runs sharing a Redis server choose their own channel.
    env["CMC_SOCKETIO_CHANNEL"] = os.environ.get("CMC_BENCH_CHANNEL") or env["CMC_SOCKETIO_CHANNEL"]
    instance = harness.Instance(name=name, path=path, database_url=url, env=env, dataset=f"demo + {members} members",
                                scale=None, alerts=None, password="")
    instance.cmc("db", "upgrade")
    instance.cmc("seed", "--demo")
    from cmc.services.seed import read_credentials

    instance.password = read_credentials(path) or ""  # made by this seed, kept in the instance folder
    app = instance.create_app()
    with app.app_context():
        tokens, coordinator_token = _add_members(members)
    credentials = path / "tokens.txt"
    credentials.write_text("\n".join(tokens) + "\n")
    credentials.chmod(0o600)
    return FanoutInstance(instance=instance, members=members, credentials=credentials,
                         coordinator_token=coordinator_token)


def _add_members(count: int) -> tuple[list[str], str]:
    """Insert ``count`` delegates (bulk: one password hash for all), their memberships and tokens; enrol the
    coordinator's second factor (a coordinator must have one before publishing) and give it a token."""
    import pyotp
    from sqlalchemy import insert, select, update

    from cmc.extensions import db
    from cmc.models import AccessToken, Account, Membership, Network, Role
    from cmc.models.types import utcnow
    from cmc.services.auth import TOKEN_PREFIX
    from cmc.services.passwords import hash_password

    network = db.session.scalar(select(Network).where(Network.slug == SLUG))
    assert network is not None, SLUG
    parties = [p for p in network.parties if not p.retired]
    password_hash = hash_password(secrets.token_urlsafe(24))
    now = utcnow()
    rows = [{"email": f"fanout{i:05d}@bench.cmc.test", "name": f"Fan-out member {i}", "role": Role.DELEGATE,
             "party_id": parties[i % len(parties)].id, "password_hash": password_hash, "created_at": now}
            for i in range(count)]
    ids = list(db.session.scalars(insert(Account).returning(Account.id, sort_by_parameter_order=True), rows))
    db.session.execute(insert(Membership), [{"network_id": network.id, "account_id": i, "created_at": now}
                                            for i in ids])
    secrets_list = [TOKEN_PREFIX + secrets.token_urlsafe(32) for _ in ids]
    db.session.execute(insert(AccessToken), [
        {"account_id": account_id, "name": "fan-out benchmark", "token_hash": hashlib.sha256(s.encode()).hexdigest(),
         "prefix": s[: len(TOKEN_PREFIX) + 6], "created_at": now}
        for account_id, s in zip(ids, secrets_list, strict=True)])
    coordinator = db.session.scalar(select(Account).where(Account.email == COORDINATOR))
    assert coordinator is not None
    db.session.execute(update(Account).where(Account.id == coordinator.id).values(
        totp_secret=pyotp.random_base32(), totp_enabled_at=now))
    coordinator_secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.execute(insert(AccessToken), [{
        "account_id": coordinator.id, "name": "fan-out benchmark publisher",
        "token_hash": hashlib.sha256(coordinator_secret.encode()).hexdigest(),
        "prefix": coordinator_secret[: len(TOKEN_PREFIX) + 6], "created_at": now}])
    db.session.commit()
    return secrets_list, coordinator_secret


@dataclass
class Layout:
    """The running production layout: the page server and the realtime servers."""

    pages: harness.Server
    realtime: list[harness.Server]

    @property
    def pids(self) -> list[int]:
        """Every server process (gunicorn masters; the driver adds their workers)."""
        return [self.pages.pid, *(r.pid for r in self.realtime)]

    def problems(self) -> list[str]:
        """Tracebacks or errors any process logged."""
        found = []
        for server in (self.pages, *self.realtime):
            text = server.output()
            if "Traceback" in text or " ERROR " in text:
                found.append(f"{server.log_path.name}: {text[-1500:]}")
        return found


@contextlib.contextmanager
def running_realtime(instance: harness.Instance, index: int) -> Iterator[harness.Server]:
    """One realtime process: ``CMC_PROCESS_ROLE=realtime gunicorn -c deploy/gunicorn-realtime.conf.py``."""
    port = harness.free_port()
    log_path = instance.path / f"realtime-{index}.log"
    env = {**instance.env, "CMC_PROCESS_ROLE": "realtime", "CMC_BIND": f"127.0.0.1:{port}", "CMC_BASE_URL": SITE}
    command = [str(harness.VENV_BIN / "gunicorn"), "-c", str(REALTIME_CONF), "--bind", f"127.0.0.1:{port}",
               "cmc.wsgi:app"]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, env=env, cwd=harness.ROOT, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT)
    server = harness.Server(base_url=f"http://127.0.0.1:{port}", process=process, log_path=log_path, workers=1,
                            command=command)
    try:
        harness.wait_http(server.url("/healthz"), process, log_path=log_path)
        yield server
    finally:
        harness.stop_process(process)


@contextlib.contextmanager
def running_layout(instance: harness.Instance, *, realtime: int | None = None) -> Iterator[Layout]:
    """Page workers plus ``realtime`` realtime processes (default: one per core), as deployed."""
    count = realtime or (os.cpu_count() or 1)
    with contextlib.ExitStack() as stack:
        pages = stack.enter_context(harness.running_pages(instance, extra_env={"CMC_BASE_URL": SITE}))
        servers = [stack.enter_context(running_realtime(instance, i)) for i in range(count)]
        yield Layout(pages=pages, realtime=servers)


@contextlib.contextmanager
def running_reference() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The bare Node.js socket.io server; yields its URL and process."""
    ensure_node_modules()
    port = harness.free_port()
    log_path = harness.WORK / "reference.log"
    harness.WORK.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(["node", "reference.js"], cwd=NODE_DIR, env={**os.environ, "PORT": str(port)},
                                   stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        harness.wait_http(url + "/", process, log_path=log_path)
        yield url, process
    finally:
        harness.stop_process(process)


def run_driver(config: Mapping[str, Any], *, timeout: float = 300.0) -> dict[str, Any]:
    """Run ``node fanout.js`` with ``config`` and return its JSON result."""
    ensure_node_modules()
    harness.WORK.mkdir(parents=True, exist_ok=True)
    config_path = harness.WORK / f"fanout-{secrets.token_hex(4)}.json"
    config_path.write_text(json.dumps(config))
    try:
        result = subprocess.run(["node", str(NODE_DIR / "fanout.js"), str(config_path)], cwd=NODE_DIR,
                                capture_output=True, text=True, timeout=timeout, check=False)
    finally:
        config_path.unlink(missing_ok=True)
    if result.returncode != 0:
        raise RuntimeError(f"the fan-out driver failed ({result.returncode}):\n{result.stderr[-3000:]}")
    print("   ", result.stderr.strip().splitlines()[-1], flush=True)
    return dict(json.loads(result.stdout))


def warm_up(config: Mapping[str, Any]) -> None:
    """One unrecorded short run (200 clients, 3 alerts), so that the measured runs do not pay for a cold start:
    the first connections of a fresh process, the first alerts' database and template caches."""
    run_driver({**config, "clients": min(200, int(config["clients"])), "broadcasts": 3, "warmup": 1})


def platform_config(fanout: FanoutInstance, layout: Layout, clients: int, **extra: Any) -> dict[str, Any]:
    """The driver's configuration for the platform: clients spread over the realtime processes (nginx's
    sticky-by-address spreading), alerts published through the page workers' API as the coordinator."""
    return {"urls": [r.base_url for r in layout.realtime], "origin": SITE, "credentials": str(fanout.credentials),
            "clients": clients, "broadcasts": 20, "event": "alert:new",
            "triggerUrl": layout.pages.url(f"/api/v1/networks/{SLUG}/alerts"),
            "triggerHeaders": {"Authorization": f"Bearer {fanout.coordinator_token}"},
            "triggerBody": ALERT_BODY, "serverPids": layout.pids,
            "pidGroups": {"pages": [layout.pages.pid], "realtime": [r.pid for r in layout.realtime]}, **extra}


def reference_config(url: str, pid: int, clients: int, **extra: Any) -> dict[str, Any]:
    """The same driver configuration for the Node.js reference."""
    return {"urls": [url], "clients": clients, "broadcasts": 20, "event": "alert:new",
            "triggerUrl": url + "/alert", "triggerBody": ALERT_BODY, "serverPids": [pid], **extra}


def realtime_pids(layout: Layout) -> Sequence[int]:
    """The realtime processes only (for their memory)."""
    return [r.pid for r in layout.realtime]
