"""A meeting's own details (title, dates, place, format, status): what the secretariat creates and edits."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models.account import Account
from cmc.models.meeting import LINK_MAX, Meeting, MeetingFormat, MeetingKind, MeetingStatus, https_link
from cmc.models.party import Party
from cmc.services import audit
from cmc.services.errors import ValidationError
from cmc.services.meetings.access import get, require_manage
from cmc.services.text import field_errors as text_errors

MAX_DAYS = 14
#: What the whole-meeting calendar event shows (or, for the time zone, where every item falls): a change to
#: any of them is a new revision of that event, and of every item's (``calendar`` adds it to theirs).
CALENDAR_DETAILS = ("title", "start_date", "end_date", "timezone", "venue", "city", "link", "status")


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


def _date_errors(data: MeetingInput) -> dict[str, str]:
    """What is wrong with the first and last day, by field."""
    fields: dict[str, str] = {}
    if data.start_date is None:
        fields["start_date"] = _("Enter the first day.")
    if data.end_date is None:
        fields["end_date"] = _("Enter the last day.")
    if data.start_date and data.end_date:
        if data.end_date < data.start_date:
            fields["end_date"] = _("The meeting ends before it starts. Check the dates.")
        elif (data.end_date - data.start_date).days >= MAX_DAYS:
            fields["end_date"] = _("A meeting lasts at most %(n)d days.", n=MAX_DAYS)
    return fields


def _validate_meeting(data: MeetingInput) -> dict[str, Any]:
    fields = text_errors(title=data.title, venue=data.venue, city=data.city, link=data.link,
                         description=data.description)
    title = " ".join(data.title.split())
    if not title or len(title) > 200:
        fields["title"] = _("Give the meeting a title (up to 200 characters).")
    if data.kind not in {k.value for k in MeetingKind}:
        fields["kind"] = _("Choose the kind of meeting.")
    fields.update(_date_errors(data))
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
    require_manage(actor, meeting_id, "meeting.save")
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
            if any(getattr(meeting, key) != values[key] for key in CALENDAR_DETAILS):
                meeting.calendar_sequence += 1  # once per save, however many of them changed
            for key, value in values.items():
                setattr(meeting, key, value)
        db.session.flush()
        audit.record(actor, "meeting.save", target_type="meeting", target_id=meeting.id,
                     details={"title": meeting.title, "status": str(meeting.status)})
    return meeting
