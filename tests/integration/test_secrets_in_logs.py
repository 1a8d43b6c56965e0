"""Secrets stay out of logs: every log record of the process (every logger, at DEBUG, SQLAlchemy's echo included)
and the platform's own log output, in both formats, are captured while credentials are made and used: invitation
links (the admin page, ``cmc accounts create``, the embedded profile's mail), personal access tokens (``cmc tokens
create``, the service), bearer requests to the API, a socket connected with a token, a second factor enrolled
(its TOTP secret and recovery codes) and a recovery code used, passwords, session cookies, CSRF tokens and the
``SECRET_KEY``. None of them may appear. The production settings refuse to start without a mail server.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import secrets
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask

from cmc import create_app
from cmc.config import ConfigError
from cmc.extensions import db, socketio
from cmc.logging_setup import SECRET_PATH_PREFIXES, _CmcHandler, redact
from cmc.models import Account
from cmc.services import auth
from tests.conftest import PASSWORD, csrf_from, form_token
from tests.live_server import ROOT, gunicorn_executable, migrated_instance, wait_healthy

#: Its servers and commands run on the live database of the run (SQLite, or PostgreSQL under make test-postgres).
pytestmark = pytest.mark.live_database

NEW_PASSWORD = "tamarind season by the harbour"


@pytest.fixture(params=["text", "json"])
def log_format(request: pytest.FixtureRequest, app_config: dict[str, Any]) -> str:
    app_config["LOG_FORMAT"] = request.param
    return str(request.param)


@pytest.fixture
def captured(log_format: str, app: Flask, caplog: pytest.LogCaptureFixture) -> Iterator[dict[str, Any]]:
    """Every record of every logger at DEBUG (``caplog``) and what the platform's own handler writes."""
    handler = next(h for h in logging.getLogger("cmc").handlers if isinstance(h, _CmcHandler))
    stream = io.StringIO()
    previous_stream = handler.setStream(stream)
    caplog.set_level(logging.DEBUG)  # the root logger: Flask-WTF, Alembic, Socket.IO, everything
    caplog.set_level(logging.DEBUG, logger="cmc")
    # SQLAlchemy keeps its loggers at WARNING unless told; an operator chasing a problem turns its SQL echo on.
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    try:
        yield {"caplog": caplog, "stream": stream}
    finally:
        handler.setStream(previous_stream)


def _everything_logged(captured: dict[str, Any]) -> str:
    formatter = logging.Formatter()
    parts = [captured["stream"].getvalue()]
    for record in captured["caplog"].records:
        parts.append(record.getMessage())
        if record.exc_info:
            parts.append(formatter.formatException(record.exc_info))
    return "\n".join(parts)


def _invite_through_the_admin_page(admin: Any) -> str:
    token = form_token(admin, "/admin/accounts/invite")
    page = admin.post("/admin/accounts/invite", data={"email": "new.person@gov.jm", "name": "New Person",
                                                      "party": "JM", "role": "delegate", "csrf_token": token})
    assert page.status_code == 200
    match = re.search(r"/invitations/([\w-]{20,})", page.get_data(as_text=True))
    assert match, "the inviter sees the link"
    return match.group(1)


def _accept(app: Flask, key: str) -> Any:
    invitee = app.test_client()
    page = invitee.get(f"/invitations/{key}").get_data(as_text=True)
    assert invitee.post(f"/invitations/{key}", data={"password": NEW_PASSWORD}).status_code == 400  # no CSRF
    done = invitee.post(f"/invitations/{key}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                                     "csrf_token": csrf_from(page)})
    assert done.status_code == 302
    return invitee


def _enrol_and_use_a_recovery_code(app: Flask, client: Any, account: Account) -> list[str]:
    page = client.get("/settings/security").get_data(as_text=True)
    totp_secret = re.search(r'id="totp-key">([A-Z2-7]+)<', page).group(1)  # type: ignore[union-attr]
    confirmed = client.post("/settings/security/confirm",
                            data={"code": pyotp.TOTP(totp_secret).now(), "csrf_token": csrf_from(page)})
    codes = re.findall(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>", confirmed.get_data(as_text=True))
    assert len(codes) == 10
    other = app.test_client()
    sign_in_page = other.get("/sign-in").get_data(as_text=True)
    other.post("/sign-in", data={"email": account.email, "password": NEW_PASSWORD,
                                 "csrf_token": csrf_from(sign_in_page)})
    code_page = other.get("/sign-in/code").get_data(as_text=True)
    assert other.post("/sign-in/code", data={"code": codes[0], "csrf_token": csrf_from(code_page)}).status_code == 302
    return [totp_secret, *codes]


def test_no_credential_reaches_any_log(captured: dict[str, Any], app: Flask, signed_in: Any, make_party: Any,
                                      make_account: Any, capsys: pytest.CaptureFixture[str]) -> None:
    make_party("JM")
    make_party("BB")
    admin, _secretariat = signed_in("secretariat")
    key = _invite_through_the_admin_page(admin)
    invitee = _accept(app, key)
    invited = db.session.scalar(db.select(Account).where(Account.email == "new.person@gov.jm"))
    assert invited is not None
    second_factor = _enrol_and_use_a_recovery_code(app, invitee, invited)

    runner = app.test_cli_runner()
    cli_invitation = runner.invoke(args=["accounts", "create", "--email", "cli@gov.bb", "--name", "Cli",
                                         "--party", "BB", "--role", "delegate"])
    cli_key = re.search(r"/invitations/([\w-]{20,})", cli_invitation.output).group(1)  # type: ignore[union-attr]
    cli_token = runner.invoke(args=["tokens", "create", "--email", invited.email, "--name", "feed"]).output.strip()
    assert cli_token.startswith("cmc_")
    _row, service_token = auth.create_token(make_account("delegate", party="JM"), "scripts")
    api = app.test_client()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {cli_token}"}).status_code == 200
    unknown = "cmc_" + secrets.token_urlsafe(32)
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {unknown}"}).status_code == 401
    socket = socketio.test_client(app, auth={"token": service_token})
    assert socket.is_connected()
    socket.disconnect()
    console = capsys.readouterr().out  # the embedded profile's mail: the invitation, on the console only
    assert key in console

    cookies = [cookie.value for client in (admin, invitee) for cookie in client._cookies.values()]
    csrf = csrf_from(admin.get("/settings/tokens").get_data(as_text=True))
    credentials = {"invitation key (page)": key, "invitation key (cli)": cli_key, "token (cli)": cli_token,
                   "token (service)": service_token, "unknown bearer token": unknown, "password": PASSWORD,
                   "new password": NEW_PASSWORD, "CSRF token": csrf, "SECRET_KEY": app.config["SECRET_KEY"],
                   **{f"second factor secret or code {n}": value for n, value in enumerate(second_factor)},
                   **{f"session cookie {n}": value for n, value in enumerate(cookies)}}
    logged = _everything_logged(captured)
    assert "CSRF refused on /invitations/[redacted]" in logged  # the request that carried the link is logged
    assert "mail to new.person@gov.jm not sent" in logged
    assert len(captured["caplog"].records) > 50  # every SQL statement among them
    leaked = sorted(name for name, value in credentials.items() if value and value in logged)
    assert not leaked, f"these reached the log: {leaked}"


def test_passwords_in_connection_urls_stay_out_of_logs(tmp_path: Any, caplog: pytest.LogCaptureFixture) -> None:
    password = "Db-Pa55word-" + secrets.token_hex(8)
    app = create_app({"TESTING": True, "SKIP_INSTANCE_CONFIG": True, "INSTANCE_PATH": str(tmp_path),
                      "SECRET_KEY": "k" * 40, "DATABASE_URL": f"postgresql://cmc:{password}@127.0.0.1:1/cmc",
                      "SOCKETIO_MESSAGE_QUEUE": f"redis://:{password}@127.0.0.1:1/0"})
    with caplog.at_level(logging.DEBUG):
        response = app.test_client().get("/healthz")
        logging.getLogger("cmc.test").info("connecting to %s", app.config["SQLALCHEMY_DATABASE_URI"])
    assert response.status_code == 503
    logged = "\n".join([r.getMessage() for r in caplog.records] + [caplog.text])
    assert "health check: database unreachable" in logged and password not in logged


@pytest.mark.parametrize("setting", [{"SECURE_COOKIES": True}, {"LOG_FORMAT": "json"}])
def test_production_settings_without_a_mail_server_do_not_start(tmp_path: Any, setting: dict[str, Any]) -> None:
    base = {"SKIP_INSTANCE_CONFIG": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 40, **setting}
    with pytest.raises(ConfigError, match="MAIL_SERVER is not set, but SECURE_COOKIES or LOG_FORMAT"):
        create_app({**base, "MAIL_SERVER": None})
    assert create_app({**base, "MAIL_SERVER": "smtp.example.org"}).config["MAIL_SERVER"] == "smtp.example.org"


def test_every_route_with_a_secret_in_its_path_is_redacted(app: Flask) -> None:
    """A route whose path carries a credential (a text variable named like one; ``<int:token_id>`` is a row id)
    must be in SECRET_PATH_PREFIXES."""
    secret_names = ("key", "token", "secret", "code", "password")
    found = []
    for rule in app.url_map.iter_rules():
        names = [name for name in rule.arguments if any(word in name.lower() for word in secret_names)
                 and f"<int:{name}>" not in rule.rule]
        if names:
            path = rule.rule
            for name in rule.arguments:
                path = re.sub(rf"<(?:[a-z]+:)?{name}>", "Zq9sEcReTvAlUe" if name in names else "1", path)
            found.append(rule.rule)
            assert "Zq9sEcReTvAlUe" not in redact(f"GET {path}?page=2 HTTP/1.1"), rule.rule
    assert found and all(any(r.startswith(p) for p in SECRET_PATH_PREFIXES) for r in found), found


@pytest.mark.parametrize(("line", "secret"), [
    ("GET /invitations/AbC-123_x?next=%2F HTTP/1.1", "AbC-123_x"),
    ('"https://cmc.example.org/invitations/AbC-123_x"', "AbC-123_x"),
    ("Authorization: Bearer cmc_AbCdEfGhIjKlMnOpQrSt", "AbCdEfGhIjKlMnOpQrSt"),
    ("GET /socket.io/?EIO=4&transport=polling&sid=AbC123xyz HTTP/1.1", "AbC123xyz"),
    ("GET /api/v1/me?access_token=AbC123xyz HTTP/1.1", "AbC123xyz"),
    ("postgresql+psycopg://cmc:AbC123xyz@db.internal:5432/cmc", "AbC123xyz"),
    ("Cookie: cmc_session=AbC123xyz.def; lang=en", "AbC123xyz"),
])
def test_redact_removes_credentials_and_keeps_the_rest(line: str, secret: str) -> None:
    clean = redact(line)
    assert secret not in clean and "[redacted]" in clean
    assert redact("GET /networks/migrant-smuggling/alerts?page=2 HTTP/1.1") == \
        "GET /networks/migrant-smuggling/alerts?page=2 HTTP/1.1"


def test_the_request_log_of_the_deploy_configuration_shows_no_credential(tmp_path: Path) -> None:
    """The page workers of ``deploy/gunicorn-pages.conf.py`` log every request (the platform's own request line;
    gunicorn's access log is off): an invitation link in the path or the Referer, a token in the query string
    or a bearer header stay out."""
    if not Path(gunicorn_executable()).exists():
        pytest.skip("gunicorn is not installed (the prod extra)")
    import requests

    key, referer_key, query_token = (secrets.token_urlsafe(32) for _ in range(3))
    bearer = "cmc_" + secrets.token_urlsafe(32)
    with migrated_instance(tmp_path / "instance") as server:
        env = {**server.env, "CMC_BIND": f"127.0.0.1:{server.port}"}
        with open(server.log_path, "ab") as log:
            server.process = subprocess.Popen(
                [gunicorn_executable(), "-c", str(ROOT / "deploy/gunicorn-pages.conf.py"), "--workers", "1",
                 "cmc.wsgi:app"], env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        try:
            wait_healthy(server, timeout=60)
            requests.get(server.url(f"/invitations/{key}?token={query_token}"), timeout=10,
                         headers={"Referer": server.url(f"/invitations/{referer_key}"),
                                  "Authorization": f"Bearer {bearer}"})
            requests.get(server.url(f"/api/v1/me?access_token={query_token}"), timeout=10,
                         headers={"Authorization": f"Bearer {bearer}"})
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.process.pid, signal.SIGTERM)
            server.process.wait(timeout=20)
        logged = server.output()
    assert "GET /invitations/[redacted] 404 " in logged, logged[-2000:]
    assert "GET /api/v1/me 401 " in logged, logged[-2000:]
    for value in (key, referer_key, query_token, bearer.removeprefix("cmc_")):
        assert value not in logged, logged[-2000:]
