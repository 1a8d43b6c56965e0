"""Parties of the consultations: member states and territories, observers, support organisations."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from cmc.extensions import db
from cmc.models.types import UTCDateTime, str_enum


class PartyKind(enum.StrEnum):
    """What a party is."""

    STATE = "state"
    TERRITORY = "territory"
    ORGANIZATION = "organization"


class PartyStatus(enum.StrEnum):
    """A party's standing in the consultations."""

    MEMBER = "member"
    OBSERVER = "observer"
    SUPPORT = "support"


class Party(db.Model):
    """A state, territory or organisation taking part; every account belongs to exactly one."""

    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[PartyKind] = mapped_column(str_enum(PartyKind, 20))
    status: Mapped[PartyStatus] = mapped_column(str_enum(PartyStatus, 20))
    languages: Mapped[str] = mapped_column(String(60), default="en")  # ';'-separated ISO 639 codes
    founding: Mapped[bool] = mapped_column(default=False)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: The resident population (``data/parties.csv``; the secretariat keeps it): what a roll call answer's
    #: numbers are checked against (a million displaced in a territory of 15,000 asks for a confirmation).
    population: Mapped[int | None] = mapped_column(default=None)

    @property
    def retired(self) -> bool:
        """Whether the party has been retired (its accounts cannot sign in)."""
        return self.retired_at is not None

    @property
    def language_list(self) -> list[str]:
        """The party's languages, most used first."""
        return [code for code in self.languages.split(";") if code]

    def __repr__(self) -> str:
        return f"<Party {self.code}>"


def party_link_table(name: str, owner_column: str, owner_table: str) -> Table:
    """The table naming which parties a row of ``owner_table`` concerns (a network's parties, a document's
    readers): one row per (owner, party), removed with either side."""
    return Table(
        name,
        db.metadata,
        Column(owner_column, ForeignKey(f"{owner_table}.id", ondelete="CASCADE"), primary_key=True),
        Column("party_id", ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True),
    )
