"""The writers of the benchmark data, per database: bulk rows through COPY on PostgreSQL and one
``executemany`` per batch on SQLite, and the id sequences moved past the ids the generator chose."""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from datetime import UTC
from typing import Any

from sqlalchemy import JSON, Enum, Table, text
from sqlalchemy.orm import DeclarativeBase

from cmc.devtools.model import BATCH, EXPLICIT_ID_TABLES
from cmc.extensions import db
from cmc.models.types import UTCDateTime


def insert(target: type[DeclarativeBase] | Table | Any, rows: list[dict[str, Any]]) -> None:
    """Bulk insert ``rows`` (dicts with the same keys) inside the session's transaction.

    Below SQLAlchemy on purpose: its per-row parameter handling was most of the run time (600,000 alert rows).
    The values are converted once per column the way the column types would bind them, then PostgreSQL gets
    them through COPY and SQLite through one ``executemany`` per batch.
    """
    if not rows:
        return
    table = target if isinstance(target, Table) else target.__table__
    names = list(rows[0])
    connection = db.session.connection()
    dialect = connection.dialect
    converters = [_converter(table.c[name], dialect) for name in names]
    columns = ", ".join(names)
    cursor = connection.connection.cursor()
    try:
        for first in range(0, len(rows), BATCH):
            values = [tuple(value if convert is None or value is None else convert(value)
                            for value, convert in zip(row.values(), converters, strict=True))
                      for row in rows[first:first + BATCH]]
            if dialect.name == "postgresql":
                with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                    for value in values:
                        copy.write_row(value)
            else:
                marks = ", ".join("?" for _ in names)
                cursor.executemany(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", values)  # noqa: S608
    finally:
        cursor.close()


def _converter(column: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """How a column's type turns a Python value into what the driver receives (None: as it is)."""
    kind = column.type
    if isinstance(kind, UTCDateTime):
        # Aware UTC in, naive UTC stored (as UTCDateTime does), formatted as SQLAlchemy formats it on SQLite.
        store = kind.impl_instance.dialect_impl(dialect).bind_processor(dialect)
        if store is None:
            return lambda value: value.astimezone(UTC).replace(tzinfo=None)
        return lambda value: store(value.astimezone(UTC).replace(tzinfo=None))
    if isinstance(kind, Enum):
        return lambda value: value.value if isinstance(value, enum.Enum) else str(value)
    if isinstance(kind, JSON):
        return json.dumps
    return kind.dialect_impl(dialect).bind_processor(dialect)


def fix_sequences() -> None:
    """PostgreSQL: move the id sequences past the ids the generator chose (SQLite needs nothing)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in EXPLICIT_ID_TABLES:
        name = model.__tablename__
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608 - table names are ours
                                f"(SELECT coalesce(max(id), 0) + 1 FROM {name}), false)"))
