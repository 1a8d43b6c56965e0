"""Rooms and the timetable: a room saved through the builder's forms and the API, overlaps warned per room,
the timetable drawn on the meeting and version pages (with the list kept for print), and the timetable PDF."""

# ruff: noqa: F811 - the tests take the fixtures imported from test_meetings as arguments
from __future__ import annotations

import io
import re
from datetime import date, time

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from cmc.extensions import db
from cmc.models import AgendaItem, Meeting
from cmc.services import meetings
from cmc.services.errors import ValidationError
from tests.conftest import form_token
from tests.integration.test_meetings import END, START, admin, meeting  # noqa: F401 - the fixtures


def item(title, start="09:00", end="10:00", room="", day=START, kind="session"):
    return meetings.ItemInput(day=day, title=title, start_time=time.fromisoformat(start) if start else None,
                              end_time=time.fromisoformat(end) if end else None, room=room, kind=kind)


def add(admin, meeting, *items):
    for each in items:
        meetings.add_item(admin, meeting.id, each, meeting.agenda_revision)


def test_a_room_is_saved_through_the_add_and_edit_forms(admin, meeting, signed_in):
    client, _secretariat = signed_in("secretariat", party="UNHCR")
    token = form_token(client, f"/meetings/{meeting.id}/agenda")
    added = client.post(f"/meetings/{meeting.id}/items", data={
        "title": "Protection at sea", "day": "2027-03-10", "start_time": "09:00", "end_time": "10:00",
        "kind": "session", "room": "  Salon   A ", "revision": str(meeting.agenda_revision), "csrf_token": token})
    assert added.status_code == 302
    saved = db.session.scalar(select(AgendaItem))
    assert saved.room == "Salon A"
    page = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert f'id="room-{saved.id}"' in page and 'value="Salon A"' in page and "Room: Salon A" in page
    db.session.expire_all()
    edited = client.post(f"/meetings/{meeting.id}/items/{saved.id}", data={
        "title": "Protection at sea", "day": "2027-03-10", "start_time": "09:00", "end_time": "10:00",
        "kind": "session", "room": "Salon B", "revision": str(db.session.get(Meeting, meeting.id).agenda_revision),
        "csrf_token": token})
    assert edited.status_code == 302
    db.session.expire_all()
    assert db.session.get(AgendaItem, saved.id).room == "Salon B"


@pytest.mark.parametrize(("room", "message"), [("x" * 121, "up to 120 characters"), ("Salon\x0bA", "")])
def test_a_bad_room_is_refused_and_nothing_changes(admin, meeting, signed_in, room, message):
    client, _secretariat = signed_in("secretariat", party="UNHCR")
    token = form_token(client, f"/meetings/{meeting.id}/agenda")
    refused = client.post(f"/meetings/{meeting.id}/items", data={
        "title": "Protection at sea", "day": "2027-03-10", "start_time": "09:00", "end_time": "10:00",
        "kind": "session", "room": room, "revision": str(meeting.agenda_revision), "csrf_token": token})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert 'id="error-summary"' in body and 'href="#room"' in body and message in body
    assert db.session.scalar(select(db.func.count()).select_from(AgendaItem)) == 0
    with pytest.raises(ValidationError) as direct:
        meetings.add_item(admin, meeting.id, item("Direct", room=room), meeting.agenda_revision)
    assert "room" in direct.value.fields


def test_the_api_takes_a_room_and_the_version_gives_it_back(admin, meeting, signed_in):
    client, _secretariat = signed_in("secretariat", party="UNHCR")
    headers = {"X-CSRFToken": form_token(client, "/")}
    added = client.post(f"/api/v1/meetings/{meeting.id}/items", headers=headers, json={
        "revision": meeting.agenda_revision, "day": "2027-03-10", "title": "Labour mobility",
        "start_time": "09:00", "end_time": "10:00", "room": "Salon B"})
    assert added.status_code == 201, added.get_json()
    wrong = client.post(f"/api/v1/meetings/{meeting.id}/items", headers=headers, json={
        "revision": added.get_json()["agenda_revision"], "day": "2027-03-10", "title": "x", "room": 7})
    assert wrong.status_code in (400, 422)
    assert db.session.scalar(select(db.func.count()).select_from(AgendaItem)) == 1
    published = client.post(f"/api/v1/meetings/{meeting.id}/publish", headers=headers,
                            json={"revision": added.get_json()["agenda_revision"]})
    assert published.status_code == 201
    assert [i["room"] for i in published.get_json()["items"]] == ["Salon B"]
    read = client.get(f"/api/v1/meetings/{meeting.id}").get_json()
    assert read["versions"][0]["items"][0]["room"] == "Salon B"


def test_overlaps_are_warned_in_the_same_room_only(admin, meeting, signed_in):
    add(admin, meeting, item("Protection at sea", "09:00", "10:30", "Salon A"),
        item("Labour mobility", "09:30", "11:00", "Salon B"))
    assert meetings.overlaps(meeting) == []
    add(admin, meeting, item("Opening", "09:00", "09:15"), item("Welcome", "09:10", "09:30", " "))
    add(admin, meeting, item("Data sharing", "10:00", "11:30", "salon a"))
    warnings = meetings.overlaps(meeting)
    assert warnings == [
        "“Opening” and “Welcome” overlap in the plenary room on Wednesday, 10 March 2027.",
        "“Protection at sea” and “Data sharing” overlap in room Salon A on Wednesday, 10 March 2027."]
    client, _secretariat = signed_in("secretariat", party="UNHCR")
    page = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert page.count('class="alert alert-warning py-2" role="alert"') == 2
    assert "overlap in room Salon A on Wednesday, 10 March 2027" in page
    assert "2027-03-10" not in re.sub(r'(value|data-day)="2027-03-10"', "", page)


def test_the_day_outside_the_meeting_is_named_as_people_write_it(admin, meeting):
    with pytest.raises(ValidationError) as outside:
        meetings.add_item(admin, meeting.id, item("Late", day=date(2027, 3, 12)), meeting.agenda_revision)
    assert outside.value.fields["day"] == "Choose a day of the meeting (10 Mar 2027 to 11 Mar 2027)."


def _published(admin, meeting):
    add(admin, meeting, item("Opening", "09:00", "09:30", kind="opening"),
        item("Protection at sea", "09:30", "11:00", "Salon A"),
        item("Labour mobility", "09:45", "11:00", "Salon B", kind="panel"),
        item("Field visit", None, None, day=END))
    return meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)


def _block(page: str, title: str) -> str:
    """The timetable cell holding ``title`` (its opening tag)."""
    match = re.search(r'(<td rowspan="\d+"[^>]*class="tt-block[^"]*"[^>]*>)<div class="tt-card">(?:(?!</td>).)*'
                      + re.escape(title), page, re.S)
    assert match, f"no block for {title}"
    return match.group(1)


@pytest.mark.parametrize("path", ["/meetings/{id}", "/meetings/{id}/agenda/1"])
def test_the_timetable_is_drawn_with_rooms_side_by_side_and_the_list_kept_for_print(admin, meeting, signed_in,
                                                                                  path):
    _published(admin, meeting)
    client, _delegate = signed_in("delegate", party="TT")
    page = client.get(path.format(id=meeting.id)).get_data(as_text=True)
    assert '<th scope="col" colspan="1" class="tt-room">Salon A</th>' in page
    assert '<th scope="col" colspan="1" class="tt-room">Salon B</th>' in page
    assert 'rowspan="2" colspan="2" class="tt-block tt-kind-opening"' in _block(page, "Opening")
    assert 'rowspan="6" class="tt-block tt-kind-session"' in _block(page, "Protection at sea")
    assert 'rowspan="5" class="tt-block tt-kind-panel"' in _block(page, "Labour mobility")
    assert re.search(r'<ul class="list-unstyled tt-untimed"><li class="tt-kind-session" data-item-id="\d+">'
                     r'<strong>Field visit</strong>', page)
    assert 'class="tt-print-only"' in page and 'class="table agenda-table' in page  # the list, for print
    assert 'aria-current="page" href="' in page and "?view=list#agenda-h" in page
    listed = client.get(path.format(id=meeting.id) + "?view=list").get_data(as_text=True)
    assert "tt-block" not in listed and 'class="table agenda-table' in listed and "tt-print-only" not in listed


def test_a_version_before_rooms_existed_is_drawn_in_the_plenary_room(admin, meeting, signed_in):
    version = _published(admin, meeting)
    version.items = [{k: v for k, v in i.items() if k != "room"} for i in version.items]
    db.session.commit()
    client, _delegate = signed_in("delegate", party="TT")
    page = client.get(f"/meetings/{meeting.id}/agenda/1").get_data(as_text=True)
    assert "tt-room" not in page and "tt-block tt-kind-panel" in page


@pytest.mark.parametrize(("layout", "name"), [("timetable", "-timetable"), ("", ""), ("<x>", "")])
def test_the_pdf_comes_as_a_list_or_as_a_timetable(admin, meeting, signed_in, layout, name):
    _published(admin, meeting)
    client, _delegate = signed_in("delegate", party="TT")
    response = client.get(f"/meetings/{meeting.id}/agenda/1.pdf?layout={layout}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="agenda-{meeting.id}-v1{name}.pdf"' in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    page = reader.pages[0]
    landscape = float(page.mediabox.width) > float(page.mediabox.height)
    assert landscape == (layout == "timetable")
    text = " ".join(" ".join(p.extract_text() or "" for p in reader.pages).split())
    for words in ("Second CMC meeting", "Agenda version 1", "Protection at sea", "Labour mobility", "Field visit"):
        assert words in text, text[:400]
    if layout == "timetable":
        assert "Salon A" in text and "Salon B" in text and "Wednesday, 10 March 2027" in text, text


def test_dates_in_agenda_texts_are_written_for_people_not_as_iso(admin, meeting, make_party):
    make_party("JM")
    meetings.add_action(admin, meeting.id, "Send the national protocol", owner_party="JM", due=date(2027, 6, 1))
    following = meetings.save_meeting(admin, meetings.MeetingInput(
        title="Third CMC meeting", kind="annual_meeting", start_date=date(2027, 9, 1), end_date=date(2027, 9, 2)))
    carried = meetings.carry_forward(admin, following.id, following.agenda_revision)
    assert "due 1 Jun 2027" in carried.description and "2027-06-01" not in carried.description
    add(admin, following, item("Opening", day=date(2027, 9, 2)), item("Closing", "10:00", "11:00",
                                                                       day=date(2027, 9, 2)))
    ids = [i.id for i in sorted(following.items, key=lambda i: i.id) if i.day == date(2027, 9, 2)]
    meetings.reorder_day(admin, following.id, date(2027, 9, 2), ids[::-1], following.agenda_revision)
    assert following.agenda_last_change.endswith("reordered 2 Sept 2027")
