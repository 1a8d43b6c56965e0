"""Recording notifications inside the transaction of the event they report, and pushing them after it.

``record`` adds one person's notification to the session of the caller's ``write_transaction``: it is committed
with the event or not at all (a failed event leaves no notification behind). ``record_alert`` stores one
notification per person asked to acknowledge a published alert in **one** ``INSERT ... SELECT`` (a network of
2,000 members costs one statement, not 2,000). ``push`` runs after the commit: the live ``notification`` event
to the person's connections, with the stored id, the text in the person's language and the address that marks
it read when followed, and the immediate e-mail of kinds the person wants by e-mail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, and_, event, insert, literal, select
from sqlalchemy.orm import Session

from cmc.extensions import db
from cmc.models import (
    Account,
    Alert,
    Membership,
    MsgType,
    Notification,
    NotificationKind,
    Party,
    network_parties,
)
from cmc.models.types import UTCDateTime, utcnow
from cmc.services.alerts.rows import party_asked_clause

#: session.info: notifications recorded in the transaction, pushed once it commits (``push_recorded``).
PENDING = "cmc_notifications_pending"


def record(account_id: int, kind: NotificationKind | str, *, alert_id: int | None = None,
           meeting_id: int | None = None, roll_call_id: int | None = None, **params: Any) -> Notification:
    """Store one notification for one person in the current transaction (call it inside the event's
    ``write_transaction``); after the commit, :func:`push_recorded` tells the person."""
    note = Notification(account_id=account_id, kind=NotificationKind(kind), params=params, alert_id=alert_id,
                        meeting_id=meeting_id, roll_call_id=roll_call_id, created_at=utcnow())
    db.session.add(note)
    db.session.info.setdefault(PENDING, []).append(note)
    return note


def record_alert(alert: Alert) -> None:
    """One notification of kind ``alert`` for each active member of the alert's network whose party is asked
    to acknowledge it (the grid's rule, ``services/alerts/grid.py``: a member party of the network, not retired,
    not the sending party; never an observer or a support organisation), in one ``INSERT ... SELECT``. A
    Cancel message asks nothing of anyone: none then. The members learn of it live from ``alert:new``."""
    info = alert.infos[0] if alert.infos else None
    params = {"headline": info.headline if info else "", "severity": info.severity if info else "Unknown",
              "update": alert.msg_type == MsgType.UPDATE}
    now = utcnow()
    recipients = (
        select(Account.id, literal(NotificationKind.ALERT.value, String(40)), literal(params, JSON),
               literal(alert.id, Integer), literal(now, UTCDateTime()))
        .join(Membership, and_(Membership.account_id == Account.id, Membership.network_id == alert.network_id))
        .join(Party, Party.id == Account.party_id)
        .join(network_parties, and_(network_parties.c.party_id == Party.id,
                                    network_parties.c.network_id == alert.network_id))
        .where(Account.active.is_(True), party_asked_clause(alert.party_id, alert.msg_type)))
    db.session.execute(insert(Notification).from_select(
        ["account_id", "kind", "params", "alert_id", "created_at"], recipients))


def push_recorded() -> None:
    """After the commit: tell each person of the notifications the transaction recorded (live, and by e-mail
    for the kinds they want by e-mail). Services call it right after their ``write_transaction`` block."""
    from cmc.services.notifications.delivery import deliver

    notes: list[Notification] = db.session.info.pop(PENDING, [])
    for note in notes:
        deliver(note)


def forget_recorded() -> None:
    """After a rollback: nothing was stored, nobody is told."""
    db.session.info.pop(PENDING, None)


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(PENDING, None)


def listen(session_class: type[Session]) -> None:
    """Forget the notifications a rolled-back transaction recorded (once per process)."""
    if not event.contains(session_class, "after_rollback", _forget):
        event.listen(session_class, "after_rollback", _forget)


def created_before(moment: datetime) -> Any:
    """SQL condition: notifications older than ``moment`` (the purge)."""
    return Notification.created_at < moment
