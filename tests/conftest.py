"""Shared fixtures: an app per test on a real database file (and on PostgreSQL when
``CMC_TEST_DATABASE_URL`` is set), callable factories for parties and accounts, and a signed-in client."""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import os
import re
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
import sqlalchemy
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from cmc import create_app
from cmc.api.openapi import build_spec
from cmc.extensions import db, limiter
from cmc.models import Account, Party, PartyKind, PartyStatus, Role
from cmc.models.types import utcnow
from cmc.services import passwords
from cmc.services.passwords import hash_password
from tests import api_contract

# scrypt at the production cost (N=2**15) took a third of the suite's CPU: every account a test makes hashes its
# password. Hashes made in this process use N=2**10; a hash records its own cost, so checking one is as cheap,
# and the servers and commands the live tests start hash at the production cost as before.
passwords._HASH_METHOD = "scrypt:1024:8:1"

_compile_builder = Rule._compile_builder


def _lazy_compile_builder(self: Rule, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
    """Werkzeug's URL builder of ``self``, compiled when first called.

    Every test makes an app, and Werkzeug compiles two builder functions (Python source through ``compile``) for
    each of the app's 150 routes as they are added: 0.15-0.2 s a test, about a sixth of the suite's CPU, for
    builders a test mostly never calls. Compiled on first use they are the same functions."""
    built: Callable[..., tuple[str, str]] | None = None

    def build(rule: Rule, **values: Any) -> tuple[str, str]:
        nonlocal built
        if built is None:
            built = _compile_builder(rule, append_unknown).__get__(rule, None)
        return built(**values)

    return build


Rule._compile_builder = _lazy_compile_builder  # type: ignore[method-assign]


PASSWORD = "correct horse battery staple"


def _own_database(url: str | None) -> str | None:
    """The PostgreSQL database of this test process: under pytest-xdist each worker has its own, named after the
    one ``CMC_TEST_DATABASE_URL`` names and the worker (``test_gw0``, ``test_gw1``), made on first use, so that
    ``make test-postgres`` runs in several processes that never share rows (live servers already get fresh
    databases of their own). Without xdist, the database named."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    import psycopg
    from sqlalchemy.engine import make_url

    given = make_url(url)
    name = f"{given.database or 'test'}_{worker}"
    admin = given.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')
    return given.set(database=name).render_as_string(hide_password=False)


POSTGRES_URL = _own_database(os.environ.get("CMC_TEST_DATABASE_URL"))
#: Which databases the database tests run on: ``CMC_TEST_BACKENDS`` (``sqlite``, ``postgres`` or both, comma
#: separated; ``make test`` says sqlite, ``make test-postgres`` postgres); by default SQLite, plus PostgreSQL
#: when ``CMC_TEST_DATABASE_URL`` is set.
BACKENDS = [name.strip() for name in os.environ.get("CMC_TEST_BACKENDS", "").split(",") if name.strip()] \
    or ["sqlite"] + (["postgres"] if POSTGRES_URL else [])
if unknown := set(BACKENDS) - {"sqlite", "postgres"}:
    raise pytest.UsageError(f"CMC_TEST_BACKENDS names unknown databases: {sorted(unknown)}")
if "postgres" in BACKENDS and not POSTGRES_URL:
    raise pytest.UsageError("CMC_TEST_BACKENDS asks for postgres but CMC_TEST_DATABASE_URL is not set")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in an app context of its own, as in production.

    The tests hold an app context for their factories; without this, requests would share its ``g``
    (and its database session) with each other and with the test.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        # End the test's own read transaction so that what it reads afterwards is fresh.
        if has_app_context():
            db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


#: Whether this process has built the PostgreSQL test schema and left it intact since: building it (drop_all and
#: create_all: 150 ms of CPU and often a second waiting for the disk) per test was a good part of the PostgreSQL
#: suite.
_postgres_schema_ready = False


def _reset_postgres(app: Flask) -> None:
    """An empty PostgreSQL schema at the head revision: the rows deleted (and the sequences used restarted) when
    this process built the schema and no test has failed since, built anew otherwise (a failed test may have left
    a table dropped or a migration half done). DELETE, not TRUNCATE: TRUNCATE makes new files for every table and
    index and waits for the disk, about a second here, where deleting a test's few rows takes milliseconds."""
    global _postgres_schema_ready
    with app.app_context():
        db.session.remove()  # an idle transaction would make DDL wait
        if _postgres_schema_ready and _postgres_schema_matches():
            with db.engine.begin() as connection:
                for table in reversed(db.metadata.sorted_tables):  # children before parents
                    connection.execute(table.delete())
                connection.exec_driver_sql("DELETE FROM alembic_version")
                used = connection.exec_driver_sql(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL"
                ).scalars().all()
                for sequence in used:
                    connection.exec_driver_sql(f'ALTER SEQUENCE "{sequence}" RESTART')
            return
        db.drop_all()
        db.create_all()
        _postgres_schema_ready = True


def _postgres_schema_matches() -> bool:
    """Every table of the models is there with its columns (a test that dropped or rebuilt tables without putting
    them back as ``create_all`` makes them is caught here, not in the next test)."""
    expected = {(table.name, column.name) for table in db.metadata.sorted_tables for column in table.columns}
    with db.engine.connect() as connection:
        present = set(connection.exec_driver_sql(
            "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped"
        ).all())
    return expected <= present and {("alembic_version", "version_num")} <= present


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL-only run (``make test-postgres``) keeps the tests whose outcome depends on the database: those
    of the ``backend`` fixture and those marked ``live_database`` (their servers and commands run on
    ``CMC_TEST_LIVE_DATABASE``). The rest (commands on SQLite files of their own, production layout on
    PostgreSQL whatever the backend, pure functions) would run exactly as in ``make test``: running them twice
    doubled a third of CI's time for nothing."""
    if BACKENDS != ["postgres"]:
        return
    kept, dropped = [], []
    for item in items:
        depends = "backend" in getattr(item, "fixturenames", ()) or item.get_closest_marker("live_database")
        (kept if depends else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed test may leave the PostgreSQL schema broken: the next test builds it anew."""
    global _postgres_schema_ready
    report = yield
    if report.failed:
        _postgres_schema_ready = False
    return report


def stamp_head() -> None:
    """Record the code's schema revision in ``alembic_version``, as ``cmc db upgrade`` would: ``create_all``
    builds exactly the head's schema (``test_migrations.py`` proves it), and ``/healthz`` reports the revision."""
    from alembic.migration import MigrationContext

    from cmc.schema import script_directory

    with db.engine.begin() as connection:
        MigrationContext.configure(connection).stamp(script_directory(), "heads")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Which database the test runs on: every database test runs on SQLite, and on PostgreSQL when set."""
    return str(request.param)


@pytest.fixture
def app_config(tmp_path: Any, backend: str) -> dict[str, Any]:
    """Configuration of the app under test; tests may change it before asking for ``app``."""
    config: dict[str, Any] = {
        "TESTING": True,
        "SKIP_INSTANCE_CONFIG": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "BASE_URL": "http://localhost",
        "MAIL_SERVER": None,
        "SOCKETIO_ASYNC_MODE": "threading",
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    if backend == "postgres":
        config["DATABASE_URL"] = POSTGRES_URL
        # A test's commits need not survive a crash of the machine: not waiting for the disk at each one saves
        # the PostgreSQL suite minutes and changes nothing a client of the database can see.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": "-c synchronous_commit=off"}}
    return config


#: A SQLite file at the head schema made once per process, copied for each test (``_sqlite_schema``).
_sqlite_template: Path | None = None


def _sqlite_schema(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Give ``app`` an empty SQLite database at the head revision: a copy of one this process built with
    ``create_all`` (50-90 ms of DDL a test, 1 ms a copy). An app configured with a database URL of its own gets
    ``create_all`` on it as before."""
    global _sqlite_template
    with app.app_context():
        target = db.engine.url.database
        default = app.config["DATABASE_URL"] is None and target and not Path(target).exists()
        if not default:
            db.create_all()
            stamp_head()
            return
        db.engine.dispose()  # nothing was opened on the file yet; copy before the first connection
    if _sqlite_template is None:
        template = tmp_path_factory.mktemp("schema") / "cmc.db"
        engine = sqlalchemy.create_engine(f"sqlite:///{template}")
        db.metadata.create_all(engine)
        with app.app_context(), engine.begin() as connection:
            from alembic.migration import MigrationContext

            from cmc.schema import script_directory

            MigrationContext.configure(connection).stamp(script_directory(), "heads")
        engine.dispose()
        _sqlite_template = template
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_sqlite_template, target)


@pytest.fixture
def app(app_config: dict[str, Any], backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A fresh app with an empty schema (create_all is for tests only; the app itself uses migrations)."""
    application = create_app(app_config)
    application.test_client_class = IsolatedClient
    answers = api_contract.record(application)  # every JSON answer of the API, checked against its document
    if backend == "postgres":
        _reset_postgres(application)
        with application.app_context():
            stamp_head()
    else:
        _sqlite_schema(application, tmp_path_factory)
    with application.app_context():
        limiter.reset()
        yield application
        db.session.remove()
        drift = api_contract.problems(build_spec(), answers) if answers else []
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    assert not drift, "the API answered what its OpenAPI document does not say:\n" + "\n".join(drift)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client with no one signed in."""
    return app.test_client()


@pytest.fixture
def make_party(app: Flask) -> Callable[..., Party]:
    """Create a party: ``make_party(code="JM", status="member")``."""
    counter = iter(range(1, 10_000))

    def factory(code: str | None = None, *, name: str | None = None, status: str = "member",
                kind: str = "state", retired: bool = False) -> Party:
        code = code or f"P{next(counter)}"
        existing = db.session.scalar(db.select(Party).where(Party.code == code))
        if existing is not None:
            return existing
        party = Party(code=code, name=name or f"Party {code}", kind=PartyKind(kind), status=PartyStatus(status),
                      languages="en", retired_at=utcnow() if retired else None)
        db.session.add(party)
        db.session.commit()
        return party

    return factory


@functools.lru_cache(maxsize=16)
def _hashed(password: str) -> str:
    """One scrypt hash per password for the whole test process: a hash costs 0.1-0.4 s of CPU by design, and a
    test world of fifteen accounts (``tests/rollcall_world.py``) paid it fifteen times per test, minutes per run.
    Accounts sharing a hash still each verify their password; nothing here tests the salt."""
    return hash_password(password)


@pytest.fixture
def make_account(app: Flask, make_party: Callable[..., Party]) -> Callable[..., Account]:
    """Create an account: ``make_account(role="focal_point", party="JM", active=True)``."""
    counter = iter(range(1, 10_000))
    defaults = {"secretariat": ("IOM", "support", "organization"), "focal_point": ("JM", "member", "state"),
                "delegate": ("TT", "member", "state")}

    def factory(role: str = "delegate", *, party: str | Party | None = None, email: str | None = None,
                password: str | None = PASSWORD, active: bool = True, name: str | None = None,
                second_factor: bool | None = None) -> Account:
        if isinstance(party, Party):
            party_row = party
        else:
            code, status, kind = defaults[role]
            if party is not None:
                code = party
                status = "observer" if party in ("US", "NL") else ("support" if party in ("IOM", "UNHCR") else "member")
                kind = "organization" if status == "support" else "state"
            party_row = make_party(code, status=status, kind=kind)
        n = next(counter)
        account = Account(email=email or f"{role}{n}.{party_row.code.lower()}@example.org",
                          name=name or f"{role.replace('_', ' ').title()} {n}", party_id=party_row.id,
                          role=Role(role), active=active,
                          password_hash=_hashed(password) if password else None)
        # The secretariat must have a second factor; give it one unless the test says otherwise.
        if second_factor if second_factor is not None else role == "secretariat":
            account.totp_secret = pyotp.random_base32()
            account.totp_enabled_at = utcnow()
        db.session.add(account)
        db.session.commit()
        return account

    return factory


def next_code(account: Account) -> str:
    """A TOTP code the account has not used yet (the current step, or the next one inside the skew window)."""
    db.session.expire_all()
    fresh = db.session.get(Account, account.id)
    assert fresh is not None and fresh.totp_secret
    totp = pyotp.TOTP(fresh.totp_secret)
    now = utcnow()
    for offset in (0, 1):
        if totp.timecode(now) + offset > fresh.totp_last_step:
            return totp.at(now, counter_offset=offset)
    raise AssertionError("no unused code in the window; sign in less often in one test")


def csrf_from(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def sign_in(app: Flask) -> Callable[..., Any]:
    """Sign a client in through the real form: ``sign_in(client, account)``; returns the response."""

    def do(client: FlaskClient, account: Account | str, password: str = PASSWORD, **kwargs: Any) -> Any:
        email = account if isinstance(account, str) else account.email
        page = client.get("/sign-in")
        token = csrf_from(page.get_data(as_text=True))
        response = client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token},
                               **kwargs)
        if response.status_code == 302 and response.headers["Location"] == "/sign-in/code" and not isinstance(
                account, str):
            token = csrf_from(client.get("/sign-in/code").get_data(as_text=True))
            response = client.post("/sign-in/code", data={"code": next_code(account), "csrf_token": token})
        return response

    return do


@pytest.fixture
def signed_in(app: Flask, sign_in: Callable[..., Any], make_account: Callable[..., Account]
              ) -> Callable[..., tuple[FlaskClient, Account]]:
    """``signed_in("secretariat")`` gives a new client signed in as a new account of that role."""

    def do(role: str = "delegate", **kwargs: Any) -> tuple[FlaskClient, Account]:
        account = make_account(role, **kwargs)
        client = app.test_client()
        response = sign_in(client, account)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client, account

    return do


def form_token(client: FlaskClient, path: str) -> str:
    """Open ``path`` and return the CSRF token of its form."""
    return csrf_from(client.get(path).get_data(as_text=True))


#: The network of :func:`network_member` (Trinidad and Tobago and Jamaica are its member parties).
MEMBER_NETWORK = "migrant-smuggling"


@pytest.fixture
def network_member(app: Flask, make_party: Callable[..., Party], make_account: Callable[..., Account]) -> Account:
    """A delegate of Trinidad and Tobago, member of :data:`MEMBER_NETWORK` (made by a secretariat account)."""
    from cmc.services import networks

    for code in ("TT", "JM"):
        make_party(code)
    secretariat = make_account("secretariat")
    networks.create_network(secretariat, networks.NetworkInput(slug=MEMBER_NETWORK, name="Migrant Smuggling",
                                                               party_codes=["TT", "JM"]))
    account = make_account("delegate", party="TT")
    networks.add_member(secretariat, MEMBER_NETWORK, account.id)
    return account


def bearer_headers(account: Account, name: str = "tests") -> dict[str, str]:
    """API headers with a fresh personal access token of ``account``."""
    from cmc.services import auth

    _row, secret = auth.create_token(account, name)
    return {"Authorization": f"Bearer {secret}", "Accept": "application/json"}


@contextlib.contextmanager
def cmc_log_output() -> Iterator[io.StringIO]:
    """What the ``cmc`` loggers' handler writes (the console of ``cmc serve``) while the block runs."""
    from cmc.logging_setup import _CmcHandler

    handler = next(h for h in logging.getLogger("cmc").handlers if isinstance(h, _CmcHandler))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)
