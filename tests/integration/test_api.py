"""The JSON API: authentication by cookie or token, JSON errors, and the OpenAPI document."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cmc.extensions import db
from cmc.models import AccessToken, Party
from cmc.schema import code_heads
from cmc.services import auth
from tests.conftest import form_token


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def token_for(app):
    def make(account, **kwargs):
        return auth.create_token(account, "test", **kwargs)[1]

    return make


def test_me_with_a_token(client, make_account, token_for):
    account = make_account("focal_point", party="JM")
    response = client.get("/api/v1/me", headers=bearer(token_for(account)))
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == account.email and body["role"] == "focal_point"
    assert body["party"] == {"code": "JM", "name": "Party JM", "status": "member"}
    assert body["networks"] == []


def test_me_with_the_session_cookie(signed_in):
    client, account = signed_in("delegate")
    assert client.get("/api/v1/me").get_json()["id"] == account.id


@pytest.mark.parametrize("header", [None, "Bearer cmc_unknown", "Bearer nonsense", "Basic abc"])
def test_no_or_unknown_token_is_401_json(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    error = response.get_json()["error"]
    assert error["code"] in {"unauthenticated", "invalid_token"} and error["message"]


def test_revoked_and_expired_tokens_stop_working(client, make_account, token_for):
    account = make_account()
    secret = token_for(account)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    token = db.session.scalar(select(AccessToken))
    auth.revoke_token(account, token.id)
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_token"
    expiring = token_for(account, expires_in_days=1)
    row = db.session.scalar(select(AccessToken).order_by(AccessToken.id.desc()))
    from datetime import timedelta

    from cmc.models.types import utcnow

    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(expiring)).status_code == 401


def test_token_of_deactivated_account_stops_working(client, make_account, token_for):
    account = make_account()
    secret = token_for(account)
    account.active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_tokens_are_stored_hashed_and_shown_once(client, make_account):
    account = make_account()
    token, secret = auth.create_token(account, "national system")
    stored = db.session.get(AccessToken, token.id)
    assert secret not in (stored.token_hash, stored.prefix) and len(stored.token_hash) == 64
    listed = client.get("/api/v1/tokens", headers=bearer(secret)).get_json()["items"]
    assert listed[0]["name"] == "national system" and "secret" not in listed[0]


def test_create_and_revoke_token_through_the_api(signed_in, client, token_for):
    browser, account = signed_in("delegate")
    secret = token_for(account)
    minted = client.post("/api/v1/tokens", json={"name": "child"}, headers=bearer(secret))
    assert minted.status_code == 403  # a token cannot outlive itself by minting others
    created = browser.post("/api/v1/tokens", json={"name": "feed reader", "expires_in_days": 30},
                           headers={"X-CSRFToken": form_token(browser, "/")})
    assert created.status_code == 201
    new_secret = created.get_json()["secret"]
    assert client.get("/api/v1/me", headers=bearer(new_secret)).status_code == 200
    assert client.delete(f"/api/v1/tokens/{created.get_json()['id']}", headers=bearer(secret)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(new_secret)).status_code == 401


def test_cannot_revoke_someone_elses_token(client, make_account, token_for):
    mine, theirs = make_account(), make_account()
    their_token, _ = auth.create_token(theirs, "theirs")
    response = client.delete(f"/api/v1/tokens/{their_token.id}", headers=bearer(token_for(mine)))
    assert response.status_code == 404
    assert db.session.get(AccessToken, their_token.id).revoked_at is None


def test_parties_list(client, make_account, token_for, make_party):
    make_party("BB")
    response = client.get("/api/v1/parties", headers=bearer(token_for(make_account())))
    codes = {p["code"] for p in response.get_json()["items"]}
    assert {"BB", "TT"} <= codes


def test_secretariat_adds_a_party_via_api(client, make_account, token_for):
    response = client.post("/api/v1/parties", headers=bearer(token_for(make_account("secretariat"))),
                           json={"code": "PR", "name": "Puerto Rico", "kind": "territory", "status": "observer",
                                 "languages": ["es", "en"]})
    assert response.status_code == 201
    assert response.get_json()["languages"] == ["es", "en"]


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"data": "{not json", "content_type": "application/json"}, 400, "malformed_json"),
        ({"data": "code=PR", "content_type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"),
        ({"json": ["a", "list"]}, 400, "bad_request"),
        ({"json": {"code": "PR"}}, 400, "bad_request"),
        ({"json": {"code": "pr!", "name": "X", "kind": "state", "status": "member"}}, 422, "validation_failed"),
        ({"json": {"code": "TT", "name": "X", "kind": "state", "status": "member"}}, 409, "conflict"),
        ({"json": {"code": "PR", "name": "X", "kind": "planet", "status": "member"}}, 422, "validation_failed"),
    ],
)
def test_bad_input_gets_a_json_error_and_changes_nothing(client, make_account, token_for, make_party, kwargs,
                                                         status, code):
    make_party("TT")
    secret = token_for(make_account("secretariat"))
    before = db.session.scalar(select(db.func.count()).select_from(Party))
    response = client.post("/api/v1/parties", headers=bearer(secret), **kwargs)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert response.get_json()["error"]["message"]
    assert db.session.scalar(select(db.func.count()).select_from(Party)) == before


def test_delegate_cannot_add_a_party(client, make_account, token_for):
    response = client.post("/api/v1/parties", headers=bearer(token_for(make_account("delegate"))),
                           json={"code": "PR", "name": "X", "kind": "state", "status": "member"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_cookie_session_needs_csrf_header_on_unsafe_methods(signed_in):
    client, _ = signed_in("delegate")
    response = client.post("/api/v1/tokens", json={"name": "x"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "csrf_failed"
    token = form_token(client, "/settings/")
    response = client.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRFToken": token})
    assert response.status_code == 201


def test_unknown_api_path_and_method_are_json(client, make_account, token_for):
    headers = bearer(token_for(make_account()))
    response = client.get("/api/v1/nothing-here", headers=headers)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    response = client.put("/api/v1/me", headers=headers)
    assert response.status_code == 405 and response.get_json()["error"]["code"] == "method_not_allowed"


def test_bearer_tokens_do_not_open_pages(client, make_account, token_for):
    response = client.get("/", headers=bearer(token_for(make_account())))
    assert response.status_code == 302


def test_openapi_describes_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = rule.rule.removeprefix("/api/v1")
        for arg in rule.arguments:
            path = path.replace(f"<int:{arg}>", "{" + arg + "}").replace(f"<{arg}>", "{" + arg + "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {path} is missing from the OpenAPI document"


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    head = ",".join(code_heads())
    assert response.get_json() == {"status": "ok", "database": "ok", "schema": "ok", "storage": "ok",
                                   "schema_revision": head, "code_revision": head}


@pytest.fixture
def dead_redis(app_config):
    app_config["SOCKETIO_MESSAGE_QUEUE"] = "redis://127.0.0.1:1/0"


def test_healthz_reports_an_unreachable_message_queue(dead_redis, client):
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["redis"] == "unreachable"
