"""The session class of ``db.session``: reads of a safe request run on an autocommit connection.

A page that only reads (GET, HEAD, OPTIONS) needs no transaction: PostgreSQL's default isolation (read
committed) takes a fresh snapshot per statement anyway, so ``BEGIN`` ... ``ROLLBACK`` around a page bought
nothing but two round trips, and psycopg drops its prepared statements at every rollback (so statements were
never prepared at all). While :data:`READS` is set in the session's ``info`` (``cmc.web`` sets it for safe
methods), each new connection the session takes is an autocommit one; ``cmc.database.write_transaction``
clears it for its block, so every write still runs in one transaction of its own, as before.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from flask_sqlalchemy.session import Session
from sqlalchemy.engine import Connection, Engine

#: ``session.info`` key: take autocommit connections for what the session reads next.
READS = "cmc_autocommit_reads"
#: Execution option marking those connections (SQLite's BEGIN listener and the write guard read it).
READ_OPTION = "cmc_read"

_read_engines: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()


def read_engine(engine: Engine) -> Engine:
    """The autocommit twin of ``engine`` (same pool; the isolation level is set at checkout and reset when
    the connection goes back). SQLite is left in its driver's autocommit (``cmc.database`` takes transaction
    control from pysqlite): there, the twin only tells the BEGIN listener not to begin."""
    twin = _read_engines.get(engine)
    if twin is None:
        options: dict[str, Any] = {READ_OPTION: True}
        if engine.dialect.name != "sqlite":
            options["isolation_level"] = "AUTOCOMMIT"
        twin = engine.execution_options(**options)
        _read_engines[engine] = twin
    return twin


class CmcSession(Session):
    """Flask-SQLAlchemy's session, binding to :func:`read_engine` while :data:`READS` is set."""

    def get_bind(self, mapper: Any | None = None, clause: Any | None = None,
                 bind: Engine | Connection | None = None, **kwargs: Any) -> Engine | Connection:
        """The engine to read or write with (see the module's docstring)."""
        chosen = super().get_bind(mapper, clause, bind, **kwargs)
        if bind is None and isinstance(chosen, Engine) and self.info.get(READS):
            return read_engine(chosen)
        return chosen
