"""Who sees which meeting: the readable list, one readable meeting, and the secretariat's gate for changes."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from cmc import permissions
from cmc.extensions import db
from cmc.models.account import Account
from cmc.models.meeting import Meeting, MeetingStatus
from cmc.models.network import Membership


def visible_query(actor: Account) -> Select[tuple[Meeting]]:
    """Meetings the actor may see, latest first (with the network and host party each line names)."""
    query = select(Meeting).options(joinedload(Meeting.network), joinedload(Meeting.host_party)) \
        .order_by(Meeting.start_date.desc(), Meeting.id.desc())
    return only_visible(query, actor)


def upcoming_rows(actor: Account, today: date, limit: int) -> list[Any]:
    """The next meetings the actor may see that have not ended by ``today``, soonest first, as rows of ``id``,
    ``title``, ``start_date``, ``end_date`` and ``city`` (home lists them; no objects are loaded)."""
    query = (select(Meeting.id, Meeting.title, Meeting.start_date, Meeting.end_date, Meeting.city)
             .where(Meeting.end_date >= today).order_by(Meeting.start_date, Meeting.id).limit(limit))
    return list(db.session.execute(only_visible(query, actor)))


def only_visible(query: Select[Any], actor: Account) -> Select[Any]:
    """``query`` restricted to the meetings the actor may see (drafts for the secretariat only)."""
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
