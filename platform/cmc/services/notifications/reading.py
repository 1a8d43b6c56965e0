"""Reading one's notifications: the unread count, a page newest first, opening one, marking read, the purge.

A notification of something the person can no longer read (an alert of a network they left, a draft meeting)
is hidden everywhere, text included: the SQL condition :func:`visible` keeps the count and the pages' queries to
what the person may read, and :func:`load` asks the rules themselves (``can('alert.read', alert)``,
``can('meeting.read', meeting)``) of every row it shows before any text is rendered. Another person's
notification answers 404, like something that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import (
    Account,
    Alert,
    AlertState,
    Meeting,
    MeetingStatus,
    Membership,
    NetworkRole,
    Notification,
    RollCall,
)
from cmc.models.types import utcnow
from cmc.services.alerts.badge import account_changed
from cmc.services.notifications.texts import target_path, text_of

#: How long notifications are kept (``cmc notify purge``).
KEPT = timedelta(days=90)


@dataclass
class Shown:
    """One notification as the centre and the API show it."""

    id: int
    kind: str
    text: str
    url: str
    created_at: Any
    read_at: Any
    alert_id: int | None
    meeting_id: int | None

    @property
    def unread(self) -> bool:
        """Whether it has not been read yet."""
        return self.read_at is None


def visible(actor: Account) -> Any:
    """SQL condition: the actor's notifications whose alert and meeting the actor may still read (the rules
    ``alert.read`` and ``meeting.read`` as conditions; :func:`load` asks the rules themselves again)."""
    mine = select(Membership.network_id).where(Membership.account_id == actor.id)
    if permissions.can(actor, "alert.read_all"):
        alerts_ok: Any = Notification.alert_id.is_not(None)
        meetings_ok: Any = Notification.meeting_id.is_not(None)
    else:
        coordinated = select(Membership.network_id).where(Membership.account_id == actor.id,
                                                          Membership.role == NetworkRole.COORDINATOR)
        alerts_ok = Notification.alert_id.in_(select(Alert.id).where(
            Alert.network_id.in_(mine),
            or_(Alert.state == AlertState.PUBLISHED, Alert.author_id == actor.id, Alert.network_id.in_(coordinated))))
        meetings_ok = Notification.meeting_id.in_(select(Meeting.id).where(
            Meeting.status != MeetingStatus.DRAFT, or_(Meeting.network_id.is_(None), Meeting.network_id.in_(mine))))
    return and_(Notification.account_id == actor.id,
                or_(Notification.alert_id.is_(None), alerts_ok),
                or_(Notification.meeting_id.is_(None), meetings_ok))


def unread_count(actor: Account) -> int:
    """How many of the actor's visible notifications are unread (one indexed query)."""
    return int(db.session.scalar(select(func.count()).select_from(Notification).where(
        visible(actor), Notification.read_at.is_(None))) or 0)


def list_query(actor: Account, *, unread_only: bool = False) -> Any:
    """The actor's visible notifications, newest first."""
    query = select(Notification).where(visible(actor)).order_by(Notification.id.desc())
    return query.where(Notification.read_at.is_(None)) if unread_only else query


def _readable(actor: Account, note: Notification, alerts: dict[int, Alert], meetings: dict[int, Meeting],
              roll_calls: dict[int, RollCall]) -> bool:
    if note.roll_call_id is not None:
        roll_call = roll_calls.get(note.roll_call_id)
        if roll_call is None or not permissions.can(actor, "rollcall.read", roll_call):
            return False
    if note.alert_id is not None:
        alert = alerts.get(note.alert_id)
        if alert is None or not permissions.can(actor, "alert.read", alert):
            return False
    if note.meeting_id is not None:
        meeting = meetings.get(note.meeting_id)
        if meeting is None or not permissions.can(actor, "meeting.read", meeting):
            return False
    return True


def load(actor: Account, notes: list[Notification]) -> list[Shown]:
    """The notes as shown, their targets read in two queries, each asked of the rules; the rest dropped
    before any text is made."""
    alert_ids = {n.alert_id for n in notes if n.alert_id is not None}
    meeting_ids = {n.meeting_id for n in notes if n.meeting_id is not None}
    alerts = {a.id: a for a in db.session.scalars(select(Alert).where(Alert.id.in_(alert_ids)).options(
        selectinload(Alert.infos), joinedload(Alert.network)))} if alert_ids else {}
    meetings = {m.id: m for m in db.session.scalars(select(Meeting).where(Meeting.id.in_(meeting_ids)))} \
        if meeting_ids else {}
    roll_call_ids = {n.roll_call_id for n in notes if n.roll_call_id is not None}
    roll_calls = {r.id: r for r in db.session.scalars(select(RollCall).where(RollCall.id.in_(roll_call_ids)))} \
        if roll_call_ids else {}
    shown = []
    for note in notes:
        if not _readable(actor, note, alerts, meetings, roll_calls):
            continue
        alert = alerts.get(note.alert_id) if note.alert_id else None
        meeting = meetings.get(note.meeting_id) if note.meeting_id else None
        shown.append(Shown(id=note.id, kind=str(note.kind), text=text_of(note, alert, meeting),
                           url=target_path(note), created_at=note.created_at, read_at=note.read_at,
                           alert_id=note.alert_id, meeting_id=note.meeting_id))
    return shown


def _own(actor: Account, notification_id: int) -> Notification:
    """The actor's own visible notification, else 404 (another person's answers as if it did not exist)."""
    note = db.session.scalar(select(Notification).where(Notification.id == notification_id, visible(actor)))
    permissions.check(note is not None and bool(load(actor, [note])), action="notification.open",
                      target_type="notification", target_id=notification_id, hide=True)
    assert note is not None
    return note


def open_note(actor: Account, notification_id: int) -> str:
    """Mark the actor's notification read and return where it leads (404 for anyone else's)."""
    with write_transaction():
        note = _own(actor, notification_id)
        if note.read_at is None:
            note.read_at = utcnow()  # a flushed change: the bell's cache is told by the session
        path = target_path(note)
    return path


def open_alert(actor: Account, alert_id: int) -> None:
    """Mark read the actor's notifications of an alert (opened from the alert's toast)."""
    with write_transaction():
        db.session.execute(update(Notification).where(
            Notification.account_id == actor.id, Notification.alert_id == alert_id,
            Notification.read_at.is_(None)).values(read_at=utcnow()))
        account_changed(actor.id)


def mark_read(actor: Account, ids: list[int] | None = None) -> int:
    """Mark the actor's notifications read: those of ``ids`` (others' ids are ignored), or all when None.
    Returns how many changed."""
    query = update(Notification).where(Notification.account_id == actor.id, Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    with write_transaction():
        result = db.session.execute(query.values(read_at=utcnow()))
        account_changed(actor.id)
    return int(getattr(result, "rowcount", 0) or 0)


def purge(now: Any = None) -> int:
    """Delete notifications older than :data:`KEPT`; returns how many."""
    cutoff = (now or utcnow()) - KEPT
    with write_transaction():
        result = db.session.execute(delete(Notification).where(Notification.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
