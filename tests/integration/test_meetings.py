"""Meetings: the agenda builder, versions with change lists, conflicts, registration and iCalendar."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from cmc.extensions import db
from cmc.models import AgendaVersion, Meeting
from cmc.services import meetings
from cmc.services.errors import ConflictError, DeniedError, ValidationError
from tests.conftest import form_token

START, END = date(2027, 3, 10), date(2027, 3, 11)


@pytest.fixture
def admin(make_account, make_party):
    make_party("TT")
    make_party("JM")
    make_party("US", status="observer")
    return make_account("secretariat")


@pytest.fixture
def meeting(admin):
    return meetings.save_meeting(admin, meetings.MeetingInput(
        title="Second CMC meeting", kind="annual_meeting", start_date=START, end_date=END, venue="Hyatt",
        city="Port of Spain", host_party="TT", status="draft"))


def item(title, day=START, start="09:00", end="10:00", **kwargs):
    return meetings.ItemInput(day=day, title=title, start_time=time.fromisoformat(start),
                              end_time=time.fromisoformat(end), **kwargs)


def build(admin, meeting, *titles):
    for n, title in enumerate(titles):
        meetings.add_item(admin, meeting.id, item(title, start=f"{9 + n:02d}:00", end=f"{10 + n:02d}:00"),
                          meeting.agenda_revision)
    return meeting


def test_build_publish_retime_and_publish_again_with_a_change_list(admin, meeting):
    build(admin, meeting, "Opening", "Smuggling routes", "Closing")
    first = meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    assert first.number == 1 and [i["title"] for i in first.items] == ["Opening", "Smuggling routes", "Closing"]
    closing = next(i for i in meeting.items if i.title == "Closing")
    meetings.move_item(admin, closing.id, -1, meeting.agenda_revision)
    routes = next(i for i in meeting.items if i.title == "Smuggling routes")
    meetings.update_item(admin, routes.id, item("Smuggling routes", start="14:00", end="15:30"),
                         meeting.agenda_revision)
    meetings.add_item(admin, meeting.id, item("Field visit", day=END), meeting.agenda_revision)
    second = meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    text = " ".join(meetings.changes_of(second))
    assert second.number == 2
    assert "Retimed “Smuggling routes”: 10:00\u201311:00 to 14:00\u201315:30." in text
    assert "Moved “Closing”" in text and "Added “Field visit” on 11 Mar 2027." in text
    assert db.session.scalar(select(AgendaVersion).where(AgendaVersion.number == 1)).items == first.items
    assert meeting.status == "published"


def test_two_saves_from_the_same_base_version_conflict(admin, meeting, make_account):
    build(admin, meeting, "Opening")
    base = meeting.agenda_revision
    colleague = make_account("secretariat", party="UNHCR")
    meetings.add_item(colleague, meeting.id, item("Panel on protection"), base)
    with pytest.raises(ConflictError) as conflict:
        meetings.add_item(admin, meeting.id, item("Coffee"), base)
    assert "Panel on protection" in conflict.value.message
    assert [i.title for i in db.session.get(Meeting, meeting.id).items] == ["Opening", "Panel on protection"]


@pytest.mark.parametrize(("start", "end", "field"), [(END, START, "end_date"), (START, None, "end_date")])
def test_meeting_dates_are_checked(admin, start, end, field):
    with pytest.raises(ValidationError) as refused:
        meetings.save_meeting(admin, meetings.MeetingInput(title="X", kind="webinar", start_date=start,
                                                           end_date=end))
    assert field in refused.value.fields
    assert db.session.scalar(select(db.func.count()).select_from(Meeting)) == 0


def test_item_outside_the_dates_and_backwards_times_are_refused(admin, meeting):
    with pytest.raises(ValidationError) as outside:
        meetings.add_item(admin, meeting.id, item("Late", day=date(2027, 3, 12)), meeting.agenda_revision)
    assert "day" in outside.value.fields
    with pytest.raises(ValidationError) as backwards:
        meetings.add_item(admin, meeting.id, item("Backwards", start="11:00", end="10:00"), meeting.agenda_revision)
    assert "end_time" in backwards.value.fields


def test_overlaps_are_warned(admin, meeting):
    meetings.add_item(admin, meeting.id, item("A", start="09:00", end="10:30"), meeting.agenda_revision)
    meetings.add_item(admin, meeting.id, item("B", start="10:00", end="11:00"), meeting.agenda_revision)
    assert meetings.overlaps(meeting) and "overlap" in meetings.overlaps(meeting)[0]


def test_publishing_an_empty_agenda_is_refused(admin, meeting):
    with pytest.raises(ValidationError) as refused:
        meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    assert "empty" in refused.value.message


def test_delegate_cannot_edit_and_draft_is_hidden(admin, meeting, signed_in):
    client, delegate = signed_in("delegate", party="TT")
    with pytest.raises(DeniedError):
        meetings.add_item(delegate, meeting.id, item("Mine"), meeting.agenda_revision)
    assert client.get(f"/meetings/{meeting.id}").status_code == 404  # drafts: the secretariat only
    build(admin, meeting, "Opening")
    meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    assert client.get(f"/meetings/{meeting.id}").status_code == 200
    response = client.post(f"/meetings/{meeting.id}/items", data={"title": "x", "day": "2027-03-10",
                                                                  "csrf_token": form_token(client, "/")})
    assert response.status_code == 403


def test_document_links_are_checked_against_what_the_person_may_read(admin, meeting):
    with pytest.raises(ValidationError) as refused:
        meetings.add_item(admin, meeting.id, item("With a document", document_ids=[424242]),
                          meeting.agenda_revision)
    assert "document_ids" in refused.value.fields


def test_registration_by_focal_points_of_their_own_party(admin, meeting, make_account):
    build(admin, meeting, "Opening")
    meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    focal = make_account("focal_point", party="JM")
    registration = meetings.register(focal, meeting.id, "JM", [{"name": "Minister", "role": "head"},
                                                               {"name": "Officer", "role": "delegate"}])
    assert registration.status == "pending" and not registration.as_observer
    with pytest.raises(DeniedError):
        meetings.register(focal, meeting.id, "TT", [{"name": "Someone", "role": "head"}])
    with pytest.raises(ValidationError):
        meetings.register(focal, meeting.id, "JM", [{"name": "A", "role": "delegate"}])  # no head
    observer_focal = make_account("focal_point", party="US")
    assert meetings.register(observer_focal, meeting.id, "US", [{"name": "Obs", "role": "head"}]).as_observer
    confirmed = meetings.decide_registration(admin, registration.id, True)
    assert confirmed.status == "confirmed"


def test_registered_delegations_are_told_of_a_new_version(admin, meeting, make_account, capsys):
    build(admin, meeting, "Opening")
    meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    focal = make_account("focal_point", party="JM")
    meetings.register(focal, meeting.id, "JM", [{"name": "Minister", "role": "head"}])
    meetings.add_item(admin, meeting.id, item("New session", start="11:00", end="12:00"), meeting.agenda_revision)
    capsys.readouterr()
    meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    console = capsys.readouterr().out  # no mail server in the tests: the mail is shown on the console
    assert f"To: {focal.email}" in console and "New session" in console


def test_each_delegate_reads_the_change_list_in_their_own_language(admin, meeting, make_account, capsys):
    build(admin, meeting, "Opening")
    meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    focal = make_account("focal_point", party="JM")
    focal.language = "fr"
    db.session.commit()
    meetings.register(focal, meeting.id, "JM", [{"name": "Ministre", "role": "head"}])
    meetings.add_item(admin, meeting.id, item("Field visit", day=END, start="11:00", end="12:00"),
                      meeting.agenda_revision)
    capsys.readouterr()
    version = meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    console = capsys.readouterr().out
    # The version keeps its changes structured; the publisher reads them in English, the French focal point's
    # mail is in French, dates included.
    assert "Added “Field visit” on 11 Mar 2027." in meetings.changes_of(version)
    assert {change["kind"] for change in version.changes} == {"added"}
    mail = console.split(f"To: {focal.email}", 1)[1]
    assert "Subject: Ordre du jour modifié\u00a0: Second CMC meeting (version 2)" in mail
    assert "Field visit" in mail and "11 mars 2027" in mail and "Added" not in mail


def test_html_in_an_item_title_is_escaped_in_the_page_and_the_ics(admin, meeting, signed_in):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    build(admin, meeting, hostile)
    meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    client, _delegate = signed_in("delegate", party="TT")
    page = client.get(f"/meetings/{meeting.id}/agenda/1").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    ics = client.get(f"/meetings/{meeting.id}/agenda/1.ics")
    assert ics.mimetype == "text/calendar"
    calendar = Calendar.from_ical(ics.data)
    summaries = [str(c.get("summary")) for c in calendar.walk("VEVENT")]
    assert hostile in summaries  # plain text in iCalendar: no markup is interpreted there


def test_ics_holds_the_sessions_in_the_meetings_time_zone(admin, meeting, signed_in):
    build(admin, meeting, "Opening", "Routes")
    meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    client, _delegate = signed_in("delegate", party="TT")
    calendar = Calendar.from_ical(client.get(f"/meetings/{meeting.id}/agenda/1.ics").data)
    events = calendar.walk("VEVENT")
    assert [str(e.get("summary")) for e in events] == ["Second CMC meeting", "Opening", "Routes"]
    opening = events[1].decoded("dtstart")
    assert opening.hour == 9 and str(opening.tzinfo) == "America/Port_of_Spain"


def test_builder_pages_move_with_buttons_and_conflict_message(admin, meeting, signed_in):
    client, _secretariat = signed_in("secretariat", party="UNHCR")
    build(admin, meeting, "First", "Second")
    page = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    revision = re.search(r'name="revision" value="(\d+)"', page).group(1)
    second = next(i for i in meeting.items if i.title == "Second")
    token = form_token(client, f"/meetings/{meeting.id}/agenda")
    moved = client.post(f"/meetings/{meeting.id}/items/{second.id}/move",
                        data={"direction": "up", "revision": revision, "csrf_token": token})
    assert moved.status_code == 302
    db.session.expire_all()
    assert [i.title for i in db.session.get(Meeting, meeting.id).items] == ["Second", "First"]
    stale = client.post(f"/meetings/{meeting.id}/items/{second.id}/move",
                        data={"direction": "down", "revision": revision, "csrf_token": token})
    assert stale.status_code == 409 and "changed the agenda" in stale.get_data(as_text=True)
    empty = client.post(f"/meetings/{meeting.id}/items", data={"title": "", "day": "2027-03-10",
                                                               "revision": str(meeting.agenda_revision),
                                                               "csrf_token": token})
    assert empty.status_code == 422 and 'id="error-summary"' in empty.get_data(as_text=True)


def test_printable_pdf_holds_the_version_in_order_with_the_meeting_on_every_page(admin, meeting, signed_in):
    import io

    from pypdf import PdfReader

    titles = [f"Session {n:02d} on <b>routes</b>" for n in range(1, 31)]  # long enough for several pages
    for n, title in enumerate(titles):
        meetings.add_item(admin, meeting.id, item(title, day=START if n < 15 else END, start="09:00", end="09:20"),
                          meeting.agenda_revision)
    meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    client, _delegate = signed_in("delegate", party="TT")
    response = client.get(f"/meetings/{meeting.id}/agenda/1.pdf")
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 2
    for text in pages:
        assert "Second CMC meeting" in text and "Agenda version 1" in text
    whole = " ".join(pages)
    positions = [whole.index(title) for title in titles]
    assert positions == sorted(positions)  # in agenda order, markup printed as text


def test_document_pack_holds_readable_documents_in_agenda_order(admin, meeting, signed_in, make_account, app):
    import io
    import zipfile
    from pathlib import Path

    from cmc.services import documents, networks
    from cmc.uploads import CheckedFile
    from tests.files import pdf

    network = networks.create_network(admin, networks.NetworkInput(slug="bm", name="Border", party_codes=["TT"]))
    author = make_account("delegate", party="TT")
    networks.add_member(admin, network.slug, author.id)
    made = []
    for title in ("Second doc", "First doc"):
        temp = Path(app.config["UPLOAD_DIR"], "tmp", f"upload-{title.replace(' ', '')}")
        content = pdf(title)
        temp.write_bytes(content)
        import hashlib

        checked = CheckedFile(temp_path=temp, original_filename=f"{title}.pdf", extension="pdf",
                              content_type="application/pdf", size=len(content),
                              sha256=hashlib.sha256(content).hexdigest())
        made.append(documents.upload(author, network.slug, documents.DocumentInput(title=title), checked))
    meetings.add_item(admin, meeting.id, item("Opening", document_ids=[made[1].id]), meeting.agenda_revision)
    meetings.add_item(admin, meeting.id, item("Routes", start="10:00", end="11:00", document_ids=[made[0].id]),
                      meeting.agenda_revision)
    meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    member_client, member = signed_in("delegate", party="TT")
    networks.add_member(admin, network.slug, member.id)
    archive = zipfile.ZipFile(io.BytesIO(member_client.get(f"/meetings/{meeting.id}/agenda/1.zip").data))
    names = [n for n in archive.namelist() if n != "MANIFEST.txt"]
    assert names == ["01 First doc (v1).pdf", "02 Second doc (v1).pdf"]
    outsider_client, _outsider = signed_in("delegate", party="JM")
    # Nothing the person may read: no archive at all (the pages do not offer one either).
    assert outsider_client.get(f"/meetings/{meeting.id}/agenda/1.zip").status_code == 404


def test_meetings_api_builds_publishes_and_registers(admin, meeting, signed_in):
    client, _secretariat = signed_in("secretariat", party="UNHCR")
    headers = {"X-CSRFToken": form_token(client, "/")}
    added = client.post(f"/api/v1/meetings/{meeting.id}/items", headers=headers,
                        json={"revision": meeting.agenda_revision, "day": "2027-03-10", "title": "Opening",
                              "start_time": "09:00", "end_time": "09:30"})
    assert added.status_code == 201
    stale = client.post(f"/api/v1/meetings/{meeting.id}/items", headers=headers,
                        json={"revision": 0, "day": "2027-03-10", "title": "Late"})
    assert stale.status_code == 409 and "Opening" in stale.get_json()["error"]["message"]
    bad = client.post(f"/api/v1/meetings/{meeting.id}/items", headers=headers,
                      json={"revision": added.get_json()["agenda_revision"], "day": "10/03/2027", "title": "x"})
    assert bad.status_code == 400
    published = client.post(f"/api/v1/meetings/{meeting.id}/publish", headers=headers,
                            json={"revision": added.get_json()["agenda_revision"]})
    assert published.status_code == 201 and published.get_json()["number"] == 1
    focal_client, _focal = signed_in("focal_point", party="JM")
    focal_headers = {"X-CSRFToken": form_token(focal_client, "/")}
    registered = focal_client.post(f"/api/v1/meetings/{meeting.id}/registrations", headers=focal_headers,
                                   json={"members": [{"name": "Minister", "role": "head"}]})
    assert registered.status_code == 201 and registered.get_json()["party"] == "JM"
    other = focal_client.post(f"/api/v1/meetings/{meeting.id}/registrations", headers=focal_headers,
                              json={"party": "TT", "members": [{"name": "X", "role": "head"}]})
    assert other.status_code == 403
    got = focal_client.get(f"/api/v1/meetings/{meeting.id}").get_json()
    assert got["versions"][0]["items"][0]["title"] == "Opening" and got["registrations"][0]["party"] == "JM"
    delegate_client, _delegate = signed_in("delegate", party="TT")
    refused = delegate_client.post(f"/api/v1/meetings/{meeting.id}/items",
                                   headers={"X-CSRFToken": form_token(delegate_client, "/")},
                                   json={"revision": 2, "day": "2027-03-10", "title": "Mine"})
    assert refused.status_code == 403


def test_minutes_decisions_and_action_items_carried_forward(admin, meeting, signed_in, make_account):
    from datetime import date as day

    build(admin, meeting, "Opening")
    meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    meetings.save_minutes(admin, meeting.id, "Draft <script>alert(1)</script> **one**")
    minutes = meetings.save_minutes(admin, meeting.id, "Final **text**", final=True)
    assert "<script" not in minutes.body_html and minutes.revisions[0]["body"].startswith("Draft")
    with pytest.raises(ConflictError):
        meetings.save_minutes(admin, meeting.id, "Changed after the fact")
    meetings.add_decision(admin, meeting.id, "Create the migrant smuggling network.")
    action = meetings.add_action(admin, meeting.id, "Send the national protocol", owner_party="JM",
                                 due=day(2027, 6, 1))
    with pytest.raises(ValidationError):
        meetings.add_action(admin, meeting.id, "No owner")
    focal_client, focal = signed_in("focal_point", party="JM")
    assert "Send the national protocol" in focal_client.get("/").get_data(as_text=True)
    other_focal = make_account("focal_point", party="TT")
    with pytest.raises(DeniedError):
        meetings.set_action_status(other_focal, action.id, "done")
    meetings.set_action_status(focal, action.id, "in_progress")
    following = meetings.save_meeting(admin, meetings.MeetingInput(
        title="Third CMC meeting", kind="annual_meeting", start_date=date(2027, 9, 1), end_date=date(2027, 9, 2)))
    carried = meetings.carry_forward(admin, following.id, following.agenda_revision)
    assert carried.title == "Follow-up of action items" and "Send the national protocol (JM" in carried.description
    meetings.set_action_status(focal, action.id, "done")
    assert meetings.open_actions_before(following) == []
    page = focal_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Create the migrant smuggling network." in page and "<strong>text</strong>" in page


def test_drag_and_drop_order_and_attendance(admin, meeting, signed_in, make_account):
    client, _secretariat = signed_in("secretariat", party="UNHCR")
    build(admin, meeting, "A", "B", "C")
    ids = [i.id for i in sorted(meeting.items, key=lambda i: i.position)]
    token = form_token(client, f"/meetings/{meeting.id}/agenda")
    response = client.post(f"/meetings/{meeting.id}/reorder", data={
        "csrf_token": token, "revision": str(meeting.agenda_revision), "day": "2027-03-10",
        "order": ",".join(str(i) for i in [ids[2], ids[0], ids[1]])})
    assert response.status_code == 302
    db.session.expire_all()
    assert [i.title for i in db.session.get(Meeting, meeting.id).items] == ["C", "A", "B"]
    partial = client.post(f"/meetings/{meeting.id}/reorder", data={
        "csrf_token": token, "revision": str(db.session.get(Meeting, meeting.id).agenda_revision),
        "day": "2027-03-10", "order": str(ids[0])})
    assert partial.status_code == 422
    meetings.publish_agenda(admin, meeting.id, db.session.get(Meeting, meeting.id).agenda_revision)
    focal = make_account("focal_point", party="JM")
    registration = meetings.register(focal, meeting.id, "JM", [{"name": "Minister", "role": "head"},
                                                               {"name": "Officer", "role": "delegate"}])
    meetings.decide_registration(admin, registration.id, True)
    meetings.mark_attendance(admin, registration.id, [1])
    db.session.expire_all()
    from cmc.models import Registration

    assert [m["attended"] for m in db.session.get(Registration, registration.id).members] == [False, True]
    with pytest.raises(DeniedError):
        meetings.mark_attendance(focal, registration.id, [0])


def test_action_items_api(admin, meeting, signed_in):
    from datetime import date as day

    action = meetings.add_action(admin, meeting.id, "Share the arrival figures", owner_party="JM",
                                 due=day(2027, 5, 1))
    meetings.save_meeting(admin, meetings.MeetingInput(title=meeting.title, kind="annual_meeting", start_date=START,
                                                       end_date=END, status="published"), meeting.id)
    client, _focal = signed_in("focal_point", party="JM")
    listed = client.get("/api/v1/action-items").get_json()["items"]
    assert [a["title"] for a in listed] == ["Share the arrival figures"]
    headers = {"X-CSRFToken": form_token(client, "/")}
    done = client.put(f"/api/v1/action-items/{action.id}/status", headers=headers, json={"status": "done"})
    assert done.status_code == 200 and done.get_json()["status"] == "done"
    bad = client.put(f"/api/v1/action-items/{action.id}/status", headers=headers, json={"status": "finished"})
    assert bad.status_code == 422
    other, _tt = signed_in("focal_point", party="TT")
    refused = other.put(f"/api/v1/action-items/{action.id}/status", headers={"X-CSRFToken": form_token(other, "/")},
                        json={"status": "open"})
    assert refused.status_code == 403


def test_the_version_page_and_the_pdf_give_the_same_date_in_the_readers_language(admin, meeting, signed_in):
    import io
    from datetime import UTC, datetime

    from pypdf import PdfReader

    from cmc.i18n import timefmt

    build(admin, meeting, "Opening")
    version = meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    version.published_at = datetime(2027, 2, 1, 3, 5, tzinfo=UTC)  # 31 January in Port of Spain, 1 February in Paris
    db.session.commit()
    client, reader = signed_in("delegate", party="TT")
    reader.language, reader.timezone = "fr", "Europe/Paris"
    db.session.commit()
    # Dated in the meeting's zone for everyone, named by its offset, in French.
    published = timefmt.show(version.published_at, zone=meeting.timezone, locale="fr")
    assert published == "31 janv. 2027, 23:05 UTC\u22124"
    page = client.get(f"/meetings/{meeting.id}/agenda/1").get_data(as_text=True)
    pdf = client.get(f"/meetings/{meeting.id}/agenda/1.pdf")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert published in page and published in text
    # The agenda's day in French, its times in the meeting's zone, said once; the reader's own time beside them.
    for shown in (page, text):
        assert "mercredi 10 mars 2027" in shown and "America/Port_of_Spain (UTC\u22124)" in shown
    assert "14:00\u201315:00" in page and "Europe/Paris (UTC+1)" in page
    html = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert published in html and "10\u201311 mars 2027" in html


def test_home_lists_the_coming_meetings_soonest_first(admin, signed_in):
    """Home's "Coming meetings" are the next ones: the soonest five that have not ended, not the farthest."""
    today = date.today()
    for offset in (400, 30, 7, 200, 90, 60, 1):
        start = today + timedelta(days=offset)
        meetings.save_meeting(admin, meetings.MeetingInput(
            title=f"Meeting in {offset} days", kind="webinar", start_date=start, end_date=start, status="published"))
    client, _delegate = signed_in("delegate", party="TT")
    page = client.get("/").get_data(as_text=True)
    shown = [offset for offset in (1, 7, 30, 60, 90, 200, 400) if f"Meeting in {offset} days<" in page]
    assert shown == [1, 7, 30, 60, 90], shown
    positions = [page.index(f"Meeting in {offset} days<") for offset in shown]
    assert positions == sorted(positions)
