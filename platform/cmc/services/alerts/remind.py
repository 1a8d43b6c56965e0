""""Remind now": a coordinator asks the parties still missing from an alert's grid to acknowledge it.

The reminder goes to each missing expected party's active focal points, or, for a party without one, to the
party's active members of the alert's network: a notification on their live connections and a mail, each in
the recipient's own language. Pressed twice within :data:`REMIND_INTERVAL` (a double click, two coordinators at
once), it sends one reminder: the audit trail's last ``alert.remind`` row of the alert is read under a lock of
the alert's row (SQLite: the write transaction's ``BEGIN IMMEDIATE``; PostgreSQL: ``SELECT ... FOR UPDATE``),
so the second press finds the first one's row and sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from cmc import i18n, permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.i18n import timefmt
from cmc.models import Account, Alert, AlertState, AuditEvent, Membership, MsgType, Party, Role
from cmc.models.audit import Outcome
from cmc.models.types import utcnow
from cmc.services import audit, networks, notifications
from cmc.services.alerts.access import get
from cmc.services.alerts.delivery import handling_lines, with_code
from cmc.services.alerts.grid import grid
from cmc.services.alerts.translations import block_for
from cmc.services.errors import ConflictError
from cmc.services.mail import send_mail

#: A second "remind now" within this long of the last one sends nothing (and says so).
REMIND_INTERVAL = timedelta(minutes=1)


@dataclass
class Reminder:
    """What a press of "remind now" did: ``sent`` False when a reminder went less than
    :data:`REMIND_INTERVAL` ago (``last_sent_at``), in which case nobody was written to again."""

    sent: bool
    parties: list[str] = field(default_factory=list)
    recipients: int = 0
    last_sent_at: datetime | None = None


def remind(actor: Account, alert_id: int) -> Reminder:
    """Remind the parties still missing from the alert's grid to acknowledge it (see the module)."""
    alert = get(actor, alert_id, audit_read=False)  # 404 for who may not read it
    permissions.require(actor, "alert.remind", alert, action="alert.remind", target_type="alert",
                        target_id=alert.id, target_party_id=alert.party_id,
                        message=_("Only a coordinator of the network sends reminders."))
    if alert.state != AlertState.PUBLISHED or alert.cancelled_at is not None or alert.msg_type == MsgType.CANCEL:
        raise ConflictError(_("This alert is not waiting for acknowledgements: nobody is reminded."))
    codes = [row.party_code for row in grid(actor, alert.id) if row.expected and row.acknowledged_at is None]
    if not codes:
        raise ConflictError(_("Every party expected to acknowledge has done so: nobody to remind."))
    now = utcnow()
    with write_transaction():
        db.session.get(Alert, alert.id, with_for_update=True)
        last = db.session.scalar(select(AuditEvent.at).where(
            AuditEvent.action == "alert.remind", AuditEvent.target_type == "alert",
            AuditEvent.target_id == str(alert.id), AuditEvent.outcome == Outcome.OK)
            .order_by(AuditEvent.id.desc()).limit(1))
        if last is not None and now - last < REMIND_INTERVAL:
            return Reminder(sent=False, last_sent_at=last)
        recipients = _recipients(alert, codes)
        audit.record(actor, "alert.remind", target_type="alert", target_id=alert.id, target_party_id=alert.party_id,
                     details={"parties": codes, "recipients": len(recipients)})
        headline = alert.infos[0].headline if alert.infos else ""
        for account in recipients:
            notifications.record(account.id, "alert.remind", alert_id=alert.id, headline=headline,
                                 coordinator=actor.name, party=account.party.name)
    notifications.push_recorded()
    origin = alert.party.name
    for account in recipients:
        _tell(alert, account, actor, origin)
    return Reminder(sent=True, parties=codes, recipients=len(recipients))


def _recipients(alert: Alert, codes: list[str]) -> list[Account]:
    """The active focal points of the parties; for a party with none, its active members of the network."""
    parties = db.session.scalars(select(Party).where(Party.code.in_(codes))).all()
    focal = db.session.scalars(select(Account).where(
        Account.party_id.in_([p.id for p in parties]), Account.role == Role.FOCAL_POINT,
        Account.active.is_(True)).order_by(Account.id)).all()
    covered = {account.party_id for account in focal}
    members = db.session.scalars(select(Account).join(Membership, Membership.account_id == Account.id).where(
        Membership.network_id == alert.network_id, Account.active.is_(True),
        Account.party_id.in_([p.id for p in parties if p.id not in covered])).order_by(Account.id)).all()
    return [*focal, *members]


def _tell(alert: Alert, account: Account, actor: Account, origin: str) -> None:
    """A mail to one recipient who wants reminders by e-mail, in their language and time zone, with the
    alert's handling code (``origin``: the originating party's name; the notification is stored with the
    reminder and pushed by ``remind``)."""
    if not notifications.wants_mail(account, "alert.remind"):
        return
    shown = block_for(alert, i18n.language_of(account))
    headline = shown.info.headline if shown is not None else ""
    link = current_app.config["BASE_URL"].rstrip("/") + f"/alerts/{alert.id}"
    with i18n.in_language_of(account):
        published = timefmt.show(alert.published_at, zone=account.timezone, locale=i18n.language_of(account))
        message = _("%(coordinator)s asks %(party)s to acknowledge the alert “%(headline)s” in %(network)s, "
                    "published %(when)s.", coordinator=actor.name, party=account.party.name, headline=headline,
                    network=networks.network_name(alert.network, plain=True), when=published)
        body = _("%(message)s\n\nOpen it and acknowledge it for your party: %(link)s", message=message, link=link)
        body = f"{body}\n\n{handling_lines(alert, origin)}"
        subject = with_code(alert.handling_code, _("Reminder: please acknowledge “%(headline)s”", headline=headline))
    send_mail(account.email, subject, body)
