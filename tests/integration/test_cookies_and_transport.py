"""Cookies bound to this host when secure (``__Host-``), and HSTS on every answer that came over HTTPS."""

from __future__ import annotations

import pytest

from cmc.extensions import socketio
from tests.conftest import PASSWORD, csrf_from


def _set_cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def _sign_in_collecting_cookies(client, account, base_url):
    """Sign in through the real forms, returning every Set-Cookie header the browser was sent."""
    from tests.conftest import next_code

    seen = []
    referrer = {"Referer": f"{base_url}/sign-in"}  # over HTTPS, Flask-WTF checks it as browsers send it
    page = client.get("/sign-in", base_url=base_url)
    seen += _set_cookies(page)
    answer = client.post("/sign-in", base_url=base_url, headers=referrer, data={
        "email": account.email, "password": PASSWORD, "csrf_token": csrf_from(page.get_data(as_text=True))})
    seen += _set_cookies(answer)
    if answer.headers.get("Location") == "/sign-in/code":
        page = client.get("/sign-in/code", base_url=base_url)
        answer = client.post("/sign-in/code", base_url=base_url, headers=referrer, data={
            "code": next_code(account), "csrf_token": csrf_from(page.get_data(as_text=True))})
        seen += _set_cookies(answer)
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    return seen


@pytest.fixture
def secure(app_config):
    app_config.update(SECURE_COOKIES=True, BASE_URL="https://localhost")
    return app_config


def test_secure_cookies_are_host_only_and_the_session_works_with_them(secure, app, make_account):
    account = make_account("secretariat")  # with a second factor: two steps, two new sessions
    client = app.test_client()
    cookies = _sign_in_collecting_cookies(client, account, "https://localhost")
    assert cookies, "no cookie was set"
    for header in cookies:
        name, _, rest = header.partition("=")
        attributes = [a.strip().lower() for a in rest.split(";")[1:]]
        assert name.startswith("__Host-"), header
        assert "secure" in attributes and "path=/" in attributes and "httponly" in attributes, header
        assert not any(a.startswith("domain") for a in attributes), header
    assert {h.partition("=")[0] for h in cookies} == {"__Host-cmc_session"}  # no other cookie (CSRF is inside)
    assert app.config["REMEMBER_COOKIE_NAME"].startswith("__Host-") and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["REMEMBER_COOKIE_PATH"] == "/" and app.config["REMEMBER_COOKIE_DOMAIN"] is None
    # The prefixed cookie carries the session for pages and for the live connection.
    assert client.get("/", base_url="https://localhost").status_code == 200
    socket = socketio.test_client(app, flask_test_client=client)
    try:
        assert socket.is_connected()
    finally:
        socket.disconnect()
    spec = client.get("/api/v1/openapi.json", base_url="https://localhost").get_json()
    assert spec["components"]["securitySchemes"]["cookie"]["name"] == "__Host-cmc_session"


def test_plain_http_keeps_plain_cookie_names(app, make_account):
    cookies = _sign_in_collecting_cookies(app.test_client(), make_account("delegate"), "http://localhost")
    assert {h.partition("=")[0] for h in cookies} == {"cmc_session"}
    assert all("secure" not in h.lower() for h in cookies)


def test_hsts_is_sent_over_https_only(app, client):
    over_tls = client.get("/sign-in", base_url="https://localhost")
    assert over_tls.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert client.get("/healthz", base_url="https://localhost").headers["Strict-Transport-Security"]
    assert "Strict-Transport-Security" not in client.get("/sign-in", base_url="http://localhost").headers


@pytest.fixture
def proxied(app_config):
    app_config["PROXY_HOPS"] = 1
    return app_config


def test_hsts_behind_the_proxy_is_sent_when_the_proxy_saw_https(proxied, app, client):
    forwarded = client.get("/sign-in", headers={"X-Forwarded-Proto": "https"})
    assert forwarded.headers["Strict-Transport-Security"] == "max-age=31536000"
    plain = client.get("/sign-in", headers={"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in plain.headers
