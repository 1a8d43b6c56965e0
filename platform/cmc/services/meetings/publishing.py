"""Published agenda versions: the frozen snapshot of the draft, what changed between two versions (worked out
in ``changes``; stored structured, written in the reader's language when read), what publishing now would
change, and the notice registered delegations get when a published agenda changes.

(Named ``publishing`` rather than ``versions`` so that the module never shadows the package's ``versions()``.)"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from cmc import i18n, permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.i18n import timefmt
from cmc.models.account import Account, Role
from cmc.models.meeting import AgendaVersion, Meeting, MeetingStatus, Registration, RegistrationStatus
from cmc.services import audit, notifications
from cmc.services.errors import ConflictError, ValidationError
from cmc.services.mail import send_mail
from cmc.services.meetings import changes, live
from cmc.services.meetings.access import get, require_manage
from cmc.services.meetings.agenda import check_revision
from cmc.services.meetings.changes import Change


def snapshot(meeting: Meeting) -> list[dict[str, Any]]:
    """The draft agenda as plain data, in agenda order (what a version freezes)."""
    ordered = sorted(meeting.items, key=lambda i: (i.day, i.position, i.id))
    rows = []
    place: dict[date, int] = {}
    for i in ordered:
        # Positions count within a day: a change on day 1 does not "move" the items of day 2.
        place[i.day] = place.get(i.day, 0) + 1
        rows.append({"id": i.id, "uid": i.uid, "day": i.day.isoformat(), "position": place[i.day],
                     "session": i.session, "room": i.room,
                     "start": i.start_time.strftime("%H:%M") if i.start_time else "",
                     "end": i.end_time.strftime("%H:%M") if i.end_time else "", "title": i.title,
                     "description": i.description, "kind": str(i.kind), "presenters": i.presenters,
                     "document_ids": list(i.document_ids)})
    return rows


def change_list(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[str]:
    """A readable list of what changed between two agenda snapshots (by item identity; see ``changes``)."""
    return changes.describe(changes.diff(before, after))


def stored_changes(version: AgendaVersion) -> list[Change] | None:
    """The structured changes a version was published with; None for a version published when its change
    list was stored as text (in its publisher's language), whose changes are worked out again."""
    if version.changes and all(isinstance(entry, dict) for entry in version.changes):
        return [Change.from_json(entry) for entry in version.changes]
    return None


def structured_changes_of(version: AgendaVersion) -> list[Change]:
    """What a version changed, structured: as stored, else from its snapshot and the one before."""
    if version.number == 1:
        return [changes.FIRST_PUBLICATION]
    stored = stored_changes(version)
    if stored is not None:
        return stored
    previous = db.session.scalar(select(AgendaVersion).where(AgendaVersion.meeting_id == version.meeting_id,
                                                             AgendaVersion.number == version.number - 1))
    return changes.diff(previous.items, version.items) if previous is not None else []


def changes_of(version: AgendaVersion) -> list[str]:
    """What a version changed, written for the person reading (their language, their dates); a version
    stored with a text list and no version before it keeps that text."""
    found = structured_changes_of(version)
    if not found and stored_changes(version) is None and version.changes:
        return [str(entry) for entry in version.changes]
    return changes.describe(found)


def _latest(meeting: Meeting) -> AgendaVersion | None:
    return db.session.scalar(select(AgendaVersion).where(AgendaVersion.meeting_id == meeting.id)
                             .order_by(AgendaVersion.number.desc()).limit(1))


def pending_changes(meeting: Meeting) -> list[Change]:
    """What publishing now would publish: the draft against the last published version (``FIRST`` alone when
    nothing is published yet; empty when the draft is the published agenda). The builder's button, the
    meeting page's "not published yet" and ``publish_agenda``'s refusal all ask this one question."""
    previous = _latest(meeting)
    if previous is None:
        return [changes.FIRST_PUBLICATION]
    return changes.diff(previous.items, snapshot(meeting))


def versions(meeting: Meeting) -> list[AgendaVersion]:
    """Published versions, newest first."""
    return list(db.session.scalars(select(AgendaVersion).where(AgendaVersion.meeting_id == meeting.id)
                                   .order_by(AgendaVersion.number.desc())))


def get_version(actor: Account, meeting_id: int, number: int) -> tuple[Meeting, AgendaVersion]:
    """One published version of a meeting's agenda."""
    meeting = get(actor, meeting_id)
    version = db.session.scalar(select(AgendaVersion).where(AgendaVersion.meeting_id == meeting.id,
                                                            AgendaVersion.number == number))
    permissions.check(version is not None, action="agenda.read", target_type="meeting", target_id=meeting_id,
                      hide=True)
    assert version is not None
    return meeting, version


def publish_agenda(actor: Account, meeting_id: int, base_revision: int) -> AgendaVersion:
    """Freeze the draft as version n+1 with its change list; registered delegations are told."""
    require_manage(actor, meeting_id, "agenda.publish")
    with write_transaction():
        meeting = get(actor, meeting_id)
        # Two publishes at once (a double click, two editors) queue here, so the second sees the first's
        # version and finds nothing left to publish (PostgreSQL; SQLite's BEGIN IMMEDIATE already queues them).
        db.session.execute(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update())
        db.session.expire_all()  # what was read before the lock is read again: the draft and versions as they are
        check_revision(meeting, base_revision)
        items = snapshot(meeting)
        if not items:
            raise ValidationError(_("The agenda is empty. Add at least one item, then publish."),
                                  fields={"agenda": _("Add an item first.")})
        previous = _latest(meeting)
        found = pending_changes(meeting)
        if previous is not None and not found:
            raise ConflictError(_("Nothing changed since version %(n)d.", n=previous.number))
        number = (previous.number if previous else 0) + 1
        version = AgendaVersion(meeting_id=meeting.id, number=number, items=items,
                                changes=[change.to_json() for change in found], published_by_id=actor.id)
        db.session.add(version)
        if meeting.status == MeetingStatus.DRAFT:
            meeting.status = MeetingStatus.PUBLISHED
        audit.record(actor, "agenda.publish", target_type="meeting", target_id=meeting.id,
                     details={"version": number, "changes": len(found)})
        people = _registered_people(meeting) if number > 1 else []
        for person in people:
            notifications.record(person.id, "agenda.changed", meeting_id=meeting.id, meeting=meeting.title,
                                 version=number)
    notifications.push_recorded()
    if people:
        _notify_registered(meeting, version, people)
    live.agenda_published(meeting, version)
    return version


def _registered_people(meeting: Meeting) -> list[Account]:
    """The active focal points and delegates of every delegation to the meeting not declined."""
    parties = db.session.scalars(select(Registration.party_id).where(
        Registration.meeting_id == meeting.id, Registration.status != RegistrationStatus.DECLINED)).all()
    return list(db.session.scalars(select(Account).where(Account.party_id.in_(parties), Account.active.is_(True),
                                                         Account.role.in_([Role.FOCAL_POINT, Role.DELEGATE]))))


def _notify_registered(meeting: Meeting, version: AgendaVersion, people: list[Account]) -> None:
    """Mail the change list to the registered people who want agenda changes by e-mail (the notification is
    stored with the version and pushed by ``publish_agenda``)."""
    link = current_app.config["BASE_URL"].rstrip("/") + f"/meetings/{meeting.id}/agenda/{version.number}"
    for person in people:
        if not notifications.wants_mail(person, "agenda.changed"):
            continue
        # Each person reads the change list in their own language, with dates as they write them.
        with i18n.in_language_of(person), timefmt.in_zone_of(person):
            lines = changes_of(version)
            send_mail(person.email, _("Agenda changed: %(m)s (version %(n)d)", m=meeting.title, n=version.number),
                      _("The agenda of %(m)s was published again as version %(n)d.\n\n%(changes)s\n\n%(link)s",
                        m=meeting.title, n=version.number, changes="\n".join(f"- {c}" for c in lines),
                        link=link))
