"""The access-control proof: every route declares a rule, the rule is the one this table expects, and
each role gets the expected answer from every route. A new route missing from the table fails here."""

from __future__ import annotations

import re

import pytest

from cmc.web.access import Access, rule_of

P, S, M, A = Access.PUBLIC, Access.SIGNED_IN, Access.MANAGER, Access.SECRETARIAT

#: endpoint -> expected route rule. Keep in step with the application.
EXPECTED: dict[str, Access] = {
    "static": P,
    "healthz": P,
    "auth.sign_in": P,
    "auth.sign_out": S,
    "auth.accept_invitation": P,
    "auth.second_factor": P,
    "auth.confirm_password": S,
    "home.index": S,
    "settings.index": S,
    "settings.profile": S,
    "settings.password": S,
    "settings.tokens": S,
    "settings.security": S,
    "settings.security_confirm": S,
    "settings.sessions": S,
    "settings.end_session": S,
    "settings.revoke_token": S,
    "admin.index": M,
    "admin.accounts_list": M,
    "admin.invite": M,
    "admin.account_detail": M,
    "admin.account_role": M,
    "admin.account_deactivate": M,
    "admin.account_reactivate": M,
    "admin.account_end_session": A,
    "admin.account_reset_second_factor": A,
    "admin.audit_trail": M,
    "admin.audit_export": M,
    "admin.parties_list": A,
    "admin.party_new": A,
    "admin.party_edit": A,
    "admin.party_retire": A,
    "admin.party_restore": A,
    "api.me": S,
    "api.list_parties": S,
    "api.create_party": S,
    "api.list_tokens": S,
    "api.create_token": S,
    "api.revoke_token": S,
    "api.openapi_document": P,
    "api.list_networks": S,
    "api.get_network": S,
    "api.list_members": S,
    "api.add_member": S,
    "api.remove_member": S,
    "api.list_threads": S,
    "api.create_thread": S,
    "api.get_thread": S,
    "api.create_reply": S,
    "api.list_documents": S,
    "api.upload_document": S,
    "api.get_document": S,
    "api.upload_version": S,
    "api.download_version": S,
    "api.set_audience": S,
    "documents.index": S,
    "documents.network_documents": S,
    "documents.upload": S,
    "documents.show": S,
    "documents.new_version": S,
    "documents.restore": S,
    "documents.update": S,
    "documents.audience": S,
    "documents.download": S,
    "api.list_alerts": S,
    "api.publish_alert": S,
    "api.import_alert": S,
    "api.get_alert": S,
    "api.update_alert": S,
    "api.cancel_alert": S,
    "api.ack_alert": S,
    "api.alert_grid": S,
    "api.alert_cap": S,
    "api.alerts_feed": S,
    "alerts.index": S,
    "alerts.network_alerts": S,
    "alerts.compose": S,
    "alerts.show": S,
    "alerts.ack": S,
    "alerts.approve": S,
    "alerts.return_draft": S,
    "alerts.cancel": S,
    "alerts.revise": S,
    "alerts.event_types": S,
    "meetings.index": S,
    "meetings.create": A,
    "meetings.edit": A,
    "meetings.show": S,
    "meetings.version": S,
    "meetings.ics": S,
    "meetings.builder": A,
    "meetings.add_item": A,
    "meetings.update_item": A,
    "meetings.move_item": A,
    "meetings.delete_item": A,
    "meetings.publish": A,
    "meetings.register": S,
    "meetings.decide": A,
    "networks.directory": S,
    "networks.workspace": S,
    "networks.activity": S,
    "networks.members": S,
    "networks.add_member": S,
    "networks.remove_member": S,
    "networks.create": A,
    "networks.edit": A,
    "networks.archive": A,
    "networks.reopen": A,
    "networks.new_thread": S,
    "networks.thread": S,
    "networks.reply": S,
    "networks.edit_thread": S,
    "networks.delete_thread": S,
    "networks.pin_thread": S,
    "networks.edit_reply": S,
    "networks.delete_reply": S,
    "networks.thread_history": S,
}

ROLES = ["anonymous", "delegate", "observer", "focal_point", "secretariat"]


def test_every_route_declares_the_expected_rule(app):
    seen = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        declared = rule_of(view)
        assert declared is not None, f"{rule.endpoint} declares no access rule"
        assert rule.endpoint in EXPECTED, f"{rule.endpoint} ({rule.rule}) is not in the access table"
        assert declared == EXPECTED[rule.endpoint], rule.endpoint
        seen.add(rule.endpoint)
    assert set(EXPECTED) == seen, f"table lists routes that no longer exist: {set(EXPECTED) - seen}"


def test_static_files_are_served_to_anyone(client):
    with client.get("/static/css/app.css") as response:
        assert response.status_code == 200 and "text/css" in response.content_type


def test_a_route_without_a_rule_answers_404(app, client):
    # Deny by default: register a rule-less route in this app only and call it.
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    assert client.get("/forgotten").status_code == 404


def _client_for(role, app, make_account, sign_in):
    client = app.test_client()
    if role == "anonymous":
        return client
    account = make_account("delegate", party="US") if role == "observer" else make_account(role)
    assert sign_in(client, account).status_code == 302
    return client


def _expected(rule: Access, role: str, api: bool) -> set[int]:
    if rule == P:
        return {200, 302, 404, 405, 400, 410}
    if role == "anonymous":
        return {401} if api else {302}
    if rule == M and role in ("delegate", "observer"):
        return {403}
    if rule == A and role != "secretariat":
        return {403}
    # Past the gate: the service decides (404 for unknown ids, 400 for CSRF-less posts, ...), never 401/403.
    return {200, 201, 204, 302, 400, 404, 405, 410, 415, 422}


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_table_says(role, app, make_account, sign_in, make_party):
    make_party("JM")
    client = _client_for(role, app, make_account, sign_in)
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "auth.sign_out"):
            continue  # static files are public; signing out would end this client's session mid-walk
        path = re.sub(r"<int:[^>]+>", "999999", rule.rule)
        path = re.sub(r"<[^>]+>", "no-such-thing", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method)
            response.close()
            allowed = _expected(EXPECTED[rule.endpoint], role, path.startswith("/api/"))
            assert response.status_code in allowed, (
                f"{role} {method} {path}: {response.status_code} not in {sorted(allowed)}"
            )
            assert response.status_code != 500


#: Socket.IO inbound event -> the roles that may use it. Keep in step with cmc.realtime.events.EVENTS.
SOCKET_EVENTS: dict[str, set[str]] = {
    "ping:server": {"delegate", "observer", "focal_point", "secretariat"},
    "alerts:sync": {"delegate", "observer", "focal_point", "secretariat"},
    # These need an alert of a network the person is in; with no such alert every role is refused.
    "alert:ack": set(),
    "alert:received": set(),
    "alert:opened": set(),
}
SOCKET_PAYLOADS = {"alerts:sync": {"after_id": 0}, "alert:ack": {"id": 999999}, "alert:received": {"id": 999999},
                   "alert:opened": {"id": 999999}}


def test_every_socket_event_is_in_the_table(app):
    from cmc.extensions import socketio
    from cmc.realtime.events import EVENTS

    registered = set(socketio.server.handlers["/"]) - {"connect", "disconnect"}
    assert registered == set(SOCKET_EVENTS), f"events not in the table: {registered ^ set(SOCKET_EVENTS)}"
    assert set(EVENTS) == set(SOCKET_EVENTS)


@pytest.mark.parametrize("role", ROLES)
def test_every_socket_event_answers_each_role_as_the_table_says(role, app, make_account, sign_in):
    from cmc.extensions import socketio

    client = _client_for(role, app, make_account, sign_in)
    socket = socketio.test_client(app, flask_test_client=client)
    try:
        if role == "anonymous":
            assert not socket.is_connected()  # nobody reaches an event without signing in
            return
        for event, allowed in SOCKET_EVENTS.items():
            answer = socket.emit(event, SOCKET_PAYLOADS.get(event, {}), callback=True)
            assert answer["ok"] is (role in allowed), f"{role} {event}: {answer}"
    finally:
        if socket.is_connected():
            socket.disconnect()
