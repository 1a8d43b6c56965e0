"""Ids the database cannot hold (beyond PostgreSQL's integer, beyond 64 bits, negative) are ids of nothing:
404 (or a field error), never a 500, wherever they come in: paths, forms, JSON bodies, socket events."""

from __future__ import annotations

import re

import pytest

from cmc.extensions import socketio
from cmc.services import networks
from tests.conftest import form_token

OUT_OF_RANGE = [str(2**31), str(2**63), "99999999999999999999", "-1"]


@pytest.fixture
def admin(app, make_party, make_account, sign_in):
    """The secretariat (past every route rule and network gate), signed in, with a network to aim at."""
    make_party("TT")
    account = make_account("secretariat")
    networks.create_network(account, networks.NetworkInput(slug="ms", name="Migrant Smuggling", party_codes=["TT"]))
    client = app.test_client()
    assert sign_in(client, account).status_code == 302
    return client


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_every_route_with_an_id_answers_404_for_an_id_out_of_range(app, admin, value):
    token = form_token(admin, "/")
    checked = 0
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        path = re.sub(r"<int:[^>]+>", value, rule.rule)
        path = re.sub(r"<[^>]+>", "ms", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = admin.open(path, method=method, data={"csrf_token": token}, headers={"X-CSRFToken": token})
            assert response.status_code == 404, f"{method} {path}: {response.status_code}"
            checked += 1
    assert checked > 50


@pytest.mark.parametrize("value", [2**31, 2**63, 10**20, -1])
def test_ids_in_bodies_out_of_range_are_refused_cleanly(app, admin, value):
    token = form_token(admin, "/")
    api = admin.post("/api/v1/networks/ms/members", json={"account_id": value}, headers={"X-CSRFToken": token})
    assert api.status_code in (404, 422), api.get_data(as_text=True)
    assert api.get_json()["error"]["code"] in ("not_found", "validation_failed")
    page = admin.post("/networks/ms/members", data={"account_id": str(value), "csrf_token": token})
    assert page.status_code in (404, 422)
    socket = socketio.test_client(app, flask_test_client=admin)
    try:
        for event in ("alert:ack", "alert:received", "alert:opened"):
            answer = socket.emit(event, {"id": value}, callback=True)
            assert answer["ok"] is False and answer["error"] != "internal error", (event, answer)
        answer = socket.emit("alerts:sync", {"after_id": value}, callback=True)
        assert answer.get("error") != "internal error", answer
    finally:
        socket.disconnect()
