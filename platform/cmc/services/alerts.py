"""Early alerts: compose, approve, publish, update, cancel, deliver, acknowledge by party, sync, mail.

Every alert is committed before it is pushed. Clients catch up with ``sync(after_id)``, so an alert
published while a delegate's link was down reaches them when it comes back.
"""

from __future__ import annotations

import json
import os
import re
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, and_, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import (
    Account,
    Alert,
    AlertEventType,
    AlertInfo,
    AlertMail,
    AlertReceipt,
    AlertState,
    CapStatus,
    LiveConnection,
    Membership,
    MsgType,
    Network,
    NetworkRole,
    Role,
)
from cmc.models.alert import CATEGORIES, CERTAINTIES, NEVER, SEVERITIES, URGENCIES
from cmc.models.types import utcnow
from cmc.realtime import notify
from cmc.services import audit, networks, text
from cmc.services.errors import ConflictError, DeniedError, GoneError, ValidationError
from cmc.services.mail import send_mail

LANGUAGES = ("en", "es", "fr", "nl")
MAX_DESCRIPTION = 20_000
URGENT = ("Extreme", "Severe")
SYNC_LIMIT = 500  # alerts per page of alerts:sync
SYNC_PAGE_BYTES = 512 * 1024  # and at most about this much JSON per page
MAX_EXPIRY = timedelta(days=366)
ONLINE_WINDOW = timedelta(minutes=2)
PROCESS_ID = f"{socket.gethostname()}:{os.getpid()}"
_COORD = re.compile(r"^-?\d{1,2}(\.\d+)?,-?\d{1,3}(\.\d+)?$")


def _require_alerts_on(network: Network) -> None:
    if not network.alerts_enabled:
        raise GoneError(_("This network does not exchange early alerts."))


def _readable(actor: Account) -> Any:
    """SQL condition: published alerts of networks the actor may read."""
    published = Alert.state == AlertState.PUBLISHED
    if permissions.can(actor, "alert.read_all"):
        return published
    mine = select(Membership.network_id).where(Membership.account_id == actor.id)
    return and_(published, Alert.network_id.in_(mine))


def get(actor: Account, alert_id: int, *, audit_read: bool = True) -> Alert:
    """An alert the actor may read (404 otherwise). Published alerts are for the network; drafts only for
    their author and the network's coordinators. Reading is audited."""
    alert = db.session.get(Alert, alert_id)
    permissions.check(alert is not None and permissions.can(actor, "alert.read", alert), action="alert.read",
                      target_type="alert", target_id=alert_id, target_party_id=alert.party_id if alert else None,
                      hide=True)
    assert alert is not None
    if audit_read:
        audit.record_now(actor, "alert.read", target_type="alert", target_id=alert.id,
                         target_party_id=alert.party_id)
    return alert


# --- input ---------------------------------------------------------------------------------------------

@dataclass
class InfoInput:
    """One CAP info block as a person fills it in."""

    headline: str
    event: str
    severity: str
    urgency: str = "Expected"
    certainty: str = "Likely"
    category: str = "Security"
    language: str = "en"
    description: str = ""
    instruction: str = ""
    expires: datetime | None = None
    area_desc: str = ""
    geocodes: list[str] = field(default_factory=list)
    circle: str = ""
    polygon: str = ""


@dataclass
class AlertInput:
    """A whole alert: envelope and info blocks."""

    infos: list[InfoInput]
    status: str = CapStatus.ACTUAL.value
    restriction: str = "For members of the network only"
    note: str = ""
    ack_within_minutes: int = 60


def _check_polygon(text: str) -> str | None:
    points = text.split()
    if len(points) < 4 or not all(_COORD.match(p) for p in points):
        return _("A polygon needs at least four points written lat,lon separated by spaces.")
    if points[0] != points[-1]:
        return _("The polygon does not close: its last point must repeat the first.")
    return None


def _check_circle(text: str) -> str | None:
    parts = text.split()
    if len(parts) != 2 or not _COORD.match(parts[0]):
        return _("Write a circle as lat,lon radius, for example 18.0,-76.8 25.")
    try:
        radius = float(parts[1])
    except ValueError:
        return _("The radius of the circle must be a number of kilometres.")
    return None if radius > 0 else _("The radius of the circle must be more than 0 km.")


def validate(data: AlertInput, network: Network) -> None:
    """Refuse an alert that breaks the profile, with a message per field."""
    fields: dict[str, str] = {}
    fields.update(text.field_errors(restriction=data.restriction, note=data.note))
    if data.status not in {s.value for s in CapStatus}:
        fields["status"] = _("Choose Actual, Exercise or Test.")
    if not data.restriction.strip():
        fields["restriction"] = _("A restricted alert needs a restriction text: who may see it.")
    elif len(data.restriction) > 300:
        fields["restriction"] = _("Keep the restriction under 300 characters.")
    if not 5 <= data.ack_within_minutes <= 7 * 24 * 60:
        fields["ack_within_minutes"] = _("Ask for acknowledgement within 5 minutes to 7 days.")
    if not data.infos:
        fields["headline"] = _("Write at least the English information block.")
    participating = {p.code for p in network.parties}
    now = utcnow()
    languages: set[str] = set()
    for info in data.infos:
        if info.language not in LANGUAGES:
            fields["language"] = _("Choose English, Spanish, French or Dutch.")
        elif info.language in languages:
            fields["language"] = _("Write one information block per language.")
        languages.add(info.language)
        if not info.headline.strip():
            fields["headline"] = _("Write a headline: what happened, where.")
        elif len(info.headline) > 160:
            fields["headline"] = _("Keep the headline to 160 characters.")
        if not info.event.strip() or len(info.event) > 120:
            fields["event"] = _("Say what kind of event this is.")
        if info.severity not in SEVERITIES:
            fields["severity"] = _("Choose a severity: Extreme, Severe, Moderate, Minor or Unknown.")
        if info.urgency not in URGENCIES:
            fields["urgency"] = _("Choose an urgency.")
        if info.certainty not in CERTAINTIES:
            fields["certainty"] = _("Choose a certainty.")
        if info.category not in CATEGORIES:
            fields["category"] = _("Choose a category.")
        if len(info.description) > MAX_DESCRIPTION:
            fields["description"] = _("The description is longer than %(n)d characters. Share the details as a "
                                      "document and link it.", n=MAX_DESCRIPTION)
        if len(info.instruction) > 5000:
            fields["instruction"] = _("Keep the instruction under 5,000 characters.")
        if info.expires is not None and info.expires <= now:
            fields["expires"] = _("The expiry is in the past. Choose a later time.")
        elif info.expires is not None and info.expires > now + MAX_EXPIRY:
            fields["expires"] = _("An alert expires within a year. Choose an earlier time.")
        unknown = [code for code in info.geocodes if code not in participating]
        if unknown:
            fields["geocodes"] = _("These parties do not take part in the network: %(codes)s.",
                                   codes=", ".join(unknown))
        if info.polygon.strip() and (problem := _check_polygon(info.polygon.strip())):
            fields["polygon"] = problem
        if info.circle.strip() and (problem := _check_circle(info.circle.strip())):
            fields["circle"] = problem
        if len(info.area_desc) > 300:
            fields["area_desc"] = _("Keep the area description under 300 characters.")
        fields.update(_info_text_errors(info))
    if fields:
        raise ValidationError(next(iter(fields.values())), fields=fields)


def _info_text_errors(info: InfoInput) -> dict[str, str]:
    """Field errors for text of an info block that could never be exported (see ``services/text.py``); an
    info block in another language than English names its fields as the compose form does (headline_es)."""
    suffix = "" if info.language == "en" else f"_{info.language}"
    errors = text.field_errors(event=info.event, area_desc=info.area_desc, circle=info.circle,
                               polygon=info.polygon)
    errors.update({f"{name}{suffix}": message for name, message in text.field_errors(
        headline=info.headline, description=info.description, instruction=info.instruction).items()})
    return errors


def _infos(data: AlertInput) -> list[AlertInfo]:
    return [AlertInfo(language=i.language, category=i.category, event=i.event.strip(), urgency=i.urgency,
                      severity=i.severity, certainty=i.certainty, headline=i.headline.strip(),
                      description=i.description.strip(), instruction=i.instruction.strip(), expires=i.expires,
                      area_desc=i.area_desc.strip(), geocodes=list(dict.fromkeys(i.geocodes)),
                      circle=i.circle.strip(), polygon=i.polygon.strip()) for i in data.infos]


def _identifier(network: Network) -> str:
    # CAP identifiers may not contain spaces, commas or restricted characters.
    return f"cmc-{network.slug}-{uuid.uuid4().hex}"


# --- json ------------------------------------------------------------------------------------------------

def alert_json(alert: Alert) -> dict[str, Any]:
    """An alert as live events and the API show it (``cmc.schemas.AlertSchema``)."""
    from cmc.schemas import AlertSchema  # the schema reads this module's chain helper: imported when used

    return AlertSchema().dump(alert)


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


# --- publishing ------------------------------------------------------------------------------------------

def _create(actor: Account, network: Network, data: AlertInput, *, state: AlertState, msg_type: MsgType,
            references: Alert | None = None, idempotency_key: str | None = None) -> Alert:
    alert = Alert(network_id=network.id, identifier=_identifier(network), author_id=actor.id,
                  party_id=actor.party_id, state=state, status=CapStatus(data.status), msg_type=msg_type,
                  references_id=references.id if references else None, restriction=data.restriction.strip(),
                  note=data.note.strip()[:500], idempotency_key=idempotency_key,
                  ack_within_minutes=data.ack_within_minutes)
    alert.infos = _infos(data)
    alert.active_until = _active_until(alert)
    if state == AlertState.PUBLISHED:
        alert.published_at = utcnow()
        alert.approved_by_id = actor.id
    db.session.add(alert)
    db.session.flush()
    if state == AlertState.PUBLISHED:
        _open_receipts(alert, network)
        networks.record_activity(network.id, actor, "alert.new", "alert", alert.id,
                                 f"[{alert.infos[0].severity}] {alert.infos[0].headline}")
    return alert


def _active_until(alert: Alert) -> datetime:
    """When a new alert stops being current: never for a Cancel message (it is history at once), else its
    earliest info expiry, else never."""
    if alert.msg_type == MsgType.CANCEL:
        return alert.created_at or utcnow()
    expiries = [info.expires for info in alert.infos if info.expires is not None]
    return min(expiries) if expiries else NEVER


def _open_receipts(alert: Alert, network: Network) -> None:
    for party in network.parties:
        db.session.add(AlertReceipt(alert_id=alert.id, party_id=party.id))


def _after_publish(alert_id: int, event: str = "alert:new") -> None:
    """Push the committed alert to the network's room, then mail members who are offline (urgent only)."""
    alert = db.session.get(Alert, alert_id)
    assert alert is not None
    payload = alert_json(alert)
    notify.to_network(alert.network_id, event, payload)
    if severity_of(alert) in URGENT and alert.msg_type != MsgType.CANCEL:
        mail_offline_members(alert)


def publish(actor: Account, slug: str, data: AlertInput, *, idempotency_key: str | None = None,
            submit: bool = False) -> tuple[Alert, bool]:
    """A coordinator publishes an alert; a member may only ``submit`` it as a draft for approval.

    Returns the alert and whether it was created now (False: the idempotency key had been used, and the
    alert made then is returned instead of a second one).
    """
    key = (idempotency_key or "").strip()[:80] or None
    network = networks.open_network(actor, slug)
    _require_alerts_on(network)
    networks.require_post(actor, network, "alert.publish")
    coordinator = permissions.can(actor, "alert.publish", network) and not submit
    if not coordinator and not permissions.can(actor, "alert.publish", network):
        permissions.check(submit, action="alert.publish", target_type="network", target_id=network.id,
                          message=_("Only a coordinator of the network publishes alerts. Submit it as a draft "
                                      "for a coordinator to approve."))
    if key is not None:
        # A key belongs to its author: someone else's key never returns their alert.
        existing = db.session.scalar(select(Alert).where(Alert.network_id == network.id, Alert.author_id == actor.id,
                                                         Alert.idempotency_key == key))
        if existing is not None:
            return existing, False
    validate(data, network)
    try:
        with write_transaction():
            network = networks.entry(slug)
            state = AlertState.PUBLISHED if coordinator else AlertState.SUBMITTED
            alert = _create(actor, network, data, state=state, msg_type=MsgType.ALERT, idempotency_key=key)
            audit.record(actor, "alert.publish" if coordinator else "alert.submit", target_type="alert",
                         target_id=alert.id, target_party_id=actor.party_id,
                         details={"network": network.slug, "severity": severity_of(alert),
                                  "status": str(alert.status)})
            alert_id = alert.id
    except IntegrityError:
        # The same key raced in from a retried request: the first one won; return it.
        db.session.rollback()
        existing = db.session.scalar(select(Alert).where(Alert.network_id == network.id,
                                                         Alert.author_id == actor.id, Alert.idempotency_key == key))
        if existing is None:
            raise ConflictError(_("This idempotency key is already used in this network. Use a new key.")) from None
        return existing, False
    if coordinator:
        _after_publish(alert_id)
    else:
        _notify_coordinators(network, alert_id)
    created = db.session.get(Alert, alert_id)
    assert created is not None
    return created, True


def _notify_coordinators(network: Network, alert_id: int) -> None:
    coordinators = db.session.scalars(select(Membership.account_id).where(
        Membership.network_id == network.id, Membership.role == NetworkRole.COORDINATOR))
    for account_id in coordinators:
        notify.to_user(account_id, "notification", {
            "kind": "alert.submitted", "alert_id": alert_id, "network": network.slug,
            "text": _("A draft alert waits for your approval in %(network)s.", network=network.name)})


def approve(actor: Account, alert_id: int) -> Alert:
    """A coordinator publishes a submitted draft."""
    with write_transaction():
        alert = get(actor, alert_id, audit_read=False)
        permissions.require(actor, "alert.publish", alert.network, action="alert.approve", target_type="alert",
                            target_id=alert.id, target_party_id=alert.party_id,
                            message=_("Only a coordinator of the network publishes alerts."))
        if alert.state != AlertState.SUBMITTED:
            raise ConflictError(_("Only a submitted draft can be approved."))
        validate(_as_input(alert), alert.network)
        alert.state = AlertState.PUBLISHED
        alert.active_until = _active_until(alert)
        alert.published_at = utcnow()
        alert.approved_by_id = actor.id
        _open_receipts(alert, alert.network)
        networks.record_activity(alert.network_id, alert.author, "alert.new", "alert", alert.id,
                                 f"[{alert.infos[0].severity}] {alert.infos[0].headline}")
        audit.record(actor, "alert.approve", target_type="alert", target_id=alert.id,
                     target_party_id=alert.party_id)
    _after_publish(alert.id)
    return alert


def return_draft(actor: Account, alert_id: int, comment: str) -> Alert:
    """A coordinator sends a draft back to its author with a comment."""
    if not comment.strip():
        raise ValidationError(_("Say what should change."), fields={"comment": _("Say what should change.")})
    text.check(comment=comment)
    with write_transaction():
        alert = get(actor, alert_id, audit_read=False)
        permissions.require(actor, "alert.publish", alert.network, action="alert.return", target_type="alert",
                            target_id=alert.id, target_party_id=alert.party_id)
        if alert.state != AlertState.SUBMITTED:
            raise ConflictError(_("Only a submitted draft can be returned."))
        alert.state = AlertState.RETURNED
        alert.review_comment = comment.strip()[:1000]
        audit.record(actor, "alert.return", target_type="alert", target_id=alert.id, target_party_id=alert.party_id)
        author_id = alert.author_id
    notify.to_user(author_id, "notification", {"kind": "alert.returned", "alert_id": alert_id,
                                               "text": _("Your draft alert was returned with a comment.")})
    return alert


def _as_input(alert: Alert) -> AlertInput:
    return AlertInput(status=str(alert.status), restriction=alert.restriction, note=alert.note,
                      ack_within_minutes=alert.ack_within_minutes,
                      infos=[InfoInput(headline=i.headline, event=i.event, severity=i.severity, urgency=i.urgency,
                                       certainty=i.certainty, category=i.category, language=i.language,
                                       description=i.description, instruction=i.instruction, expires=None,
                                       area_desc=i.area_desc, geocodes=list(i.geocodes), circle=i.circle,
                                       polygon=i.polygon) for i in alert.infos])


def _latest_of(alert: Alert) -> Alert:
    """The original alert a chain of updates started from."""
    root = alert
    while root.references is not None:
        root = root.references
    return root


def revise(actor: Account, alert_id: int, data: AlertInput, *, cancel: bool = False) -> Alert:
    """Issue an Update (or a Cancel) that references the alert; the original leaves the active list."""
    original = get(actor, alert_id, audit_read=False)
    network = original.network
    permissions.require(actor, "alert.publish", network, action="alert.cancel" if cancel else "alert.update",
                        target_type="alert", target_id=original.id, target_party_id=original.party_id,
                        message=_("Only a coordinator of the network updates or cancels alerts."))
    if original.state != AlertState.PUBLISHED:
        raise ConflictError(_("Only a published alert can be updated or cancelled."))
    if original.cancelled_at is not None or original.msg_type == MsgType.CANCEL:
        raise ConflictError(_("This alert is already cancelled."))
    if original.superseded_by_id is not None:
        raise ConflictError(_("This alert has a newer update (number %(id)d). Update that one.",
                              id=original.superseded_by_id))
    if not cancel:
        validate(data, network)
    with write_transaction():
        original = db.session.get(Alert, alert_id)
        assert original is not None
        if original.superseded_by_id is not None or original.cancelled_at is not None:
            raise ConflictError(_("Someone changed this alert a moment ago. Reload it."))
        new = _create(actor, network, data, state=AlertState.PUBLISHED,
                      msg_type=MsgType.CANCEL if cancel else MsgType.UPDATE, references=original)
        now = utcnow()
        original.superseded_by_id = new.id
        original.active_until = min(original.active_until, now)
        if cancel:
            original.cancelled_at = now
            root = _latest_of(original)
            chain = _chain_ids(root)
            db.session.execute(update(Alert).where(Alert.id.in_(chain)).values(cancelled_at=now))
            db.session.execute(update(Alert).where(Alert.id.in_(chain), Alert.active_until > now)
                               .values(active_until=now))
        audit.record(actor, "alert.cancel" if cancel else "alert.update", target_type="alert", target_id=new.id,
                     target_party_id=actor.party_id, details={"references": original.id})
        new_id = new.id
    _after_publish(new_id, "alert:update")
    result = db.session.get(Alert, new_id)
    assert result is not None
    return result


def _chain_ids(root: Alert) -> list[int]:
    ids = [root.id]
    current: Alert | None = root
    while current is not None and current.superseded_by_id is not None:
        ids.append(current.superseded_by_id)
        current = db.session.get(Alert, current.superseded_by_id)
    return ids


def cancel(actor: Account, alert_id: int, note: str = "") -> Alert:
    """Cancel an alert: a Cancel message that references it (409 when it is already cancelled)."""
    text.check(note=note)
    original = get(actor, alert_id, audit_read=False)
    data = _as_input(original)
    data.note = note or _("Cancelled")
    for info in data.infos:
        info.expires = None
    return revise(actor, alert_id, data, cancel=True)


# --- lists -----------------------------------------------------------------------------------------------

def active_clause() -> Any:
    """SQL: an alert that is current (not superseded, not cancelled, not a Cancel) and not expired, which
    ``active_until`` records (an indexed range, so the cost follows the current alerts, not the history)."""
    return Alert.active_until > utcnow()


def _with_list_data(query: Select[tuple[Alert]]) -> Select[tuple[Alert]]:
    """Load what a list row shows (infos, network, party) with the alerts: a fixed number of statements
    whatever the page holds."""
    return query.options(selectinload(Alert.infos), joinedload(Alert.network), joinedload(Alert.party))


def list_query(actor: Account, *, network: Network | None = None, active: bool | None = None,
               severity: str = "", status: str = "", since: datetime | None = None) -> Select[tuple[Alert]]:
    """Published alerts the actor may read, newest first, filtered."""
    query = _with_list_data(select(Alert).where(_readable(actor)).order_by(Alert.id.desc()))
    if network is not None:
        query = query.where(Alert.network_id == network.id)
    if active is True:
        query = query.where(active_clause())
    elif active is False:
        query = query.where(~active_clause())
    if severity in SEVERITIES:
        query = query.where(exists().where(AlertInfo.alert_id == Alert.id, AlertInfo.severity == severity))
    if status in {s.value for s in CapStatus}:
        query = query.where(Alert.status == CapStatus(status))
    if since is not None:
        query = query.where(Alert.published_at >= since)
    return query


def drafts_query(actor: Account, network: Network) -> Select[tuple[Alert]]:
    """Drafts a coordinator must look at, or the actor's own drafts."""
    unpublished = [state for state in AlertState if state != AlertState.PUBLISHED]  # IN: an index range per state
    query = _with_list_data(select(Alert).where(Alert.network_id == network.id, Alert.state.in_(unpublished)))
    if not permissions.can(actor, "network.moderate", network):
        query = query.where(Alert.author_id == actor.id)
    return query.order_by(Alert.id.desc())


@dataclass
class SyncPage:
    """One answer of ``alerts:sync``: the next alerts after the cursor, oldest first, and whether more wait."""

    alerts: list[dict[str, Any]]
    has_more: bool
    next_after_id: int

    def as_json(self) -> dict[str, Any]:
        """The answer as the socket event sends it."""
        return {"alerts": self.alerts, "has_more": self.has_more, "next_after_id": self.next_after_id}


def _after(actor: Account, after_id: int) -> Any:
    """SQL: published after the alert ``after_id`` in publication order (published_at, then id). A draft
    keeps the id it was written with and is published when approved, so an id order would leave it behind
    a cursor that moved on meanwhile. An unknown cursor, or one the actor may not read, falls back to ids."""
    cursor = db.session.execute(select(Alert.published_at, Alert.id).where(Alert.id == after_id,
                                                                          _readable(actor))).first()
    if cursor is None or cursor.published_at is None:
        return Alert.id > after_id
    return or_(Alert.published_at > cursor.published_at,
               and_(Alert.published_at == cursor.published_at, Alert.id > cursor.id))


def sync(actor: Account, after_id: int, *, limit: int = SYNC_LIMIT, max_bytes: int = SYNC_PAGE_BYTES) -> SyncPage:
    """The published alerts the actor may read that were published after the alert ``after_id`` (0: all),
    in publication order, one page at a time.

    A page holds at most ``limit`` alerts and stops early once its alerts take ``max_bytes`` of JSON (always
    at least one alert): a page of 500 alerts with long descriptions would otherwise be megabytes in one
    socket message. ``has_more`` says that more alerts wait; ask again with ``after_id=next_after_id`` until
    it is false. (A page cut silently at 500 left every alert between the cut and the next live one out of
    reach of a client back from a long outage.)
    """
    query = (select(Alert).where(_readable(actor), _after(actor, after_id))
             .order_by(Alert.published_at, Alert.id).limit(limit + 1)
             .options(selectinload(Alert.infos), joinedload(Alert.network), joinedload(Alert.party),
                      joinedload(Alert.author)))
    rows = list(db.session.scalars(query))
    page: list[dict[str, Any]] = []
    size = 0
    for alert in rows[:limit]:
        payload = alert_json(alert)
        size += len(json.dumps(payload, ensure_ascii=False))
        if page and size > max_bytes:
            break
        page.append(payload)
    has_more = len(page) < len(rows)
    return SyncPage(alerts=page, has_more=has_more, next_after_id=page[-1]["id"] if page else after_id)


def latest_id(actor: Account) -> int:
    """The highest published alert id the actor may read (0 when none)."""
    # Newest first, one row: a backward walk of the primary key stops at the first readable alert, where
    # max() over the same rows read every alert in history (27 ms at 100,000 alerts, on every page).
    return int(db.session.scalar(select(Alert.id).where(_readable(actor)).order_by(Alert.id.desc()).limit(1)) or 0)


def _not_acknowledged_by(party_id: int) -> Any:
    """SQL: the party has not acknowledged the alert (a lookup per current alert on the receipts' unique
    index, rather than a list of every alert the party ever acknowledged)."""
    return ~exists().where(AlertReceipt.alert_id == Alert.id, AlertReceipt.party_id == party_id,
                           AlertReceipt.acknowledged_at.is_not(None))


def unacknowledged_query(actor: Account) -> Select[tuple[Alert]]:
    """Active alerts of the actor's networks that the actor's party has not acknowledged, newest first."""
    return _with_list_data(select(Alert).where(_readable(actor), active_clause(),
                                               _not_acknowledged_by(actor.party_id)).order_by(Alert.id.desc()))


def unacknowledged_count(actor: Account) -> int:
    """Active alerts in the actor's networks that the actor's party has not acknowledged yet."""
    return int(db.session.scalar(select(func.count()).select_from(Alert).where(
        _readable(actor), active_clause(), _not_acknowledged_by(actor.party_id))) or 0)


# --- delivery and acknowledgement -------------------------------------------------------------------------

def _receipt(alert: Alert, party_id: int) -> AlertReceipt | None:
    return db.session.scalar(select(AlertReceipt).where(AlertReceipt.alert_id == alert.id,
                                                        AlertReceipt.party_id == party_id))


def mark(actor: Account, alert_id: int, what: str) -> None:
    """Record that a connection of the actor's party received (``delivered``) or opened an alert."""
    alert = db.session.get(Alert, alert_id)
    if (alert is None or alert.state != AlertState.PUBLISHED
            or not permissions.can(actor, "network.read", alert.network)):
        raise DeniedError(_("Not found."), status=404, action="alert.mark", target_type="alert", target_id=alert_id)
    column = AlertReceipt.delivered_at if what == "delivered" else AlertReceipt.opened_at
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
        _push_grid_row(alert, actor.party_id)


def mark_delivered(actor: Account, alert_ids: list[int]) -> int:
    """Record in one transaction that a connection of the actor's party received these alerts: a page of
    ``alerts:sync`` is confirmed by one event, where one event per alert (1,200 after a long outage) would
    run into the socket rate limit. Refused whole (404) when one of them is not a published alert the actor
    may read. Returns how many of the party's receipts changed."""
    wanted = list(dict.fromkeys(alert_ids))
    if not wanted:
        return 0
    readable = set(db.session.scalars(select(Alert.id).where(Alert.id.in_(wanted), _readable(actor))))
    missing = [alert_id for alert_id in wanted if alert_id not in readable]
    if missing:
        raise DeniedError(_("Not found."), status=404, action="alert.mark", target_type="alert",
                          target_id=missing[0])
    mine = and_(AlertReceipt.alert_id.in_(wanted), AlertReceipt.party_id == actor.party_id,
                AlertReceipt.delivered_at.is_(None))
    with write_transaction():
        changed = list(db.session.scalars(select(AlertReceipt.alert_id).where(mine)))
        if changed:
            db.session.execute(update(AlertReceipt).where(mine).values(delivered_at=utcnow()))
    # Grids of current alerts change live; an older alert's grid shows the delivery when it is opened (a
    # push per alert of a long catch-up would be thousands of messages nobody is looking at).
    if changed:
        for alert in db.session.scalars(select(Alert).where(Alert.id.in_(changed), active_clause())):
            _push_grid_row(alert, actor.party_id)
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
        receipt = _receipt(alert, actor.party_id)
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
        _push_grid_row(alert, actor.party_id)
    return receipt


@dataclass
class GridRow:
    """One party's line in the acknowledgement grid."""

    party_code: str
    party_name: str
    delivered_at: datetime | None
    opened_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str
    overdue: bool

    def as_json(self) -> dict[str, Any]:
        """The row as the API and the live grid show it."""
        from cmc.schemas import GridRowSchema

        return GridRowSchema().dump(self)


def grid(actor: Account, alert_id: int) -> list[GridRow]:
    """One row per party of the network, the ones still missing first."""
    alert = get(actor, alert_id, audit_read=False)
    rows = db.session.scalars(select(AlertReceipt).where(AlertReceipt.alert_id == alert.id).options(
        joinedload(AlertReceipt.party), joinedload(AlertReceipt.acknowledged_by))).all()
    if not permissions.can(actor, "alert.grid", alert):
        rows = [r for r in rows if r.party_id == actor.party_id]
    deadline = (alert.published_at or utcnow()) + timedelta(minutes=alert.ack_within_minutes)
    now = utcnow()
    result = [GridRow(r.party.code, r.party.name, r.delivered_at, r.opened_at, r.acknowledged_at,
                      r.acknowledged_by.name if r.acknowledged_by else "",
                      overdue=r.acknowledged_at is None and now > deadline and alert.cancelled_at is None)
              for r in rows]
    return sorted(result, key=lambda row: (row.acknowledged_at is not None, row.delivered_at is not None,
                                           row.party_name))


def _push_grid_row(alert: Alert, party_id: int) -> None:
    receipt = _receipt(alert, party_id)
    if receipt is None:
        return
    deadline = (alert.published_at or utcnow()) + timedelta(minutes=alert.ack_within_minutes)
    row = GridRow(receipt.party.code, receipt.party.name, receipt.delivered_at, receipt.opened_at,
                  receipt.acknowledged_at, receipt.acknowledged_by.name if receipt.acknowledged_by else "",
                  overdue=receipt.acknowledged_at is None and utcnow() > deadline)
    # The full grid is for coordinators and the secretariat; members see their own party's line only.
    recipients = set(db.session.scalars(select(Membership.account_id).where(
        Membership.network_id == alert.network_id, Membership.role == NetworkRole.COORDINATOR)))
    recipients |= set(db.session.scalars(select(Account.id).where(Account.role == Role.SECRETARIAT,
                                                                   Account.active.is_(True))))
    recipients |= set(db.session.scalars(select(Account.id).join(Membership, Membership.account_id == Account.id)
                                         .where(Membership.network_id == alert.network_id,
                                                Account.party_id == party_id)))
    payload = {"alert_id": alert.id, "row": row.as_json()}
    for account_id in recipients:
        notify.to_user(account_id, "alert:ack", payload)


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
        missing = db.session.scalars(select(AlertReceipt.party_id).where(
            AlertReceipt.alert_id == alert.id, AlertReceipt.acknowledged_at.is_(None))).all()
        with write_transaction():
            fresh = db.session.get(Alert, alert.id)
            if fresh is None or fresh.overdue_notified_at is not None:
                continue
            fresh.overdue_notified_at = now
            audit.record(None, "alert.overdue", target_type="alert", target_id=alert.id,
                         target_party_id=alert.party_id, details={"parties": len(missing)}, actor_label="system")
        focal_points = db.session.scalars(select(Account).where(
            Account.party_id.in_(missing), Account.role == Role.FOCAL_POINT, Account.active.is_(True))).all()
        for focal in focal_points:
            message = _("%(party)s has not acknowledged the alert “%(headline)s” in %(network)s.",
                        party=focal.party.name, headline=alert.infos[0].headline, network=alert.network.name)
            notify.to_user(focal.id, "notification", {"kind": "alert.overdue", "alert_id": alert.id,
                                                      "text": message})
            send_mail(focal.email, _("Alert not acknowledged: %(h)s", h=alert.infos[0].headline), message)
        flagged += len(missing)
    return flagged


# --- presence and mail --------------------------------------------------------------------------------

def connection_opened(sid: str, account_id: int, *, session_id: int | None = None,
                      token_id: int | None = None) -> None:
    """Remember a live connection: any process can then tell the account is online, and find the
    connection to drop it when the session ends or the token is revoked."""
    with write_transaction():
        db.session.merge(LiveConnection(sid=sid, account_id=account_id, process=PROCESS_ID, seen_at=utcnow(),
                                        session_id=session_id, token_id=token_id))


def connection_closed(sid: str) -> None:
    """Forget a live connection."""
    with write_transaction():
        db.session.execute(delete(LiveConnection).where(LiveConnection.sid == sid))


def refresh_presence(*, starting: bool = False) -> None:
    """Keep this process's connections counted as online; at start, forget the ones it had before."""
    with write_transaction():
        if starting:
            db.session.execute(delete(LiveConnection).where(LiveConnection.process == PROCESS_ID))
        else:
            db.session.execute(update(LiveConnection).where(LiveConnection.process == PROCESS_ID)
                               .values(seen_at=utcnow()))


def mail_offline_members(alert: Alert) -> int:
    """E-mail a Severe or Extreme alert to members with no live connection, at most once per person."""
    online = select(LiveConnection.account_id).where(LiveConnection.seen_at > utcnow() - ONLINE_WINDOW)
    already = select(AlertMail.account_id).where(AlertMail.alert_id == alert.id)
    recipients = db.session.scalars(select(Account).join(Membership, Membership.account_id == Account.id).where(
        Membership.network_id == alert.network_id, Account.active.is_(True), Account.id.not_in(online),
        Account.id.not_in(already))).all()
    info = alert.infos[0]
    link = current_app.config["BASE_URL"].rstrip("/") + f"/alerts/{alert.id}"
    sent = 0
    for account in recipients:
        with write_transaction():
            try:
                db.session.add(AlertMail(alert_id=alert.id, account_id=account.id))
                db.session.flush()
            except IntegrityError:
                continue  # another process mailed this person already
        body = _("%(severity)s alert in %(network)s: %(headline)s\n\n%(description)s\n\n%(instruction)s\n\n"
                 "Open and acknowledge it for your party: %(link)s",
                 severity=info.severity, network=alert.network.name, headline=info.headline,
                 description=info.description, instruction=info.instruction, link=link)
        send_mail(account.email, f"[{info.severity}] {info.headline}", body)
        sent += 1
    return sent


# --- configuration: event types ------------------------------------------------------------------------

SMUGGLING_EVENT_TYPES = (
    ("vessel", "Suspected smuggling vessel", "Security", "Immediate", "Severe", "Likely",
     "Suspected smuggling vessel left {area}", "Alert coast guard and immigration posts; report sightings."),
    ("arrival", "Large irregular arrival", "Rescue", "Immediate", "Severe", "Observed",
     "Large irregular arrival at {area}", "Prepare reception, screening and protection referral."),
    ("route", "Route change", "Security", "Expected", "Moderate", "Likely",
     "Smuggling route change towards {area}", "Review patrol plans; share sightings."),
    ("fraud", "Document fraud pattern", "Security", "Expected", "Moderate", "Observed",
     "Document fraud pattern seen at {area}", "Check documents of the described type closely at entry."),
    ("displacement", "Mass displacement after a disaster", "Rescue", "Immediate", "Extreme", "Likely",
     "Mass displacement expected from {area}", "Activate emergency assistance and reception plans."),
)


def event_types(network: Network) -> list[AlertEventType]:
    """The event types and templates configured for a network."""
    return list(db.session.scalars(select(AlertEventType).where(AlertEventType.network_id == network.id)
                                   .order_by(AlertEventType.event)))


def save_event_type(actor: Account, slug: str, *, code: str, event: str, category: str, urgency: str,
                    severity: str, certainty: str, headline_template: str = "",
                    instruction_template: str = "") -> AlertEventType:
    """A coordinator adds or changes an event type of their network."""
    network = networks.open_network(actor, slug)
    permissions.require(actor, "alert.publish", network, action="alert.event_type", target_type="network",
                        target_id=network.id)
    fields = text.field_errors(event=event, headline_template=headline_template,
                               instruction_template=instruction_template)
    if not re.match(r"^[a-z0-9-]{2,40}$", code):
        fields["code"] = _("Use 2 to 40 lower-case letters, digits or hyphens.")
    if not event.strip() or len(event) > 120:
        fields["event"] = _("Name the event.")
    if severity not in SEVERITIES or urgency not in URGENCIES or certainty not in CERTAINTIES \
            or category not in CATEGORIES:
        fields["severity"] = _("Choose a category, urgency, severity and certainty from the lists.")
    if fields:
        raise ValidationError(next(iter(fields.values())), fields=fields)
    with write_transaction():
        row = db.session.scalar(select(AlertEventType).where(AlertEventType.network_id == network.id,
                                                             AlertEventType.code == code))
        if row is None:
            row = AlertEventType(network_id=network.id, code=code)
            db.session.add(row)
        row.event, row.category, row.urgency, row.severity, row.certainty = (
            event.strip(), category, urgency, severity, certainty)
        row.headline_template, row.instruction_template = headline_template.strip(), instruction_template.strip()
        audit.record(actor, "alert.event_type", target_type="network", target_id=network.id, details={"code": code})
    return row


def seed_event_types(network: Network) -> None:
    """Give a network with alerts on the standard event types of migrant smuggling (inside a transaction)."""
    existing = set(db.session.scalars(select(AlertEventType.code).where(AlertEventType.network_id == network.id)))
    for code, event, category, urgency, severity, certainty, headline, instruction in SMUGGLING_EVENT_TYPES:
        if code not in existing:
            db.session.add(AlertEventType(network_id=network.id, code=code, event=event, category=category,
                                          urgency=urgency, severity=severity, certainty=certainty,
                                          headline_template=headline, instruction_template=instruction))

