"""Engine set-up and the write transaction every service uses.

SQLite runs in WAL mode with a busy timeout, and write transactions start with ``BEGIN IMMEDIATE``:
SQLAlchemy's default deferred transactions let two writers read the same state and both commit,
silently losing an update (measured here: 269 duplicates in 1,600 inserts).
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import Flask, g, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from cmc.db_session import READ_OPTION, READS
from cmc.extensions import db
from cmc.services.errors import StorageFull, is_storage_full, storage_full

_immediate: contextvars.ContextVar[bool] = contextvars.ContextVar("cmc_begin_immediate", default=False)
T = TypeVar("T")
log = logging.getLogger("cmc.database")

#: FULL: every commit is on the disk (the WAL fsynced) before it returns. The platform promises that an alert
#: it said was published survives a power cut; NORMAL (WAL's usual choice) may lose the last commits then.
#: Measured cost on this machine: see README ("SQLite durability") and ``python -m tests.perf.sqlite_sync``.
SQLITE_SYNCHRONOUS = "FULL"


#: Statements that change data: refused on a safe request's autocommit connection (outside
#: ``write_transaction`` they would be committed one by one instead of all or nothing).
_WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE")


def configure_engine(app: Flask) -> None:
    """Attach the SQLite pragmas and the explicit BEGIN (SQLite), and the guard of the read path."""
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _refuse_autocommit_write)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)


def _refuse_autocommit_write(connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
    if connection.get_execution_options().get(READ_OPTION) and statement.lstrip()[:6].upper().startswith(_WRITES):
        raise RuntimeError("a write outside write_transaction() during a safe request; wrap it in one")


def read_without_transaction() -> None:
    """Let the session read without a transaction until the end of the request (safe methods)."""
    db.session.info[READS] = True


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
        if connection.get_execution_options().get(READ_OPTION):
            return  # a safe request's reads: pysqlite's own autocommit, each statement its own snapshot
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
    # A safe request's reads are autocommit; its writes (a session touched, a download audited) are not.
    reads = session.info.pop(READS, False)
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
        if reads:
            session.info[READS] = True


@contextmanager
def read_transaction() -> Iterator[None]:
    """Run the block's reads in one transaction (ended when the block ends), even in a safe request whose
    reads are otherwise autocommit: a server-side cursor (``yield_per``, a long export streamed in batches)
    lives only inside a transaction on PostgreSQL, and the batches then share one connection."""
    session = db.session()
    reads = session.info.pop(READS, False)
    if session.in_transaction():
        session.commit()  # nothing to write: ends what the block must not inherit
    try:
        yield
    finally:
        session.rollback()
        if reads:
            session.info[READS] = True


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


#: Methods whose requests only read (RFC 9110 "safe"): their reads run without a transaction.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def install_request_reads(app: Flask) -> None:
    """Safe requests read without BEGIN/ROLLBACK; a request whose database connection turns out dead is
    answered once more on a fresh one.

    There is no ping before each checkout (``pool_pre_ping`` cost a round trip on every request): pooled
    connections are replaced after ``pool_recycle`` seconds, and when one has died anyway (a restarted or
    failed-over server, a backend terminated) the first statement fails as a disconnect, SQLAlchemy
    invalidates the whole pool, and this handler runs the request again, once. It does so for a safe request
    wherever it failed, and for any other request only if it failed before its view started (in the gate,
    where the session is looked up): a view that may have written, or read an upload, is not run twice.
    """

    def _reads() -> None:
        if request.method in SAFE_METHODS:
            read_without_transaction()

    app.before_request_funcs.setdefault(None, []).insert(0, _reads)
    dispatch = app.dispatch_request
    handle = app.handle_user_exception

    def dispatch_marked() -> Any:
        g.cmc_view_started = True
        return dispatch()

    def retry_once(exc: Exception) -> Any:
        if not _worth_retrying(exc):
            return handle(exc)
        g.cmc_retried = True
        log.warning("database connection lost (%s); answering %s %s again on a new connection",
                    type(exc.__cause__ or exc).__name__, request.method, request.path)
        db.session.remove()
        g.pop("_login_user", None)  # Flask-Login's user of this request: loaded again
        g.pop("cmc_view_started", None)
        try:
            answer = app.preprocess_request()
            return answer if answer is not None else app.dispatch_request()
        except Exception as again:  # answered by the app's error handlers, as any error is
            return handle(again)

    app.dispatch_request = dispatch_marked  # type: ignore[method-assign]
    app.handle_user_exception = retry_once  # type: ignore[method-assign]


def _worth_retrying(exc: Exception) -> bool:
    """A lost connection, not retried yet, in a request that is safe to answer again."""
    if not isinstance(exc, DBAPIError) or not exc.connection_invalidated or g.get("cmc_retried"):
        return False
    return request.method in SAFE_METHODS or not g.get("cmc_view_started")
