"""The life of an alert: publish (or submit a draft), approve, return a draft, update and cancel along the
chain of messages. Every change is committed before clients are told."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Integer, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import Account, Alert, AlertReceipt, AlertState, CapStatus, Membership, MsgType, Network, NetworkRole
from cmc.models.alert import NEVER
from cmc.models.types import utcnow
from cmc.realtime import notify
from cmc.services import audit, handling, networks, notifications, text
from cmc.services.alerts.access import get, live_json, require_alerts_on, severity_of
from cmc.services.alerts.autosave import forget_autosave
from cmc.services.alerts.compose import AlertInput, as_input, identifier, info_rows, marking, validate
from cmc.services.alerts.confirmation import StaleConfirmation, draft_token, matches, severe_refusal
from cmc.services.alerts.delivery import mail_offline_members, receiving_parties
from cmc.services.errors import ConflictError, ValidationError

URGENT = ("Extreme", "Severe")


def _create(actor: Account, network: Network, data: AlertInput, *, state: AlertState, msg_type: MsgType,
            references: Alert | None = None, idempotency_key: str | None = None) -> Alert:
    inherited = handling.marking_of(references) if references is not None else None
    alert = Alert(network_id=network.id, identifier=identifier(network), author_id=actor.id,
                  party_id=actor.party_id, state=state, status=CapStatus(data.status), msg_type=msg_type,
                  references_id=references.id if references else None, restriction=data.restriction.strip(),
                  note=data.note.strip()[:500], idempotency_key=idempotency_key,
                  ack_within_minutes=data.ack_within_minutes)
    alert.infos = info_rows(data)
    handling.mark(alert, marking(data, inherited))  # checked by ``validate`` (and, for an Update, ``require_marking``)
    alert.active_until = _active_until(alert)
    if state == AlertState.PUBLISHED:
        alert.published_at = utcnow()
        alert.approved_by_id = actor.id
    db.session.add(alert)
    db.session.flush()
    if state == AlertState.PUBLISHED:
        _open_receipts(alert, network)
        notifications.record_alert(alert)  # in the alert's transaction: published means notified
        networks.record_activity(network.id, actor, "alert.new", "alert", alert.id,
                                 alert.infos[0].headline)  # the feed shows the reader's words, not CAP codes
    return alert


def _active_until(alert: Alert) -> datetime:
    """When a new alert stops being current: never for a Cancel message (it is history at once), else its
    earliest info expiry, else never."""
    if alert.msg_type == MsgType.CANCEL:
        return alert.created_at or utcnow()
    expiries = [info.expires for info in alert.infos if info.expires is not None]
    return min(expiries) if expiries else NEVER


def _open_receipts(alert: Alert, network: Network) -> None:
    """A receipt for each receiving party, in one ``INSERT ... SELECT`` (a flush of one object per party cost the
    publishing request more than the rest of its writes); the badge's generations see the bulk statement."""
    parties = receiving_parties(network.id).add_columns(literal(alert.id, Integer))
    db.session.execute(insert(AlertReceipt).from_select(["party_id", "alert_id"], parties))


def _after_publish(alert_id: int, event: str = "alert:new") -> None:
    """Push the committed alert to the network's room, then mail members who are offline (urgent only)."""
    alert = db.session.get(Alert, alert_id)
    assert alert is not None
    notify.to_network(alert.network_id, event, live_json(alert))
    if severity_of(alert) in URGENT and alert.msg_type != MsgType.CANCEL:
        mail_offline_members(alert)


def _keyed(network: Network, actor: Account, key: str | None) -> Alert | None:
    """The alert the actor made in the network with this idempotency key. A key belongs to its author:
    someone else's key never returns their alert."""
    if key is None:
        return None
    return db.session.scalar(select(Alert).where(Alert.network_id == network.id, Alert.author_id == actor.id,
                                                 Alert.idempotency_key == key))


def require_composer(actor: Account, slug: str, *, submit: bool) -> tuple[Network, bool]:
    """The network the actor composes an alert in, and whether the alert is published (a coordinator) rather
    than submitted as a draft; refused (404, 403, 410) for anyone who may do neither."""
    network = networks.open_network(actor, slug)
    require_alerts_on(network)
    networks.require_post(actor, network, "alert.publish")
    coordinator = permissions.can(actor, "alert.publish", network) and not submit
    if not coordinator and not permissions.can(actor, "alert.publish", network):
        permissions.check(submit, action="alert.publish", target_type="network", target_id=network.id,
                          message=_("Only a coordinator of the network publishes alerts. Submit it as a draft "
                                      "for a coordinator to approve."))
    return network, coordinator


def publish(actor: Account, slug: str, data: AlertInput, *, idempotency_key: str | None = None,
            submit: bool = False) -> tuple[Alert, bool]:
    """A coordinator publishes an alert; a member may only ``submit`` it as a draft for approval.

    Returns the alert and whether it was created now (False: the idempotency key had been used, and the
    alert made then is returned instead of a second one).
    """
    key = (idempotency_key or "").strip()[:80] or None
    network, coordinator = require_composer(actor, slug, submit=submit)
    if (existing := _keyed(network, actor, key)) is not None:
        return existing, False
    validate(data, network)
    try:
        with write_transaction():
            network = networks.entry(slug)
            state = AlertState.PUBLISHED if coordinator else AlertState.SUBMITTED
            alert = _create(actor, network, data, state=state, msg_type=MsgType.ALERT, idempotency_key=key)
            forget_autosave(actor, network)  # what the compose page kept is now the alert
            audit.record(actor, "alert.publish" if coordinator else "alert.submit", target_type="alert",
                         target_id=alert.id, target_party_id=actor.party_id,
                         details={"network": network.slug, "severity": severity_of(alert),
                                  "status": str(alert.status), "handling_code": alert.handling_code.value})
            alert_id = alert.id
            if not coordinator:
                _notify_coordinators(network, alert)
    except IntegrityError:
        # The same key raced in from a retried request: the first one won; return it.
        db.session.rollback()
        if (existing := _keyed(network, actor, key)) is None:
            raise ConflictError(_("This idempotency key is already used in this network. Use a new key.")) from None
        return existing, False
    if coordinator:
        _after_publish(alert_id)
    else:
        notifications.push_recorded()
    created = db.session.get(Alert, alert_id)
    assert created is not None
    return created, True


def _notify_coordinators(network: Network, alert: Alert) -> None:
    """Record for each coordinator of the network that a draft waits for approval (in the draft's transaction;
    the sentence is written when read, in the reader's language)."""
    coordinators = db.session.scalars(select(Account.id).join(Membership, Membership.account_id == Account.id).where(
        Membership.network_id == network.id, Membership.role == NetworkRole.COORDINATOR, Account.active.is_(True)))
    headline = alert.infos[0].headline if alert.infos else ""
    for coordinator_id in coordinators:
        notifications.record(coordinator_id, "alert.approval_request", alert_id=alert.id, headline=headline)


def approve(actor: Account, alert_id: int, *, token: str, severe_checked: bool) -> Alert:
    """A coordinator publishes a submitted draft as they previewed it (``preview.draft_preview``): ``token``
    is the preview's, refused (``StaleConfirmation``, 409) when the stored draft is no longer what it was made
    of; a Severe or Extreme draft also needs ``severe_checked`` (else ``SevereNotConfirmed``, 422). Checked
    inside the write transaction, so what is checked is what is published."""
    with write_transaction():
        alert = get(actor, alert_id, audit_read=False)
        permissions.require(actor, "alert.publish", alert.network, action="alert.approve", target_type="alert",
                            target_id=alert.id, target_party_id=alert.party_id,
                            message=_("Only a coordinator of the network publishes alerts."))
        if alert.state != AlertState.SUBMITTED:
            raise ConflictError(_("Only a submitted draft can be approved."))
        validate(as_input(alert), alert.network)
        if not matches(token, draft_token(actor, alert)):
            raise StaleConfirmation(_("The draft changed after you opened it: check it again, then approve it."))
        if severity_of(alert) in URGENT and not severe_checked:
            raise severe_refusal(severity_of(alert))
        alert.state = AlertState.PUBLISHED
        alert.active_until = _active_until(alert)
        alert.published_at = utcnow()
        alert.approved_by_id = actor.id
        _open_receipts(alert, alert.network)
        notifications.record_alert(alert)
        networks.record_activity(alert.network_id, alert.author, "alert.new", "alert", alert.id,
                                 alert.infos[0].headline)  # the feed shows the reader's words, not CAP codes
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
        notifications.record(alert.author_id, "alert.returned", alert_id=alert.id,
                             headline=alert.infos[0].headline if alert.infos else "")
    notifications.push_recorded()  # the author reads it in their own language, not the coordinator's
    return alert


def _root_of(alert: Alert) -> Alert:
    """The original alert a chain of updates started from."""
    root = alert
    while root.references is not None:
        root = root.references
    return root


def _chain_ids(root: Alert) -> list[int]:
    """The ids of the chain from the original alert through each update that superseded it."""
    ids = [root.id]
    current: Alert | None = root
    while current is not None and current.superseded_by_id is not None:
        ids.append(current.superseded_by_id)
        current = db.session.get(Alert, current.superseded_by_id)
    return ids


def require_revisable(actor: Account, original: Alert, *, cancel: bool) -> None:
    """Refuse to update or cancel unless the actor coordinates the network and the alert is the current,
    published, uncancelled message of its chain."""
    permissions.require(actor, "alert.publish", original.network, action="alert.cancel" if cancel else "alert.update",
                        target_type="alert", target_id=original.id, target_party_id=original.party_id,
                        message=_("Only a coordinator of the network updates or cancels alerts."))
    if original.state != AlertState.PUBLISHED:
        raise ConflictError(_("Only a published alert can be updated or cancelled."))
    if original.cancelled_at is not None or original.msg_type == MsgType.CANCEL:
        raise ConflictError(_("This alert is already cancelled."))
    if original.superseded_by_id is not None:
        raise ConflictError(_("This alert has a newer update (number %(id)d). Update that one.",
                              id=original.superseded_by_id))


def require_marking(actor: Account, original: Alert, data: AlertInput) -> handling.Marking:
    """The marking an Update of ``original`` gets (the one sent, else the original's), refused (403) when it
    lowers the original's code or changes its evaluation and the actor may not (``handling.lower``: the
    originating party's author or focal point). Raising, or keeping the marking, is every updater's."""
    old = handling.marking_of(original)
    new = marking(data, old)
    if new != old and not handling.is_raise(old, new):
        permissions.require(actor, "handling.lower", original, action="alert.update", target_type="alert",
                            target_id=original.id, target_party_id=original.party_id,
                            message=_("Only the originating party (the author or its focal point) may lower "
                                      "the handling code or change the evaluation."))
    return new


def _cancel_chain(original: Alert, now: datetime) -> None:
    """Mark every message of the original's chain cancelled now, and no longer current."""
    original.cancelled_at = now
    chain = _chain_ids(_root_of(original))
    db.session.execute(update(Alert).where(Alert.id.in_(chain)).values(cancelled_at=now))
    db.session.execute(update(Alert).where(Alert.id.in_(chain), Alert.active_until > now).values(active_until=now))


def revise(actor: Account, alert_id: int, data: AlertInput, *, cancel: bool = False) -> Alert:
    """Issue an Update (or a Cancel) that references the alert; the original leaves the active list."""
    original = get(actor, alert_id, audit_read=False)
    network = original.network
    require_revisable(actor, original, cancel=cancel)
    if not cancel:
        validate(data, network)
        require_marking(actor, original, data)
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
            _cancel_chain(original, now)
        audit.record(actor, "alert.cancel" if cancel else "alert.update", target_type="alert", target_id=new.id,
                     target_party_id=actor.party_id,
                     details={"references": original.id, "handling_code": new.handling_code.value})
        new_id = new.id
    _after_publish(new_id, "alert:update")
    result = db.session.get(Alert, new_id)
    assert result is not None
    return result


def cancel(actor: Account, alert_id: int, note: str = "") -> Alert:
    """Cancel an alert: a Cancel message that references it (409 when it is already cancelled)."""
    text.check(note=note)
    original = get(actor, alert_id, audit_read=False)
    data = as_input(original)
    data.note = note or _("Cancelled")
    for info in data.infos:
        info.expires = None
    return revise(actor, alert_id, data, cancel=True)
