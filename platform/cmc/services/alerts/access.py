"""Who reads which alert: the readable-alert condition, ``get`` (audited), and how an alert is shown (JSON, its
chain of earlier messages, its severity)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload

from cmc import permissions
from cmc.extensions import db
from cmc.models import Account, Alert, AlertReceipt, AlertState, Membership, Network
from cmc.services import audit
from cmc.services.errors import GoneError


def require_alerts_on(network: Network) -> None:
    """Refuse (410) a network that does not exchange early alerts."""
    if not network.alerts_enabled:
        raise GoneError(_("This network does not exchange early alerts."))


def readable(actor: Account) -> Any:
    """SQL condition: published alerts of networks the actor may read."""
    published = Alert.state == AlertState.PUBLISHED
    if permissions.can(actor, "alert.read_all"):
        return published
    mine = select(Membership.network_id).where(Membership.account_id == actor.id)
    return and_(published, Alert.network_id.in_(mine))


def readable_networks(actor: Account) -> list[Network]:
    """The networks exchanging alerts whose alerts the actor may read (with their names' translations), for a
    list's network filter."""
    query = select(Network).where(Network.alerts_enabled.is_(True)).options(selectinload(Network.texts)) \
        .order_by(Network.id)
    if not permissions.can(actor, "alert.read_all"):
        query = query.where(Network.id.in_(select(Membership.network_id).where(Membership.account_id == actor.id)))
    return list(db.session.scalars(query))


def get(actor: Account, alert_id: int, *, audit_read: bool = True) -> Alert:
    """An alert the actor may read (404 otherwise). Published alerts are for the network; drafts only for
    their author and the network's coordinators. Reading is audited."""
    alert = db.session.get(Alert, alert_id)
    permissions.check(alert is not None and permissions.can(actor, "alert.read", alert), action="alert.read",
                      target_type="alert", target_id=alert_id, target_party_id=alert.party_id if alert else None,
                      hide=True)
    assert alert is not None
    if audit_read:
        # With its code, as documents and threads record theirs: the "who read what we shared" report shows it.
        audit.record_now(actor, "alert.read", target_type="alert", target_id=alert.id,
                         target_party_id=alert.party_id, details={"handling_code": alert.handling_code.value})
    return alert


def receipt_of(alert: Alert, party_id: int) -> AlertReceipt | None:
    """The party's receipt of the alert (None for a party that joined the network after it was published)."""
    return db.session.scalar(select(AlertReceipt).where(AlertReceipt.alert_id == alert.id,
                                                        AlertReceipt.party_id == party_id))


def alert_json(alert: Alert) -> dict[str, Any]:
    """An alert as live events and the API show it (``cmc.schemas.AlertSchema``)."""
    from cmc.schemas import AlertSchema  # the schema reads this package's chain helper: imported when used

    return AlertSchema().dump(alert)


def live_json(alert: Alert) -> dict[str, Any]:
    """An alert as the live events (``alert:new``, ``alert:update``, ``alerts:sync``) send it: ``alert_json``
    with its marking, ``handling`` (``{code, text, source_reliability, info_accuracy}``), which the toasts show."""
    from cmc.schemas.handling import HandlingSchema

    shown = alert_json(alert)
    shown.setdefault("handling", HandlingSchema().dump(alert))  # the API's schema may carry it already
    return shown


def earlier_messages(alert: Alert) -> list[Alert]:
    """Every earlier message of the alert's chain, oldest first: the original alert, then each update before
    this message. What an Update or Cancel references (empty for a new alert)."""
    chain: list[Alert] = []
    seen = {alert.id}
    current = alert.references
    while current is not None and current.id not in seen:  # a cycle cannot be written; never loop on one
        chain.append(current)
        seen.add(current.id)
        current = current.references
    chain.reverse()
    return chain


def severity_of(alert: Alert) -> str:
    """The alert's severity (of its first info block)."""
    return alert.infos[0].severity if alert.infos else "Unknown"
