"""The append-only audit trail, each row chained to the previous one by a SHA-256 hash."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cmc.extensions import db
from cmc.models.types import UTCDateTime, str_enum, utcnow


class Outcome(enum.StrEnum):
    """How the recorded action ended."""

    OK = "ok"
    DENIED = "denied"
    FAILED = "failed"


class AuditEvent(db.Model):
    """One recorded action. Never updated or deleted; ``row_hash`` covers the row and the previous hash."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_target_party_time", "target_party_id", "id"),
        Index("ix_audit_actor", "actor_id", "id"),
        Index("ix_audit_action", "action", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(default=None)  # no FK: the trail outlives accounts
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    actor_party_id: Mapped[int | None] = mapped_column(default=None)
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    target_party_id: Mapped[int | None] = mapped_column(default=None)
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome, 10), default=Outcome.OK)
    address: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    row_hash: Mapped[str] = mapped_column(String(64), default="")
