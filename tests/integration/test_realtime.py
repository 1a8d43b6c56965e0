"""Live connections in-process: authentication at connect, server-chosen rooms, and forced disconnects."""

from __future__ import annotations

import pytest

from cmc.extensions import socketio
from cmc.services import accounts, auth
from tests.conftest import csrf_from


@pytest.fixture
def socket_for(app):
    clients = []

    def connect(flask_client=None, auth_payload=None):
        client = socketio.test_client(app, flask_test_client=flask_client, auth=auth_payload)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        if client.is_connected():
            client.disconnect()


def test_connect_without_credentials_is_refused(app, socket_for):
    client = socket_for()
    assert not client.is_connected()


def test_connect_with_the_session_cookie(signed_in, socket_for):
    flask_client, account = signed_in("delegate")
    client = socket_for(flask_client)
    assert client.is_connected()
    assert client.emit("ping:server", {}, callback=True) == {"ok": True, "account_id": account.id}


def test_connect_with_a_token_and_refused_once_revoked(app, make_account, socket_for):
    account = make_account()
    token, secret = auth.create_token(account, "system")
    client = socket_for(auth_payload={"token": secret})
    assert client.is_connected()
    auth.revoke_token(account, token.id)
    assert not client.is_connected()  # revoking drops the live connection at once
    assert not socket_for(auth_payload={"token": secret}).is_connected()
    assert not socket_for(auth_payload={"token": "cmc_made_up"}).is_connected()


def test_sign_out_drops_the_live_connection(signed_in, socket_for):
    flask_client, _ = signed_in("delegate")
    client = socket_for(flask_client)
    assert client.is_connected()
    flask_client.post("/sign-out", data={"csrf_token": csrf_from(flask_client.get("/").get_data(as_text=True))})
    assert not client.is_connected()


def test_deactivation_drops_every_connection_of_the_account(app, signed_in, make_account, socket_for):
    flask_client, account = signed_in("delegate")
    _token, secret = auth.create_token(account, "system")
    by_cookie = socket_for(flask_client)
    by_token = socket_for(auth_payload={"token": secret})
    admin = make_account("secretariat")
    accounts.set_active(admin, account.id, False)
    assert not by_cookie.is_connected() and not by_token.is_connected()


def test_password_change_drops_other_sessions_connections(app, signed_in, sign_in, socket_for):
    flask_client, account = signed_in("delegate")
    other = app.test_client()
    sign_in(other, account)
    mine, theirs = socket_for(flask_client), socket_for(other)
    token = csrf_from(flask_client.get("/settings/").get_data(as_text=True))
    response = flask_client.post("/settings/password", data={
        "current": "correct horse battery staple", "new": "a brand new long passphrase",
        "confirm": "a brand new long passphrase", "csrf_token": token})
    assert response.status_code == 302
    assert mine.is_connected() and not theirs.is_connected()
    assert other.get("/").status_code == 302 and flask_client.get("/").status_code == 200


def test_events_recheck_credentials(app, signed_in, socket_for):
    flask_client, _account = signed_in("delegate")
    client = socket_for(flask_client)
    # End the session behind the server's back (no notify): the next event is refused.
    from cmc.extensions import db
    from cmc.models import AuthSession

    db.session.execute(db.delete(AuthSession))
    db.session.commit()
    assert client.emit("ping:server", {}, callback=True) == {
        "ok": False, "error": "unauthenticated", "message": "Your session has ended. Sign in again."}


def test_a_refused_event_says_why_in_the_accounts_language(signed_in, socket_for):
    from flask_babel import force_locale, gettext

    from cmc.extensions import db

    flask_client, account = signed_in("delegate")
    account.language = "fr"
    db.session.commit()
    client = socket_for(flask_client)
    answer = client.emit("alert:ack", {"id": "seven"}, callback=True)
    english = "The request was not understood. Reload the page."
    with force_locale("fr"):
        french = gettext(english)
    assert french != english, "the French catalogue translates it"
    assert answer == {"ok": False, "error": "id must be the number of an alert", "message": french}


def _rooms(client):
    sid = socketio.server.manager.sid_from_eio_sid(client.eio_sid, "/")
    return set(socketio.server.manager.get_rooms(sid, "/")) - {sid}


def test_server_chooses_the_rooms(signed_in, socket_for):
    flask_client, account = signed_in("delegate")
    client = socket_for(flask_client)
    from cmc.extensions import db
    from cmc.models import AuthSession

    session_id = db.session.scalar(db.select(AuthSession.id))
    assert _rooms(client) == {f"user:{account.id}", f"session:{session_id}"}


def test_clients_cannot_choose_rooms(signed_in, make_account, socket_for):
    flask_client, _ = signed_in("delegate")
    other = make_account()
    client = socket_for(flask_client)
    before = _rooms(client)
    # There is no join event: a client naming a room gets no answer and joins nothing.
    for event in ("join", "join_room", "subscribe"):
        assert client.emit(event, {"room": f"user:{other.id}"}, callback=True) is None
    assert _rooms(client) == before


def test_role_change_drops_every_connection_of_the_account(app, signed_in, make_account, socket_for):
    flask_client, account = signed_in("delegate", party="JM")
    live = socket_for(flask_client)
    assert live.is_connected()
    admin = make_account("secretariat")
    accounts.change_role(admin, account.id, "focal_point")
    assert not live.is_connected()
    assert flask_client.get("/").status_code == 302  # signed out: the new role needs a new sign-in
