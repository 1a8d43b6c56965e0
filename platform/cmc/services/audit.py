"""Writing and checking the audit trail.

Rows are added in the same transaction as the change they record (the caller's write transaction), and
each row's hash covers its content and the previous row's hash, so an edited or deleted row breaks the
chain from that row on. ``verify_chain`` names the first broken row; given a checkpoint of the head kept outside
the table (``audit_checkpoint``), it also names how many of the newest rows were removed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import has_request_context, request
from sqlalchemy import Select, or_, select, text

from cmc import permissions
from cmc.database import read_transaction, write_transaction
from cmc.extensions import db
from cmc.models import Account, AuditEvent, Outcome, Party
from cmc.models.types import utcnow
from cmc.services.audit_checkpoint import Checkpoint
from cmc.services.text import csv_cell

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
    """The result of checking the chain (against a checkpoint of its head when one was given)."""

    rows: int
    first_broken_id: int | None
    reason: str = ""
    missing: int = 0  # rows the checkpoint counted that are no longer in the trail
    checkpoint: Checkpoint | None = None
    rewritten: bool = False  # as many rows as the checkpoint counted, but not the head it recorded

    @property
    def ok(self) -> bool:
        """Whether every row checked out and the trail still holds the head the checkpoint recorded."""
        return self.first_broken_id is None and not self.missing and not self.rewritten


def verify_chain(batch: int = 2000, checkpoint: Checkpoint | None = None) -> ChainReport:
    """Walk the whole trail in id order and return the first row whose hash or link does not match.

    With a ``checkpoint`` (``services/audit_checkpoint.py``), the row at its position must be the head it
    recorded: a removal of the newest rows leaves a well-linked chain that only a head kept elsewhere can show.
    Positions, not ids, are compared: PostgreSQL's sequences skip ids, and SQLite gives a deleted last id again.
    """
    previous = ""
    count = upto_head = 0
    last_id = 0
    at_position: str | None = None  # the hash of the row at the checkpoint's position
    head_id = checkpoint.head_id if checkpoint is not None else None
    head_id_taken = False  # whether a row still has the head's id (SQLite reuses the ids of deleted last rows)
    while True:
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            count += 1
            if row.prev_hash != previous:
                return ChainReport(count, row.id, "its link to the previous row does not match (a row was removed)")
            if compute_hash(row) != row.row_hash:
                return ChainReport(count, row.id, "its content does not match its hash (the row was edited)")
            if checkpoint is not None and count == checkpoint.rows:
                at_position = row.row_hash
            if head_id is not None and row.id <= head_id:
                upto_head += 1
                head_id_taken = head_id_taken or row.id == head_id
            previous = row.row_hash
            last_id = row.id
        db.session.expunge_all()
    if checkpoint is None or at_position == checkpoint.head_hash:
        return ChainReport(rows=count, first_broken_id=None, checkpoint=checkpoint)
    # The head is gone. Rows up to its id were there at the checkpoint, unless that id was given again.
    kept = upto_head if head_id is not None and not head_id_taken else None
    return _against_checkpoint(checkpoint, count, kept, last_id)


def _against_checkpoint(checkpoint: Checkpoint, count: int, kept: int | None, last_id: int) -> ChainReport:
    """The report for a trail that no longer holds, at its position, the head the checkpoint recorded;
    ``kept`` is how many of the checkpoint's rows are still there, when the ids tell it."""
    seen = f"the checkpoint ({checkpoint.describe()}) counted {checkpoint.rows} rows"
    if kept is not None:
        missing, after = checkpoint.rows - kept, count - kept
        written_after = f", and {after} row(s) were written after them" if after else ""
        last = f"its last row has id {last_id}" if count else "it is empty"
        return ChainReport(count, None, f"{missing} row(s) missing: {seen}, the trail holds {kept} of them ({last}); "
                           f"the newest rows were deleted{written_after}", missing=missing, checkpoint=checkpoint)
    if count < checkpoint.rows:
        missing = checkpoint.rows - count
        return ChainReport(count, None, f"at least {missing} row(s) missing: {seen}, the trail holds {count}; the "
                           "newest rows were deleted (and others may have been written in their place)",
                           missing=missing, checkpoint=checkpoint)
    return ChainReport(count, None, f"the row at position {checkpoint.rows} is not the head: {seen}, ending with "
                       "another row; rows were deleted and others written in their place, or the trail was rewritten",
                       checkpoint=checkpoint, rewritten=True)


@dataclass
class AuditFilter:
    """What the trail page and its export filter by (all optional)."""

    actor: str = ""  # part of the actor's email
    party: str = ""  # a party code: rows where it is the actor's party or the target's
    action: str = ""  # an action or its prefix, e.g. "auth." or "account.role"
    outcome: str = ""
    date_from: date | None = None
    date_to: date | None = None


def search(viewer: Account, filters: AuditFilter) -> Select[tuple[AuditEvent]]:
    """The trail rows the viewer may read, newest first: everything for the secretariat, rows about their
    party's items for a focal point (deny by default for everyone else)."""
    permissions.require(viewer, "audit.read", action="audit.read", target_type="audit")
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if not permissions.can(viewer, "audit.read_all"):
        query = query.where(AuditEvent.target_party_id == viewer.party_id)
    if filters.actor:
        query = query.where(AuditEvent.actor_label.ilike(f"%{_like(filters.actor)}%", escape="\\"))
    if filters.party:
        party_id = db.session.scalar(select(Party.id).where(Party.code == filters.party.upper()))
        query = query.where(or_(AuditEvent.actor_party_id == party_id, AuditEvent.target_party_id == party_id))
    if filters.action:
        query = query.where(AuditEvent.action.like(f"{_like(filters.action)}%", escape="\\"))
    if filters.outcome in {o.value for o in Outcome}:
        query = query.where(AuditEvent.outcome == Outcome(filters.outcome))
    if filters.date_from:
        query = query.where(AuditEvent.at >= datetime.combine(filters.date_from, time.min, UTC))
    if filters.date_to:
        query = query.where(AuditEvent.at < datetime.combine(filters.date_to + timedelta(days=1), time.min, UTC))
    return query


def _like(text_value: str) -> str:
    return text_value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")[:100]


CSV_COLUMNS = ["id", "at", "actor", "actor_party", "action", "target_type", "target_id", "target_party",
               "outcome", "address", "details", "row_hash"]


def export_csv(viewer: Account, filters: AuditFilter) -> Iterator[str]:
    """The filtered trail as CSV lines, streamed in batches; the export itself is recorded."""
    query = search(viewer, filters)
    permissions.require_fresh_sign_in(viewer)  # the whole trail leaves the platform
    record_now(viewer, "audit.export", target_type="audit",
               details={k: str(v) for k, v in vars(filters).items() if v})
    codes = dict(db.session.execute(select(Party.id, Party.code)).all())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    with read_transaction():  # the batches come from one server-side cursor
        for row in db.session.scalars(query.execution_options(yield_per=500)):
            buffer.seek(0)
            buffer.truncate()
            writer.writerow([csv_cell(v) for v in (
                row.id, row.at.isoformat(), row.actor_label, codes.get(row.actor_party_id, ""), row.action,
                row.target_type, row.target_id, codes.get(row.target_party_id, ""), row.outcome, row.address,
                json.dumps(row.details, ensure_ascii=False, sort_keys=True), row.row_hash)])
            yield buffer.getvalue()
