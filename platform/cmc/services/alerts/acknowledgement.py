"""Acknowledgement by party: receipts marked delivered and opened, the acknowledgement itself, the live push of
a party's line of the grid (the grid itself: ``grid``) and the flag of overdue parties."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, select, update

from cmc import i18n, permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import Account, Alert, AlertReceipt, AlertState, Membership, MsgType, NetworkRole, Party, Role
from cmc.models.types import utcnow
from cmc.realtime import notify
from cmc.services import audit, networks, notifications
from cmc.services.alerts.access import readable, receipt_of
from cmc.services.alerts.delivery import handling_lines, with_code
from cmc.services.alerts.grid import grid_row, reasons
from cmc.services.alerts.lists import active_clause
from cmc.services.alerts.translations import block_for
from cmc.services.errors import DeniedError
from cmc.services.mail import send_mail


def _grid_watchers(alert: Alert, party_id: int) -> set[int]:
    """Who sees the party's line change: the full grid is for the network's coordinators and the
    secretariat; members see their own party's line only."""
    recipients = set(db.session.scalars(select(Membership.account_id).where(
        Membership.network_id == alert.network_id, Membership.role == NetworkRole.COORDINATOR)))
    recipients |= set(db.session.scalars(select(Account.id).where(Account.role == Role.SECRETARIAT,
                                                                   Account.active.is_(True))))
    recipients |= set(db.session.scalars(select(Account.id).join(Membership, Membership.account_id == Account.id)
                                         .where(Membership.network_id == alert.network_id,
                                                Account.party_id == party_id)))
    return recipients


def push_grid_row(alert: Alert, party_id: int) -> None:
    """Tell the people who see the party's line of the grid what it reads now (``alert:ack``)."""
    receipt = receipt_of(alert, party_id)
    if receipt is None:
        return
    payload = {"alert_id": alert.id, "row": grid_row(alert, receipt, utcnow()).as_json()}
    for account_id in _grid_watchers(alert, party_id):
        notify.to_user(account_id, "alert:ack", payload)


def mark(actor: Account, alert_id: int, what: str) -> None:
    """Record that a connection of the actor's party received (``delivered``) or opened an alert."""
    alert = db.session.get(Alert, alert_id)
    if (alert is None or alert.state != AlertState.PUBLISHED
            or not permissions.can(actor, "network.read", alert.network)):
        raise DeniedError(_("Not found."), status=404, action="alert.mark", target_type="alert", target_id=alert_id)
    column = AlertReceipt.delivered_at if what == "delivered" else AlertReceipt.opened_at
    pending = select(AlertReceipt.id).where(AlertReceipt.alert_id == alert_id,
                                            AlertReceipt.party_id == actor.party_id, column.is_(None))
    if db.session.scalar(pending.limit(1)) is None:
        # Already recorded (every later view of the alert): no write transaction, whose commit would also
        # expire every object the page has loaded and make it read them again.
        return
    with write_transaction():
        changed = db.session.execute(update(AlertReceipt).where(
            AlertReceipt.alert_id == alert_id, AlertReceipt.party_id == actor.party_id, column.is_(None))
            .values({column.key: utcnow()})).rowcount
        if what == "opened":
            # Opening implies delivery.
            db.session.execute(update(AlertReceipt).where(
                AlertReceipt.alert_id == alert_id, AlertReceipt.party_id == actor.party_id,
                AlertReceipt.delivered_at.is_(None)).values(delivered_at=utcnow()))
    if changed:
        push_grid_row(alert, actor.party_id)


#: How many of the alerts one confirmation marks delivered have their grid row pushed live (the newest).
LIVE_GRID_PUSHES = 20


def mark_delivered(actor: Account, alert_ids: list[int]) -> int:
    """Record in one transaction that a connection of the actor's party received these alerts: a page of
    ``alerts:sync`` is confirmed by one event, where one event per alert (1,200 after a long outage) would
    run into the socket rate limit. Refused whole (404) when one of them is not a published alert the actor
    may read. Returns how many of the party's receipts changed."""
    wanted = list(dict.fromkeys(alert_ids))
    if not wanted:
        return 0
    found = set(db.session.scalars(select(Alert.id).where(Alert.id.in_(wanted), readable(actor))))
    missing = [alert_id for alert_id in wanted if alert_id not in found]
    if missing:
        raise DeniedError(_("Not found."), status=404, action="alert.mark", target_type="alert",
                          target_id=missing[0])
    mine = and_(AlertReceipt.alert_id.in_(wanted), AlertReceipt.party_id == actor.party_id,
                AlertReceipt.delivered_at.is_(None))
    with write_transaction():
        changed = list(db.session.scalars(select(AlertReceipt.alert_id).where(mine)))
        if changed:
            db.session.execute(update(AlertReceipt).where(mine).values(delivered_at=utcnow()))
    # Grids of the newest current alerts change live; the others show the delivery when they are opened (a page
    # of a long catch-up confirms up to 500 alerts at once: a push each, with its grid row and its watchers,
    # would hold the confirmation for seconds, and nobody looks at 500 grids).
    if changed:
        for alert in db.session.scalars(select(Alert).where(Alert.id.in_(changed), active_clause())
                                        .order_by(Alert.id.desc()).limit(LIVE_GRID_PUSHES)):
            push_grid_row(alert, actor.party_id)
    return len(changed)


def acknowledge(actor: Account, alert_id: int) -> AlertReceipt:
    """The actor acknowledges the alert for their own party (the first acknowledgement counts)."""
    alert = db.session.get(Alert, alert_id)
    permissions.check(alert is not None and alert.state == AlertState.PUBLISHED
                      and permissions.can(actor, "network.read", alert.network),
                      action="alert.ack", target_type="alert", target_id=alert_id, hide=True)
    assert alert is not None
    if not permissions.can(actor, "alert.acknowledge", alert):
        raise DeniedError(_("Your party does not take part in this network."), action="alert.ack",
                          target_type="alert", target_id=alert_id)
    with write_transaction():
        receipt = receipt_of(alert, actor.party_id)
        if receipt is None:  # a party that joined the network after the alert was published
            receipt = AlertReceipt(alert_id=alert.id, party_id=actor.party_id)
            db.session.add(receipt)
        now = utcnow()
        first = receipt.acknowledged_at is None
        if first:
            receipt.acknowledged_at = now
            receipt.acknowledged_by_id = actor.id
            receipt.delivered_at = receipt.delivered_at or now
            receipt.opened_at = receipt.opened_at or now
            audit.record(actor, "alert.ack", target_type="alert", target_id=alert.id, target_party_id=alert.party_id,
                         details={"party": actor.party.code})
    if first:
        push_grid_row(alert, actor.party_id)
    return receipt


def flag_overdue() -> int:
    """Notify the focal points of parties that have not acknowledged in time (once per alert). Returns how
    many parties were flagged. Run every minute by the server, or by ``cmc alerts remind``."""
    now = utcnow()
    flagged = 0
    candidates = db.session.scalars(select(Alert).where(
        Alert.state == AlertState.PUBLISHED, Alert.overdue_notified_at.is_(None), Alert.cancelled_at.is_(None),
        Alert.msg_type != MsgType.CANCEL)).all()
    for alert in candidates:
        if alert.published_at is None or now <= alert.published_at + timedelta(minutes=alert.ack_within_minutes):
            continue
        # Only the parties expected to acknowledge (``grid.reasons``): not observers, not the sender, not a
        # party with nobody in the network.
        waiting = list(db.session.scalars(select(Party).join(AlertReceipt, AlertReceipt.party_id == Party.id).where(
            AlertReceipt.alert_id == alert.id, AlertReceipt.acknowledged_at.is_(None))))
        why = reasons(alert, waiting)
        missing = [party.id for party in waiting if why[party.id] is None]
        if not _claim_overdue(alert, missing, now):
            continue
        _tell_focal_points(alert, missing)
        flagged += len(missing)
    return flagged


def _claim_overdue(alert: Alert, party_ids: list[int], now: datetime) -> bool:
    """Record that the alert's overdue parties are flagged now, with a notification for each of their focal
    points in the same transaction; False when another run did it already."""
    with write_transaction():
        fresh = db.session.get(Alert, alert.id)
        if fresh is None or fresh.overdue_notified_at is not None:
            return False
        fresh.overdue_notified_at = now
        audit.record(None, "alert.overdue", target_type="alert", target_id=alert.id,
                     target_party_id=alert.party_id, details={"parties": len(party_ids)}, actor_label="system")
        headline = alert.infos[0].headline if alert.infos else ""
        for focal in _focal_points(party_ids):
            notifications.record(focal.id, "alert.overdue", alert_id=alert.id, headline=headline,
                                 party=focal.party.name)
    notifications.push_recorded()
    return True


def _focal_points(party_ids: list[int]) -> list[Account]:
    return list(db.session.scalars(select(Account).where(
        Account.party_id.in_(party_ids), Account.role == Role.FOCAL_POINT, Account.active.is_(True))))


def _tell_focal_points(alert: Alert, party_ids: list[int]) -> None:
    """A mail to each active focal point of the parties that have not acknowledged who wants overdue flags by
    e-mail, with the alert's handling code (the notification is stored and pushed by ``_claim_overdue``)."""
    origin = alert.party.name
    for focal in _focal_points(party_ids):
        if not notifications.wants_mail(focal, "alert.overdue"):
            continue
        # Each focal point reads the alert's headline, and the words around it, in their own language.
        shown = block_for(alert, i18n.language_of(focal))
        headline = shown.info.headline if shown is not None else ""
        with i18n.in_language_of(focal):
            message = _("%(party)s has not acknowledged the alert “%(headline)s” in %(network)s.",
                        party=focal.party.name, headline=headline,
                        network=networks.network_name(alert.network, plain=True))
            message = f"{message}\n\n{handling_lines(alert, origin)}"
            subject = with_code(alert.handling_code, _("Alert not acknowledged: %(h)s", h=headline))
        send_mail(focal.email, subject, message)
