"""Who sees which meeting: the readable list, one readable meeting, and the secretariat's gate for changes."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from cmc import permissions
from cmc.extensions import db
from cmc.models.account import Account
from cmc.models.meeting import Meeting, MeetingStatus
from cmc.models.network import Membership


def visible_query(actor: Account) -> Select[tuple[Meeting]]:
    """Meetings the actor may see, soonest first (with the network and host party each line names)."""
    query = select(Meeting).options(joinedload(Meeting.network), joinedload(Meeting.host_party)) \
        .order_by(Meeting.start_date.desc(), Meeting.id.desc())
    if permissions.can(actor, "meeting.manage"):
        return query
    mine = select(Membership.network_id).where(Membership.account_id == actor.id)
    return query.where(Meeting.status != MeetingStatus.DRAFT,
                       or_(Meeting.network_id.is_(None), Meeting.network_id.in_(mine)))


def get(actor: Account, meeting_id: int) -> Meeting:
    """A meeting the actor may see (404 otherwise)."""
    meeting = db.session.get(Meeting, meeting_id)
    permissions.check(meeting is not None and permissions.can(actor, "meeting.read", meeting), action="meeting.read",
                      target_type="meeting", target_id=meeting_id, hide=True)
    assert meeting is not None
    return meeting


def require_manage(actor: Account, meeting_id: int | None, action: str) -> None:
    """Refuse (403, recorded in the trail as ``action``) unless the actor prepares meetings: the secretariat."""
    permissions.require(actor, "meeting.manage", action=action, target_type="meeting", target_id=meeting_id,
                        message=_("Only the secretariat prepares meetings and agendas."))
