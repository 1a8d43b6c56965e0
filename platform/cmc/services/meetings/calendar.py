"""Meetings in calendar programs (RFC 5545): the downloadable ``.ics`` of one agenda version and the
subscribed feeds, built so that a calendar that fetches them again follows the agenda.

What makes a calendar follow (and not keep ghosts or overwrite the wrong event):

- each agenda item is one event for its whole life: ``UID`` = the item's ``uid`` (never the row id, which
  SQLite hands to the next row after a delete), the whole meeting one more event with a UID of its own;
- ``SEQUENCE`` counts the revisions of an event: an item's is raised once for every published version that
  changed what a calendar shows of it (day, hours, title, description, room, presenters), counted over
  versions 1..n, so version n always gives the same numbers; the meeting's own ``calendar_sequence`` (raised
  by ``save_meeting`` when its dates, time zone, place, title or status change) is added to every event,
  because such a change moves, re-places or cancels every item too;
- an item that was in the calendar and is no longer (removed, or its hours taken away) stays in the file
  as ``STATUS:CANCELLED`` with a raised ``SEQUENCE``: with ``METHOD:PUBLISH`` that is how an event goes away.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from icalendar import vDuration
from sqlalchemy import select

from cmc.extensions import db
from cmc.i18n.timefmt import zone_named
from cmc.models.meeting import AgendaVersion, Meeting, MeetingStatus
from cmc.models.types import utcnow
from cmc.services.text import plain_safe

if TYPE_CHECKING:
    from icalendar import Calendar, Event

DOMAIN = "cmc-platform"
PRODID = "-//CMC Platform//Caribbean Migration Consultations//EN"
#: What a calendar shows of an item: a change to any of these is a new revision of its event.
CALENDAR_FIELDS = ("day", "start", "end", "title", "description", "room", "presenters")
#: How often a subscribed calendar should fetch the feed again (RFC 7986 and the older Microsoft name).
REFRESH = timedelta(hours=1)
#: A calendar hides events shorter than this; an item with no end (or a zero length) lasts this long.
SHORTEST = timedelta(minutes=5)


@dataclass
class ItemState:
    """One item as the calendar knows it after a run of versions: its last timed snapshot, its revision
    count, and whether version n still holds it with hours."""

    item: dict[str, Any]
    content: tuple[str, ...]
    sequence: int = 0
    live: bool = True


def item_uid(meeting_id: int | None, item: dict[str, Any]) -> str:
    """An item's calendar UID (snapshots written before items had a uid fall back to the row id)."""
    uid = item.get("uid") or f"meeting-{meeting_id}-item-{item.get('id')}"
    return f"{uid}@{DOMAIN}"


def meeting_uid(meeting: Meeting) -> str:
    """The whole meeting's calendar UID."""
    return f"meeting-{meeting.id}@{DOMAIN}"


def _content(item: dict[str, Any]) -> tuple[str, ...] | None:
    """What a calendar shows of an item, or None when it has no hours (it is then no event at all)."""
    if not item.get("start"):
        return None
    return tuple(str(item.get(name) or "") for name in CALENDAR_FIELDS)


def item_states(snapshots: Iterable[Sequence[dict[str, Any]]], meeting_id: int | None = None) -> dict[str, ItemState]:
    """Every item that was ever an event in versions 1..n (``snapshots`` in version order), by UID.

    A version that changes an item's calendar content raises its sequence by one; a version that drops it
    (removed, or no hours any more) raises it by one and marks it cancelled; coming back raises it again.
    """
    states: dict[str, ItemState] = {}
    for items in snapshots:
        present: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {}
        for item in items:
            content = _content(item)
            if content is not None:
                present[item_uid(meeting_id, item)] = (item, content)
        for uid, (item, content) in present.items():
            state = states.get(uid)
            if state is None:
                states[uid] = ItemState(item=item, content=content)
                continue
            if not state.live or state.content != content:
                state.sequence += 1
            state.item, state.content, state.live = item, content, True
        for uid, state in states.items():
            if state.live and uid not in present:
                state.live = False
                state.sequence += 1
    return states


def _place(meeting: Meeting, room: str = "") -> str:
    return plain_safe(", ".join(x for x in (room, meeting.venue, meeting.city) if x) or meeting.safe_link or "")


def _meeting_link(meeting: Meeting) -> str | None:
    if meeting.id is None or not has_app_context():
        return None
    return current_app.config["BASE_URL"].rstrip("/") + f"/meetings/{meeting.id}"


def _cancelled(title: str) -> str:
    return _("Cancelled: %(title)s", title=title)


def item_event(meeting: Meeting, state: ItemState, *, zone: tzinfo | None, stamp: datetime) -> Event:
    """One item as a VEVENT, in ``zone`` (the meeting's own when None); cancelled when version n no longer
    holds it or the meeting is cancelled."""
    from icalendar import Event

    item = state.item
    here = zone_named(meeting.timezone)
    day = date.fromisoformat(str(item["day"]))
    start = datetime.combine(day, time.fromisoformat(str(item["start"])), here)
    end = max(datetime.combine(day, time.fromisoformat(str(item.get("end") or item["start"])), here),
              start + SHORTEST)
    if zone is not None:
        start, end = start.astimezone(zone), end.astimezone(zone)
    cancelled = not state.live or meeting.status == MeetingStatus.CANCELLED
    title = plain_safe(str(item["title"]))
    event = Event()
    event.add("uid", item_uid(meeting.id, item))
    event.add("dtstamp", stamp)
    event.add("sequence", state.sequence + (meeting.calendar_sequence or 0))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("summary", _cancelled(title) if cancelled else title)
    event.add("dtstart", start)
    event.add("dtend", end)
    location = _place(meeting, str(item.get("room") or ""))
    if location:
        event.add("location", location)
    lines = [str(item.get("description") or "")]
    if item.get("presenters"):
        lines.append(_("Presenters: %(names)s", names=item["presenters"]))
    description = plain_safe("\n\n".join(line for line in lines if line))
    if description:
        event.add("description", description)
    return event


def meeting_event(meeting: Meeting, version: AgendaVersion | None, *, stamp: datetime) -> Event:
    """The whole meeting as an all-day VEVENT; its description, written in the reader's language, says which
    agenda version the file holds and where the meeting's page is."""
    from icalendar import Event

    cancelled = meeting.status == MeetingStatus.CANCELLED
    title = plain_safe(meeting.title)
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", stamp)
    event.add("sequence", meeting.calendar_sequence or 0)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("summary", _cancelled(title) if cancelled else title)
    event.add("dtstart", meeting.start_date)
    event.add("dtend", meeting.end_date + timedelta(days=1))  # DTEND of an all-day event is exclusive
    event.add("location", _place(meeting))
    link = _meeting_link(meeting)
    lines = [meeting.description or "",
             _("Agenda version %(n)d", n=version.number) if version else _("The agenda is not published yet.")]
    if link:
        event.add("url", link)
        lines.append(_("The agenda, its changes and documents: %(link)s", link=link))
    event.add("description", plain_safe("\n\n".join(line for line in lines if line)))
    return event


def meeting_events(meeting: Meeting, history: Sequence[AgendaVersion], *, zone: tzinfo | None,
                   stamp: datetime) -> list[Event]:
    """The whole meeting, then the items of the last version of ``history`` (versions 1..n, in order) in
    agenda order, then the items cancelled since they were first published."""
    version = history[-1] if history else None
    states = item_states((v.items for v in history), meeting.id)
    events = [meeting_event(meeting, version, stamp=stamp)]
    live = [item_uid(meeting.id, item) for item in (version.items if version else [])]
    for uid in live:
        if uid in states and states[uid].live:
            events.append(item_event(meeting, states[uid], zone=zone, stamp=stamp))
    events.extend(item_event(meeting, state, zone=zone, stamp=stamp) for state in states.values() if not state.live)
    return events


def _calendar(*, name: str, zone_name: str, refresh: bool) -> Calendar:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    # PUBLISH, not REQUEST or CANCEL: neither the file nor a feed is a scheduling message; calendar programs
    # replace what they hold by UID and drop what comes back cancelled.
    calendar.add("method", "PUBLISH")
    # One line: the library writes an X- property as it is, and a line break in it would break the file.
    calendar.add("x-wr-calname", " ".join(plain_safe(name).split()))
    calendar.add("x-wr-timezone", zone_name)
    if refresh:
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        # An X- property is written as given (a timedelta would read "1:00:00"): the duration's own text.
        calendar.add("x-published-ttl", vDuration(REFRESH).to_ical().decode())
    return calendar


def _finish(calendar: Calendar, events: Iterable[Event]) -> bytes:
    for event in events:
        calendar.add_component(event)
    calendar.add_missing_timezones()  # RFC 5545: a VTIMEZONE for every TZID used
    return calendar.to_ical()


def history_until(meeting: Meeting, version: AgendaVersion | None) -> list[AgendaVersion]:
    """Versions 1..n of the meeting's agenda, n being ``version`` (just ``version`` when it is not stored)."""
    if version is None:
        return []
    if meeting.id is None or version.id is None:
        return [version]
    return list(db.session.scalars(select(AgendaVersion).where(
        AgendaVersion.meeting_id == meeting.id, AgendaVersion.number <= version.number)
        .order_by(AgendaVersion.number)))


def histories(meeting_ids: Sequence[int]) -> dict[int, list[AgendaVersion]]:
    """Every published version of each meeting, in order, in one query (what a feed of many meetings needs)."""
    found: dict[int, list[AgendaVersion]] = {meeting_id: [] for meeting_id in meeting_ids}
    if meeting_ids:
        for version in db.session.scalars(select(AgendaVersion).where(AgendaVersion.meeting_id.in_(meeting_ids))
                                          .order_by(AgendaVersion.meeting_id, AgendaVersion.number)):
            found[version.meeting_id].append(version)
    return found


def to_ics(meeting: Meeting, version: AgendaVersion | None) -> bytes:
    """The downloadable ``.ics`` of one agenda version, in the meeting's time zone (text is never markup here;
    control characters, which RFC 5545 forbids in text, never reach the file whatever a row holds)."""
    stamp = utcnow()
    calendar = _calendar(name=meeting.title, zone_name=meeting.timezone, refresh=False)
    return _finish(calendar, meeting_events(meeting, history_until(meeting, version), zone=None, stamp=stamp))


def feed_ics(meetings: Sequence[Meeting], *, zone_name: str, name: str) -> bytes:
    """A subscribed feed: the current version of each meeting, times in the zone named ``zone_name`` (the
    subscriber's), texts in the language in force (the caller sets the subscriber's)."""
    stamp = utcnow()
    zone = zone_named(zone_name)
    found = histories([m.id for m in meetings])
    # The zone's own name: an account's stored name this machine does not know has become UTC.
    calendar = _calendar(name=name, zone_name=getattr(zone, "key", "UTC"), refresh=True)
    events: list[Event] = []
    for meeting in meetings:
        events.extend(meeting_events(meeting, found[meeting.id], zone=zone, stamp=stamp))
    return _finish(calendar, events)
