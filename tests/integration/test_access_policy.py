"""The access-control proof: every route declares a rule, the rule is the one this table expects, and
each role gets the expected answer from every route. A new route missing from the table fails here."""

from __future__ import annotations

import re

import pytest

from cmc.http.access import Access, rule_of

P, S, M, A, T = Access.PUBLIC, Access.SIGNED_IN, Access.MANAGER, Access.SECRETARIAT, Access.FEED_TOKEN

#: endpoint -> expected route rule. Keep in step with the application.
EXPECTED: dict[str, Access] = {
    "static": P,
    "healthz": P,
    "i18n.catalogue": P,
    "auth.sign_in": P,
    "auth.sign_out": S,
    "auth.accept_invitation": P,
    "auth.second_factor": P,
    "auth.confirm_password": S,
    "home.index": S,
    "parts.parts": S,
    "situation.index": S,
    "situation.figure_csv": S,
    "notifications.index": S,
    "notifications.open_notification": S,
    "notifications.open_alert": S,
    "notifications.read_all": S,
    "settings.notification_settings": S,
    "settings.index": S,
    "settings.profile": S,
    "settings.password": S,
    "settings.tokens": S,
    "settings.security": S,
    "settings.security_confirm": S,
    "settings.sessions": S,
    "settings.end_session": S,
    "settings.revoke_token": S,
    "settings.calendar_feed": S,
    "settings.revoke_calendar_feed": S,
    "calendar_feeds.all_meetings": T,
    "calendar_feeds.one_meeting": T,
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
    "shared_report.index": M,
    "shared_report.export": M,
    "api.shared_report": S,
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
    "documents.text": S,
    "documents.forward": S,
    "api.list_alerts": S,
    "api.publish_alert": S,
    "api.import_alert": S,
    "api.get_alert": S,
    "api.update_alert": S,
    "api.cancel_alert": S,
    "api.ack_alert": S,
    "api.translate_alert": S,
    "api.alert_grid": S,
    "api.alert_cap": S,
    "api.alerts_feed": S,
    "alerts.index": S,
    "alerts.network_alerts": S,
    "alerts.compose": S,
    "alerts.autosave": S,
    "alerts.discard_autosave": S,
    "alerts.show": S,
    "alerts.ack": S,
    "alerts.remind": S,
    "rollcalls.show": S,
    "rollcalls.board_part": S,
    "rollcalls.remind": S,
    "api.rollcall_board": S,
    "api.rollcall_remind": S,
    "alerts.grid_csv": S,
    "alerts.pdf_export": S,
    "alerts.approve": S,
    "alerts.return_draft": S,
    "alerts.cancel": S,
    "alerts.revise": S,
    "alerts.event_types": S,
    "alerts.translate": S,
    "api.list_notifications": S,
    "api.mark_notifications_read": S,
    "api.list_meetings": S,
    "api.get_meeting": S,
    "api.add_agenda_item": S,
    "api.publish_agenda": S,
    "api.register_delegation": S,
    "api.list_action_items": S,
    "api.set_action_item_status": S,
    "meetings.index": S,
    "meetings.create": A,
    "meetings.edit": A,
    "meetings.show": S,
    "meetings.version": S,
    "meetings.ics": S,
    "meetings.pdf": S,
    "meetings.pack": S,
    "meetings.notice": S,
    "meetings.document_search": A,
    "meetings.builder": A,
    "meetings.add_item": A,
    "meetings.update_item": A,
    "meetings.move_item": A,
    "meetings.delete_item": A,
    "meetings.publish": A,
    "meetings.register": S,
    "meetings.decide": A,
    "meetings.minutes": A,
    "meetings.decision": A,
    "meetings.action": A,
    "meetings.action_status": S,
    "meetings.carry_forward": A,
    "meetings.reorder": A,
    "meetings.attendance": A,
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
    # Handling codes and release requests (issue 18): the services decide who may do what.
    "handling.alert_change": S,
    "handling.alert_ask": S,
    "handling.document_change": S,
    "handling.document_ask": S,
    "handling.thread_change": S,
    "handling.thread_ask": S,
    "handling.decide": S,
    "handling.withdraw": S,
    **{f"api.{kind}_{tail}": S for kind in ("alert", "document", "thread")
       for tail in ("handling_put", "releases_get", "releases_ask_post")},
    "api.list_releases": S,
    # Roll calls: the list, starting one, a network's templates (issue 19; the services decide).
    "rollcalls.index": S, "rollcalls.start": S, "rollcalls.templates": S, "rollcalls.template": S,
    "rollcalls.archive_template": S, "api.list_roll_calls": S, "api.start_roll_call": S, "api.get_roll_call": S,
    "api.list_templates": S, "api.create_template": S, "api.update_template": S,
    "api.decide_release": S,
    "api.withdraw_release": S,
    "rollcalls.answer": S,
    "api.rollcall_answers": S,
    "api.rollcall_answer_history": S,
    "api.rollcall_answer_put": S,
    # Roll calls, after (issue 19): the services decide (rollcall.manage, rollcall.export).
    "rollcalls.close": S,
    "rollcalls.reopen": S,
    "rollcalls.set_handling": S,
    "rollcalls.report_pdf": S,
    "rollcalls.answers_csv": S,
    "api.close_rollcall": S,
    "api.reopen_rollcall": S,
    "api.put_rollcall_handling": S,
    "api.rollcall_report_pdf": S,
    "api.rollcall_answers_csv": S,
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
    if rule == T:
        return {401}  # whoever asks, signed in or not: without a live feed token in the address, nothing
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


# --- record-level proof: who may do what with real records ------------------------------------------------
#
# One small world (a network with TT, JM, BS and the observer US in it; Barbados outside), real records,
# real CSRF tokens; each role is asked to do each action, and the answer must be the one in this table.

RECORD_ROLES = ["anonymous", "outsider", "member", "observer", "focal_point", "coordinator", "secretariat"]

#: action -> expected status per role, in RECORD_ROLES order
RECORD_TABLE: dict[str, tuple[int, ...]] = {
    "read workspace": (302, 404, 200, 200, 404, 200, 200),
    "read thread": (302, 404, 200, 200, 404, 200, 200),
    "start thread": (302, 404, 302, 403, 404, 302, 302),
    "reply": (302, 404, 302, 403, 404, 302, 302),
    "pin thread": (302, 404, 403, 403, 404, 302, 302),
    "add a JM delegate": (302, 404, 403, 403, 302, 302, 302),
    "read document": (302, 404, 200, 200, 404, 200, 200),
    "read alert": (302, 404, 200, 200, 404, 200, 200),
    "publish alert (API)": (401, 404, 403, 403, 404, 201, 201),
    "edit agenda": (302, 403, 403, 403, 403, 403, 302),
}


@pytest.fixture
def world(app, make_party, make_account):
    from cmc.extensions import db
    from cmc.models import Document
    from cmc.services import alerts, meetings, networks

    for code in ("TT", "JM", "BS", "BB"):
        make_party(code)
    make_party("US", status="observer")
    admin = make_account("secretariat")
    network = networks.create_network(admin, networks.NetworkInput(
        slug="ms", name="Migrant Smuggling", alerts_enabled=True, party_codes=["TT", "JM", "BS", "US"]))
    people = {
        "outsider": make_account("delegate", party="BB"),
        "member": make_account("delegate", party="TT"),
        "observer": make_account("delegate", party="US"),
        "focal_point": make_account("focal_point", party="JM"),
        "coordinator": make_account("delegate", party="BS", second_factor=True),
        "secretariat": admin,
    }
    for role in ("member", "observer"):
        networks.add_member(admin, network.slug, people[role].id)
    networks.add_member(admin, network.slug, people["coordinator"].id, "coordinator")
    thread = networks.create_thread(people["member"], network.slug, "Routes", "Body")
    document = Document(network_id=network.id, title="Report", owner_party_id=people["member"].party_id,
                        uploader_id=people["member"].id)
    db.session.add(document)
    db.session.commit()
    alert, _ = alerts.publish(people["coordinator"], network.slug, alerts.AlertInput(
        infos=[alerts.InfoInput(headline="Boat", event="Vessel", severity="Minor")]))
    from datetime import date

    meeting = meetings.save_meeting(admin, meetings.MeetingInput(
        title="Meeting", kind="webinar", start_date=date(2027, 1, 5), end_date=date(2027, 1, 5)))
    jm_delegate = make_account("delegate", party="JM")
    return {"network": network, "thread": thread, "document": document, "alert": alert, "people": people,
            "jm_delegate": jm_delegate, "meeting": meeting}


def _act(client, action, world):
    from tests.conftest import csrf_from

    slug, thread, meeting = world["network"].slug, world["thread"].id, world["meeting"]
    home = client.get("/")
    token = csrf_from(home.get_data(as_text=True)) if home.status_code == 200 else ""
    post = lambda path, **data: client.post(path, data={"csrf_token": token, **data})  # noqa: E731
    if action == "read workspace":
        return client.get(f"/networks/{slug}")
    if action == "read thread":
        return client.get(f"/threads/{thread}")
    if action == "start thread":
        return post(f"/networks/{slug}/threads/new", title="New", body="Text")
    if action == "reply":
        return post(f"/threads/{thread}/replies", body="A reply")
    if action == "pin thread":
        return post(f"/threads/{thread}/pin", pinned="1")
    if action == "add a JM delegate":
        return post(f"/networks/{slug}/members", account_id=str(world["jm_delegate"].id), role="member")
    if action == "read document":
        return client.get(f"/documents/{world['document'].id}")
    if action == "read alert":
        return client.get(f"/alerts/{world['alert'].id}")
    if action == "publish alert (API)":
        return client.post(f"/api/v1/networks/{slug}/alerts", headers={"X-CSRFToken": token},
                           json={"infos": [{"headline": "H", "event": "E", "severity": "Minor"}]})
    if action == "edit agenda":
        return post(f"/meetings/{meeting.id}/items", title="Item", day="2027-01-05",
                    revision=str(meeting.agenda_revision))
    raise AssertionError(action)


@pytest.mark.parametrize("role", RECORD_ROLES)
def test_every_role_gets_the_tables_answer_on_real_records(role, app, world, sign_in):
    client = app.test_client()
    if role != "anonymous":
        assert sign_in(client, world["people"][role]).status_code == 302
    for action, expected in RECORD_TABLE.items():
        response = _act(client, action, world)
        want = expected[RECORD_ROLES.index(role)]
        assert response.status_code == want, f"{role} / {action}: {response.status_code}, expected {want}"
