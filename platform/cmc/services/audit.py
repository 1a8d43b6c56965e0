"""Writing and checking the audit trail.

Rows are added in the same transaction as the change they record (the caller's write transaction), and
each row's hash covers its content and the previous row's hash, so an edited or deleted row breaks the
chain from that row on. ``verify_chain`` names the first broken row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import select, text

from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import Account, AuditEvent, Outcome
from cmc.models.types import utcnow

#: Detail keys that must never reach the trail, whatever a caller passes.
_SECRET_WORDS = ("password", "token", "secret", "cookie", "totp", "otp", "recovery")
_CHAIN_LOCK_KEY = 7_246_100  # PostgreSQL advisory lock serialising appends to the chain


def _clean(details: dict[str, Any] | None) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in (details or {}).items():
        if any(word in key.lower() for word in _SECRET_WORDS):
            continue
        if isinstance(value, str):
            value = value[:500]
        clean[key] = value
    return clean


def request_address() -> str:
    """The client's address for the current request, or '' outside a request."""
    if has_request_context():
        return (request.remote_addr or "")[:64]
    return ""


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "actor_party_id": event.actor_party_id,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_party_id": event.target_party_id,
        "outcome": str(event.outcome),
        "address": event.address,
        "details": event.details,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def compute_hash(event: AuditEvent) -> str:
    """The SHA-256 hex digest that ``event.row_hash`` must hold."""
    return hashlib.sha256(_canonical(event)).hexdigest()


def record(
    actor: Account | None,
    action: str,
    *,
    target_type: str = "",
    target_id: str | int | None = None,
    target_party_id: int | None = None,
    outcome: Outcome = Outcome.OK,
    details: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Append one row to the trail inside the caller's transaction (the caller commits)."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})
    previous = session.execute(select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    now: datetime = utcnow().replace(microsecond=0)
    event = AuditEvent(
        at=now,
        actor_id=actor.id if actor is not None else None,
        actor_label=actor_label if actor_label is not None else (actor.email if actor is not None else ""),
        actor_party_id=actor.party_id if actor is not None else None,
        action=action,
        target_type=target_type,
        target_id="" if target_id is None else str(target_id),
        target_party_id=target_party_id,
        outcome=outcome,
        address=request_address(),
        details=_clean(details),
        prev_hash=previous or "",
    )
    event.row_hash = compute_hash(event)
    session.add(event)
    return event


def record_now(actor: Account | None, action: str, **kwargs: Any) -> None:
    """Record an event in a transaction of its own (denials and failures, where nothing else commits)."""
    with write_transaction():
        record(actor, action, **kwargs)


@dataclass
class ChainReport:
    """The result of checking the chain."""

    rows: int
    first_broken_id: int | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        """Whether every row checked out."""
        return self.first_broken_id is None


def verify_chain(batch: int = 2000) -> ChainReport:
    """Walk the whole trail in id order and return the first row whose hash or link does not match."""
    previous = ""
    count = 0
    last_id = 0
    while True:
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return ChainReport(rows=count, first_broken_id=None)
        for row in rows:
            count += 1
            if row.prev_hash != previous:
                return ChainReport(count, row.id, "its link to the previous row does not match (a row was removed)")
            if compute_hash(row) != row.row_hash:
                return ChainReport(count, row.id, "its content does not match its hash (the row was edited)")
            previous = row.row_hash
            last_id = row.id
        db.session.expunge_all()
