"""The acknowledgement grid that tells the coordinator what to do (issue 16, item 3): which parties are expected
to acknowledge and why the others are not, the order of the rows, delays and overdue parties, the summary on
the page and in the API, "remind now" (to focal points, once a minute, refused to members), and the CSV export
(access and formula injection)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from email.header import decode_header, make_header
from email.message import Message

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from cmc.extensions import db
from cmc.models import AlertReceipt, AuditEvent
from cmc.models.types import utcnow
from cmc.services import alerts, networks
from cmc.services.errors import ConflictError, DeniedError
from tests.conftest import form_token
from tests.integration.test_alerts import alert_input, inbox, info  # noqa: F401 - the inbox fixture


@pytest.fixture
def grid_net(app, make_party, make_account):
    """Migrant Smuggling with six parties: TT and DO (a delegate each in the network: expected), BS (the
    coordinator's: the sender), US (an observer with a member), BB (a member only in another network) and KN
    (no account at all); plus a deactivated DM delegate in the network (DM: nobody active)."""
    for code in ("TT", "DO", "BS", "BB", "KN", "DM"):
        make_party(code)
    make_party("US", status="observer")
    admin = make_account("secretariat")
    network = networks.create_network(admin, networks.NetworkInput(
        slug="migrant-smuggling", name="Migrant Smuggling", alerts_enabled=True,
        party_codes=["TT", "DO", "BS", "US", "BB", "KN", "DM"]))
    networks.create_network(admin, networks.NetworkInput(slug="border-management", name="Border Management",
                                                         party_codes=["BB"]))
    coordinator = make_account("delegate", party="BS", second_factor=True, name="Keisha Rolle")
    networks.add_member(admin, network.slug, coordinator.id, "coordinator")
    people = {}
    for code in ("TT", "DO", "US"):
        people[code] = make_account("delegate", party=code, name=f"Delegate {code}")
        networks.add_member(admin, network.slug, people[code].id)
    elsewhere = make_account("delegate", party="BB")
    networks.add_member(admin, "border-management", elsewhere.id)
    gone = make_account("delegate", party="DM")
    networks.add_member(admin, network.slug, gone.id)
    gone.active = False
    db.session.commit()
    return network, admin, coordinator, people


def _publish(coordinator, network, **overrides):
    alert, _created = alerts.publish(coordinator, network.slug, alert_input(**overrides))
    return alert


def _backdate(alert, minutes):
    alert.published_at = utcnow() - timedelta(minutes=minutes)
    db.session.commit()


def test_only_member_parties_with_a_member_in_the_network_are_expected(grid_net):
    network, _admin, coordinator, _people = grid_net
    alert = _publish(coordinator, network)
    rows = alerts.grid(coordinator, alert.id)
    assert [(r.party_code, r.expected, r.reason) for r in rows] == [
        # Expected parties, by name (none has received it yet).
        ("DO", True, None), ("TT", True, None),
        # The others, by name, with why.
        ("BB", False, "no_member"),  # its member is in another network
        ("BS", False, "originating_party"),
        ("DM", False, "no_member"),  # its only member is deactivated
        ("KN", False, "no_member"), ("US", False, "observer")]
    assert alerts.summary(rows) == alerts.GridSummary(expected=2, acknowledged=0, overdue=0)


def test_rows_order_delays_and_overdue(grid_net, make_party, make_account):
    network, admin, coordinator, people = grid_net
    alert = _publish(coordinator, network, ack_within_minutes=30)
    _backdate(alert, 45)
    alerts.mark(people["DO"], alert.id, "delivered")
    alerts.acknowledge(people["TT"], alert.id)
    alerts.acknowledge(people["US"], alert.id)  # an observer may acknowledge; it still does not count
    rows = alerts.grid(coordinator, alert.id)
    by_code = {r.party_code: r for r in rows}
    assert [r.party_code for r in rows][:2] == ["DO", "TT"]  # missing (overdue) first, then acknowledged
    assert by_code["DO"].overdue and not by_code["TT"].overdue
    assert not by_code["KN"].overdue and not by_code["US"].overdue  # parties not expected are never overdue
    assert 45 * 60 - 5 <= by_code["TT"].delay_seconds <= 45 * 60 + 5
    assert by_code["TT"].acknowledged_by == "Delegate TT"
    assert by_code["US"].acknowledged_at is not None and not by_code["US"].expected
    assert alerts.summary(rows) == alerts.GridSummary(expected=2, acknowledged=1, overdue=1)
    # A party that joins the network after publication (no receipt) has a line, expected once it has a member.
    joining = make_party("AG")
    network.parties.append(joining)
    db.session.commit()
    networks.add_member(admin, network.slug, make_account("delegate", party="AG").id)
    assert db.session.scalar(select(AlertReceipt).where(AlertReceipt.alert_id == alert.id,
                                                        AlertReceipt.party.has(code="AG"))) is None
    late = {r.party_code: r for r in alerts.grid(coordinator, alert.id)}["AG"]
    assert late.expected and late.overdue and late.delivered_at is None
    assert alerts.summary(alerts.grid(coordinator, alert.id)).expected == 3


def test_durations_in_words(app):
    with app.test_request_context(), force_locale("en"):
        assert alerts.duration_words(30) == "less than a minute"
        assert alerts.duration_words(60) == "1 minute"
        assert alerts.duration_words(12 * 60 + 59) == "12 minutes"
        assert alerts.duration_words(3600) == "1 hour"
        assert alerts.duration_words(3600 + 5 * 60) == "1 hour 5 minutes"
        assert alerts.duration_words(2 * 86400 + 3 * 3600) == "2 days 3 hours"
        assert alerts.delay_words(12 * 60) == "after 12 minutes"
        assert alerts.delay_words(None) == ""


def test_the_page_shows_the_summary_the_rows_and_the_parties_not_expected(grid_net, sign_in, app):
    network, _admin, coordinator, people = grid_net
    alert = _publish(coordinator, network)
    alerts.acknowledge(people["TT"], alert.id)
    client = app.test_client()
    sign_in(client, coordinator)
    page = client.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert "1 of 2 acknowledged" in page
    assert 'max="2" value="1"' in page  # the bar
    assert 'data-party="TT" data-state="acknowledged" data-expected="true"' in page
    assert "after less than a minute" in page
    others = page[page.index('id="ack-grid-others"'):]
    for code, why in (("BS", "originating party"), ("US", "observer"), ("KN", "no member in this network")):
        assert f'data-party="{code}" data-expected="false"' in others and why in others
    assert page.index('data-party="DO"') < page.index('data-party="TT"')  # missing first
    assert "Remind the missing party now" in page and "Download CSV" in page
    # The coordinator's own party is not asked to acknowledge its own alert: no button, a note saying why.
    assert 'id="ack-button"' not in page
    assert "Your party is not asked to acknowledge this alert (originating party)." in page


def test_a_member_sees_only_their_partys_line_and_no_remind_button(grid_net, sign_in, app):
    network, _admin, coordinator, people = grid_net
    alert = _publish(coordinator, network)
    client = app.test_client()
    sign_in(client, people["TT"])
    page = client.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert 'data-party="TT"' in page and 'data-party="DO"' not in page
    assert "remind-form" not in page and "Download CSV" not in page
    api = client.get(f"/api/v1/alerts/{alert.id}/grid").get_json()
    assert [row["party"] for row in api["items"]] == ["TT"]
    assert api["summary"] == {"expected": 1, "acknowledged": 0, "missing": 1, "overdue": 0}


def test_the_api_serves_the_summary_and_each_partys_expectation(grid_net, sign_in, app):
    network, _admin, coordinator, people = grid_net
    alert = _publish(coordinator, network, ack_within_minutes=10)
    _backdate(alert, 20)
    alerts.acknowledge(people["DO"], alert.id)
    client = app.test_client()
    sign_in(client, coordinator)
    answer = client.get(f"/api/v1/alerts/{alert.id}/grid").get_json()
    assert answer["summary"] == {"expected": 2, "acknowledged": 1, "missing": 1, "overdue": 1}
    first, second = answer["items"][:2]
    assert (first["party"], first["expected"], first["reason"], first["overdue"]) == ("TT", True, None, True)
    assert second["party"] == "DO" and 20 * 60 - 5 <= second["delay_seconds"] <= 20 * 60 + 5
    reasons = {row["party"]: row["reason"] for row in answer["items"] if not row["expected"]}
    assert reasons == {"BS": "originating_party", "BB": "no_member", "DM": "no_member", "KN": "no_member",
                       "US": "observer"}
    page = client.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert "1 of 2 acknowledged, 1 overdue" in page
    assert 'data-party="TT" data-state="missing" data-expected="true" data-overdue="true"' in page
    spec = client.get("/api/v1/openapi.json").get_json()
    assert set(spec["components"]["schemas"]["Grid"]["properties"]) == {"items", "summary"}
    assert {"expected", "reason", "delay_seconds"} <= set(spec["components"]["schemas"]["GridRow"]["properties"])


def _bodies(messages: list[Message]) -> dict[str, tuple[str, str]]:
    return {m["To"]: (str(make_header(decode_header(m["Subject"]))), m.get_payload(decode=True).decode())
            for m in messages}


def test_remind_now_writes_to_focal_points_once_a_minute(inbox, grid_net, make_account):  # noqa: F811
    network, _admin, coordinator, people = grid_net
    alert, _ = alerts.publish(coordinator, network.slug, alert_input(infos=[
        info(headline="Boat heading north"), info(language="fr", headline="Bateau cap au nord")]))
    focal_tt = make_account("focal_point", party="TT", name="Focal TT")
    focal_tt.language = "fr"
    make_account("focal_point", party="US")  # the observer's focal point is not asked
    make_account("focal_point", party="KN")  # nor that of a party with nobody in the network
    db.session.commit()
    inbox.messages.clear()  # the Severe alert itself was mailed to the members who are offline
    first = alerts.remind(coordinator, alert.id)
    assert first.sent and first.parties == ["DO", "TT"] and first.recipients == 2
    mails = _bodies(inbox.messages)
    # TT has a focal point: only they are written to, in French (the French headline); DO has none: its
    # member in the network is.
    assert set(mails) == {focal_tt.email, people["DO"].email}
    subject, body = mails[focal_tt.email]
    assert "Bateau cap au nord" in subject and "Keisha Rolle" in body and f"/alerts/{alert.id}" in body
    assert "Boat heading north" in mails[people["DO"].email][0]
    # Pressed again within the minute: nothing more is sent, and the answer says when the last one went.
    again = alerts.remind(coordinator, alert.id)
    assert not again.sent and again.last_sent_at is not None
    assert len(inbox.messages) == 2
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "alert.remind")).all()
    assert len(events) == 1 and events[0].details["parties"] == ["DO", "TT"]
    # A minute later it may be sent again, to the parties still missing only.
    events[0].at = utcnow() - timedelta(seconds=61)
    db.session.commit()
    alerts.acknowledge(people["DO"], alert.id)
    third = alerts.remind(coordinator, alert.id)
    assert third.sent and third.parties == ["TT"] and len(inbox.messages) == 3


def test_remind_now_is_refused_to_members_and_when_nobody_is_missing(grid_net):
    network, _admin, coordinator, people = grid_net
    alert = _publish(coordinator, network)
    with pytest.raises(DeniedError) as denied:
        alerts.remind(people["TT"], alert.id)
    assert denied.value.status == 403
    for code in ("TT", "DO"):
        alerts.acknowledge(people[code], alert.id)
    with pytest.raises(ConflictError):
        alerts.remind(coordinator, alert.id)


def test_remind_now_through_the_page(grid_net, sign_in, app, make_account):
    network, _admin, coordinator, people = grid_net
    alert = _publish(coordinator, network)
    client = app.test_client()
    sign_in(client, coordinator)
    path = f"/alerts/{alert.id}"
    token = form_token(client, path)
    assert client.post(f"{path}/remind", data={}).status_code == 400  # no CSRF token
    first = client.post(f"{path}/remind", data={"csrf_token": token}, follow_redirects=True)
    assert "Reminder sent to 2 people, for DO, TT." in first.get_data(as_text=True)
    second = client.post(f"{path}/remind", data={"csrf_token": token}, follow_redirects=True)
    assert "less than a minute ago. Nothing was sent again." in second.get_data(as_text=True)
    # A member may read the alert but not remind (403); someone outside the network may not read it (404).
    member = app.test_client()
    sign_in(member, people["TT"])
    assert member.post(f"{path}/remind", data={"csrf_token": form_token(member, path)}).status_code == 403
    outsider_account = make_account("delegate", party="BB")
    outsider = app.test_client()
    sign_in(outsider, outsider_account)
    assert outsider.post(f"{path}/remind", data={"csrf_token": form_token(outsider, "/")}).status_code == 404
    denied = db.session.scalars(select(AuditEvent.action).where(AuditEvent.outcome == "denied")).all()
    assert sorted(denied) == ["alert.read", "alert.remind"]  # each refusal is in the trail


def test_the_csv_export(grid_net, sign_in, app, make_party, make_account):
    network, admin, coordinator, people = grid_net
    # Hostile names: a party and a person whose names a spreadsheet would run as formulas.
    hostile_party = make_party("XX", name="=HYPERLINK(\"http://evil.example\",\"click\")")
    network.parties.append(hostile_party)
    db.session.commit()
    hostile = make_account("delegate", party="XX", name="@SUM(1+1)")
    networks.add_member(admin, network.slug, hostile.id)
    alert = _publish(coordinator, network)
    alerts.acknowledge(hostile, alert.id)
    client = app.test_client()
    sign_in(client, coordinator)
    answer = client.get(f"/alerts/{alert.id}/acknowledgements.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert table[0] == ["Party code", "Party", "Expected to acknowledge", "Why not expected", "Delivered (UTC)",
                        "Opened (UTC)", "Acknowledged by", "Acknowledged at (UTC)", "Delay", "Delay (minutes)",
                        "Overdue"]
    rows = {line[0]: line for line in table[1:]}
    assert rows["XX"][1].startswith("'=HYPERLINK") and rows["XX"][6] == "'@SUM(1+1)"
    assert rows["XX"][2] == "yes" and rows["XX"][8] == "after less than a minute" and rows["XX"][9] == "0"
    assert rows["US"][2:4] == ["no", "observer"] and rows["KN"][3] == "no member in this network"
    assert rows["BS"][3] == "originating party" and rows["TT"][6] == "" and rows["TT"][10] == "no"
    assert all(not cell.startswith(("=", "+", "-", "@")) for line in table for cell in line)
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "alert.grid_export", AuditEvent.outcome == "ok")) == 1
    # Access as the grid's: a member of the network 403, someone outside it 404.
    member = app.test_client()
    sign_in(member, people["TT"])
    assert member.get(f"/alerts/{alert.id}/acknowledgements.csv").status_code == 403
    outsider = app.test_client()
    sign_in(outsider, make_account("delegate", party="BB"))
    assert outsider.get(f"/alerts/{alert.id}/acknowledgements.csv").status_code == 404


def test_grid_reasons_match_the_api_schema(app):
    from cmc.schemas.alerts import GRID_REASONS

    assert [reason.value for reason in alerts.Reason] == GRID_REASONS
