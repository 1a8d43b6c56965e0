"""The TOTP second factor: enrolment, sign-in with it, replay and guessing refused, recovery codes, reset."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from cmc.extensions import db
from cmc.models import Account, AuditEvent, AuthSession
from tests.conftest import PASSWORD, csrf_from, form_token, next_code


def _password_step(client, account):
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    return client.post("/sign-in", data={"email": account.email, "password": PASSWORD, "csrf_token": token})


def _code_step(client, code):
    token = csrf_from(client.get("/sign-in/code").get_data(as_text=True))
    return client.post("/sign-in/code", data={"code": code, "csrf_token": token})


def _enrol(client):
    page = client.get("/settings/security").get_data(as_text=True)
    secret = re.search(r'id="totp-key">([A-Z2-7]+)<', page).group(1)
    assert "<svg" in page  # the QR code is drawn on the server
    response = client.post("/settings/security/confirm",
                           data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page)})
    return secret, response


def test_secretariat_without_second_factor_must_enrol_before_anything_else(app, make_account, sign_in):
    account = make_account("secretariat", second_factor=False)
    client = app.test_client()
    assert sign_in(client, account).status_code == 302
    for path in ("/", "/admin/accounts", "/settings/tokens"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/settings/security", path
    assert client.get("/api/v1/me").get_json()["error"]["code"] == "second_factor_required"
    secret, response = _enrol(client)
    assert response.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>", response.get_data(as_text=True))
    assert len(codes) == 10
    assert client.get("/").status_code == 200
    stored = db.session.get(Account, account.id)
    assert stored.totp_secret == secret and stored.has_second_factor


def test_delegate_may_skip_the_second_factor(signed_in):
    client, _ = signed_in("delegate")
    assert client.get("/").status_code == 200


def test_sign_in_with_a_code_and_the_code_cannot_be_replayed(app, make_account):
    account = make_account("secretariat")
    client = app.test_client()
    response = _password_step(client, account)
    assert response.headers["Location"] == "/sign-in/code"
    assert client.get("/").status_code == 302  # not signed in between the two steps
    code = next_code(account)
    assert _code_step(client, code).status_code == 302
    assert client.get("/").status_code == 200
    other = app.test_client()
    _password_step(other, account)
    replay = _code_step(other, code)
    assert replay.status_code == 401 and "used already" in replay.get_data(as_text=True)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.second_factor")).all()[-1]
    assert event.outcome == "failed" and event.details == {"reason": "replayed"}
    assert code not in str(event.details)


def test_code_from_another_secret_is_refused(app, make_account):
    account = make_account("secretariat")
    client = app.test_client()
    _password_step(client, account)
    assert _code_step(client, pyotp.TOTP(pyotp.random_base32()).now()).status_code == 401
    assert db.session.scalar(select(db.func.count()).select_from(AuthSession)) == 0


def test_code_step_expires(app, make_account, monkeypatch):
    account = make_account("secretariat")
    client = app.test_client()
    _password_step(client, account)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 301)
    response = client.get("/sign-in/code")
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"


def test_recovery_code_works_once(app, make_account, sign_in):
    account = make_account("delegate", second_factor=False)
    client = app.test_client()
    sign_in(client, account)
    _secret, response = _enrol(client)
    codes = re.findall(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>", response.get_data(as_text=True))
    first = app.test_client()
    _password_step(first, account)
    assert _code_step(first, codes[0].upper()).status_code == 302  # case and dash do not matter
    second = app.test_client()
    _password_step(second, account)
    assert _code_step(second, codes[0]).status_code == 401


@pytest.fixture
def tight_limits(app_config):
    app_config["LOGIN_LIMIT_PER_ACCOUNT"] = "5 per 15 minutes"
    app_config["LOGIN_LIMIT_PER_ADDRESS"] = "1000 per 5 minutes"


def test_guessing_codes_is_throttled_and_audited(tight_limits, app, make_account):
    account = make_account("secretariat")
    client = app.test_client()
    _password_step(client, account)
    statuses = [_code_step(client, f"{n:06d}").status_code for n in range(1000)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    # Even the right code now waits: 1,000 guesses cannot be made.
    assert _code_step(client, next_code(account)).status_code == 429
    failures = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.second_factor",
                                                           AuditEvent.outcome == "failed")).all()
    assert len(failures) == 1001  # 5 wrong codes, 996 throttled attempts (the right code among them)
    assert {e.details["reason"] for e in failures} >= {"wrong_code", "throttled"}


def test_wrong_first_code_does_not_turn_it_on(app, make_account, sign_in):
    account = make_account("delegate")
    client = app.test_client()
    sign_in(client, account)
    page = client.get("/settings/security").get_data(as_text=True)
    response = client.post("/settings/security/confirm", data={"code": "000000", "csrf_token": csrf_from(page)})
    assert response.status_code == 422 and "not right" in response.get_data(as_text=True)
    assert not db.session.get(Account, account.id).has_second_factor


def test_reset_needs_a_fresh_sign_in_and_is_audited(app, make_account, sign_in):
    admin = make_account("secretariat")
    target = make_account("secretariat", party="UNHCR")
    admin_client = app.test_client()
    sign_in(admin_client, admin)
    victim = app.test_client()
    sign_in(victim, target)
    path = f"/admin/accounts/{target.id}/reset-second-factor"
    with admin_client.session_transaction() as cookie_session:
        cookie_session["auth_at"] -= 16 * 60  # the sign-in is no longer fresh (15 minutes)
    response = admin_client.post(path, data={"csrf_token": form_token(admin_client, f"/admin/accounts/{target.id}")})
    # The confirmation comes in place of the action (tests/integration/test_fresh_sign_in.py follows it through).
    assert response.status_code == 403 and "Confirm your password" in response.get_data(as_text=True)
    assert db.session.get(Account, target.id).has_second_factor
    confirm = admin_client.post(f"/confirm-password?next={path}", data={
        "password": PASSWORD, "replay": "[]", "csrf_token": form_token(admin_client, "/confirm-password")})
    assert confirm.status_code == 200 and f'action="{path}"' in confirm.get_data(as_text=True)
    response = admin_client.post(path, data={"csrf_token": form_token(admin_client, f"/admin/accounts/{target.id}")})
    assert response.status_code == 302
    db.session.expire_all()
    assert not db.session.get(Account, target.id).has_second_factor
    assert victim.get("/").status_code == 302  # their sessions ended
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "mfa.reset"))
    assert event.actor_id == admin.id and event.target_id == str(target.id)


def test_only_the_secretariat_resets(signed_in, make_account):
    client, _ = signed_in("focal_point", party="JM")
    target = make_account("delegate", party="JM", second_factor=True)
    response = client.post(f"/admin/accounts/{target.id}/reset-second-factor",
                           data={"csrf_token": form_token(client, "/")})
    assert response.status_code == 403
    assert db.session.get(Account, target.id).has_second_factor


def test_replacing_a_second_factor_needs_a_fresh_password(app, make_account, sign_in):
    account = make_account("secretariat")
    client = app.test_client()
    sign_in(client, account)
    with client.session_transaction() as cookie_session:
        cookie_session["auth_at"] -= 16 * 60
    response = client.get("/settings/security?renew=1")
    assert response.status_code == 302 and "/confirm-password" in response.headers["Location"]
    token = form_token(client, "/settings/")
    response = client.post("/settings/security/confirm", data={"code": "123456", "csrf_token": token})
    assert response.status_code == 403 and "Confirm your password" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Account, account.id).totp_pending_secret is None
