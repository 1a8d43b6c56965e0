"""What a person was writing on a compose page, kept on the server while they write.

The page sends its fields every few seconds after a change and when it is left; one row per person and network
(``AlertAutosave``). On the server rather than in the browser: a government computer is often shared, and a
restricted alert's text must not stay in it after sign-out. The row goes when the alert is published or
submitted (``forget_autosave``, in the same transaction), when the person discards it, and after ``KEPT``.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import Account, AlertAutosave, Network
from cmc.models.types import utcnow
from cmc.services import networks, text
from cmc.services.errors import TooLargeError, ValidationError

#: The largest autosave taken (its fields as JSON): a full alert in four languages is about 30 KB.
MAX_BYTES = 64 * 1024
KEPT = timedelta(days=30)
MAX_FIELDS = 80
MAX_VALUES = 100  # the values of one field (the affected parties of a network)
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def composing_network(actor: Account, slug: str) -> Network:
    """The network whose compose page the actor may write on (a member who may post, alerts on); 404 for any
    other, as for what is in a network the person may not see."""
    network = networks.entry(slug)
    permissions.require(actor, "alert.submit", network, action="alert.autosave", target_type="network",
                        target_id=network.id, hide=True)
    return network


def check_fields(fields: Any) -> dict[str, str | list[str]]:
    """The fields of an autosave as stored: ``{name: text or [texts]}``; ValidationError (422) for any other
    shape, TooLargeError (413) over ``MAX_BYTES``."""
    bad = ValidationError(_("The draft could not be read: send the form's fields as text."))
    if not isinstance(fields, dict) or len(fields) > MAX_FIELDS:
        raise bad
    kept: dict[str, str | list[str]] = {}
    for name, value in fields.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise bad
        if isinstance(value, list):
            if len(value) > MAX_VALUES or not all(isinstance(item, str) for item in value):
                raise bad
        elif not isinstance(value, str):
            raise bad
        kept[name] = value
    if len(json.dumps(kept, ensure_ascii=False).encode()) > MAX_BYTES:
        raise TooLargeError(_("The draft is larger than %(n)d KB: it was not saved. Shorten the description "
                              "or share the details as a document.", n=MAX_BYTES // 1024))
    problems = text.field_errors(**{name: value for name, value in kept.items() if isinstance(value, str)})
    if problems:
        raise ValidationError(next(iter(problems.values())), fields=problems)
    return kept


def save_autosave(actor: Account, slug: str, fields: Any) -> AlertAutosave:
    """Keep what the actor is writing in the network (replacing what was kept), and forget autosaves older
    than ``KEPT`` on the way."""
    network = composing_network(actor, slug)
    kept = check_fields(fields)
    for attempt in (1, 2):
        try:
            with write_transaction():
                db.session.execute(delete(AlertAutosave).where(AlertAutosave.saved_at < utcnow() - KEPT))
                row = _row(actor, network)
                if row is None:
                    row = AlertAutosave(account_id=actor.id, network_id=network.id)
                    db.session.add(row)
                row.fields = kept
                row.saved_at = utcnow()
            return row
        except IntegrityError:
            # Two first saves raced (PostgreSQL; SQLite's IMMEDIATE transactions queue them): update the winner.
            db.session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _row(actor: Account, network: Network) -> AlertAutosave | None:
    return db.session.scalar(select(AlertAutosave).where(AlertAutosave.account_id == actor.id,
                                                         AlertAutosave.network_id == network.id))


def autosaved(actor: Account, network: Network) -> AlertAutosave | None:
    """What the actor was writing in the network, unless it is older than ``KEPT``."""
    row = _row(actor, network)
    return row if row is not None and row.saved_at >= utcnow() - KEPT else None


def forget_autosave(actor: Account, network: Network) -> None:
    """Delete the actor's autosave in the network, inside the caller's transaction (publishing)."""
    db.session.execute(delete(AlertAutosave).where(AlertAutosave.account_id == actor.id,
                                                   AlertAutosave.network_id == network.id))


def discard_autosave(actor: Account, slug: str) -> None:
    """The person throws away what the compose page kept for them in the network."""
    network = composing_network(actor, slug)
    with write_transaction():
        forget_autosave(actor, network)
