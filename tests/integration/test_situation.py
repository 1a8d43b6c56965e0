"""The situation dashboard: who was asked to acknowledge (member states of the network, not the sender, not
observers), shares and medians, alerts per month by event, open action items by owner, each as a table and as
CSV; scoped to what the reader may read."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from cmc.services import alerts, meetings
from tests.integration.test_alerts import alert_input, info, net  # noqa: F401 - the fixture


def _rows(client, figure: str) -> list[list[str]]:
    answer = client.get(f"/situation/{figure}.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(answer.get_data(as_text=True))))


def test_the_dashboard_counts_who_was_asked_and_how_fast(app, net, sign_in, make_account):  # noqa: F811
    network, _admin, coordinator, member = net
    tt, jm = member("TT"), member("JM")
    first, _ = alerts.publish(coordinator, network.slug, alert_input())
    alerts.publish(coordinator, network.slug, alert_input(infos=[info(event="=HYPERLINK(\"x\")",
                                                                      headline="Arrivals at Cedros")]))
    alerts.acknowledge(tt, first.id)
    client = app.test_client()
    sign_in(client, jm)
    page = client.get("/situation")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-party="TT"' in html and 'data-party="JM"' in html
    assert 'data-party="BS"' not in html and 'data-party="US"' not in html  # the sender, an observer
    pace = {row[0]: row for row in _rows(client, "pace")[1:]}
    assert set(pace) == {"TT", "JM"}
    assert pace["TT"][2:5] == ["2", "1", "50"] and pace["TT"][5] != ""
    assert pace["JM"][2:5] == ["2", "0", "0"] and pace["JM"][5] == ""
    months = _rows(client, "months")
    assert months[-1][0] == "All alerts" and months[-1][-1] == "2"  # this month, the last column
    assert any(row[0].startswith("'=") for row in months)  # a formula-looking event stays text
    assert "Situation" in client.get("/").get_data(as_text=True)  # in the main navigation


def test_open_action_items_by_owner_and_past_due(app, net, sign_in):  # noqa: F811
    _network, admin, _coordinator, member = net
    meeting = meetings.save_meeting(admin, meetings.MeetingInput(
        title="Network meeting", kind="network_meeting", start_date=date.today(), end_date=date.today(),
        status="published"))
    meetings.add_action(admin, meeting.id, "Share the route analysis", owner_party="TT",
                        due=date.today() - timedelta(days=3))
    meetings.add_action(admin, meeting.id, "Update the contact list", owner_party="TT")
    client = app.test_client()
    sign_in(client, member("TT"))
    rows = _rows(client, "actions")
    assert rows[1][1:] == ["2", "1"], rows


def test_a_reader_sees_only_the_networks_they_may_read(app, net, sign_in, make_account):  # noqa: F811
    network, _admin, coordinator, _member = net
    alerts.publish(coordinator, network.slug, alert_input())
    outsider = make_account("delegate", party="JM")  # in no network
    client = app.test_client()
    sign_in(client, outsider)
    assert _rows(client, "pace")[1:] == []
    assert _rows(client, "months")[-1][-1] == "0"
    assert client.get("/situation/secrets.csv").status_code == 404
    assert app.test_client().get("/situation").status_code == 302  # signed out: to the sign-in page
