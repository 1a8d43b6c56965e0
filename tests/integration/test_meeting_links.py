"""A meeting's online link is a plain https address, whatever the meeting's format; a link that is not (an
older version let one in) is never shown as a link or put in a calendar."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from cmc.extensions import db
from cmc.models import Meeting
from cmc.services import meetings
from cmc.services.errors import ValidationError
from tests.conftest import form_token

BAD_LINKS = [
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "http://meet.example.org/cmc",
    "//evil.example/cmc",
    "https://",
    "https:evil.example",
    "https://zoom.us@evil.example/cmc",
    'https://meet.example.org/"onmouseover="alert(1)',
    "https://meet.example.org/a b",
    "https://meet.example.org:99999/cmc",
    "https://meet.example.org/" + "x" * 300,
]


@pytest.fixture
def admin(make_account, make_party):
    make_party("TT")
    return make_account("secretariat")


def _form(link, meeting_format):
    return {"title": "Webinar on data", "kind": "webinar", "start_date": "2027-03-10", "end_date": "2027-03-10",
            "timezone": "America/Port_of_Spain", "format": meeting_format, "link": link, "status": "published"}


@pytest.mark.parametrize("meeting_format", ["virtual", "in_person"])
@pytest.mark.parametrize("link", BAD_LINKS)
def test_the_service_refuses_a_link_that_is_not_plain_https(admin, link, meeting_format):
    with pytest.raises(ValidationError) as refused:
        meetings.save_meeting(admin, meetings.MeetingInput(
            title="Webinar", kind="webinar", start_date=date(2027, 3, 10), end_date=date(2027, 3, 10),
            format=meeting_format, link=link))
    assert "https://" in refused.value.fields["link"]
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_the_form_says_what_is_wrong_and_saves_nothing(admin, app, sign_in):
    client = app.test_client()
    assert sign_in(client, admin).status_code == 302
    token = form_token(client, "/meetings/new")
    for link in BAD_LINKS:
        for meeting_format in ("virtual", "in_person"):
            page = client.post("/meetings/new", data={**_form(link, meeting_format), "csrf_token": token})
            assert page.status_code == 422 and "full https:// address" in page.get_data(as_text=True), link
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_a_plain_https_link_is_kept_and_shown(admin, app, sign_in):
    client = app.test_client()
    assert sign_in(client, admin).status_code == 302
    link = "https://meet.example.org/cmc?pwd=abc&lang=en"
    response = client.post("/meetings/new", data={**_form(link, "virtual"),
                                                  "csrf_token": form_token(client, "/meetings/new")})
    assert response.status_code == 302
    meeting = db.session.scalar(select(Meeting))
    assert meeting.link == link
    assert 'href="https://meet.example.org/cmc?pwd=abc&amp;lang=en"' in client.get(
        f"/meetings/{meeting.id}").get_data(as_text=True)


def test_a_stored_unsafe_link_is_never_rendered_nor_exported(admin, app, sign_in):
    meeting = meetings.save_meeting(admin, meetings.MeetingInput(
        title="Old webinar", kind="webinar", start_date=date(2027, 3, 10), end_date=date(2027, 3, 10),
        format="virtual", status="published"))
    meetings.add_item(admin, meeting.id, meetings.ItemInput(day=date(2027, 3, 10), title="Opening"),
                      meeting.agenda_revision)
    meetings.publish_agenda(admin, meeting.id, db.session.get(Meeting, meeting.id).agenda_revision)
    db.session.get(Meeting, meeting.id).link = "javascript:alert(document.cookie)"  # as an older version let in
    db.session.commit()
    client = app.test_client()
    assert sign_in(client, admin).status_code == 302
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "javascript:" not in page
    calendar = client.get(f"/meetings/{meeting.id}/agenda/1.ics").get_data(as_text=True)
    assert "javascript" not in calendar
