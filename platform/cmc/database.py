"""Engine set-up and the write transaction every service uses.

SQLite runs in WAL mode with a busy timeout, and write transactions start with ``BEGIN IMMEDIATE``:
SQLAlchemy's default deferred transactions let two writers read the same state and both commit,
silently losing an update (measured here: 269 duplicates in 1,600 inserts).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from cmc.extensions import db
from cmc.services.errors import StorageFull, is_storage_full, storage_full

_immediate: contextvars.ContextVar[bool] = contextvars.ContextVar("cmc_begin_immediate", default=False)
T = TypeVar("T")

#: FULL: every commit is on the disk (the WAL fsynced) before it returns. The platform promises that an alert
#: it said was published survives a power cut; NORMAL (WAL's usual choice) may lose the last commits then.
#: Measured cost on this machine: see README ("SQLite durability") and ``python -m tests.perf.sqlite_sync``.
SQLITE_SYNCHRONOUS = "FULL"


def configure_engine(app: Flask) -> None:
    """Attach the SQLite pragmas and the explicit BEGIN to the app's engine (no-op on PostgreSQL)."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    _configure_sqlite(engine)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from the sqlite3 module so we can say BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


@contextmanager
def write_transaction() -> Iterator[None]:
    """Run the block as one write transaction and commit it; roll back on any exception (a full disk, the
    database's or the uploads', becomes ``StorageFull``: 507 with a message a person understands).

    Any read transaction the session holds is ended first, so that on SQLite the write lock is taken
    before the first read of the block (reads inside it see the latest committed state).
    """
    session = db.session()  # the scoped session of this context
    if _immediate.get():
        # Already inside a write transaction: the outermost block commits.
        yield
        return
    if session.in_transaction():
        session.commit()
    token = _immediate.set(True)
    try:
        yield
        session.commit()
    except BaseException as exc:
        session.rollback()
        if is_storage_full(exc) and not isinstance(exc, StorageFull):
            # "database or disk is full" (or a file kept in the block hit ENOSPC): a clear 507, not a 500.
            raise storage_full() from exc
        raise
    finally:
        _immediate.reset(token)


def off_the_loop(work: Callable[[], T]) -> T:
    """Run ``work`` (one long SQLite statement) in a real thread of gevent's pool when the server is gevent,
    and wait for it cooperatively; directly otherwise.

    SQLite runs in this process and releases the GIL while it works, but gevent cannot switch greenlets
    during a C call: indexing 1.9 million characters of distinct words in FTS5 takes ~500 ms, measured, and
    held every page and socket that long. In a pool thread the serving loop keeps answering meanwhile.
    The caller's connection is used by that thread alone while the caller waits.
    """
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return work()
    if not monkey.is_module_patched("threading"):
        return work()
    import gevent

    return gevent.get_hub().threadpool.apply(work)  # type: ignore[no-any-return]
