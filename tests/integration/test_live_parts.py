"""/parts: what a page's script puts in after an alert event (home's "What needs you", the activity feeds, a
workspace's active alerts) and the navigation count, from one answer, so they never disagree; and which alerts
wait for a party at all (not its own, not a Cancel message, none for an observer)."""

from __future__ import annotations

import re
from typing import Any

from cmc.services import alerts
from tests.integration.test_alerts import alert_input, net  # noqa: F401 - the fixture

FETCH = {"X-Requested-With": "fetch"}
_COUNT = re.compile(r'id="alerts-count" data-count="(\d+)"')


def parts(client: Any, *names: str, network: str = "") -> Any:
    query = "&".join(f"part={name}" for name in names) + (f"&network={network}" if network else "")
    return client.get(f"/parts?{query}", headers=FETCH)


def test_parts_render_what_the_pages_show_and_agree_with_the_count(app, net, sign_in):  # noqa: F811
    network, _admin, coordinator, member = net
    reader = member("TT")
    client = app.test_client()
    sign_in(client, reader)
    empty = parts(client, "waiting", "activity").get_json()
    assert empty["waiting"] == 0 and "No alert waits" in empty["parts"]["waiting"]
    alert, _ = alerts.publish(coordinator, network.slug, alert_input())
    answer = parts(client, "waiting", "activity").get_json()
    headline = alert.infos[0].headline
    assert answer["waiting"] == 1 and answer["latest_id"] == alert.id
    assert headline in answer["parts"]["waiting"] and f"/alerts/{alert.id}" in answer["parts"]["waiting"]
    assert headline in answer["parts"]["activity"]
    home = client.get("/").get_data(as_text=True)
    assert int(_COUNT.search(home).group(1)) == answer["waiting"]
    assert answer["parts"]["waiting"].strip() in home  # the same markup as the page's own list
    in_network = parts(client, "activity", "network_alerts", network=network.slug).get_json()
    assert headline in in_network["parts"]["network_alerts"] and headline in in_network["parts"]["activity"]
    alerts.acknowledge(reader, alert.id)
    after = parts(client, "waiting").get_json()
    assert after["waiting"] == 0 and headline not in after["parts"]["waiting"]


def test_the_sender_observers_and_cancel_messages_wait_for_nobody(app, net, sign_in, make_account):  # noqa: F811
    network, admin, coordinator, member = net
    alert, _ = alerts.publish(coordinator, network.slug, alert_input())
    own = app.test_client()
    sign_in(own, coordinator)
    assert parts(own, "waiting").get_json()["waiting"] == 0  # BS sent it: BS is not asked to acknowledge
    observer = make_account("delegate", party="US")
    from cmc.services import networks

    networks.add_member(admin, network.slug, observer.id)
    watching = app.test_client()
    sign_in(watching, observer)
    assert parts(watching, "waiting").get_json()["waiting"] == 0
    reader = member("JM")
    client = app.test_client()
    sign_in(client, reader)
    assert parts(client, "waiting").get_json()["waiting"] == 1
    alerts.cancel(coordinator, alert.id)
    cancelled = parts(client, "waiting").get_json()
    assert cancelled["waiting"] == 0 and "No alert waits" in cancelled["parts"]["waiting"]


def test_bad_requests_for_parts(app, net, sign_in, make_account):  # noqa: F811
    network, _admin, _coordinator, member = net
    client = app.test_client()
    assert parts(client, "waiting").status_code == 401  # signed out: a JSON refusal, not a page
    sign_in(client, member("TT"))
    unknown = parts(client, "waiting", "secrets")
    assert unknown.status_code == 400 and unknown.get_json()["error"]["code"] == "unknown_part"
    assert parts(client, "network_alerts").status_code == 400
    assert parts(client, "activity", network="no-such-network").status_code == 404
    outsider = app.test_client()
    sign_in(outsider, make_account("delegate", party="JM"))  # in no network
    refused = parts(outsider, "activity", network=network.slug)
    assert refused.status_code == 404 and refused.is_json
