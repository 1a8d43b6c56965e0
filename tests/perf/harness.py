"""Shared helpers of the benchmarks under ``tests/perf/`` (``make bench``).

What is here, in the order a benchmark uses it:

* **Instances**: :func:`prepare_instance` gives a PostgreSQL database on the machine's server
  (``CMC_BENCH_DATABASE_URL``, default ``postgresql://postgres@127.0.0.1:5432/``), migrated and seeded at a
  given scale, and an instance folder under ``tests/perf/.work/``. A marker table in the database
  (``cmc_bench_marker``) records the scale, the alert count, the migration head and a digest of the seeder; a
  later run reuses the database when they all match and rebuilds it otherwise, so a second ``make bench`` does
  not reseed.
* **Servers**: :func:`running_pages` starts the page processes exactly as production does (gunicorn with
  ``deploy/gunicorn-pages.conf.py``: sync workers; ``-w 2`` on a 2-core machine) on a free port, with Redis
  (``CMC_BENCH_REDIS_URL``, default ``redis://127.0.0.1:6379/14``) as the Socket.IO message queue and the rate
  limiter's storage; :func:`running_gunicorn` does the same for any WSGI application (the bare-Flask reference).
* **Signing in**: :func:`sign_in` goes through the real form (CSRF token included) and returns a :class:`Session`
  (cookie jar; ``.cookie`` is the header for wrk).
  Only sign-in *failures* count against the login limits and page views carry no limit at all, so a benchmark signs
  in once and reuses the cookie; :func:`check_page` also fails if a measured page carries rate-limit headers.
* **Load**: :func:`run_wrk` runs ``wrk`` (installed by :func:`ensure_wrk` when missing) with a small Lua script that
  reports requests/s, latency percentiles and the count of every HTTP status as JSON.
* **Memory**: :func:`process_tree`, :func:`tree_rss` and :class:`RssSampler` read resident memory from ``/proc``.
* **Results**: :class:`Row`, :func:`ratio_row`, :func:`limit_row` and :func:`write_result` write
  ``tests/perf/results/<name>.json`` in the shape ``tests/perf/report.py`` reads, and print the figures.

Everything is plain standard library plus psycopg and alembic (already dependencies of the platform).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import http.client
import http.cookiejar
import json
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PERF = ROOT / "tests" / "perf"
WORK = PERF / ".work"
RESULTS = PERF / "results"
VENV_BIN = Path(sys.executable).parent
PAGES_CONF = ROOT / "deploy" / "gunicorn-pages.conf.py"

DEFAULT_DATABASE_SERVER = "postgresql://postgres@127.0.0.1:5432/"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
#: The name of the table that records what a benchmark database holds.
MARKER_TABLE = "cmc_bench_marker"
#: Where the scale generator lives (``cmc seed --scale N``): the package its modules make up, and its entry module.
SCALE_SEEDER_PACKAGE = ROOT / "platform" / "cmc" / "devtools"
SCALE_SEEDER = SCALE_SEEDER_PACKAGE / "scale_seed.py"
SEED_TIMEOUT = 3 * 3600.0
SERVER_START_TIMEOUT = 60.0


# --- results ---------------------------------------------------------------------------------------------------

@dataclass
class Row:
    """One figure of a benchmark, in the shape of the result JSON's ``rows``."""

    figure: str
    value: float | int | None
    unit: str
    reference: float | int | None = None
    ratio: float | None = None
    target: str = ""
    met: bool | None = None


def _round(value: float | None, digits: int = 3) -> float | None:
    """``value`` rounded to ``digits`` significant-ish decimals (None stays None)."""
    if value is None:
        return None
    if abs(value) >= 100:
        return round(value, 1)
    if abs(value) >= 1:
        return round(value, 2)
    return round(value, digits)


def ratio_row(figure: str, value: float, unit: str, reference: float | None, *, at_least: float | None = None,
              at_most: float | None = None) -> Row:
    """A figure compared with a reference: ``ratio = value / reference``, met when the ratio is ``>= at_least``
    (throughput) or ``<= at_most`` (time, memory). ``met`` is None when there is no reference."""
    ratio = value / reference if reference else None
    if at_least is not None:
        target = f">= {at_least:g}x reference"
        met = None if ratio is None else ratio >= at_least
    elif at_most is not None:
        target = f"<= {at_most:g}x reference"
        met = None if ratio is None else ratio <= at_most
    else:
        target, met = "", None
    return Row(figure=figure, value=_round(value), unit=unit, reference=_round(reference),
               ratio=None if ratio is None else round(ratio, 2), target=target, met=met)


def limit_row(figure: str, value: float, unit: str, *, below: float | None = None, at_most: float | None = None,
              at_least: float | None = None) -> Row:
    """A figure against an absolute target: ``< below``, ``<= at_most`` or ``>= at_least`` (in ``unit``)."""
    if below is not None:
        target, met = f"< {below:g} {unit}", value < below
    elif at_most is not None:
        target, met = f"<= {at_most:g} {unit}", value <= at_most
    elif at_least is not None:
        target, met = f">= {at_least:g} {unit}", value >= at_least
    else:
        target, met = "", None
    return Row(figure=figure, value=_round(value), unit=unit, target=target, met=met)


def info_row(figure: str, value: float | int | None, unit: str) -> Row:
    """A figure reported for information, without a target."""
    return Row(figure=figure, value=value if isinstance(value, int) else _round(value), unit=unit)


def verdict(row: Row) -> str:
    """``MET``, ``MISSED`` or ``-`` (no target) for a row, for the printed summary."""
    return "-" if row.met is None else ("MET" if row.met else "MISSED")


def format_rows(rows: Sequence[Row]) -> str:
    """The rows as an aligned plain-text table."""
    lines = []
    width = max((len(r.figure) for r in rows), default=10)
    for r in rows:
        value = "n/a" if r.value is None else f"{r.value:g}"
        ref = "" if r.reference is None else f"  ref {r.reference:g}"
        ratio = "" if r.ratio is None else f"  ({r.ratio:g}x)"
        target = f"  target {r.target}" if r.target else ""
        lines.append(f"  {r.figure:<{width}}  {value:>10} {r.unit:<6}{ref}{ratio}{target}  {verdict(r)}")
    return "\n".join(lines)


def write_result(name: str, title: str, setup: str, rows: Sequence[Row], notes: Iterable[str] = (),
                 *, directory: Path = RESULTS) -> Path:
    """Write ``<directory>/<name>.json`` (``{name, title, setup, rows, notes}``), print the figures and every
    target's verdict plainly, and return the file's path."""
    directory.mkdir(parents=True, exist_ok=True)
    notes = list(notes)
    missed = [r.figure for r in rows if r.met is False]
    if missed and not any("missed" in n.lower() for n in notes):
        notes.append("Target missed: " + "; ".join(missed) + ".")
    document = {"name": name, "title": title, "setup": setup, "rows": [asdict(r) for r in rows], "notes": notes}
    path = directory / f"{name}.json"
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    print(f"\n== {title} ==")
    print(format_rows(rows))
    for note in notes:
        print(f"  note: {note}")
    met = [r for r in rows if r.met is not None]
    if met:
        print(f"  targets: {sum(1 for r in met if r.met)} of {len(met)} met"
              + ("" if not missed else f"; MISSED: {', '.join(missed)}"))
    print(f"  wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return path


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0-100) of ``values``, linear between closest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    """The median of ``values``."""
    return statistics.median(values)


# --- the machine -------------------------------------------------------------------------------------------------

def machine_description() -> str:
    """One sentence about the machine: CPU model and cores, memory, OS, Python and PostgreSQL versions."""
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split("MemTotal:", 1)[1].split()[0])
        memory = f", {kb / 1024 / 1024:.1f} GB RAM"
    distro = platform.platform(terse=True)
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                distro = line.split("=", 1)[1].strip('"')
    pg = ""
    with contextlib.suppress(Exception):
        pg = f", PostgreSQL {str(_admin_scalar('SHOW server_version')).split()[0]}"
    return (f"{os.cpu_count()} cores ({model}){memory}, {distro}, Python {platform.python_version()}{pg}; "
            "other jobs may share the machine")


# --- databases ---------------------------------------------------------------------------------------------------

def database_server_url() -> str:
    """The PostgreSQL server the benchmark databases live on (``CMC_BENCH_DATABASE_URL``; any database in the
    URL is only used to connect for administration)."""
    return os.environ.get("CMC_BENCH_DATABASE_URL") or DEFAULT_DATABASE_SERVER


def redis_url() -> str:
    """The Redis used as message queue and rate-limit storage (``CMC_BENCH_REDIS_URL``)."""
    return os.environ.get("CMC_BENCH_REDIS_URL") or DEFAULT_REDIS_URL


def database_url(name: str) -> str:
    """The URL of database ``name`` on :func:`database_server_url`'s server."""
    parts = urllib.parse.urlsplit(database_server_url())
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def _admin_url() -> str:
    """A URL to connect to for CREATE/DROP DATABASE (the server URL's database, else ``postgres``)."""
    parts = urllib.parse.urlsplit(database_server_url())
    name = parts.path.strip("/") or "postgres"
    return urllib.parse.urlunsplit(("postgresql", parts.netloc, "/" + name, parts.query, ""))


def _admin_scalar(sql: str, params: Sequence[Any] = ()) -> Any:
    import psycopg

    with psycopg.connect(_admin_url(), autocommit=True) as connection:
        cursor = connection.execute(sql, params)  # type: ignore[arg-type]
        row = cursor.fetchone() if cursor.description else None
    return row[0] if row else None


def connect(url: str) -> Any:
    """A psycopg connection (autocommit) to a ``postgresql://`` or ``postgresql+psycopg://`` URL."""
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


def migration_head() -> str:
    """The newest migration revision in ``migrations/`` (what ``cmc db upgrade`` leads to)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    head = ScriptDirectory.from_config(config).get_current_head()
    return head or ""


def scale_seed_available() -> bool:
    """Whether the scale generator (``cmc seed --scale N``) exists in this checkout."""
    if not SCALE_SEEDER.exists():
        return False
    env = {k: v for k, v in os.environ.items() if not k.startswith("CMC_")}
    env.update({"CMC_SECRET_KEY": secrets.token_urlsafe(36), "CMC_INSTANCE_PATH": str(WORK / "probe")})
    result = subprocess.run([str(VENV_BIN / "cmc"), "seed", "--help"], env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=False)
    return result.returncode == 0 and "--scale" in result.stdout


def _seeder_digest(scale: bool) -> str:
    """A digest of the code that generates the data (the scale generator and the normal seed, or the normal seed
    and the living demo alone for the demo data): a changed generator means a rebuilt database."""
    digest = hashlib.sha256()
    services = ROOT / "platform" / "cmc" / "services"
    generator = tuple(sorted(SCALE_SEEDER_PACKAGE.glob("*.py"))) if scale else ()
    for path in (*generator, services / "seed.py", services / "demo_content.py"):
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class Instance:
    """A benchmark instance: its database, its instance folder and the environment that points ``cmc`` and the
    servers at them (hermetic: no ``CMC_*`` setting of the caller leaks in)."""

    name: str
    path: Path
    database_url: str
    env: dict[str, str]
    dataset: str  # "scale 1 (default alerts)", "scale 1 with 1,000 alerts", "demo"
    scale: int | None  # None for the demo data
    alerts: int | None  # None: the generator's default
    password: str
    seed_seconds: float | None = None  # only when this run seeded it

    def cmc(self, *args: str, timeout: float = 600.0, extra_env: Mapping[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
        """Run ``cmc ARGS`` on this instance; raise with its output if it fails."""
        result = subprocess.run([str(VENV_BIN / "cmc"), *args], env={**self.env, **(extra_env or {})}, cwd=ROOT,
                                capture_output=True, text=True, timeout=timeout, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"cmc {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    def create_app(self, **overrides: Any) -> Any:
        """The platform's Flask app on this instance, built in this process (for the test client)."""
        from cmc import create_app

        saved = {k: os.environ.get(k) for k in self.env if k.startswith("CMC_")}
        stray = [k for k in os.environ if k.startswith("CMC_") and k not in self.env]
        stray_values = {k: os.environ.pop(k) for k in stray}
        os.environ.update({k: v for k, v in self.env.items() if k.startswith("CMC_")})
        try:
            return create_app(overrides or None)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            os.environ.update(stray_values)

    def query(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only SQL statement on this instance's database."""
        with connect(self.database_url) as connection:
            return list(connection.execute(sql, params).fetchall())  # type: ignore[arg-type]


def instance_env(path: Path, url: str, *, base_url: str = "http://127.0.0.1:5000") -> dict[str, str]:
    """The environment of an instance: its folder, a secret key kept there, its database, Redis."""
    path.mkdir(parents=True, exist_ok=True)
    key_file = path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(36))
        key_file.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CMC_")}
    env.update({
        "CMC_INSTANCE_PATH": str(path),
        "CMC_SECRET_KEY": key_file.read_text().strip(),
        "CMC_DATABASE_URL": url,
        "CMC_BASE_URL": base_url,
        "CMC_SOCKETIO_MESSAGE_QUEUE": redis_url(),
        "CMC_RATELIMIT_STORAGE_URI": redis_url(),
        "CMC_SOCKETIO_CHANNEL": "cmc-bench",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def _marker(connection: Any) -> dict[str, Any] | None:
    exists = connection.execute("SELECT to_regclass(%s)", (MARKER_TABLE,)).fetchone()[0]
    if exists is None:
        return None
    row = connection.execute(f"SELECT value FROM {MARKER_TABLE} WHERE key = 'dataset'").fetchone()  # noqa: S608
    return row[0] if row else None


def _database_exists(name: str) -> bool:
    return bool(_admin_scalar("SELECT 1 FROM pg_database WHERE datname = %s", (name,)))


@contextlib.contextmanager
def _locked(name: str) -> Iterator[None]:
    """Serialise preparing one instance between concurrent benchmark runs on this machine."""
    WORK.mkdir(parents=True, exist_ok=True)
    with open(WORK / f"{name}.lock", "w") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def prepare_instance(scale: int | None = 1, alerts: int | None = None, *, log: bool = True) -> Instance:
    """A migrated, seeded benchmark database and instance folder, reused when its marker matches.

    ``scale`` is the ``cmc seed --scale`` factor and ``alerts`` the ``--alerts`` count (None: the generator's
    default). While the scale generator does not exist yet, or with ``scale=None``, the instance holds the demo
    data (``cmc seed --demo``) instead, and :attr:`Instance.dataset` says so.
    """
    from cmc.services.seed import read_credentials

    use_scale = scale is not None and scale_seed_available()
    if use_scale:
        name = f"cmc_bench_s{scale}" + (f"_a{alerts}" if alerts is not None else "")
        dataset = f"scale {scale}" + (f" with {alerts:,} alerts" if alerts is not None else " (default alert count)")
        password = scale_password()
    else:
        if scale is not None and log:
            print("  the scale generator (cmc seed --scale) is not available yet: using the demo data", flush=True)
        # The demo password is made per install; cmc seed --demo keeps it in the instance folder.
        name, dataset = "cmc_bench_demo", "demo data (cmc seed --demo)"
        password = read_credentials(WORK / name) or ""
        scale, alerts = None, None
    wanted = {"scale": scale, "alerts": alerts, "head": migration_head(), "seeder": _seeder_digest(use_scale)}
    path = WORK / name
    url = database_url(name)
    env = instance_env(path, url)
    instance = Instance(name=name, path=path, database_url=url, env=env, dataset=dataset, scale=scale, alerts=alerts,
                        password=password)
    with _locked(name):
        if _database_exists(name):
            with connect(url) as connection:
                found = _marker(connection)
            if found is not None and all(found.get(k) == v for k, v in wanted.items()) and (use_scale or password):
                if log:
                    print(f"  reusing database {name} ({dataset}, seeded {found.get('seeded_at', '?')})", flush=True)
                return instance
            if log:
                print(f"  database {name} does not hold {wanted} (marker: {found}); rebuilding it", flush=True)
            _admin_scalar(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _admin_scalar(f'CREATE DATABASE "{name}"')
        shutil.rmtree(path / "uploads", ignore_errors=True)
        started = time.monotonic()
        if log:
            print(f"  creating database {name}: migrating and seeding {dataset} (once)...", flush=True)
        instance.cmc("db", "upgrade")
        if use_scale:
            args = ["seed", "--scale", str(scale)] + (["--alerts", str(alerts)] if alerts is not None else [])
        else:
            args = ["seed", "--demo"]
        instance.cmc(*args, timeout=SEED_TIMEOUT)
        if not use_scale:
            instance.password = read_credentials(path) or ""
        instance.seed_seconds = time.monotonic() - started
        marker = {**wanted, "seeded_at": time.strftime("%Y-%m-%d %H:%M:%S"),
                  "seed_seconds": round(instance.seed_seconds, 1)}
        with connect(url) as connection:
            connection.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (key text PRIMARY KEY, value jsonb)")
            connection.execute(f"INSERT INTO {MARKER_TABLE} (key, value) VALUES ('dataset', %s) "  # noqa: S608
                               "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (json.dumps(marker),))
            connection.execute("VACUUM ANALYZE")
        if log:
            print(f"  seeded {name} in {instance.seed_seconds:.0f} s", flush=True)
    return instance


def scale_password() -> str:
    """The password of the generated scale accounts (a constant of ``cmc.devtools.scale_seed``)."""
    import importlib

    module = importlib.import_module("cmc.devtools.scale_seed")
    for name in ("PASSWORD", "SCALE_PASSWORD", "MEMBER_PASSWORD", "ACCOUNT_PASSWORD"):
        if isinstance(getattr(module, name, None), str):
            return str(getattr(module, name))
    candidates = [v for k, v in vars(module).items() if "PASSWORD" in k and isinstance(v, str)]
    if len(candidates) == 1:
        return candidates[0]
    raise RuntimeError("cannot find the scale accounts' password constant in cmc.devtools.scale_seed")


@dataclass
class Member:
    """An account to sign in as, and the network it belongs to."""

    email: str
    account_id: int
    party_id: int
    network_slug: str
    network_id: int


def pick_member(instance: Instance) -> Member:
    """A plain member of the network with the most threads: a delegate of a full-member party, active, without a
    second factor and coordinating nothing (so the sign-in needs no code and every page is open to them), in a
    network with alerts, preferring generated scale accounts; the same choice on every run."""
    pattern = "%@scale.cmc.test" if instance.scale is not None else "%@cmc.demo"
    rows = instance.query(
        """
        SELECT a.email, a.id, a.party_id, n.slug, n.id
        FROM memberships m
        JOIN accounts a ON a.id = m.account_id
        JOIN parties p ON p.id = a.party_id
        JOIN networks n ON n.id = m.network_id
        WHERE m.role = 'member' AND a.role = 'delegate' AND a.active AND a.password_hash IS NOT NULL
          AND a.totp_secret IS NULL AND p.status = 'member' AND p.retired_at IS NULL
          AND n.archived_at IS NULL AND n.alerts_enabled AND a.email LIKE %s
          AND NOT EXISTS (SELECT 1 FROM memberships c WHERE c.account_id = a.id AND c.role = 'coordinator')
        ORDER BY (SELECT count(*) FROM threads t WHERE t.network_id = n.id) DESC,
                 (SELECT count(*) FROM memberships x WHERE x.account_id = a.id) DESC, a.id
        LIMIT 1
        """, (pattern,))
    if not rows:
        raise RuntimeError(f"no plain network member to sign in as in {instance.name}")
    email, account_id, party_id, slug, network_id = rows[0]
    return Member(email=email, account_id=account_id, party_id=party_id, network_slug=slug, network_id=network_id)


# --- servers -----------------------------------------------------------------------------------------------------

def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running gunicorn: its address, master process and log."""

    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    workers: int
    command: list[str] = field(default_factory=list)

    @property
    def pid(self) -> int:
        """The gunicorn master's process id (its workers are its children)."""
        return self.process.pid

    def url(self, path: str) -> str:
        """The full URL of ``path``."""
        return self.base_url + path

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the master)."""
        return [p for p in process_tree(self.pid) if p != self.pid]

    def output(self) -> str:
        """What the server has printed so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


def wait_http(url: str, process: subprocess.Popen[bytes] | None = None, *, timeout: float = SERVER_START_TIMEOUT,
              log_path: Path | None = None) -> None:
    """Wait until ``url`` answers 200; raise with the server's output if it dies or never does."""
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            output = log_path.read_text(errors="replace")[-4000:] if log_path else ""
            raise RuntimeError(f"the server exited ({process.returncode}) before answering:\n{output}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            with exc:
                last = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(0.1)
    output = log_path.read_text(errors="replace")[-4000:] if log_path else ""
    raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s (last: {last})\n{output}")


def default_workers() -> int:
    """Page workers for this machine: ``-w 2`` on 2 cores (what was measured best here), else the deployment
    configuration's own formula (``2 x cores``)."""
    cores = os.cpu_count() or 1
    return 2 if cores <= 2 else 2 * cores


@contextlib.contextmanager
def running_gunicorn(app: str, env: Mapping[str, str], log_path: Path, *, workers: int | None = None,
                     health_path: str = "/healthz", extra_args: Sequence[str] = ()) -> Iterator[Server]:
    """gunicorn serving ``app`` (``module:variable``) with the page processes' configuration
    (``deploy/gunicorn-pages.conf.py``: sync workers, 120 s timeout, access log) on a free port; stopped (SIGTERM,
    then SIGKILL) when the block ends."""
    workers = workers or default_workers()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**env, "CMC_BIND": f"127.0.0.1:{port}", "CMC_BASE_URL": base_url}
    command = [str(VENV_BIN / "gunicorn"), "-c", str(PAGES_CONF), "--workers", str(workers),
               "--bind", f"127.0.0.1:{port}", *extra_args, app]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT)
    server = Server(base_url=base_url, process=process, log_path=log_path, workers=workers, command=command)
    try:
        wait_http(server.url(health_path), process, log_path=log_path)
        _wait_workers(server)
        yield server
    finally:
        stop_process(process)


def _wait_workers(server: Server, timeout: float = 30.0) -> None:
    """Wait until every worker has booted (each answers on its own; the first answer may come from one)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(server.worker_pids()) < server.workers:
        time.sleep(0.1)


def stop_process(process: subprocess.Popen[bytes], timeout: float = 25.0) -> None:
    """SIGTERM a process we started, then SIGKILL it if it lingers, and reap it."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextlib.contextmanager
def running_pages(instance: Instance, *, workers: int | None = None, extra_env: Mapping[str, str] | None = None,
                  log_name: str = "pages.log") -> Iterator[Server]:
    """The platform's page processes on ``instance`` (``gunicorn -c deploy/gunicorn-pages.conf.py cmc.wsgi:app``)."""
    env = {**instance.env, **(extra_env or {})}
    with running_gunicorn("cmc.wsgi:app", env, instance.path / log_name, workers=workers) as server:
        yield server


def gunicorn_version() -> str:
    """The installed gunicorn's version."""
    from importlib.metadata import version

    return version("gunicorn")


# --- HTTP and signing in ----------------------------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Response:
    """An HTTP answer, redirects not followed."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8", errors="replace")


def fetch(url: str, *, cookie: str | None = None, data: bytes | None = None, headers: Mapping[str, str] | None = None,
          timeout: float = 30.0, opener: urllib.request.OpenerDirector | None = None) -> Response:
    """GET (or POST ``data``) ``url`` without following redirects; any status is returned, not raised."""
    request = urllib.request.Request(url, data=data)
    if cookie:
        request.add_header("Cookie", cookie)
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    opener = opener or urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as answer:
            return Response(answer.status, dict(answer.headers.items()), answer.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return Response(exc.code, dict(exc.headers.items()), exc.read())


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in ``html``."""
    found = _CSRF.search(html)
    if not found:
        raise RuntimeError("no csrf_token field in the page")
    return found.group(1) or found.group(2)


class Session:
    """A signed-in browser: its cookie jar (updated by every answer fetched through :meth:`fetch`, as a browser's
    would be) and the ``Cookie`` header to hand to other clients (wrk, uploads)."""

    def __init__(self, email: str, jar: http.cookiejar.CookieJar, opener: urllib.request.OpenerDirector) -> None:
        self.email = email
        self.jar = jar
        self.opener = opener

    @property
    def cookie(self) -> str:
        """The ``Cookie`` header value with the current session cookie."""
        cookies = {c.name: c.value for c in self.jar}
        if "cmc_session" not in cookies:
            raise RuntimeError("no cmc_session cookie")
        return f"cmc_session={cookies['cmc_session']}"

    def fetch(self, url: str, **kwargs: Any) -> Response:
        """:func:`fetch` with this browser's cookies, keeping any cookie the answer sets."""
        return fetch(url, opener=self.opener, **kwargs)


def sign_in(base_url: str, email: str, password: str) -> Session:
    """Sign in through the real form (GET for the CSRF token, POST with it) and return the signed-in session.

    Raises if the platform asks for a second factor (pick a plain member: :func:`pick_member`) or refuses.
    """
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPCookieProcessor(jar))
    form = fetch(base_url + "/sign-in", opener=opener)
    if form.status != 200:
        raise RuntimeError(f"GET /sign-in answered {form.status}")
    body = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": csrf_token(form.text)})
    answer = fetch(base_url + "/sign-in", data=body.encode(), opener=opener,
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    location = answer.headers.get("Location", "")
    if answer.status != 302 or "/sign-in" in location:
        raise RuntimeError(f"signing in as {email} failed: HTTP {answer.status} -> {location or answer.text[:300]}")
    session = Session(email, jar, opener)
    session.cookie  # noqa: B018 - raises when the sign-in set no session cookie
    return session


def check_page(url: str, session: Session | None, *, must_contain: Sequence[str] = (), min_bytes: int = 2000
               ) -> Response:
    """Fetch a page to be measured and fail loudly unless it is a real 200 page: not a redirect (to sign-in or to
    the second-factor set-up), not an error, long enough, containing ``must_contain``, and free of rate-limit
    headers (a limited route would throttle the load)."""
    answer = session.fetch(url) if session else fetch(url)
    if answer.status != 200:
        raise RuntimeError(f"{url} answered {answer.status} (Location: {answer.headers.get('Location')}), not 200")
    if len(answer.body) < min_bytes:
        raise RuntimeError(f"{url} answered only {len(answer.body)} bytes")
    for text in must_contain:
        if text not in answer.text:
            raise RuntimeError(f"{url} does not contain {text!r}")
    limited = [h for h in answer.headers if h.lower().startswith(("x-ratelimit", "retry-after"))]
    if limited:
        raise RuntimeError(f"{url} is rate limited ({limited}): the load would be throttled")
    return answer


def multipart_upload(url: str, *, file_path: Path, file_field: str = "file", filename: str | None = None,
                     content_type: str = "application/octet-stream",
                     fields: Mapping[str, str | Sequence[str]] | None = None,
                     headers: Mapping[str, str] | None = None, chunk_size: int = 1024 * 1024,
                     timeout: float = 600.0) -> tuple[Response, float]:
    """POST ``file_path`` as ``multipart/form-data`` (with ``fields``), streaming it from disk in chunks so the
    client holds at most one chunk; returns the answer and the seconds from the first byte sent to the answer."""
    boundary = "----cmc-bench-" + secrets.token_hex(12)
    preamble = bytearray()
    for name, value in (fields or {}).items():
        for item in [value] if isinstance(value, str) else list(value):
            preamble += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                         f"{item}\r\n").encode()
    preamble += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; "
                 f"filename=\"{filename or file_path.name}\"\r\nContent-Type: {content_type}\r\n\r\n").encode()
    epilogue = f"\r\n--{boundary}--\r\n".encode()
    length = len(preamble) + file_path.stat().st_size + len(epilogue)
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        started = time.monotonic()
        connection.putrequest("POST", parts.path + (f"?{parts.query}" if parts.query else ""))
        connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        connection.putheader("Content-Length", str(length))
        for key, value in (headers or {}).items():
            connection.putheader(key, value)
        connection.endheaders()
        connection.send(bytes(preamble))
        with open(file_path, "rb") as handle:
            while chunk := handle.read(chunk_size):
                connection.send(chunk)
        connection.send(epilogue)
        answer = connection.getresponse()
        body = answer.read()
        elapsed = time.monotonic() - started
        return Response(answer.status, dict(answer.getheaders()), body), elapsed
    finally:
        connection.close()


# --- wrk ---------------------------------------------------------------------------------------------------------

#: Reports what wrk measured as one JSON line (statuses counted per thread, then summed).
WRK_SCRIPT = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do total[tostring(code)] = (total[tostring(code)] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(total) do table.insert(parts, string.format('"%s": %d', code, n)) end
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, '
    .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
    .. '"latency_us": {"min": %d, "mean": %.1f, "max": %d, "p50": %d, "p75": %d, "p90": %d, "p99": %d, '
    .. '"p999": %d}, "statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max, latency:percentile(50), latency:percentile(75),
    latency:percentile(90), latency:percentile(99), latency:percentile(99.9), table.concat(parts, ", ")))
end
"""


@dataclass
class WrkResult:
    """What one wrk run measured."""

    url: str
    connections: int
    threads: int
    duration_s: float
    requests: int
    requests_per_s: float
    latency_ms: dict[str, float]  # min, mean, max, p50, p75, p90, p99, p999
    statuses: dict[str, int]
    errors: dict[str, int]
    bytes_read: int

    @property
    def p99_ms(self) -> float:
        """The 99th percentile latency in milliseconds."""
        return self.latency_ms["p99"]

    @property
    def non_200(self) -> int:
        """Answers that were not 200, plus socket errors and timeouts."""
        return (sum(n for code, n in self.statuses.items() if code != "200")
                + sum(v for k, v in self.errors.items() if k != "status"))

    def summary(self) -> str:
        """One line: requests/s, p50 and p99."""
        return (f"{self.requests_per_s:8.1f} req/s  p50 {self.latency_ms['p50']:.1f} ms  "
                f"p99 {self.p99_ms:.1f} ms  ({self.requests} requests, statuses {self.statuses}"
                + (f", errors {self.errors}" if any(self.errors.values()) else "") + ")")


def ensure_wrk() -> str:
    """The path of ``wrk``, installing Debian's package first when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("  installing wrk (apt-get install -y wrk)...", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], env=env, capture_output=True,
                             check=False)
    if install.returncode != 0:
        subprocess.run([*sudo, "apt-get", "update", "-qq"], env=env, capture_output=True, check=False)
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], env=env, capture_output=True, check=True)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed and apt-get could not install it")
    return found


def run_wrk(url: str, *, connections: int = 8, duration_s: float = 10.0, threads: int | None = None,
            headers: Mapping[str, str] | None = None, timeout_s: float = 10.0) -> WrkResult:
    """Load ``url`` with ``wrk --latency`` and return requests/s, latency percentiles (milliseconds) and the count
    of each HTTP status. ``threads`` defaults to ``min(2, connections)``."""
    wrk = ensure_wrk()
    threads = threads or min(2, connections)
    WORK.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", dir=WORK, delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration_s))}s",
                   f"--timeout={max(1, round(timeout_s))}s", "--latency", "-s", script.name]
        for key, value in (headers or {}).items():
            command += ["-H", f"{key}: {value}"]
        command.append(url)
        result = subprocess.run(command, capture_output=True, text=True, timeout=duration_s + timeout_s + 60,
                                check=False)
    finally:
        Path(script.name).unlink(missing_ok=True)
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    data = json.loads(line.removeprefix("WRK_JSON "))
    seconds = data["duration_us"] / 1e6
    return WrkResult(url=url, connections=connections, threads=threads, duration_s=seconds,
                     requests=data["requests"], requests_per_s=data["requests"] / seconds if seconds else 0.0,
                     latency_ms={k: v / 1000.0 for k, v in data["latency_us"].items()},
                     statuses=data["statuses"], errors=data["errors"], bytes_read=data["bytes"])


# --- memory ------------------------------------------------------------------------------------------------------

def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may contain spaces: the fields after its last ")" are fixed.
    return int(stat.rsplit(")", 1)[1].split()[1])


def process_tree(root: int) -> list[int]:
    """``root`` and every process descending from it (read from ``/proc``)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = _parent_of(int(entry.name))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def rss_bytes(pid: int) -> int:
    """Resident memory of one process in bytes (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def tree_rss(root: int, pids: Sequence[int] | None = None) -> int:
    """Resident memory in bytes of ``root``'s process tree (or of ``pids`` when given)."""
    return sum(rss_bytes(p) for p in (pids if pids is not None else process_tree(root)))


class RssSampler:
    """Samples the resident memory of a process tree every ``interval`` seconds in a thread, keeping the peak of
    the total and of each process. Use as a context manager around the work being measured."""

    def __init__(self, root: int, interval: float = 0.02) -> None:
        self.root = root
        self.interval = interval
        self.pids = process_tree(root)
        self.baseline = tree_rss(root, self.pids)
        self.baseline_by_pid = {p: rss_bytes(p) for p in self.pids}
        self.peak = self.baseline
        self.peak_by_pid = dict(self.baseline_by_pid)
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            for pid in self.pids:
                value = rss_bytes(pid)
                total += value
                if value > self.peak_by_pid.get(pid, 0):
                    self.peak_by_pid[pid] = value
            self.peak = max(self.peak, total)
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth(self) -> int:
        """Peak total minus the total before, in bytes."""
        return self.peak - self.baseline

    @property
    def largest_process_growth(self) -> int:
        """The largest growth of a single process (the worker that served the request), in bytes."""
        return max((self.peak_by_pid[p] - self.baseline_by_pid.get(p, 0) for p in self.peak_by_pid), default=0)


MB = 1024 * 1024
