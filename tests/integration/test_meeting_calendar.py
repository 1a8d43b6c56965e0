"""Calendars that follow the agenda: the ``.ics`` of versions 1, 2 and 3 parsed with icalendar (one UID per item
for its life, SEQUENCE raised exactly for what changed, removed items cancelled), and the meeting's own event."""

# ruff: noqa: F811 - the tests take the fixtures imported from test_meetings as arguments
from __future__ import annotations

from datetime import time

import pytest
from icalendar import Calendar

from cmc.extensions import db
from cmc.models import AgendaItem, Meeting
from cmc.services import meetings
from cmc.services.errors import ValidationError
from tests.integration.test_meetings import END, START, admin, meeting  # noqa: F401 - the fixtures


def item(title, start="09:00", end="10:00", day=START, **kwargs):
    return meetings.ItemInput(day=day, title=title, start_time=time.fromisoformat(start) if start else None,
                              end_time=time.fromisoformat(end) if end else None, **kwargs)


def add(admin, meeting, *args, **kwargs) -> AgendaItem:
    return meetings.add_item(admin, meeting.id, item(*args, **kwargs), meeting.agenda_revision)


def publish(admin, meeting):
    return meetings.publish_agenda(admin, meeting.id, db.session.get(Meeting, meeting.id).agenda_revision)


def fetch(client, meeting, number) -> Calendar:
    response = client.get(f"/meetings/{meeting.id}/agenda/{number}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data)


def events(calendar) -> dict[str, object]:
    """The VEVENTs of a calendar by UID (a UID twice would be a bug: the dict would hide it, so count)."""
    found = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert len(found) == len(calendar.walk("VEVENT")), "a UID appears twice"
    return found


def test_versions_1_2_3_keep_each_items_uid_raise_sequence_for_changes_and_cancel_removed_items(
        admin, meeting, signed_in, backend):
    add(admin, meeting, "Informal exchanges", None, None, day=END)  # no hours: never an event
    opening = add(admin, meeting, "Opening", "09:00", "10:00", presenters="TT")
    routes = add(admin, meeting, "Smuggling routes", "10:00", "11:00")
    closing = add(admin, meeting, "Closing session and decisions", "11:00", "12:00")  # the last row
    db.session.get(AgendaItem, opening.id).room = "Room 1"
    db.session.commit()
    publish(admin, meeting)

    # Version 2: one item retitled, the LAST item removed and a new one added (SQLite reuses the row id).
    closing_id, closing_uid = closing.id, closing.uid
    meetings.update_item(admin, routes.id, item("Smuggling routes and corridors", "10:00", "11:00"),
                         db.session.get(Meeting, meeting.id).agenda_revision)
    meetings.remove_item(admin, closing_id, db.session.get(Meeting, meeting.id).agenda_revision)
    exercise = add(admin, meeting, "Migrant smuggling: early alert exercise results", "11:00", "12:30")
    if backend == "sqlite":
        assert exercise.id == closing_id  # the trap the old row-id UID fell into
    assert exercise.uid != closing_uid
    publish(admin, meeting)
    # Version 3: one item retimed.
    meetings.update_item(admin, opening.id, item("Opening", "08:30", "10:00", presenters="TT"),
                         db.session.get(Meeting, meeting.id).agenda_revision)
    publish(admin, meeting)

    client, _delegate = signed_in("delegate", party="TT")
    v1, v2, v3 = (fetch(client, meeting, n) for n in (1, 2, 3))
    assert str(v1["method"]) == "PUBLISH"
    uid = {name: f"{row.uid}@cmc-platform" for name, row in
           (("opening", opening), ("routes", routes), ("closing", closing), ("exercise", exercise))}
    whole = f"meeting-{meeting.id}@cmc-platform"

    first = events(v1)
    assert set(first) == {whole, uid["opening"], uid["routes"], uid["closing"]}
    assert all(int(e["sequence"]) == 0 for e in first.values())
    assert all(str(e["status"]) == "CONFIRMED" for e in first.values())
    assert str(first[uid["opening"]]["location"]) == "Room 1, Hyatt, Port of Spain"
    assert "TT" in str(first[uid["opening"]]["description"])

    second = events(v2)
    assert set(second) == {whole, uid["opening"], uid["routes"], uid["closing"], uid["exercise"]}
    assert uid["exercise"] not in first  # a new item is a new event, never the removed one's
    assert [int(second[uid[k]]["sequence"]) for k in ("opening", "routes", "closing", "exercise")] == [0, 1, 1, 0]
    assert str(second[uid["routes"]]["summary"]) == "Smuggling routes and corridors"
    cancelled = second[uid["closing"]]
    assert str(cancelled["status"]) == "CANCELLED"
    assert str(cancelled["summary"]) == "Cancelled: Closing session and decisions"
    assert cancelled.decoded("dtstart").hour == 11  # the event keeps its last time: calendars find it there
    assert str(second[uid["exercise"]]["status"]) == "CONFIRMED"

    third = events(v3)
    assert set(third) == set(second)
    assert [int(third[uid[k]]["sequence"]) for k in ("opening", "routes", "closing", "exercise")] == [1, 1, 1, 0]
    assert third[uid["opening"]].decoded("dtstart").time() == time(8, 30)
    assert str(third[uid["closing"]]["status"]) == "CANCELLED"
    assert int(third[whole]["sequence"]) == 0  # the meeting's own details never changed
    # Version 1 asked again after version 3 still says what it said: the numbers are counted up to it.
    assert {k: int(e["sequence"]) for k, e in events(fetch(client, meeting, 1)).items()} == {
        k: int(e["sequence"]) for k, e in first.items()}


def test_an_item_that_loses_its_hours_is_cancelled_and_comes_back_as_a_new_revision(admin, meeting):
    talk = add(admin, meeting, "Talk", "09:00", "10:00")
    publish(admin, meeting)
    meetings.update_item(admin, talk.id, item("Talk", None, None), db.session.get(Meeting, meeting.id).agenda_revision)
    second = publish(admin, meeting)
    meetings.update_item(admin, talk.id, item("Talk", "09:00", "10:00"),
                         db.session.get(Meeting, meeting.id).agenda_revision)
    third = publish(admin, meeting)
    key = f"{talk.uid}@cmc-platform"
    at_two = events(Calendar.from_ical(meetings.to_ics(meeting, second)))[key]
    assert (str(at_two["status"]), int(at_two["sequence"])) == ("CANCELLED", 1)
    at_three = events(Calendar.from_ical(meetings.to_ics(meeting, third)))[key]
    assert (str(at_three["status"]), int(at_three["sequence"])) == ("CONFIRMED", 2)


def test_moving_an_item_down_the_list_is_no_calendar_change(admin, meeting):
    talk = add(admin, meeting, "Talk", "09:00", "10:00")
    other = add(admin, meeting, "Other", "10:00", "11:00")
    publish(admin, meeting)
    # Moving an item down the list changes its position, not its day or hours: calendars have nothing to update.
    meetings.move_item(admin, talk.id, 1, db.session.get(Meeting, meeting.id).agenda_revision)
    second = publish(admin, meeting)
    found = events(Calendar.from_ical(meetings.to_ics(meeting, second)))
    assert int(found[f"{talk.uid}@cmc-platform"]["sequence"]) == 0
    assert int(found[f"{other.uid}@cmc-platform"]["sequence"]) == 0


def _details(meeting, **changes):
    values = {"title": meeting.title, "kind": meeting.kind.value, "start_date": meeting.start_date,
              "end_date": meeting.end_date, "timezone": meeting.timezone, "venue": meeting.venue,
              "city": meeting.city, "host_party": "TT", "format": meeting.format.value, "link": meeting.link,
              "description": meeting.description, "status": meeting.status.value}
    return meetings.MeetingInput(**{**values, **changes})


def test_the_meetings_own_sequence_rises_once_per_save_that_changes_what_calendars_show(admin, meeting):
    talk = add(admin, meeting, "Talk", "09:00", "10:00")
    version = publish(admin, meeting)
    assert meeting.calendar_sequence == 0
    meetings.save_meeting(admin, _details(meeting, description="Background papers follow."), meeting.id)
    assert meeting.calendar_sequence == 0  # not a field the whole event's revision follows
    meetings.save_meeting(admin, _details(meeting), meeting.id)
    assert meeting.calendar_sequence == 0  # saved unchanged: nothing for a calendar
    meetings.save_meeting(admin, _details(meeting, venue="Hilton", city="Kingston", title="Moved"), meeting.id)
    assert meeting.calendar_sequence == 1  # three fields, one save: one revision
    meetings.save_meeting(admin, _details(meeting, timezone="America/Jamaica"), meeting.id)
    assert meeting.calendar_sequence == 2
    found = events(Calendar.from_ical(meetings.to_ics(meeting, version)))
    whole = found[f"meeting-{meeting.id}@cmc-platform"]
    assert int(whole["sequence"]) == 2 and str(whole["location"]) == "Hilton, Kingston"
    # The items moved with the meeting (same clock, other zone, other place): their events are newer too.
    assert int(found[f"{talk.uid}@cmc-platform"]["sequence"]) == 2
    assert str(found[f"{talk.uid}@cmc-platform"].decoded("dtstart").tzinfo) == "America/Jamaica"

    meetings.save_meeting(admin, _details(meeting, status="cancelled"), meeting.id)
    found = events(Calendar.from_ical(meetings.to_ics(meeting, version)))
    assert {str(e["status"]) for e in found.values()} == {"CANCELLED"}
    assert {int(e["sequence"]) for e in found.values()} == {3}
    assert str(found[f"meeting-{meeting.id}@cmc-platform"]["summary"]) == "Cancelled: Moved"


def test_a_refused_save_raises_no_sequence(admin, meeting):
    add(admin, meeting, "Talk", "09:00", "10:00", day=END)
    with pytest.raises(ValidationError):
        meetings.save_meeting(admin, _details(meeting, end_date=START, title="Shorter"), meeting.id)
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id).calendar_sequence == 0
