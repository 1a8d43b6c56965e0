"""Keys that make a create request safe to send twice: an API client's ``Idempotency-Key`` header, or the
one-time nonce of a page form, with what the first request made."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cmc.extensions import db
from cmc.models.types import UTCDateTime, utcnow


class IdempotencyKey(db.Model):
    """One key, once per account and scope. The unique constraint is what makes two racing requests with the
    same key create one thing: the second insert fails, and its whole transaction with it."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("account_id", "scope", "key", name="uq_idempotency_key"),
                      Index("ix_idempotency_keys_created", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # Not a foreign key: 0 stands for nobody signed in (an invitation's registration form), and the unique
    # constraint must hold for it too (NULLs never collide).
    account_id: Mapped[int] = mapped_column()
    scope: Mapped[str] = mapped_column(String(40))  # "form", "document.upload", "document.version"
    key: Mapped[str] = mapped_column(String(80))
    #: sha256 of what the first request asked for: the same key with another payload is refused
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    target_id: Mapped[int | None] = mapped_column(default=None)  # what the API request made
    location: Mapped[str] = mapped_column(String(500), default="")  # where the form's first answer led
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
