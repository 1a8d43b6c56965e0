"""Column types shared by the models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator

#: The largest id a table holds: every id column is an INTEGER, 32 bits on PostgreSQL (SQLite's is 64). A larger
#: number sent to the database raises there (NumericValueOutOfRange; OverflowError in sqlite3), so it must
#: be refused as "no such thing" before any query is made.
MAX_ID = 2**31 - 1


def parse_id(value: Any) -> int | None:
    """An id from a form, a JSON body or a socket payload: a whole number from 1 to ``MAX_ID`` (a JSON true
    is not 1; digits in a string are accepted), else None, which callers answer as "not found"."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip()) if len(value.strip()) <= 12 else MAX_ID + 1
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 1 <= value <= MAX_ID else None


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


def enum_values(enum_class: type[enum.Enum]) -> list[str]:
    """Store an enum's values ("member"), not its Python names ("MEMBER")."""
    return [str(member.value) for member in enum_class]


def str_enum(enum_class: type[enum.Enum], length: int = 20) -> Enum:
    """A portable enum column (a VARCHAR, no database enum type) that stores the members' values."""
    return Enum(enum_class, native_enum=False, length=length, values_callable=enum_values)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and always returned aware.

    SQLite has no time zone type; storing naive UTC everywhere and attaching UTC on the way out keeps
    comparisons right on both SQLite and PostgreSQL.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)
