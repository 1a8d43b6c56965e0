"""Meetings: the secretariat's agenda builder, published agenda versions with change lists, registration
of delegations, and the iCalendar export."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import (
    Account,
    ActionItem,
    ActionStatus,
    AgendaItem,
    AgendaVersion,
    Decision,
    ItemKind,
    Meeting,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    Membership,
    Minutes,
    Network,
    Party,
    PartyStatus,
    Registration,
    RegistrationStatus,
    Role,
)
from cmc.models.meeting import LINK_MAX, https_link
from cmc.models.types import utcnow
from cmc.realtime import notify
from cmc.services import audit, documents, markup
from cmc.services.errors import ConflictError, DeniedError, ValidationError
from cmc.services.mail import send_mail
from cmc.services.text import check as check_text
from cmc.services.text import field_errors as text_errors
from cmc.services.text import plain_safe, xml_safe

MAX_DAYS = 14


# --- who may do what -------------------------------------------------------------------------------------

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


def _require_manage(actor: Account, meeting_id: int | None, action: str) -> None:
    permissions.require(actor, "meeting.manage", action=action, target_type="meeting", target_id=meeting_id,
                        message=_("Only the secretariat prepares meetings and agendas."))


# --- meetings --------------------------------------------------------------------------------------------

@dataclass
class MeetingInput:
    """What the secretariat says about a meeting."""

    title: str
    kind: str
    start_date: date | None
    end_date: date | None
    timezone: str = "America/Port_of_Spain"
    venue: str = ""
    city: str = ""
    host_party: str = ""
    format: str = MeetingFormat.IN_PERSON.value
    link: str = ""
    network_id: int | None = None
    description: str = ""
    status: str = MeetingStatus.DRAFT.value


def _validate_meeting(data: MeetingInput) -> dict[str, Any]:
    fields = text_errors(title=data.title, venue=data.venue, city=data.city, link=data.link,
                               description=data.description)
    title = " ".join(data.title.split())
    if not title or len(title) > 200:
        fields["title"] = _("Give the meeting a title (up to 200 characters).")
    if data.kind not in {k.value for k in MeetingKind}:
        fields["kind"] = _("Choose the kind of meeting.")
    if data.start_date is None:
        fields["start_date"] = _("Enter the first day.")
    if data.end_date is None:
        fields["end_date"] = _("Enter the last day.")
    if data.start_date and data.end_date:
        if data.end_date < data.start_date:
            fields["end_date"] = _("The meeting ends before it starts. Check the dates.")
        elif (data.end_date - data.start_date).days >= MAX_DAYS:
            fields["end_date"] = _("A meeting lasts at most %(n)d days.", n=MAX_DAYS)
    if data.timezone not in zoneinfo.available_timezones():
        fields["timezone"] = _("Choose a time zone, for example America/Port_of_Spain.")
    if data.format not in {f.value for f in MeetingFormat}:
        fields["format"] = _("Choose in person, virtual or hybrid.")
    if data.link.strip() and https_link(data.link.strip()) is None:
        fields["link"] = _("Enter the online link as a full https:// address (up to %(n)d characters), like "
                           "https://meet.example.org/cmc.", n=LINK_MAX)
    if data.status not in {s.value for s in MeetingStatus}:
        fields["status"] = _("Choose a status.")
    host = None
    if data.host_party:
        host = db.session.scalar(select(Party).where(Party.code == data.host_party.upper()))
        if host is None:
            fields["host_party"] = _("There is no party with that code.")
    if fields:
        raise ValidationError(next(iter(fields.values())), fields=fields)
    return {"title": title, "kind": MeetingKind(data.kind), "start_date": data.start_date, "end_date": data.end_date,
            "timezone": data.timezone, "venue": data.venue.strip()[:200], "city": data.city.strip()[:120],
            "host_party_id": host.id if host else None, "format": MeetingFormat(data.format),
            "link": data.link.strip(), "network_id": data.network_id, "description": data.description.strip(),
            "status": MeetingStatus(data.status)}


def save_meeting(actor: Account, data: MeetingInput, meeting_id: int | None = None) -> Meeting:
    """Create or edit a meeting (secretariat); items outside new dates are refused."""
    _require_manage(actor, meeting_id, "meeting.save")
    values = _validate_meeting(data)
    with write_transaction():
        if meeting_id is None:
            meeting = Meeting(**values)
            db.session.add(meeting)
        else:
            meeting = get(actor, meeting_id)
            outside = [i.title for i in meeting.items if not values["start_date"] <= i.day <= values["end_date"]]
            if outside:
                message = _("Some agenda items fall outside the new dates: %(items)s.", items=", ".join(outside)[:200])
                raise ValidationError(message, fields={"end_date": message})
            for key, value in values.items():
                setattr(meeting, key, value)
        db.session.flush()
        audit.record(actor, "meeting.save", target_type="meeting", target_id=meeting.id,
                     details={"title": meeting.title, "status": str(meeting.status)})
    return meeting


# --- the agenda builder ----------------------------------------------------------------------------------

@dataclass
class ItemInput:
    """An agenda item as the form or the API gives it."""

    day: date | None
    title: str
    start_time: time | None = None
    end_time: time | None = None
    session: str = ""
    description: str = ""
    kind: str = ItemKind.SESSION.value
    presenters: str = ""
    document_ids: list[int] = field(default_factory=list)


def _check_revision(meeting: Meeting, base_revision: int) -> None:
    if meeting.agenda_revision != base_revision:
        raise ConflictError(_("Someone else changed the agenda since you opened it: %(change)s. Your change was "
                              "not saved; reload the agenda and make it again.",
                              change=meeting.agenda_last_change or _("an earlier edit")),
                            current_revision=meeting.agenda_revision)


def _touch(meeting: Meeting, actor: Account, change: str) -> None:
    meeting.agenda_revision += 1
    meeting.agenda_last_change = f"{actor.name}: {change}"[:300]


def _validate_item(actor: Account, meeting: Meeting, data: ItemInput) -> dict[str, Any]:
    fields = text_errors(title=data.title, session=data.session, description=data.description,
                               presenters=data.presenters)
    title = " ".join(data.title.split())
    if not title or len(title) > 200:
        fields["title"] = _("Give the item a title (up to 200 characters).")
    if data.day is None or not meeting.start_date <= data.day <= meeting.end_date:
        fields["day"] = _("Choose a day of the meeting (%(start)s to %(end)s).", start=meeting.start_date.isoformat(),
                          end=meeting.end_date.isoformat())
    if data.start_time and data.end_time and data.end_time <= data.start_time:
        fields["end_time"] = _("The item ends before it starts.")
    if data.kind not in {k.value for k in ItemKind}:
        fields["kind"] = _("Choose the kind of item.")
    readable: list[int] = []
    for document_id in dict.fromkeys(data.document_ids):
        try:
            documents.get(actor, document_id)
        except DeniedError:
            fields["document_ids"] = _("Document %(id)d does not exist or you may not read it.", id=document_id)
            break
        readable.append(document_id)
    if fields:
        raise ValidationError(next(iter(fields.values())), fields=fields)
    return {"day": data.day, "title": title, "start_time": data.start_time, "end_time": data.end_time,
            "session": data.session.strip()[:120], "description": data.description.strip(),
            "kind": ItemKind(data.kind), "presenters": data.presenters.strip()[:300], "document_ids": readable}


def overlaps(meeting: Meeting) -> list[str]:
    """Warnings for items of the same day whose times overlap (shown, never silently accepted)."""
    warnings = []
    by_day: dict[date, list[AgendaItem]] = {}
    for item in meeting.items:
        if item.start_time and item.end_time:
            by_day.setdefault(item.day, []).append(item)
    for day_items in by_day.values():
        ordered = sorted(day_items, key=lambda i: i.start_time or time.min)
        for first, second in pairwise(ordered):
            if second.start_time and first.end_time and second.start_time < first.end_time:
                warnings.append(_("“%(a)s” and “%(b)s” overlap on %(day)s.", a=first.title, b=second.title,
                                  day=first.day.isoformat()))
    return warnings


def add_item(actor: Account, meeting_id: int, data: ItemInput, base_revision: int) -> AgendaItem:
    """Add an item at the end of its day."""
    _require_manage(actor, meeting_id, "agenda.edit")
    with write_transaction():
        meeting = get(actor, meeting_id)
        _check_revision(meeting, base_revision)
        values = _validate_item(actor, meeting, data)
        last = db.session.scalar(select(func.max(AgendaItem.position)).where(
            AgendaItem.meeting_id == meeting.id, AgendaItem.day == values["day"]))
        item = AgendaItem(meeting_id=meeting.id, position=(last or 0) + 1, **values)
        db.session.add(item)
        _touch(meeting, actor, _("added “%(t)s”", t=item.title))
    return item


def _editable_item(actor: Account, item_id: int) -> AgendaItem:
    """An agenda item the actor may edit (inside the caller's write transaction); 404 when unknown."""
    item = db.session.get(AgendaItem, item_id)
    permissions.check(item is not None, action="agenda.edit", target_type="agenda_item", target_id=item_id,
                      hide=True)
    assert item is not None
    _require_manage(actor, item.meeting_id, "agenda.edit")
    return item


def update_item(actor: Account, item_id: int, data: ItemInput, base_revision: int) -> AgendaItem:
    """Change an item."""
    with write_transaction():
        item = _editable_item(actor, item_id)
        _check_revision(item.meeting, base_revision)
        values = _validate_item(actor, item.meeting, data)
        if values["day"] != item.day:
            last = db.session.scalar(select(func.max(AgendaItem.position)).where(
                AgendaItem.meeting_id == item.meeting_id, AgendaItem.day == values["day"]))
            item.position = (last or 0) + 1
        for key, value in values.items():
            setattr(item, key, value)
        _touch(item.meeting, actor, _("changed “%(t)s”", t=item.title))
    return item


def remove_item(actor: Account, item_id: int, base_revision: int) -> None:
    """Remove an item from the draft agenda (published versions keep it)."""
    with write_transaction():
        item = _editable_item(actor, item_id)
        meeting = item.meeting
        _check_revision(meeting, base_revision)
        title = item.title
        db.session.delete(item)
        _touch(meeting, actor, _("removed “%(t)s”", t=title))


def move_item(actor: Account, item_id: int, direction: int, base_revision: int) -> AgendaItem:
    """Move an item one place up (-1) or down (+1) within its day: the keyboard twin of drag and drop."""
    if direction not in (-1, 1):
        raise ValidationError(_("Move an item up or down by one place."), fields={"direction": "-1 or 1"})
    with write_transaction():
        item = _editable_item(actor, item_id)
        _check_revision(item.meeting, base_revision)
        day_items = sorted((i for i in item.meeting.items if i.day == item.day), key=lambda i: (i.position, i.id))
        index = day_items.index(item)
        target = index + direction
        if 0 <= target < len(day_items):
            day_items[index], day_items[target] = day_items[target], day_items[index]
            for position, each in enumerate(day_items, start=1):
                each.position = position
            _touch(item.meeting, actor, _("moved “%(t)s”", t=item.title))
    return item


# --- publishing ------------------------------------------------------------------------------------------

def snapshot(meeting: Meeting) -> list[dict[str, Any]]:
    """The draft agenda as plain data, in agenda order (what a version freezes)."""
    ordered = sorted(meeting.items, key=lambda i: (i.day, i.position, i.id))
    rows = []
    place: dict[date, int] = {}
    for i in ordered:
        # Positions count within a day: a change on day 1 does not "move" the items of day 2.
        place[i.day] = place.get(i.day, 0) + 1
        rows.append({"id": i.id, "day": i.day.isoformat(), "position": place[i.day], "session": i.session,
                     "start": i.start_time.strftime("%H:%M") if i.start_time else "",
                     "end": i.end_time.strftime("%H:%M") if i.end_time else "", "title": i.title,
                     "description": i.description, "kind": str(i.kind), "presenters": i.presenters,
                     "document_ids": list(i.document_ids)})
    return rows


def change_list(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[str]:
    """A readable list of what changed between two agenda snapshots."""
    old = {item["id"]: item for item in before}
    new = {item["id"]: item for item in after}
    changes: list[str] = []
    for item in after:
        previous = old.get(item["id"])
        if previous is None:
            changes.append(_("Added “%(t)s” on %(day)s.", t=item["title"], day=item["day"]))
            continue
        if previous["title"] != item["title"]:
            changes.append(_("Retitled “%(a)s” as “%(b)s”.", a=previous["title"], b=item["title"]))
        if (previous["start"], previous["end"]) != (item["start"], item["end"]):
            changes.append(_("Retimed “%(t)s”: %(a)s to %(b)s.", t=item["title"],
                             a=f"{previous['start']}-{previous['end']}", b=f"{item['start']}-{item['end']}"))
        if previous["day"] != item["day"] or previous["position"] != item["position"]:
            changes.append(_("Moved “%(t)s” (now item %(n)d on %(day)s).", t=item["title"], n=item["position"],
                             day=item["day"]))
        added_documents = set(item["document_ids"]) - set(previous["document_ids"])
        if added_documents:
            changes.append(_("Added %(n)d document(s) to “%(t)s”.", n=len(added_documents), t=item["title"]))
    for item in before:
        if item["id"] not in new:
            changes.append(_("Removed “%(t)s”.", t=item["title"]))
    return changes


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
    _require_manage(actor, meeting_id, "agenda.publish")
    with write_transaction():
        meeting = get(actor, meeting_id)
        _check_revision(meeting, base_revision)
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
    if number > 1:
        _notify_registered(meeting, version)
    return version


def _notify_registered(meeting: Meeting, version: AgendaVersion) -> None:
    parties = db.session.scalars(select(Registration.party_id).where(
        Registration.meeting_id == meeting.id, Registration.status != RegistrationStatus.DECLINED)).all()
    people = db.session.scalars(select(Account).where(Account.party_id.in_(parties), Account.active.is_(True),
                                                      Account.role.in_([Role.FOCAL_POINT, Role.DELEGATE]))).all()
    link = current_app.config["BASE_URL"].rstrip("/") + f"/meetings/{meeting.id}/agenda/{version.number}"
    text = "\n".join(f"- {change}" for change in version.changes)
    for person in people:
        notify.to_user(person.id, "notification", {
            "kind": "agenda.changed", "meeting_id": meeting.id, "changes": version.changes,
            "text": _("The agenda of %(m)s changed (version %(n)d): %(changes)s", m=meeting.title,
                      n=version.number, changes=" ".join(version.changes[:3]))})
        send_mail(person.email, _("Agenda changed: %(m)s (version %(n)d)", m=meeting.title, n=version.number),
                  _("The agenda of %(m)s was published again as version %(n)d.\n\n%(changes)s\n\n%(link)s",
                    m=meeting.title, n=version.number, changes=text, link=link))


# --- registration ----------------------------------------------------------------------------------------

DELEGATION_ROLES = ("head", "delegate", "adviser")


def register(actor: Account, meeting_id: int, party_code: str, members: list[dict[str, str]]) -> Registration:
    """A focal point registers their own party's delegation (the secretariat may register any party)."""
    meeting = get(actor, meeting_id)
    party = db.session.scalar(select(Party).where(Party.code == party_code.upper()))
    permissions.check(party is not None and permissions.can(actor, "meeting.register", party),
                      action="meeting.register", target_type="meeting", target_id=meeting.id,
                      target_party_id=party.id if party else None,
                      message=_("A focal point registers the delegation of their own party only."))
    assert party is not None
    if meeting.status in (MeetingStatus.CANCELLED, MeetingStatus.CONCLUDED, MeetingStatus.DRAFT):
        raise ConflictError(_("Registration is closed for this meeting."))
    clean = []
    for member in members:
        name = " ".join(str(member.get("name", "")).split())
        role = str(member.get("role", "delegate"))
        if not name:
            continue
        if text_errors(name=str(member.get("name", "")), title=str(member.get("title", ""))):
            raise ValidationError(_("A name or title holds an invisible control character: remove it."),
                                  fields={"members": _("Remove the control character.")})
        if role not in DELEGATION_ROLES or len(name) > 120:
            raise ValidationError(_("Each member needs a name and a role: head, delegate or adviser."),
                                  fields={"members": _("Check the names and roles.")})
        clean.append({"name": name, "title": str(member.get("title", ""))[:120], "role": role, "attended": False})
    if not clean:
        raise ValidationError(_("Name at least the head of delegation."), fields={"members": _("Add a name.")})
    if sum(1 for m in clean if m["role"] == "head") != 1:
        raise ValidationError(_("Name exactly one head of delegation."), fields={"members": _("One head.")})
    with write_transaction():
        registration = db.session.scalar(select(Registration).where(Registration.meeting_id == meeting.id,
                                                                    Registration.party_id == party.id))
        if registration is None:
            registration = Registration(meeting_id=meeting.id, party_id=party.id, registered_by_id=actor.id)
            db.session.add(registration)
        registration.members = clean
        registration.status = RegistrationStatus.PENDING
        registration.as_observer = party.status == PartyStatus.OBSERVER
        audit.record(actor, "meeting.register", target_type="meeting", target_id=meeting.id,
                     target_party_id=party.id, details={"members": len(clean)})
    return registration


def decide_registration(actor: Account, registration_id: int, confirm: bool) -> Registration:
    """The secretariat confirms or declines a delegation."""
    registration = db.session.get(Registration, registration_id)
    permissions.check(registration is not None, action="meeting.registration", target_type="registration",
                      target_id=registration_id, hide=True)
    assert registration is not None
    _require_manage(actor, registration.meeting_id, "meeting.registration")
    with write_transaction():
        registration = db.session.get(Registration, registration_id)
        assert registration is not None
        registration.status = RegistrationStatus.CONFIRMED if confirm else RegistrationStatus.DECLINED
        audit.record(actor, "meeting.registration", target_type="meeting", target_id=registration.meeting_id,
                     target_party_id=registration.party_id, details={"status": str(registration.status)})
    return registration


def registrations(meeting: Meeting) -> list[Registration]:
    """Delegations by party name (each with its party, already joined for the order)."""
    return list(db.session.scalars(select(Registration).join(Party, Party.id == Registration.party_id)
                                   .options(contains_eager(Registration.party))
                                   .where(Registration.meeting_id == meeting.id).order_by(Party.name)))


# --- iCalendar -------------------------------------------------------------------------------------------

def to_ics(meeting: Meeting, version: AgendaVersion | None) -> bytes:
    """The meeting and its sessions as iCalendar, in the meeting's time zone (text is never markup here;
    control characters, which RFC 5545 forbids in text, never reach the file whatever a row holds)."""
    from icalendar import Calendar, Event

    zone = zoneinfo.ZoneInfo(meeting.timezone)
    calendar = Calendar()
    calendar.add("prodid", "-//CMC Platform//Caribbean Migration Consultations//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-timezone", meeting.timezone)
    stamp = utcnow()
    whole = Event()
    whole.add("uid", f"meeting-{meeting.id}@cmc-platform")
    whole.add("dtstamp", stamp)
    whole.add("summary", plain_safe(meeting.title))
    whole.add("dtstart", meeting.start_date)
    whole.add("dtend", meeting.end_date + timedelta(days=1))
    whole.add("location", plain_safe(", ".join(x for x in (meeting.venue, meeting.city) if x)
                                     or meeting.safe_link or ""))
    whole.add("description", plain_safe(meeting.description))
    calendar.add_component(whole)
    for item in version.items if version else []:
        if not item["start"]:
            continue
        day = date.fromisoformat(str(item["day"]))
        start = datetime.combine(day, time.fromisoformat(str(item["start"])), zone)
        end = datetime.combine(day, time.fromisoformat(str(item["end"] or item["start"])), zone)
        event = Event()
        event.add("uid", f"meeting-{meeting.id}-item-{item['id']}@cmc-platform")
        event.add("dtstamp", stamp)
        event.add("summary", plain_safe(str(item["title"])))
        event.add("dtstart", start)
        event.add("dtend", max(end, start + timedelta(minutes=5)))
        if item["description"]:
            event.add("description", plain_safe(str(item["description"])))
        calendar.add_component(event)
    calendar.add_missing_timezones()  # RFC 5545: a VTIMEZONE for every TZID used
    return calendar.to_ical()


# --- printable agenda and document pack ------------------------------------------------------------------

def agenda_pdf(meeting: Meeting, version: AgendaVersion, html: str) -> bytes:
    """The printable A4 agenda of one version (the HTML comes from a template; WeasyPrint lays it out).
    Characters XML forbids are replaced first: a lone surrogate in a stored title cannot even be encoded."""
    from weasyprint import HTML

    return HTML(string=xml_safe(html), base_url=None).write_pdf()


def document_pack(actor: Account, meeting: Meeting, version: AgendaVersion) -> tuple[bytes, int, int]:
    """A ZIP of the documents linked in a version that the actor may read, in agenda order.

    Returns the archive, how many files it holds and how many were left out (not readable by the actor)."""
    import io
    import zipfile

    from cmc.models import Document

    buffer = io.BytesIO()
    added = skipped = 0
    seen: set[int] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, item in enumerate(version.items, start=1):
            for document_id in item.get("document_ids", []) or []:
                if document_id in seen:
                    continue
                seen.add(document_id)
                document = db.session.get(Document, document_id)
                if (document is None or not permissions.can(actor, "document.read", document)
                        or not document.current_version):
                    skipped += 1
                    continue
                _doc, file_version = documents.open_version(actor, document_id, None)
                safe_title = "".join(ch if ch.isalnum() or ch in " -_" else "_" for ch in document.title)[:60]
                name = f"{number:02d} {safe_title} (v{file_version.number}).{file_version.extension}"
                archive.write(documents.storage().path(file_version.storage_key), arcname=name)
                added += 1
        archive.writestr("README.txt", f"{meeting.title}\nAgenda version {version.number}\n"
                                       f"{added} document(s) in agenda order; {skipped} left out.\n")
    return buffer.getvalue(), added, skipped


# --- after the meeting: minutes, decisions, action items -------------------------------------------------

def save_minutes(actor: Account, meeting_id: int, body: str, *, final: bool = False) -> Minutes:
    """Write the minutes (the earlier text is kept); ``final`` locks them for good."""
    _require_manage(actor, meeting_id, "minutes.save")
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
    _require_manage(actor, meeting_id, "decision.add")
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
    _require_manage(actor, meeting_id, "action.add")
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
    return action


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
    """Open action items the actor's party or networks own, soonest due first (for home)."""
    mine = select(Membership.network_id).where(Membership.account_id == actor.id)
    # Home and the API show each item's meeting and owner: load them with the items.
    return (select(ActionItem).options(joinedload(ActionItem.meeting), joinedload(ActionItem.owner_party),
                                       joinedload(ActionItem.owner_network))
            .where(ActionItem.status != ActionStatus.DONE,
                   or_(ActionItem.owner_party_id == actor.party_id, ActionItem.owner_network_id.in_(mine)))
            .order_by(ActionItem.due_date.is_(None), ActionItem.due_date, ActionItem.id))


def open_actions_before(meeting: Meeting) -> list[ActionItem]:
    """Open action items of earlier meetings (what this meeting's agenda carries forward)."""
    return list(db.session.scalars(select(ActionItem).join(Meeting, Meeting.id == ActionItem.meeting_id).where(
        ActionItem.status != ActionStatus.DONE, Meeting.start_date < meeting.start_date)
        .order_by(ActionItem.due_date.is_(None), ActionItem.due_date)))


def carry_forward(actor: Account, meeting_id: int, base_revision: int) -> AgendaItem | None:
    """Add a "Follow-up of action items" item on the first day listing every open action of earlier meetings."""
    meeting = get(actor, meeting_id)
    actions = open_actions_before(meeting)
    if not actions:
        raise ValidationError(_("No open action items from earlier meetings."), fields={"agenda": _("Nothing.")})
    lines = [f"- {a.title} ({a.owner_party.code if a.owner_party else a.owner_network.name if a.owner_network else ''}"
             f"{', due ' + a.due_date.isoformat() if a.due_date else ''}; {a.status.value.replace('_', ' ')})"
             for a in actions]
    return add_item(actor, meeting_id, ItemInput(day=meeting.start_date, title=_("Follow-up of action items"),
                                                 description="\n".join(lines), kind="session"), base_revision)


def reorder_day(actor: Account, meeting_id: int, day: date, item_ids: list[int], base_revision: int) -> None:
    """Put one day's items in the given order (what drag and drop sends)."""
    _require_manage(actor, meeting_id, "agenda.edit")
    with write_transaction():
        meeting = get(actor, meeting_id)
        _check_revision(meeting, base_revision)
        day_items = {i.id: i for i in meeting.items if i.day == day}
        if sorted(item_ids) != sorted(day_items):
            raise ValidationError(_("The new order must list every item of that day once."),
                                  fields={"agenda": _("Reload and try again.")})
        for position, item_id in enumerate(item_ids, start=1):
            day_items[item_id].position = position
        _touch(meeting, actor, _("reordered %(day)s", day=day.isoformat()))


def mark_attendance(actor: Account, registration_id: int, attended: list[int]) -> Registration:
    """The secretariat marks which members of a delegation attended (by their place in the list)."""
    registration = db.session.get(Registration, registration_id)
    permissions.check(registration is not None, action="meeting.attendance", target_type="registration",
                      target_id=registration_id, hide=True)
    assert registration is not None
    _require_manage(actor, registration.meeting_id, "meeting.attendance")
    with write_transaction():
        registration = db.session.get(Registration, registration_id)
        assert registration is not None
        registration.members = [{**m, "attended": n in attended} for n, m in enumerate(registration.members)]
        audit.record(actor, "meeting.attendance", target_type="meeting", target_id=registration.meeting_id,
                     target_party_id=registration.party_id, details={"attended": len(attended)})
    return registration
