"""Telling the people on a meeting's pages, live, that a new agenda version is published.

The event carries only the meeting's id and the version's number: each page that shows that meeting asks the
server for the notice (``/meetings/<id>/agenda/<n>/notice``), which is rendered in its reader's language and
refused (404) to anyone who may not read the meeting. It goes to ``user:<id>`` of every connected person who
may read the meeting, never to a room a client names."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from cmc import permissions
from cmc.extensions import db
from cmc.models import Account, LiveConnection
from cmc.models.meeting import AgendaVersion, Meeting
from cmc.models.types import utcnow
from cmc.realtime import notify

#: The event a meeting page listens to.
EVENT = "agenda:published"
#: A connection whose process has not refreshed it for this long is gone (as ``alerts.delivery`` counts).
ONLINE_WINDOW = timedelta(minutes=2)


def connected_readers(meeting: Meeting) -> list[int]:
    """The ids of the active accounts with a live connection that may read the meeting (``meeting.read``),
    decided with two queries whatever their number: the connected accounts, and their roles in the meeting's
    network when it has one."""
    online = select(LiveConnection.account_id).where(LiveConnection.seen_at > utcnow() - ONLINE_WINDOW)
    people = list(db.session.scalars(select(Account).where(Account.id.in_(online), Account.active.is_(True))
                                     .order_by(Account.id)))
    if meeting.network_id is not None:
        permissions.remember_network_members(meeting.network_id, [person.id for person in people])
    return [person.id for person in people if permissions.can(person, "meeting.read", meeting)]


def agenda_published(meeting: Meeting, version: AgendaVersion) -> None:
    """Send ``agenda:published`` (meeting id, version number) to every connected reader of the meeting; called
    once the version is committed."""
    payload: dict[str, object] = {"meeting_id": meeting.id, "version": version.number}
    for account_id in connected_readers(meeting):
        notify.to_user(account_id, EVENT, payload)
