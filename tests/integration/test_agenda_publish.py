"""Publishing an agenda honestly: the change list by item identity through the real services, the builder's
button saying what would change (and absent when nothing would), the 409 when nothing changed, and two
publishes at the same moment making one version."""

from __future__ import annotations

import threading
from datetime import date, time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from cmc.extensions import db
from cmc.models import Account, AgendaItem, AgendaVersion, Meeting
from cmc.services import meetings
from cmc.services.errors import ConflictError
from tests.conftest import bearer_headers, form_token

DAY = date(2027, 3, 10)


@pytest.fixture
def admin(make_account: Any, make_party: Any) -> Account:
    make_party("TT")
    return make_account("secretariat")


@pytest.fixture
def meeting(admin: Account) -> Meeting:
    return meetings.save_meeting(admin, meetings.MeetingInput(
        title="Second CMC meeting", kind="annual_meeting", start_date=DAY, end_date=date(2027, 3, 11),
        city="Port of Spain", host_party="TT", status="draft"))


def add(admin: Account, meeting: Meeting, title: str, hour: int = 9) -> AgendaItem:
    return meetings.add_item(admin, meeting.id, meetings.ItemInput(
        day=DAY, title=title, start_time=time(hour), end_time=time(hour + 1)), meeting.agenda_revision)


def builder(client: Any, meeting: Meeting) -> str:
    return str(client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True))


def versions_count() -> int:
    db.session.commit()
    return int(db.session.scalar(select(func.count()).select_from(AgendaVersion)) or 0)


def test_removing_the_last_item_and_adding_one_is_never_a_retitle(admin: Account, meeting: Meeting) -> None:
    add(admin, meeting, "Opening")
    last = add(admin, meeting, "Closing session and decisions", 10)
    meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    last_id = last.id
    meetings.remove_item(admin, last_id, meeting.agenda_revision)
    added = add(admin, meeting, "Migrant smuggling: early alert exercise results", 11)
    second = meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    text = meetings.changes_of(second)
    assert text == ["Added “Migrant smuggling: early alert exercise results” on 10 Mar 2027.",
                    "Removed “Closing session and decisions”."], text
    assert not any("Retitled" in line or "Retimed" in line for line in text)
    assert [c["kind"] for c in second.changes] == ["added", "removed"]
    # What made the old diff lie: the database handed the deleted row's id to the new item (SQLite does).
    if db.engine.dialect.name == "sqlite":
        assert added.id == last_id


def test_the_builder_says_what_publishing_would_change(admin: Account, meeting: Meeting, sign_in: Any,
                                                       app: Flask) -> None:
    client = app.test_client()
    sign_in(client, admin)
    opening = add(admin, meeting, "Opening")
    assert meetings.pending_changes(meeting) == [meetings.Change(meetings.ChangeKind.FIRST, uid="")]
    assert "Publish version 1</button>" in client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)

    # Nothing differs: no button, a quiet line instead, and the meeting page says nothing is pending.
    assert meetings.pending_changes(meeting) == []
    page = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert "No changes since version 1." in page and f"/meetings/{meeting.id}/publish" not in page
    assert "not published yet" not in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)

    # Two changes to one item and a new item: three changes, listed beside the button.
    meetings.update_item(admin, opening.id, meetings.ItemInput(day=DAY, title="Welcome", start_time=time(8),
                                                               end_time=time(9)), meeting.agenda_revision)
    add(admin, meeting, "Routes", 10)
    page = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert "Publish version 2: 3 changes</button>" in page
    assert "Retitled “Opening” as “Welcome”." in page and "Added “Routes” on 10 Mar 2027." in page
    assert "the draft has changes that are not published yet" in \
        client.get(f"/meetings/{meeting.id}").get_data(as_text=True)

    # Undoing the edits by hand leaves fewer changes (one reads in the singular), then nothing to publish.
    routes = next(i for i in db.session.get(Meeting, meeting.id).items if i.title == "Routes")
    meetings.remove_item(admin, routes.id, meeting.agenda_revision)
    assert "Publish version 2: 2 changes</button>" in builder(client, meeting)
    meetings.update_item(admin, opening.id, meetings.ItemInput(day=DAY, title="Opening", start_time=time(8),
                                                               end_time=time(9)), meeting.agenda_revision)
    assert "Publish version 2: 1 change</button>" in builder(client, meeting)
    meetings.update_item(admin, opening.id, meetings.ItemInput(day=DAY, title="Opening", start_time=time(9),
                                                               end_time=time(10)), meeting.agenda_revision)
    assert meetings.pending_changes(meeting) == []
    assert "No changes since version 1." in builder(client, meeting)


def test_the_builder_reads_in_french(admin: Account, meeting: Meeting, sign_in: Any, app: Flask) -> None:
    add(admin, meeting, "Opening")
    meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    client = app.test_client()
    admin.language = "fr"
    db.session.commit()
    sign_in(client, admin)
    add(admin, meeting, "Routes", 10)
    page = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert "10 mars 2027" in page, "the pending change list is not written in the reader's language"


def test_publishing_with_nothing_changed_is_refused_everywhere(admin: Account, meeting: Meeting, sign_in: Any,
                                                              app: Flask) -> None:
    add(admin, meeting, "Opening")
    meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    with pytest.raises(ConflictError) as refused:
        meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    assert refused.value.message == "Nothing changed since version 1."

    client = app.test_client()
    sign_in(client, admin)
    token = form_token(client, f"/meetings/{meeting.id}")
    answer = client.post(f"/meetings/{meeting.id}/publish", data={"csrf_token": token,
                                                                   "revision": meeting.agenda_revision})
    assert answer.status_code == 409 and "Nothing changed since version 1." in answer.get_data(as_text=True)

    api = app.test_client().post(f"/api/v1/meetings/{meeting.id}/publish", headers=bearer_headers(admin),
                                 json={"revision": meeting.agenda_revision})
    assert api.status_code == 409
    assert versions_count() == 1


def test_the_api_writes_a_versions_changes_in_the_callers_language(admin: Account, meeting: Meeting,
                                                                   app: Flask) -> None:
    add(admin, meeting, "Opening")
    first = app.test_client().post(f"/api/v1/meetings/{meeting.id}/publish", headers=bearer_headers(admin),
                                   json={"revision": meeting.agenda_revision})
    assert first.status_code == 201 and first.get_json()["changes"] == ["First published agenda."]
    add(admin, meeting, "Routes", 10)
    headers = {**bearer_headers(admin), "Accept-Language": "fr"}
    admin.language = "fr"
    db.session.commit()
    second = app.test_client().post(f"/api/v1/meetings/{meeting.id}/publish", headers=headers,
                                    json={"revision": db.session.get(Meeting, meeting.id).agenda_revision})
    assert second.status_code == 201
    [line] = second.get_json()["changes"]
    assert "Routes" in line and "10 mars 2027" in line


def test_two_publishes_at_the_same_moment_make_one_version(admin: Account, meeting: Meeting, app: Flask) -> None:
    add(admin, meeting, "Opening")
    meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    add(admin, meeting, "Routes", 10)
    revision = db.session.get(Meeting, meeting.id).agenda_revision
    address = f"/api/v1/meetings/{meeting.id}/publish"
    heads = [bearer_headers(admin, f"tab {n}") for n in (1, 2)]
    db.session.commit()
    answers: list[Any] = [None, None]
    start = threading.Barrier(2)

    def publish(slot: int) -> None:
        start.wait()
        answers[slot] = app.test_client().post(address, headers=heads[slot], json={"revision": revision})

    threads = [threading.Thread(target=publish, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(a.status_code for a in answers) == [201, 409], [a.get_json() for a in answers]
    assert versions_count() == 2
    assert db.session.scalars(select(AgendaVersion.number).order_by(AgendaVersion.number)).all() == [1, 2]


def test_every_kind_of_change_reads_as_one_sentence(app: Flask) -> None:
    kind = meetings.ChangeKind
    found = [meetings.Change(k, "u", title="Routes", day="2027-03-10", position=2, before=before, after=after,
                             count=count)
             for k, before, after, count in [
                 (kind.FIRST, "", "", 0), (kind.ADDED, "", "", 0), (kind.REMOVED, "", "", 0),
                 (kind.MOVED, "2027-03-11", "2027-03-10", 0), (kind.MOVED, "2027-03-10", "2027-03-10", 0),
                 (kind.RETIMED, "09:00-10:00", "-", 0), (kind.RETITLED, "Paths", "Routes", 0),
                 (kind.PRESENTERS, "", "IOM", 0), (kind.ROOM, "Room A", "Room B", 0),
                 (kind.SESSION, "Day 1", "", 0), (kind.KIND, "session", "panel", 0),
                 (kind.DESCRIPTION, "a", "b", 0), (kind.DOCUMENTS_LINKED, "", "", 2),
                 (kind.DOCUMENTS_UNLINKED, "", "", 1)]]
    with app.test_request_context():
        assert meetings.describe_changes(found) == [
            "First published agenda.", "Added “Routes” on 10 Mar 2027.", "Removed “Routes”.",
            "Moved “Routes” to 10 Mar 2027.", "Moved “Routes” (now item 2 on 10 Mar 2027).",
            "Retimed “Routes”: 09:00\u201310:00 to \u2013.", "Retitled “Paths” as “Routes”.",
            "Changed the presenters of “Routes”: \u2013 to IOM.", "Changed the room of “Routes”: Room A to Room B.",
            "Changed the session of “Routes”: Day 1 to \u2013.", "Changed the kind of “Routes”: Session to Panel.",
            "Changed the description of “Routes”.", "Added 2 documents to “Routes”.",
            "Removed a document from “Routes”."]


def test_a_version_stored_with_sentences_is_read_from_its_snapshots(admin: Account, meeting: Meeting) -> None:
    """Versions published before the change lists were structured hold sentences in their publisher's language:
    they are worked out again from the two snapshots, by uid (0019 gave the snapshots theirs)."""
    add(admin, meeting, "Opening")
    meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    add(admin, meeting, "Routes", 10)
    second = meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    second.changes = ["Ajout de « Routes » le 10 mars 2027."]
    db.session.commit()
    assert meetings.changes_of(second) == ["Added “Routes” on 10 Mar 2027."]
    # Without the version before it, the sentences are all there is.
    db.session.delete(db.session.scalar(select(AgendaVersion).where(AgendaVersion.number == 1)))
    db.session.commit()
    assert meetings.changes_of(second) == ["Ajout de « Routes » le 10 mars 2027."]
