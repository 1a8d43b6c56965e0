"""The alert lists' filters (page and API), the map view and my party's acknowledgement on each line: every
filter, combinations, bad values (a readable 400, never a 500), and alerts of a network the reader is not in
never shown, counted or named."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from cmc.extensions import db
from cmc.models import Alert
from cmc.models.types import utcnow
from cmc.services import alerts, auth, networks
from tests.integration.test_alerts import alert_input, info, net  # noqa: F401  (the fixture)


@pytest.fixture
def world(net, make_account):  # noqa: F811
    """In Migrant Smuggling: a Severe actual alert with a circle around Trinidad (acknowledged by TT), a Moderate
    exercise (not acknowledged), a cancelled Minor alert and an expired one; in another network, which the TT
    reader is not in, a Severe alert that must never show."""
    network, admin, coordinator, member = net
    reader = member("TT")
    severe, _ = alerts.publish(coordinator, network.slug, alert_input(infos=[info(
        headline="Severe pirogues near Icacos", circle="10.05,-61.9 25", geocodes=["TT"])]))
    exercise, _ = alerts.publish(coordinator, network.slug, alert_input(status="Exercise", infos=[info(
        headline="Exercise document fraud", severity="Moderate", geocodes=["JM"],
        polygon="18.0,-77.0 18.5,-77.0 18.5,-76.5 18.0,-77.0")]))
    cancelled, _ = alerts.publish(coordinator, network.slug, alert_input(infos=[info(
        headline="Minor route change cancelled", severity="Minor")]))
    alerts.cancel(coordinator, cancelled.id)
    expired, _ = alerts.publish(coordinator, network.slug, alert_input(infos=[info(
        headline="Old sighting expired", severity="Minor", expires=utcnow() + timedelta(hours=1))]))
    db.session.execute(update(Alert).where(Alert.id == expired.id).values(active_until=utcnow() - timedelta(minutes=1)))
    alerts.acknowledge(reader, severe.id)
    other = networks.create_network(admin, networks.NetworkInput(
        slug="border-management", name="Border Management", alerts_enabled=True, party_codes=["JM", "BS"]))
    networks.add_member(admin, other.slug, coordinator.id, "coordinator")
    secret, _ = alerts.publish(coordinator, other.slug, alert_input(infos=[info(
        headline="Restricted secret alert", geocodes=["JM"], circle="18.0,-76.8 30")]))
    db.session.commit()
    return {"reader": reader, "network": network, "severe": severe.id, "exercise": exercise.id,
            "cancelled": cancelled.id, "expired": expired.id, "secret": secret.id, "coordinator": coordinator}


HEADLINES = {"severe": "Severe pirogues near Icacos", "exercise": "Exercise document fraud",
             "cancelled": "Minor route change cancelled", "expired": "Old sighting expired"}


@pytest.fixture
def reader_client(app, world, sign_in):
    client = app.test_client()
    assert sign_in(client, world["reader"]).status_code == 302
    return client


def listed(html: str) -> set[str]:
    """Which of the world's alerts a page lists."""
    return {name for name, headline in HEADLINES.items() if headline in html}


def test_the_list_shows_my_party_acknowledgement_on_each_alert(reader_client, world):
    html = reader_client.get("/alerts").get_data(as_text=True)
    assert listed(html) == {"severe", "exercise", "cancelled", "expired"}
    assert "Acknowledged by your party" in html and "Waiting for your party" in html
    severe_line = html[html.index(HEADLINES["severe"]):][:1500]
    assert 'data-ack="acknowledged"' in severe_line.split("</li>")[0]
    exercise_line = html[html.index(HEADLINES["exercise"]):][:1500]
    assert 'data-ack="waiting"' in exercise_line.split("</li>")[0]
    assert "Restricted secret alert" not in html


@pytest.mark.parametrize(("query", "expected"), [
    ("severity=Severe", {"severe"}),
    ("severity=Minor", {"cancelled", "expired"}),
    ("status=Exercise", {"exercise"}),
    ("status=Actual", {"severe", "cancelled", "expired"}),
    ("active=active", {"severe", "exercise"}),
    ("active=expired", {"expired"}),
    ("active=cancelled", {"cancelled"}),
    ("active=all", {"severe", "exercise", "cancelled", "expired"}),
    ("waiting=1", {"exercise"}),
    ("network=migrant-smuggling", {"severe", "exercise", "cancelled", "expired"}),
    ("severity=Moderate&status=Exercise&waiting=1", {"exercise"}),
    ("severity=Severe&waiting=1", set()),
    ("severity=Minor&active=cancelled&status=Actual", {"cancelled"}),
    ("active=expired&waiting=1", set()),
])
def test_each_filter_and_their_combinations(reader_client, query, expected):
    answer = reader_client.get(f"/alerts?{query}")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert listed(html) == expected, query
    assert "Restricted secret alert" not in html
    if not expected:
        assert "No alert you may read matches these filters." in html


@pytest.mark.parametrize(("query", "field", "message"), [
    ("severity=Huge", "severity", "Choose a severity from the list."),
    ("status=Draft", "status", "Choose a status from the list: Actual, Exercise or Test."),
    ("active=maybe", "active", "Choose active, expired, cancelled or all."),
    ("waiting=perhaps", "waiting", "Tick the box or leave it empty."),
    ("view=globe", "view", "Choose the list or the map."),
    ("network=no-such-network", "network", "Choose a network from the list."),
    ("network=border-management", "network", "Choose a network from the list."),
])
def test_a_bad_filter_value_answers_a_readable_400(reader_client, query, field, message):
    answer = reader_client.get(f"/alerts?{query}")
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert message in html and 'id="error-summary"' in html and f'href="#{field}"' in html
    assert listed(html) == set() and "Restricted secret alert" not in html


def test_a_network_the_reader_is_not_in_is_refused_as_one_that_does_not_exist(reader_client):
    hidden = reader_client.get("/alerts?network=border-management").get_data(as_text=True)
    missing = reader_client.get("/alerts?network=no-such-network").get_data(as_text=True)
    assert "Border Management" not in hidden

    def strip(html: str) -> str:
        return re.sub(r'name="csrf-token" content="[^"]*"|value="[^"]*"', "", html)

    assert strip(hidden).replace("border-management", "X") == strip(missing).replace("no-such-network", "X")


def test_the_network_choices_are_the_readers_networks(reader_client):
    html = reader_client.get("/alerts").get_data(as_text=True)
    assert '<option value="migrant-smuggling">' in html
    assert "border-management" not in html


def test_the_pager_keeps_the_filters(reader_client, world):
    for n in range(26):
        alerts.publish(world["coordinator"], world["network"].slug, alert_input(infos=[info(
            headline=f"Minor sighting {n}", severity="Minor")]))
    db.session.commit()
    html = reader_client.get("/alerts?severity=Minor&status=Actual").get_data(as_text=True)
    following = re.search(r'<a class="page-link" href="([^"]+)">Next', html)
    assert following is not None
    link = following.group(1).replace("&amp;", "&")
    assert "severity=Minor" in link and "status=Actual" in link and "page=2" in link
    second = reader_client.get(link).get_data(as_text=True)
    assert "Minor sighting 0" in second and HEADLINES["severe"] not in second


def test_the_map_view_shows_the_active_alerts_with_their_areas(reader_client, world):
    answer = reader_client.get("/alerts?view=map")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert 'id="alerts-map"' in html and 'id="map-twin"' in html
    assert listed(html) == {"severe", "exercise"}
    assert "leaflet" in html and "caribbean.topo" in html and "map.js" not in html.split("<main")[0]
    twin = html[html.index('id="map-twin"'):]
    assert '"territories": ["780"]' in twin and '"radius_km": 25.0' in twin  # Trinidad and its circle
    assert '"territories": ["388"]' in twin  # Jamaica, for the exercise's polygon
    assert "Restricted secret alert" not in html and "-76.8" not in html
    assert 'class="map-legend"' in html
    filtered = reader_client.get("/alerts?view=map&severity=Moderate").get_data(as_text=True)
    assert listed(filtered) == {"exercise"}


def test_the_list_view_loads_no_map(reader_client):
    html = reader_client.get("/alerts").get_data(as_text=True)
    assert "leaflet" not in html and "map.js" not in html and "caribbean.topo" not in html


def test_the_alert_page_shows_its_area_on_the_map(reader_client, world):
    html = reader_client.get(f"/alerts/{world['severe']}").get_data(as_text=True)
    assert 'id="area-map"' in html and '"territories": ["780"]' in html and "leaflet" in html
    assert "10.05,-61.9 25" in html  # the words stay: the twin of the map
    no_area = reader_client.get(f"/alerts/{world['cancelled']}").get_data(as_text=True)
    assert 'id="area-map"' in no_area  # Trinidad is an affected party: its territory is drawn
    assert reader_client.get(f"/alerts/{world['secret']}").status_code == 404


def test_the_network_page_filters_within_its_network(reader_client):
    html = reader_client.get("/networks/migrant-smuggling/alerts?severity=Severe").get_data(as_text=True)
    assert listed(html) == {"severe"}
    assert 'name="network"' not in html
    assert reader_client.get("/networks/migrant-smuggling/alerts?status=Nope").status_code == 400


def _api(client, world, query):
    token = auth.create_token(world["reader"], "filters")[1]
    db.session.commit()
    return client.get(f"/api/v1/alerts?{query}", headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize(("query", "expected"), [
    ("severity=Severe", {"severe"}),
    ("status=Exercise", {"exercise"}),
    ("active=true", {"severe", "exercise"}),
    ("active=active", {"severe", "exercise"}),
    ("active=false", {"cancelled", "expired"}),
    ("active=expired", {"expired"}),
    ("active=cancelled", {"cancelled"}),
    ("waiting=true", {"exercise"}),
    ("severity=Minor&active=cancelled", {"cancelled"}),
    ("network=migrant-smuggling&waiting=true&status=Exercise", {"exercise"}),
])
def test_the_api_takes_the_same_filters(client, world, query, expected):
    answer = _api(client, world, query)
    assert answer.status_code == 200
    headlines = {i["infos"][0]["headline"] for i in answer.get_json()["items"]}
    names = {name for name, headline in HEADLINES.items() if headline in headlines}
    assert names == expected and "Restricted secret alert" not in headlines


@pytest.mark.parametrize("query", ["severity=Huge", "status=Draft", "active=maybe", "waiting=perhaps"])
def test_the_api_refuses_a_bad_filter_value(client, world, query):
    answer = _api(client, world, query)
    assert answer.status_code == 400
    assert query.split("=")[0] in answer.get_json()["error"]["fields"]


def test_the_api_hides_a_network_the_reader_is_not_in(client, world):
    assert _api(client, world, "network=border-management").status_code == 404
