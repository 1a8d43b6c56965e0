"""Personal calendar feeds: made on the settings page and shown once, read by calendar programs with the token
in the address (no session, no cookie), in the person's time zone and language; revoked, unknown and
deactivated tokens get 401, a meeting the person may no longer read 404."""

from __future__ import annotations

import hashlib
import re
from datetime import date, time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from cmc.extensions import db
from cmc.models import CalendarFeed, Meeting, Registration
from cmc.services import accounts, meetings, networks
from cmc.services.meetings import feeds
from tests.conftest import form_token

DAY = date(2027, 3, 10)
ADDRESS = re.compile(r"http://[^<\"\s]+/calendar/([A-Za-z0-9_-]{43})/meetings\.ics")


@pytest.fixture
def admin(make_account, make_party):
    for code in ("TT", "HT", "BB"):
        make_party(code)
    return make_account("secretariat")


def _meeting(admin, title, *, network_id=None, register=("HT",)):
    meeting = meetings.save_meeting(admin, meetings.MeetingInput(
        title=title, kind="annual_meeting", start_date=DAY, end_date=DAY, venue="Hyatt", city="Port of Spain",
        network_id=network_id, description="Regional meeting."))
    meetings.add_item(admin, meeting.id, meetings.ItemInput(day=DAY, title="Opening", start_time=time(9),
                                                            end_time=time(10)), meeting.agenda_revision)
    meetings.publish_agenda(admin, meeting.id, db.session.get(Meeting, meeting.id).agenda_revision)
    for code in register:
        meetings.register(admin, meeting.id, code, [{"name": "Head", "title": "", "role": "head"}])
    return meeting


@pytest.fixture
def delegate(make_account):
    """A French-speaking delegate of Haiti who reads the time in Paris."""
    person = make_account("delegate", party="HT")
    person.language, person.timezone = "fr", "Europe/Paris"
    db.session.commit()
    return person


def _make_address(client, meeting_id=None):
    """Make a feed address through the settings page, as a person does; returns the page and the token."""
    path = "/settings/calendar" + (f"?meeting={meeting_id}" if meeting_id else "")
    page = client.get(path).get_data(as_text=True)
    nonce = re.search(r'name="form_nonce" type="hidden" value="([^"]+)"', page).group(1)
    data = {"csrf_token": form_token(client, path), "form_nonce": nonce, "meeting": str(meeting_id or "")}
    response = client.post("/settings/calendar", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html, ADDRESS.search(html).group(1)


@pytest.fixture
def feed(app, admin, delegate, sign_in):
    """The delegate, signed in, with a feed address; and an anonymous client (the calendar program)."""
    client = app.test_client()
    assert sign_in(client, delegate).status_code == 302
    _html, token = _make_address(client)
    return client, token, app.test_client()


def _calendar(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/calendar"
    assert "Set-Cookie" not in response.headers and "Cookie" not in response.vary
    assert "no-store" in response.headers["Cache-Control"]
    return Calendar.from_ical(response.data)


def _refused(response, status):
    assert response.status_code == status
    assert response.mimetype == "text/plain" and len(response.data) < 20  # no detail
    assert "Set-Cookie" not in response.headers


def test_the_address_is_shown_once_and_only_its_hash_is_kept(admin, delegate, feed):
    client, token, _calendar_program = feed
    row = db.session.scalar(select(CalendarFeed).where(CalendarFeed.account_id == delegate.id))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    again = client.get("/settings/calendar").get_data(as_text=True)
    assert token not in again
    assert "text-bg-success" in again  # the address's state (active), never its secret
    assert not ADDRESS.search(again)


def test_the_all_meetings_feed_holds_the_registered_readable_meetings_in_the_persons_zone_and_language(
        admin, delegate, feed):
    _client, token, program = feed
    registered = _meeting(admin, "Annual meeting")
    _meeting(admin, "Not registered", register=("BB",))
    declined = _meeting(admin, "Declined")
    registration = db.session.scalar(select(Registration).where(Registration.meeting_id == declined.id))
    meetings.decide_registration(admin, registration.id, confirm=False)
    calendar = _calendar(program.get(f"/calendar/{token}/meetings.ics"))
    assert str(calendar["method"]) == "PUBLISH" and str(calendar["x-wr-timezone"]) == "Europe/Paris"
    by_uid = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    whole = by_uid[f"meeting-{registered.id}@cmc-platform"]
    assert {str(e["summary"]) for e in by_uid.values()} == {"Annual meeting", "Opening"}
    # 09:00 in Port of Spain (UTC-4) is 14:00 in Paris (UTC+1 on 10 March 2027).
    opening = next(e for e in by_uid.values() if str(e["summary"]) == "Opening")
    start = opening.decoded("dtstart")
    assert (start.hour, str(start.tzinfo)) == (14, "Europe/Paris")
    assert "Ordre du jour, version 1" in str(whole["description"])  # written in the delegate's language
    assert str(whole["url"]).endswith(f"/meetings/{registered.id}")


def test_the_one_meeting_feed_and_a_feed_read_with_a_session_cookie_set_none(app, admin, delegate, feed):
    client, token, program = feed
    meeting = _meeting(admin, "Workshop", register=())  # a meeting they may read, registered or not
    calendar = _calendar(program.get(f"/calendar/{token}/meetings/{meeting.id}.ics"))
    assert [str(e["summary"]) for e in calendar.walk("VEVENT")] == ["Workshop", "Opening"]
    # The signed-in browser's cookie rides along: the answer neither reads nor renews it.
    _calendar(client.get(f"/calendar/{token}/meetings/{meeting.id}.ics"))
    _refused(program.get(f"/calendar/{token}/meetings/999999.ics"), 404)


def test_revoked_replaced_and_unknown_tokens_get_401(app, admin, delegate, feed):
    client, token, program = feed
    _meeting(admin, "Annual meeting")
    _refused(program.get("/calendar/not-a-token/meetings.ics"), 401)
    _refused(program.get(f"/calendar/{token[:-1]}x/meetings.ics"), 401)
    _refused(program.get(f"/calendar/{'a' * 500}/meetings.ics"), 401)
    _html, new_token = _make_address(client)  # replacing the address turns the old one off
    _refused(program.get(f"/calendar/{token}/meetings.ics"), 401)
    _calendar(program.get(f"/calendar/{new_token}/meetings.ics"))
    revoked = client.post("/settings/calendar/revoke", data={"csrf_token": form_token(client, "/settings/calendar")})
    assert revoked.status_code == 302
    _refused(program.get(f"/calendar/{new_token}/meetings.ics"), 401)
    _refused(program.get(f"/calendar/{new_token}/meetings/1.ics"), 401)
    assert feeds.active_feed(delegate) is None
    # Turning off what is already off changes nothing and says so.
    again = client.post("/settings/calendar/revoke", data={"csrf_token": form_token(client, "/settings/calendar")},
                        follow_redirects=True)
    # (This delegate reads the platform in French.)
    assert "aucune adresse de calendrier à désactiver" in again.get_data(as_text=True)


def test_a_deactivated_accounts_feed_gets_401(app, admin, delegate, feed):
    _client, token, program = feed
    _meeting(admin, "Annual meeting")
    accounts.set_active(admin, delegate.id, False)
    _refused(program.get(f"/calendar/{token}/meetings.ics"), 401)
    accounts.set_active(admin, delegate.id, True)
    _calendar(program.get(f"/calendar/{token}/meetings.ics"))  # the address was not revoked, only refused


def test_a_meeting_the_person_may_no_longer_read_is_404_and_leaves_the_feed(app, admin, delegate, feed):
    _client, token, program = feed
    network = networks.create_network(admin, networks.NetworkInput(slug="ms", name="Migrant Smuggling",
                                                                   party_codes=["HT", "TT"]))
    networks.add_member(admin, network.slug, delegate.id)
    network_meeting = _meeting(admin, "Network meeting", network_id=network.id)
    plenary = _meeting(admin, "Plenary")
    _calendar(program.get(f"/calendar/{token}/meetings/{network_meeting.id}.ics"))
    networks.remove_member(admin, network.slug, delegate.id)
    _refused(program.get(f"/calendar/{token}/meetings/{network_meeting.id}.ics"), 404)
    titles = {str(e["summary"]) for e in _calendar(program.get(f"/calendar/{token}/meetings.ics")).walk("VEVENT")}
    assert "Network meeting" not in titles and "Plenary" in titles
    # Turned back to a draft: gone for everyone but the secretariat.
    values = {"title": plenary.title, "kind": plenary.kind.value, "start_date": DAY, "end_date": DAY,
              "venue": plenary.venue, "city": plenary.city, "description": plenary.description, "status": "draft"}
    meetings.save_meeting(admin, meetings.MeetingInput(**values), plenary.id)
    _refused(program.get(f"/calendar/{token}/meetings/{plenary.id}.ics"), 404)


def test_last_use_is_noted_at_most_once_a_minute(app, admin, delegate, feed):
    _client, token, program = feed
    _calendar(program.get(f"/calendar/{token}/meetings.ics"))
    row = db.session.scalar(select(CalendarFeed).where(CalendarFeed.revoked_at.is_(None)))
    first = row.last_used_at
    assert first is not None
    _calendar(program.get(f"/calendar/{token}/meetings.ics"))
    db.session.expire_all()
    assert db.session.get(CalendarFeed, row.id).last_used_at == first
    db.session.get(CalendarFeed, row.id).last_used_at = first - timedelta(minutes=2)
    db.session.commit()
    _calendar(program.get(f"/calendar/{token}/meetings.ics"))
    db.session.expire_all()
    assert db.session.get(CalendarFeed, row.id).last_used_at > first - timedelta(minutes=2)


def test_the_settings_page_from_a_meeting_also_gives_that_meetings_address(app, admin, delegate, feed):
    client, _token, program = feed
    meeting = _meeting(admin, "Annual meeting")
    assert f"/settings/calendar?meeting={meeting.id}" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    html, token = _make_address(client, meeting.id)
    one = re.search(rf"/calendar/({re.escape(token)})/meetings/{meeting.id}\.ics", html)
    assert one is not None
    _calendar(program.get(one.group(0)))
    # A meeting id that is not one, or not readable, just gives no second address.
    for bad in ("abc", "0", "99999999999999999999", "999999"):
        page = client.get(f"/settings/calendar?meeting={bad}")
        assert page.status_code == 200 and "feed-meeting" not in page.get_data(as_text=True)
