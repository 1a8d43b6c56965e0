"""Rules about meetings: preparing them and their agendas, reading them, registering delegations, updating
action items."""

from __future__ import annotations

from cmc.models import Account, ActionItem, Meeting, MeetingStatus, Party
from cmc.permissions.core import is_focal_point, is_secretariat
from cmc.permissions.networks import can_moderate, can_read_network
from cmc.permissions.registry import rule


@rule("meeting.manage")
def can_manage(actor: Account | None) -> bool:
    """Only the secretariat creates meetings and edits agendas."""
    return is_secretariat(actor)


@rule("meeting.read")
def can_read(actor: Account, meeting: Meeting) -> bool:
    """Drafts: the secretariat only. Network meetings: that network's readers. Plenary meetings: everyone."""
    if not actor.is_active:
        return False
    if can_manage(actor):
        return True
    if meeting.status == MeetingStatus.DRAFT:
        return False
    if meeting.network is not None:
        return can_read_network(actor, meeting.network)
    return True


@rule("meeting.register")
def can_register(actor: Account, party: Party | None = None) -> bool:
    """The secretariat registers any party's delegation; a focal point their own party's only. Without a
    party: whether the actor registers delegations at all (the registration form)."""
    if can_manage(actor):
        return True
    return is_focal_point(actor) and (party is None or party.id == actor.party_id)


@rule("meeting.action.update")
def can_update_action(actor: Account, action: ActionItem) -> bool:
    """The secretariat, the owning party's focal point, or a coordinator of the owning network."""
    if can_manage(actor):
        return True
    if action.owner_party_id is not None:
        return is_focal_point(actor) and actor.party_id == action.owner_party_id
    return action.owner_network is not None and can_moderate(actor, action.owner_network)
