"""The real server for end-to-end tests: ``cmc db upgrade``, ``cmc seed --demo`` and ``cmc serve`` (gevent with
websockets) in a subprocess, on a free port and an instance folder of its own.

Used by the browser suite (``tests/browser/conftest.py``) and by the live Socket.IO tests
(``tests/integration/test_realtime_live.py``); each builds its fixture on :func:`running_live_server`.
Nothing here is a pytest fixture, so importing it has no side effect.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests import cmc_fork

ROOT = Path(__file__).resolve().parents[1]

#: The password of every demo account (``cmc seed --demo`` reads it from ``CMC_DEMO_PASSWORD``): new for each
#: test run, never a published constant.
DEMO_PASSWORD = os.environ.get("CMC_DEMO_PASSWORD") or secrets.token_urlsafe(18)

#: Which database the live servers run on: ``CMC_TEST_LIVE_DATABASE=postgres`` (``make test-postgres``) gives
#: each live server a fresh PostgreSQL database next to ``CMC_TEST_DATABASE_URL``; anything else, SQLite.
LIVE_DATABASE = os.environ.get("CMC_TEST_LIVE_DATABASE", "sqlite")
POSTGRES_URL = os.environ.get("CMC_TEST_DATABASE_URL", "")

SERVER_START_TIMEOUT = 20.0
SERVER_STOP_TIMEOUT = 10.0

#: A line of the server's output that means something went wrong on its side.
_BAD_LINE = re.compile(r" (ERROR|CRITICAL) |^Traceback ")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_UPGRADED_TEMPLATE: list[Path] = []


def copy_upgraded_sqlite(instance: Path) -> None:
    """Fill ``instance`` with what ``cmc db upgrade`` makes of an empty SQLite instance folder (the schema at the
    head revision, nothing else), copied from one upgrade per test process: running every migration took 1.5 s
    of CPU per live server and command test. The tests of the upgrade itself still run it."""
    if not _UPGRADED_TEMPLATE:
        import atexit
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="cmc-upgraded-")) / "instance"
        env = {k: v for k, v in os.environ.items() if not k.startswith("CMC_")}
        env.update({"CMC_INSTANCE_PATH": str(folder), "CMC_SECRET_KEY": secrets.token_urlsafe(36)})
        cmc_fork.run(cmc_executable(), ["db", "upgrade"], env=env, cwd=ROOT, input_text=None,
                     timeout=120).check_returncode()
        atexit.register(shutil.rmtree, folder.parent, ignore_errors=True)
        _UPGRADED_TEMPLATE.append(folder)
    shutil.copytree(_UPGRADED_TEMPLATE[0], instance, dirs_exist_ok=True)


def cmc_executable() -> str:
    """The ``cmc`` console script of the interpreter running the tests (else the checkout's venv)."""
    beside_python = Path(sys.executable).parent / "cmc"
    if beside_python.exists():
        return str(beside_python)
    return str(ROOT / ".venv" / "bin" / "cmc")


@dataclass
class ApiResponse:
    """What the JSON API answered: status, headers and the decoded body (None when empty)."""

    status: int
    headers: dict[str, str]
    body: Any


@dataclass
class LiveServer:
    """The running ``cmc serve``: where it answers, its instance folder, and its environment."""

    base_url: str
    instance_path: Path
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def url(self, path: str) -> str:
        return self.base_url + path

    def cmc(self, *args: str, input_text: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run ``cmc ARGS`` against the same instance (database) as the server; raise if it fails."""
        result = cmc_fork.run(cmc_executable(), list(args), env=self.env, cwd=ROOT, input_text=input_text,
                              timeout=60)
        if result.returncode != 0:
            raise AssertionError(f"cmc {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result

    def create_token(self, email: str, name: str = "tests") -> str:
        """A new personal access token of ``email`` (``cmc tokens create``); returns its secret."""
        secret = self.cmc("tokens", "create", "--email", email, "--name", name).stdout.strip().splitlines()[-1]
        assert secret.startswith("cmc_"), f"cmc tokens create printed {secret!r}"
        return secret

    def api(self, method: str, path: str, *, token: str | None = None, json_body: Any = None,
            headers: dict[str, str] | None = None, timeout: float = 5.0) -> ApiResponse:
        """Call the JSON API (``path`` below ``/api/v1``, or absolute from ``/``) and return its answer
        whatever the status; a bearer ``token`` when given."""
        full = path if path.startswith("/api/") else "/api/v1" + path
        data = None if json_body is None else json.dumps(json_body).encode()
        request = urllib.request.Request(self.url(full), data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token is not None:
            request.add_header("Authorization", f"Bearer {token}")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, answer_headers, raw = response.status, dict(response.headers.items()), response.read()
        except urllib.error.HTTPError as exc:
            with exc:
                status, answer_headers, raw = exc.code, dict(exc.headers.items()), exc.read()
        body = json.loads(raw) if raw and answer_headers.get("Content-Type", "").startswith("application/json") \
            else (raw.decode(errors="replace") or None)
        return ApiResponse(status=status, headers=answer_headers, body=body)

    def output(self) -> str:
        """What the server has printed so far (stdout and stderr)."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_mark(self) -> int:
        """Where the server's output ends now; pass it to :meth:`problems_since` later."""
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def problems_since(self, mark: int) -> str | None:
        """The server's output after ``mark`` (its last 4,000 characters) if it logged an error or a
        traceback there (a 500 behind a friendly page, a route without an access rule, a crashed
        greenlet); None when it stayed clean."""
        with open(self.log_path, "rb") as log:
            log.seek(mark)
            new = log.read().decode(errors="replace")
        if any(_BAD_LINE.search(line) for line in new.splitlines()):
            return new[-4000:]
        return None

    @property
    def port(self) -> int:
        """The TCP port the server listens on (kept across restarts)."""
        return int(self.base_url.rsplit(":", 1)[1])

    def start(self) -> None:
        """Start ``cmc serve`` on this server's port, instance folder and environment (the database must be
        migrated already), appending to its log, and wait until it answers. :func:`running_live_server`
        starts it the first time; a test calls it again after :meth:`stop` or :meth:`kill` to restart the
        server on the same instance, as an operator would after a crash."""
        if self.process is not None and self.process.returncode is None:
            raise RuntimeError("the server is still running; stop or kill it first")
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [cmc_executable(), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
        wait_healthy(self)

    def kill(self) -> None:
        """SIGKILL the server, as a crash or a power cut would (it cleans nothing up), and reap it."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.kill()
        self.process.wait(timeout=SERVER_STOP_TIMEOUT)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL if it lingers) and reap it."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=SERVER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=SERVER_STOP_TIMEOUT)

    def sibling(self, *, extra_env: dict[str, str] | None = None) -> LiveServer:
        """Another ``cmc serve`` on the same instance folder (the same database and uploads) and the same
        environment plus ``extra_env``, on a free port of its own, with its own ``CMC_BASE_URL`` (hence its
        own allowed origin) and its own log; not started yet (:meth:`start` it, :meth:`stop` it). Several
        processes behind one site, as a deployment with a shared message queue runs them."""
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        env = {**self.env, "CMC_BASE_URL": base_url, **(extra_env or {})}
        return LiveServer(base_url=base_url, instance_path=self.instance_path, env=env,
                          log_path=self.instance_path / f"serve-{port}.log")


def wait_healthy(server: LiveServer, timeout: float = SERVER_START_TIMEOUT) -> None:
    """Wait until the server answers 200 on ``/healthz``; raise with its output if it dies or never does."""
    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    assert server.process is not None
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"cmc serve exited with status {server.process.returncode} before answering.\n"
                               f"--- server output ---\n{server.output()}")
        try:
            with urllib.request.urlopen(server.url("/healthz"), timeout=2) as response:
                if response.status == 200:
                    return
                last_error = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            with exc:
                last_error = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            last_error = str(exc)
        time.sleep(0.1)
    raise RuntimeError(f"cmc serve did not answer 200 on /healthz within {timeout:.0f} s (last: {last_error}).\n"
                       f"--- server output ---\n{server.output()}")


@contextmanager
def fresh_postgres_database(server_url: str, *, template: str | None = None) -> Iterator[str]:
    """A new, empty PostgreSQL database on the server of ``server_url`` (any database URL there, e.g.
    ``CMC_TEST_DATABASE_URL``), or a copy of the database ``template``, dropped when the block ends, even with
    connections still open; yields its URL. Each live server gets its own, so that servers and test runs never
    see each other's rows."""
    import psycopg  # only the PostgreSQL runs need it
    from sqlalchemy.engine import make_url

    base = make_url(server_url)
    name = f"cmc_live_{secrets.token_hex(6)}"
    admin_url = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_UPGRADED_POSTGRES: list[str] = []


def _upgraded_postgres_template() -> str:
    """The name of a PostgreSQL database ``cmc db upgrade`` has brought to the head revision, made once per test
    process (6 s here) and copied by ``CREATE DATABASE ... TEMPLATE`` (a fifth of a second) for each live server."""
    if not _UPGRADED_POSTGRES:
        import atexit
        import tempfile

        import psycopg
        from sqlalchemy.engine import make_url

        name = f"cmc_upgraded_{secrets.token_hex(6)}"
        base = make_url(POSTGRES_URL)
        admin_url = base.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with psycopg.connect(admin_url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        atexit.register(drop)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CMC_")}
        env.update({"CMC_DATABASE_URL": base.set(database=name).render_as_string(hide_password=False),
                    "CMC_INSTANCE_PATH": tempfile.mkdtemp(prefix=name),
                    "CMC_SECRET_KEY": secrets.token_urlsafe(36)})
        cmc_fork.run(cmc_executable(), ["db", "upgrade"], env=env, cwd=ROOT, input_text=None,
                     timeout=120).check_returncode()
        _UPGRADED_POSTGRES.append(name)
    return _UPGRADED_POSTGRES[0]


@contextmanager
def live_database(instance: Path, *, upgraded: bool = False) -> Iterator[dict[str, str]]:
    """The environment that points a live server at its database: nothing for SQLite (the file in its
    instance folder), ``CMC_DATABASE_URL`` of a fresh PostgreSQL database under ``make test-postgres``.
    ``upgraded``: the database as ``cmc db upgrade`` leaves it (copied from one upgrade per test process)."""
    if LIVE_DATABASE != "postgres":
        if upgraded:
            copy_upgraded_sqlite(instance)
        yield {}
        return
    if not POSTGRES_URL:
        raise RuntimeError("CMC_TEST_LIVE_DATABASE=postgres needs CMC_TEST_DATABASE_URL")
    template = _upgraded_postgres_template() if upgraded else None
    with fresh_postgres_database(POSTGRES_URL, template=template) as url:
        yield {"CMC_DATABASE_URL": url}


@contextmanager
def running_live_server(instance: Path, *, extra_env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """The real server on a free port, with a fresh migrated and demo-seeded database in ``instance``
    (an empty folder); stopped when the block ends (also after a test has killed and restarted it with
    :meth:`LiveServer.kill` and :meth:`LiveServer.start`)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CMC_")}  # hermetic: no stray settings
    env.update({
        "CMC_INSTANCE_PATH": str(instance),
        "CMC_SECRET_KEY": secrets.token_urlsafe(36),  # 48 characters
        "CMC_BASE_URL": base_url,
        "CMC_DEMO_PASSWORD": DEMO_PASSWORD,
        "PYTHONUNBUFFERED": "1",
    })
    with live_database(instance, upgraded=True) as database_env:
        env.update(database_env)
        env.update(extra_env or {})
        server = LiveServer(base_url=base_url, instance_path=instance, env=env, log_path=instance / "serve.log")
        server.cmc("seed", "--demo")
        try:
            server.start()
            yield server
        finally:
            server.stop()


@contextmanager
def running_sibling_server(first: LiveServer, *, extra_env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """A second real server on ``first``'s instance folder (already migrated and seeded), started on a free
    port of its own (:meth:`LiveServer.sibling`); stopped when the block ends."""
    server = first.sibling(extra_env=extra_env)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@contextmanager
def migrated_instance(instance: Path, *, seed: bool = False) -> Iterator[LiveServer]:
    """An instance folder with a migrated database (``cmc db upgrade``, and ``cmc seed`` when asked) on SQLite or
    a fresh PostgreSQL database (:func:`live_database`), and its hermetic environment; the server is *not*
    started (a test starts it, or another command on it), and is stopped when the block ends."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CMC_")}  # hermetic: no stray settings
    env.update({"CMC_INSTANCE_PATH": str(instance), "CMC_SECRET_KEY": secrets.token_urlsafe(36),
                "CMC_BASE_URL": base_url, "PYTHONUNBUFFERED": "1"})
    instance.mkdir(parents=True, exist_ok=True)
    with live_database(instance, upgraded=True) as database_env:
        env.update(database_env)
        server = LiveServer(base_url=base_url, instance_path=instance, env=env, log_path=instance / "serve.log")
        if seed:
            server.cmc("seed")
        try:
            yield server
        finally:
            server.stop()


def gunicorn_executable() -> str:
    """The ``gunicorn`` script of the interpreter running the tests (the prod extra); may not exist."""
    return str(Path(sys.executable).parent / "gunicorn")
