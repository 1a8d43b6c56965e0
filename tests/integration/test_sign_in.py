"""Sign-in, sign-out and server-side sessions through the real pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from cmc.extensions import db
from cmc.models import AuditEvent, AuthSession
from cmc.models.types import utcnow
from tests.conftest import PASSWORD, csrf_from

GENERIC = "The email or password is not right"


def test_sign_in_lands_on_home_with_name_party_and_role(client, make_account, sign_in):
    account = make_account("focal_point", party="JM")
    response = sign_in(client, account)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert account.name in home
    assert "JM" in home and "National focal point" in home
    assert "Sign out" in home


def test_email_is_case_insensitive(client, make_account, sign_in):
    make_account(email="Ana.Perez@Gov.JM")
    assert sign_in(client, "ana.perez@gov.jm").status_code == 302


@pytest.mark.parametrize(
    "case",
    ["wrong_password", "unknown_email", "deactivated", "retired_party", "no_password_yet"],
)
def test_refused_sign_ins_share_one_generic_message(case, client, make_account, make_party, sign_in):
    password = PASSWORD
    if case == "retired_party":
        account = make_account(party=make_party("ZZ", retired=True))
    elif case == "deactivated":
        account = make_account(active=False)
    elif case == "no_password_yet":
        account = make_account(password=None)
    else:
        account = make_account()
    email = "nobody@example.org" if case == "unknown_email" else account.email
    if case == "wrong_password":
        password = "not the right password"
    response = sign_in(client, email, password)
    assert response.status_code == 401
    assert GENERIC in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out
    failed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.sign_in")).all()
    assert failed[-1].outcome == "failed"
    assert "password" not in str(failed[-1].details).lower().replace("wrong_password", "")


def test_missing_csrf_token_is_refused_and_signs_nobody_in(client, make_account):
    account = make_account()
    response = client.post("/sign-in", data={"email": account.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(AuthSession)) == 0


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "http:/evil.example"])
def test_next_never_leaves_the_site(target, client, make_account, sign_in):
    account = make_account()
    page = client.get("/sign-in", query_string={"next": target})
    token = csrf_from(page.get_data(as_text=True))
    response = client.post("/sign-in", query_string={"next": target},
                           data={"email": account.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_on_site_is_followed(client, make_account, sign_in):
    account = make_account()
    page = client.get("/sign-in?next=/settings/")
    token = csrf_from(page.get_data(as_text=True))
    response = client.post("/sign-in?next=/settings/",
                           data={"email": account.email, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/settings/"


def test_sign_out_kills_a_copied_cookie(app, client, make_account, sign_in):
    account = make_account()
    sign_in(client, account)
    cookie = client.get_cookie("cmc_session").value
    thief = app.test_client()
    thief.set_cookie("cmc_session", cookie)
    assert thief.get("/").status_code == 200  # the copy works while the session lives
    home = client.get("/").get_data(as_text=True)
    client.post("/sign-out", data={"csrf_token": csrf_from(home)})
    assert client.get("/").status_code == 302
    assert thief.get("/").status_code == 302  # the server-side row is gone: the copy is dead
    assert db.session.scalar(select(db.func.count()).select_from(AuthSession)) == 0


def test_sign_out_needs_post_with_csrf(client, make_account, sign_in):
    sign_in(client, make_account())
    assert client.get("/sign-out").status_code == 405
    assert client.post("/sign-out").status_code == 400
    assert client.get("/").status_code == 200


def _session_data(app, client):
    return app.session_interface.get_signing_serializer(app).loads(client.get_cookie("cmc_session").value)


def test_each_sign_in_gets_a_new_session(app, client, make_account, sign_in):
    account = make_account()
    client.get("/sign-in")
    before = _session_data(app, client)
    assert "sk" not in before
    sign_in(client, account)
    first = _session_data(app, client)["sk"]
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    sign_in(client, account)
    second = _session_data(app, client)["sk"]
    assert first != second
    assert db.session.scalar(select(db.func.count()).select_from(AuthSession)) == 1


def test_idle_session_expires(app, client, make_account, sign_in):
    sign_in(client, make_account())
    row = db.session.scalar(select(AuthSession))
    row.last_seen_at = utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    db.session.commit()
    assert client.get("/").status_code == 302
    assert db.session.scalar(select(AuthSession)) is None


def test_absolute_lifetime_expires_even_when_active(app, client, make_account, sign_in):
    sign_in(client, make_account())
    row = db.session.scalar(select(AuthSession))
    row.created_at = utcnow() - timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"], minutes=1)
    db.session.commit()
    assert client.get("/").status_code == 302


def test_cookie_flags(client, make_account, sign_in):
    response = sign_in(client, make_account())
    header = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert "Secure" not in header  # only with CMC_SECURE_COOKIES


@pytest.fixture
def secure_cookies(app_config):
    app_config["SECURE_COOKIES"] = True


def test_secure_cookie_when_configured(secure_cookies, client, make_account, sign_in):
    response = sign_in(client, make_account())
    assert "Secure" in response.headers.get("Set-Cookie", "")


@pytest.fixture
def tight_limits(app_config):
    app_config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    app_config["LOGIN_LIMIT_PER_ADDRESS"] = "5 per 5 minutes"


def test_failed_sign_ins_are_throttled_per_account(tight_limits, client, make_account, sign_in):
    account = make_account()
    for _ in range(3):
        assert sign_in(client, account, "wrong password again").status_code == 401
    blocked = sign_in(client, account, PASSWORD)  # even the right password waits
    assert blocked.status_code == 429
    assert "Too many failed attempts" in blocked.get_data(as_text=True)
    other = make_account()
    assert sign_in(client, other).status_code == 302  # another account from the same address is fine


def test_failed_sign_ins_are_throttled_per_address(tight_limits, client, make_account, sign_in):
    for n in range(5):
        sign_in(client, f"unknown{n}@example.org", "whatever password")
    assert sign_in(client, make_account()).status_code == 429


def test_successful_sign_ins_do_not_count_against_the_limit(tight_limits, app, make_account, sign_in):
    account = make_account()
    for _ in range(8):
        assert sign_in(app.test_client(), account).status_code == 302


def test_a_request_racing_a_redirect_does_not_undo_what_the_form_set(app, client, make_account, sign_in):
    """A page's own request (a live notice, ``/parts``) that left with the cookie of before a form was sent must
    not overwrite the cookie the form's answer set: the flash waiting for the next page would be lost."""
    sign_in(client, make_account())
    name = app.config["SESSION_COOKIE_NAME"]
    client.get("/notifications")  # the first form page after signing in puts a CSRF token in the session
    page = client.get("/notifications")
    assert "Set-Cookie" not in page.headers  # nothing in the session changed: nothing to send back
    before = client.get_cookie(name).value
    answer = client.post("/notifications/read", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert answer.status_code == 302 and name in answer.headers.get("Set-Cookie", "")
    after = client.get_cookie(name).value
    # The page's own requests, sent with the cookie it had before the form's answer came back: any Set-Cookie
    # on their answers, arriving after the redirect's, would replace the cookie in the browser.
    racer = app.test_client()
    racer.set_cookie(name, before)
    for path in ("/parts?part=waiting&part=rollcalls", "/notifications", "/"):
        late = racer.get(path)
        assert late.status_code < 400 and "Set-Cookie" not in late.headers, path
    assert client.get_cookie(name).value == after
    assert "Nothing was unread." in client.get("/notifications").get_data(as_text=True)
