"""Column types shared by the models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator


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
