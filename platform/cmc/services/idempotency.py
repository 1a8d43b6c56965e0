"""Requests that create things, made safe to send twice.

Two kinds of key, one table (``IdempotencyKey``), one rule: a key is used once per account and scope, and the
database's unique constraint, not a read before the write, decides which of two racing requests wins.

- API uploads carry an ``Idempotency-Key`` header (as alert publishing does): the key is written in the same
  transaction as the document or version, so a retry, or a twin racing it, gets the first answer again; the
  same key with a different payload is refused (422), as the IETF Idempotency-Key draft says.
- Page forms that create things carry a one-time nonce (``cmc.web.once``): the first submission claims it in
  a transaction of its own before the form is handled, and records where its answer led; a second
  submission of the same nonce waits for the first to finish and lands the person there.

Keys are forgotten after ``KEEP``: a client retrying a week later is not retrying any more.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import IdempotencyKey
from cmc.models.types import utcnow
from cmc.services.errors import ConflictError, ValidationError

KEEP = timedelta(days=7)
FORM = "form"
_KEY = re.compile(r"^[\x21-\x7e]{1,80}$")  # visible ASCII, as HTTP header values are
#: How long a second submission of a form waits for the first one to finish, and how often it looks.
FORM_WAIT_SECONDS = 15.0
FORM_POLL_SECONDS = 0.1


class KeyReused(ValidationError):
    """The same Idempotency-Key came with a different request."""

    code = "idempotency_key_reused"


def clean_key(raw: str | None) -> str | None:
    """The client's key, or None when it sent none; a key that is not 1-80 visible ASCII characters is refused
    (cut silently, two different long keys would become one)."""
    key = (raw or "").strip()
    if not key:
        return None
    if not _KEY.match(key):
        message = _("The Idempotency-Key must be 1 to 80 visible ASCII characters.")
        raise ValidationError(message, fields={"Idempotency-Key": message})
    return key


def fingerprint(*parts: Any) -> str:
    """A digest of what a request asks for, to tell a retry from another request under the same key."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def find(account_id: int, scope: str, key: str) -> IdempotencyKey | None:
    """The key's record, fresh from the database."""
    return db.session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.account_id == account_id, IdempotencyKey.scope == scope, IdempotencyKey.key == key)
        .execution_options(populate_existing=True))


def replay(account_id: int, scope: str, key: str | None, digest: str) -> IdempotencyKey | None:
    """The record of an earlier request with this key, if there was one and it asked for the same thing;
    raise ``KeyReused`` (422) if it asked for something else."""
    if key is None:
        return None
    row = find(account_id, scope, key)
    if row is not None and row.fingerprint != digest:
        raise KeyReused(_("This Idempotency-Key was already used for a different request. Use a new key for "
                          "a new request."), fields={"Idempotency-Key": _("Already used for another request.")})
    return row


def remember(account_id: int, scope: str, key: str, digest: str) -> IdempotencyKey:
    """Record the key inside the caller's write transaction (set ``target_id`` once known). A racing twin's
    insert fails here with IntegrityError, before it has made anything."""
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - KEEP))
    row = IdempotencyKey(account_id=account_id, scope=scope, key=key, fingerprint=digest)
    db.session.add(row)
    db.session.flush()
    return row


def is_key_conflict(exc: IntegrityError) -> bool:
    """Whether an IntegrityError is a second use of an idempotency key (not some other constraint)."""
    message = str(exc.orig).lower()
    return "uq_idempotency_key" in message or "idempotency_keys." in message


# --- page forms ------------------------------------------------------------------------------------------

def claim_form(account_id: int, nonce: str) -> IdempotencyKey | None:
    """Claim a form's nonce for this submission: None when it is ours now; otherwise the first submission's
    record, once it has landed (or after FORM_WAIT_SECONDS, still without a ``location``)."""
    deadline = time.monotonic() + FORM_WAIT_SECONDS
    while True:
        try:
            with write_transaction():
                remember(account_id, FORM, nonce, "")
            return None
        except IntegrityError as exc:
            db.session.rollback()
            if not is_key_conflict(exc):
                raise
        first = find(account_id, FORM, nonce)
        db.session.rollback()  # end the read: the next look sees what the first submission has committed
        if first is not None and (first.location or time.monotonic() >= deadline):
            return first
        if first is None and time.monotonic() >= deadline:
            raise ConflictError(_("This form is being sent at the same moment from elsewhere. Try again."))
        # None: the first submission failed and let its nonce go, so this one takes it on the next turn.
        time.sleep(FORM_POLL_SECONDS)  # gevent's sleep in the server: the first submission runs meanwhile


def land_form(account_id: int, nonce: str, location: str) -> None:
    """Record where the first submission of a form led, for a second one to follow."""
    with write_transaction():
        row = find(account_id, FORM, nonce)
        if row is not None:
            row.location = location[:500]


def release_form(account_id: int, nonce: str) -> None:
    """Let a nonce go after its submission failed (nothing was made): the form may be sent again."""
    with write_transaction():
        db.session.execute(delete(IdempotencyKey).where(
            IdempotencyKey.account_id == account_id, IdempotencyKey.scope == FORM, IdempotencyKey.key == nonce))
