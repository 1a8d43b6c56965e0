"""Published agenda versions: the frozen snapshot of the draft, the readable change list between two
versions, and the notice registered delegations get when a published agenda changes.

(Named ``publishing`` rather than ``versions`` so that the module never shadows the package's ``versions()``.)"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
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
from cmc.services.meetings import live
from cmc.services.meetings.access import get, require_manage
from cmc.services.meetings.agenda import check_revision


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


def _day(value: str) -> str:
    return timefmt.show(date.fromisoformat(value), "date")


def _span(item: dict[str, Any]) -> str:
    """An item's hours as the reader writes them ("9:00-10:30" in Spanish, with an en dash); a dash alone
    when it has none."""
    hours = [timefmt.show(time.fromisoformat(value), "time") for value in (item["start"], item["end"]) if value]
    return "\u2013".join(hours) or "\u2013"


def _item_changes(previous: dict[str, Any], item: dict[str, Any]) -> list[str]:
    """What changed in one item present in both snapshots, in the reader's language."""
    changes: list[str] = []
    if previous["title"] != item["title"]:
        changes.append(_("Retitled “%(a)s” as “%(b)s”.", a=previous["title"], b=item["title"]))
    if (previous["start"], previous["end"]) != (item["start"], item["end"]):
        changes.append(_("Retimed “%(t)s”: %(a)s to %(b)s.", t=item["title"],
                         a=_span(previous), b=_span(item)))
    if previous["day"] != item["day"] or previous["position"] != item["position"]:
        changes.append(_("Moved “%(t)s” (now item %(n)d on %(day)s).", t=item["title"], n=item["position"],
                         day=_day(item["day"])))
    added_documents = set(item["document_ids"]) - set(previous["document_ids"])
    if added_documents:
        changes.append(ngettext("Added a document to “%(t)s”.", "Added %(num)d documents to “%(t)s”.",
                                len(added_documents), t=item["title"]))
    return changes


def change_list(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[str]:
    """A readable list of what changed between two agenda snapshots."""
    old = {item["id"]: item for item in before}
    new = {item["id"]: item for item in after}
    changes: list[str] = []
    for item in after:
        previous = old.get(item["id"])
        if previous is None:
            changes.append(_("Added “%(t)s” on %(day)s.", t=item["title"], day=_day(item["day"])))
        else:
            changes.extend(_item_changes(previous, item))
    for item in before:
        if item["id"] not in new:
            changes.append(_("Removed “%(t)s”.", t=item["title"]))
    return changes


def changes_of(version: AgendaVersion) -> list[str]:
    """What a version changed, written for the person reading (their language, their dates), from the two
    snapshots; ``version.changes`` keeps the list as it was written for its publisher."""
    if version.number == 1:
        return [_("First published agenda.")]
    previous = db.session.scalar(select(AgendaVersion).where(AgendaVersion.meeting_id == version.meeting_id,
                                                             AgendaVersion.number == version.number - 1))
    return change_list(previous.items, version.items) if previous is not None else list(version.changes)


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
        check_revision(meeting, base_revision)
        items = snapshot(meeting)
        if not items:
            raise ValidationError(_("The agenda is empty. Add at least one item, then publish."),
                                  fields={"agenda": _("Add an item first.")})
        previous = db.session.scalar(select(AgendaVersion).where(AgendaVersion.meeting_id == meeting.id)
                                     .order_by(AgendaVersion.number.desc()).limit(1))
        if previous is not None and previous.items == items:
            raise ConflictError(_("Nothing changed since version %(n)d.", n=previous.number))
        number = (previous.number if previous else 0) + 1
        changes = change_list(previous.items, items) if previous else [_("First published agenda.")]
        version = AgendaVersion(meeting_id=meeting.id, number=number, items=items, changes=changes,
                                published_by_id=actor.id)
        db.session.add(version)
        if meeting.status == MeetingStatus.DRAFT:
            meeting.status = MeetingStatus.PUBLISHED
        audit.record(actor, "agenda.publish", target_type="meeting", target_id=meeting.id,
                     details={"version": number, "changes": len(changes)})
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
            changes = changes_of(version)
            send_mail(person.email, _("Agenda changed: %(m)s (version %(n)d)", m=meeting.title, n=version.number),
                      _("The agenda of %(m)s was published again as version %(n)d.\n\n%(changes)s\n\n%(link)s",
                        m=meeting.title, n=version.number, changes="\n".join(f"- {c}" for c in changes),
                        link=link))
