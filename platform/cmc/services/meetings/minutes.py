"""After the meeting: the minutes (earlier texts kept, final ones locked), decisions, and action items owned
by a party or a network, which later agendas carry forward until they are done."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models.account import Account, Role
from cmc.models.meeting import ActionItem, ActionStatus, Decision, Meeting, Minutes
from cmc.models.network import Membership, Network, NetworkRole
from cmc.models.party import Party
from cmc.models.types import utcnow
from cmc.services import audit, markup, notifications
from cmc.services.errors import ConflictError, ValidationError
from cmc.services.meetings.access import get, require_manage
from cmc.services.text import check as check_text
from cmc.services.text import field_errors as text_errors


def save_minutes(actor: Account, meeting_id: int, body: str, *, final: bool = False) -> Minutes:
    """Write the minutes (the earlier text is kept); ``final`` locks them for good."""
    require_manage(actor, meeting_id, "minutes.save")
    if len(body) > 200_000:
        raise ValidationError(_("The minutes are too long."), fields={"body": _("Too long.")})
    check_text(body=body)
    with write_transaction():
        meeting = get(actor, meeting_id)
        minutes = db.session.get(Minutes, meeting.id)
        if minutes is not None and minutes.final_at is not None:
            raise ConflictError(_("The minutes are final and locked."))
        if minutes is None:
            minutes = Minutes(meeting_id=meeting.id, updated_by_id=actor.id, revisions=[])
            db.session.add(minutes)
        elif minutes.body:
            minutes.revisions = [*minutes.revisions, {"body": minutes.body, "at": minutes.updated_at.isoformat(),
                                                      "by": minutes.updated_by_id}]
        minutes.body, minutes.body_html = body, markup.render(body)
        minutes.updated_at, minutes.updated_by_id = utcnow(), actor.id
        if final:
            minutes.final_at = utcnow()
        audit.record(actor, "minutes.final" if final else "minutes.save", target_type="meeting",
                     target_id=meeting.id, details={"revisions": len(minutes.revisions)})
    return minutes


def add_decision(actor: Account, meeting_id: int, text: str) -> Decision:
    """Record a decision of the meeting."""
    require_manage(actor, meeting_id, "decision.add")
    if not text.strip() or len(text) > 5000:
        raise ValidationError(_("Write the decision (up to 5,000 characters)."), fields={"decision": _("Required.")})
    check_text(decision=text)
    with write_transaction():
        meeting = get(actor, meeting_id)
        decision = Decision(meeting_id=meeting.id, text=text.strip())
        db.session.add(decision)
        audit.record(actor, "decision.add", target_type="meeting", target_id=meeting.id)
    return decision


def add_action(actor: Account, meeting_id: int, title: str, *, owner_party: str = "", owner_network: str = "",
               due: date | None = None) -> ActionItem:
    """Give someone something to do: owned by a party or a network, with a due date."""
    require_manage(actor, meeting_id, "action.add")
    fields = text_errors(action_title=title)
    if not title.strip() or len(title) > 300:
        fields["action_title"] = _("Say what must be done (up to 300 characters).")
    party = db.session.scalar(select(Party).where(Party.code == owner_party.upper())) if owner_party else None
    network = db.session.scalar(select(Network).where(Network.slug == owner_network)) if owner_network else None
    if (party is None) == (network is None):
        fields["owner"] = _("Choose one owner: a party or a network.")
    if fields:
        raise ValidationError(next(iter(fields.values())), fields=fields)
    with write_transaction():
        meeting = get(actor, meeting_id)
        action = ActionItem(meeting_id=meeting.id, title=title.strip(), owner_party_id=party.id if party else None,
                            owner_network_id=network.id if network else None, due_date=due)
        db.session.add(action)
        audit.record(actor, "action.add", target_type="meeting", target_id=meeting.id,
                     target_party_id=party.id if party else None)
        for owner_id in _action_owners(party, network):
            notifications.record(owner_id, "action.assigned", meeting_id=meeting.id, meeting=meeting.title,
                                 title=action.title, owner=party.name if party else (network.name if network else ""))
    notifications.push_recorded()
    return action


def _action_owners(party: Party | None, network: Network | None) -> list[int]:
    """Who is told of a new action item: the owning party's focal points, or the owning network's
    coordinators (those who may update it, ``meeting.action.update``)."""
    if party is not None:
        return list(db.session.scalars(select(Account.id).where(
            Account.party_id == party.id, Account.role == Role.FOCAL_POINT, Account.active.is_(True))))
    if network is None:
        return []
    return list(db.session.scalars(select(Account.id).join(Membership, Membership.account_id == Account.id).where(
        Membership.network_id == network.id, Membership.role == NetworkRole.COORDINATOR, Account.active.is_(True))))


def actions_of(meeting: Meeting) -> list[ActionItem]:
    """A meeting's action items in the order they were given, with their owning party or network."""
    return list(db.session.scalars(select(ActionItem).where(ActionItem.meeting_id == meeting.id)
                                   .options(joinedload(ActionItem.owner_party), joinedload(ActionItem.owner_network))
                                   .order_by(ActionItem.id)))


def updatable_actions(actor: Account, actions: list[ActionItem]) -> dict[int, bool]:
    """The rule ``meeting.action.update`` for each of ``actions``, by id, reading the actor's network roles in
    one query."""
    permissions.remember_network_roles(actor, {a.owner_network_id for a in actions if a.owner_network_id})
    return {action.id: permissions.can(actor, "meeting.action.update", action) for action in actions}


def set_action_status(actor: Account, action_id: int, status: str) -> ActionItem:
    """Move an action item along (open, in progress, done)."""
    if status not in {s.value for s in ActionStatus}:
        raise ValidationError(_("Choose open, in progress or done."), fields={"status": _("Choose a status.")})
    action = db.session.get(ActionItem, action_id)
    permissions.check(action is not None and permissions.can(actor, "meeting.read", action.meeting),
                      action="action.update",
                      target_type="action", target_id=action_id, hide=True)
    assert action is not None
    permissions.require(actor, "meeting.action.update", action, action="action.update", target_type="action",
                        target_id=action_id, target_party_id=action.owner_party_id,
                        message=_("Only the owner's focal point or coordinator, or the secretariat, updates this."))
    with write_transaction():
        action = db.session.get(ActionItem, action_id)
        assert action is not None
        action.status = ActionStatus(status)
        audit.record(actor, "action.update", target_type="action", target_id=action.id,
                     target_party_id=action.owner_party_id, details={"status": status})
    return action


def actions_for(actor: Account) -> Select[tuple[ActionItem]]:
    """Open action items the actor's party or networks own, soonest due first (for the API)."""
    # The API shows each item's meeting and owner: load them with the items.
    return _open_actions(select(ActionItem).options(
        joinedload(ActionItem.meeting), joinedload(ActionItem.owner_party), joinedload(ActionItem.owner_network)),
        actor)


def action_rows(actor: Account, limit: int) -> list[Any]:
    """``actions_for`` as rows of ``title``, ``due_date``, ``meeting_id`` and ``meeting_title`` (home's list; no
    objects are loaded)."""
    query = select(ActionItem.title, ActionItem.due_date, ActionItem.meeting_id,
                   Meeting.title.label("meeting_title")).join(Meeting, Meeting.id == ActionItem.meeting_id)
    return list(db.session.execute(_open_actions(query, actor).limit(limit)))


def _open_actions(query: Select[Any], actor: Account) -> Select[Any]:
    mine = select(Membership.network_id).where(Membership.account_id == actor.id)
    return (query.where(ActionItem.status != ActionStatus.DONE,
                        or_(ActionItem.owner_party_id == actor.party_id, ActionItem.owner_network_id.in_(mine)))
            .order_by(ActionItem.due_date.is_(None), ActionItem.due_date, ActionItem.id))


def open_actions_before(meeting: Meeting) -> list[ActionItem]:
    """Open action items of earlier meetings (what this meeting's agenda carries forward)."""
    return list(db.session.scalars(select(ActionItem).join(Meeting, Meeting.id == ActionItem.meeting_id).where(
        ActionItem.status != ActionStatus.DONE, Meeting.start_date < meeting.start_date)
        .order_by(ActionItem.due_date.is_(None), ActionItem.due_date)))
