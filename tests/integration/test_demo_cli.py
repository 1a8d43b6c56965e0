"""The demo of ``cmc seed --demo`` as an operator meets it on the command line: a password made per install
(printed once, kept 0600 for this machine's operator), sign-ins listed with party, role and network role, a
short output; ``cmc accounts reset-second-factor`` for a lost phone; ``cmc serve`` warning off loopback."""

from __future__ import annotations

import os
import re
import secrets
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask

from cmc import create_app
from cmc.cli import exposure_warning
from cmc.extensions import db
from cmc.models import Account, AuditEvent, AuthSession
from cmc.services import mfa
from cmc.services.passwords import password_problem
from tests import cmc_fork
from tests.conftest import IsolatedClient, csrf_from, free_port
from tests.live_server import copy_upgraded_sqlite

CMC = str(Path(sys.executable).with_name("cmc"))
OLD_FIXED_PASSWORD = "caribbean-demo-2026"  # published in the README and the tests before
PASSWORD_LINE = re.compile(r"the password of every demo account is (\S+) ")
TT = "delegate.tt@cmc.demo"
COORDINATOR = "coordinator.bs@cmc.demo"


class Install:
    """One instance folder and the ``cmc`` command on it (SQLite, as ``make run`` makes it)."""

    def __init__(self, folder: Path, **env: str) -> None:
        self.folder = folder
        self.secret_key = secrets.token_urlsafe(40)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CMC_")}
        self.env.update({"CMC_INSTANCE_PATH": str(folder), "CMC_SECRET_KEY": self.secret_key,
                         "CMC_BASE_URL": "http://127.0.0.1:5999", **env})

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return cmc_fork.run(CMC, list(args), env=self.env, cwd=Path.cwd(), input_text=None, timeout=60)

    def app(self) -> Flask:
        """The platform in this process, on the same database and instance folder."""
        app = create_app({"INSTANCE_PATH": str(self.folder), "SECRET_KEY": self.secret_key, "TESTING": True,
                          "SOCKETIO_ASYNC_MODE": "threading", "RATELIMIT_STORAGE_URI": "memory://"})
        app.test_client_class = IsolatedClient
        return app


def _install(folder: Path, **env: str) -> Install:
    """An instance folder as ``cmc db upgrade`` leaves it (a copy of one upgrade per process: it takes seconds)."""
    copy_upgraded_sqlite(folder)
    return Install(folder, **env)


@pytest.fixture
def install(tmp_path: Path) -> Callable[..., Install]:
    """``install(name, **env)``: a fresh, migrated instance folder of this test."""
    return lambda name="instance", **env: _install(tmp_path / name, **env)


@dataclass
class Seeded:
    """An install seeded once with ``cmc seed --demo --if-empty`` (as `make run` does), and what it printed."""

    install: Install
    output: subprocess.CompletedProcess[str]

    @property
    def password(self) -> str:
        [password] = PASSWORD_LINE.findall(self.output.stdout)
        return password


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """One demo install shared by the tests that only read it (each cmc command takes seconds here)."""
    instance = _install(tmp_path_factory.mktemp("demo-install"))
    output = instance("seed", "--demo", "--if-empty")
    assert output.returncode == 0, output.stderr
    return Seeded(instance, output)


def _sign_in(client: Any, email: str, password: str) -> Any:
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})


def test_two_fresh_installs_get_different_strong_passwords_kept_for_the_operator_only(
        seeded: Seeded, install: Callable[..., Install]) -> None:
    second = install("second")
    result = second("seed", "--demo")
    assert result.returncode == 0, result.stderr
    passwords = []
    for instance, output in ((seeded.install, seeded.output.stdout), (second, result.stdout)):
        [password] = PASSWORD_LINE.findall(output)
        assert password_problem(password) is None and len(password) >= 16
        kept = instance.folder / "demo-credentials.txt"
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        assert f"password: {password}\n" in kept.read_text()
        passwords.append(password)
    assert passwords[0] != passwords[1]
    assert OLD_FIXED_PASSWORD not in passwords


def test_the_printed_password_signs_in_and_the_old_fixed_one_does_not(seeded: Seeded) -> None:
    app = seeded.install.app()
    with app.app_context():
        refused = _sign_in(app.test_client(), TT, OLD_FIXED_PASSWORD)
        assert refused.status_code == 401 and "The email or password is not right" in refused.get_data(as_text=True)
        accepted = _sign_in(app.test_client(), TT, seeded.password)
        assert accepted.status_code == 302 and accepted.headers["Location"] == "/"
        db.session.remove()
        db.engine.dispose()


def test_the_sign_ins_name_party_role_and_network_role_in_a_short_output(seeded: Seeded) -> None:
    lines = seeded.output.stdout.splitlines()
    assert len(lines) <= 12, seeded.output.stdout  # the seed's part of `make run`: a few lines, no log noise
    assert seeded.output.stderr == ""
    [coordinator] = [line for line in lines if COORDINATOR in line]
    assert re.search(r"BS\s+delegate\s+coordinator of Migrant Smuggling", coordinator), coordinator
    [focal] = [line for line in lines if "focal.jm@cmc.demo" in line]
    assert "focal_point" in focal and "member of Migrant Smuggling" in focal
    # The next `make run` prints the sign-ins again, and where the password is, never the password itself.
    again = seeded.install("seed", "--demo", "--if-empty")
    assert "nothing seeded" in again.stdout and seeded.password not in again.stdout
    assert str(seeded.install.folder / "demo-credentials.txt") in again.stdout
    assert COORDINATOR in again.stdout


def test_cmc_demo_password_is_used_and_a_weak_one_refused(install: Callable[..., Install]) -> None:
    weak = install("weak", CMC_DEMO_PASSWORD="password1234")  # long enough, but on the breached list
    result = weak("seed", "--demo")
    assert result.returncode == 2 and "CMC_DEMO_PASSWORD is not a usable password" in result.stderr
    assert not (weak.folder / "demo-credentials.txt").exists()
    chosen = "mangrove-" + secrets.token_hex(6)
    weak.env["CMC_DEMO_PASSWORD"] = chosen
    assert chosen in weak("seed", "--demo-minimal").stdout


def test_reset_second_factor_from_the_command_line_is_audited_and_the_account_enrols_again(
        install: Callable[..., Install]) -> None:
    password = "lost-phone-" + secrets.token_hex(6)
    instance = install(CMC_DEMO_PASSWORD=password)
    assert instance("seed", "--demo-minimal").returncode == 0
    app = instance.app()
    with app.app_context():
        coordinator = db.session.scalar(db.select(Account).where(Account.email == COORDINATOR))
        secret = mfa.begin_enrolment(coordinator)
        mfa.confirm_enrolment(coordinator, pyotp.TOTP(secret).now())
        client = app.test_client()
        signed = _sign_in(client, COORDINATOR, password)
        assert signed.headers["Location"] == "/sign-in/code"
        token = csrf_from(client.get("/sign-in/code").get_data(as_text=True))
        code = pyotp.TOTP(secret).at(time.time() + 30)  # the next step: the current one was spent enrolling
        assert client.post("/sign-in/code", data={"code": code, "csrf_token": token}).headers["Location"] == "/"
        db.session.remove()

        result = instance("accounts", "reset-second-factor", "--email", COORDINATOR)
        assert result.returncode == 0, result.stderr
        assert "Removed the second factor of coordinator.bs@cmc.demo" in result.stdout

        db.session.expire_all()
        account = db.session.scalar(db.select(Account).where(Account.email == COORDINATOR))
        assert account.totp_secret is None and not account.has_second_factor
        assert db.session.scalar(db.select(db.func.count()).select_from(AuthSession)
                                 .where(AuthSession.account_id == account.id)) == 0
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "mfa.reset"))
        assert event.actor_label == "cli" and event.target_id == str(account.id)
        assert client.get("/").status_code == 302  # the session that was open has ended

        again = app.test_client()
        assert _sign_in(again, COORDINATOR, password).status_code == 302  # password alone: no code asked
        assert again.get("/").headers["Location"] == "/settings/security"  # must set up a new factor first
        page = again.get("/settings/security").get_data(as_text=True)
        key = re.search(r'id="totp-key">\s*([A-Z2-7 ]+?)\s*<', page).group(1).replace(" ", "")
        done = again.post("/settings/security/confirm", data={"code": pyotp.TOTP(key).now(),
                                                               "csrf_token": csrf_from(page)})
        assert done.status_code == 200 and "Second factor is on" in done.get_data(as_text=True)
        db.session.remove()
        db.engine.dispose()

    nothing = instance("accounts", "reset-second-factor", "--email", TT)
    assert nothing.returncode == 2 and "has no second factor" in nothing.stderr
    unknown = instance("accounts", "reset-second-factor", "--email", "nobody@example.org")
    assert unknown.returncode == 2 and "no account" in unknown.stderr


@pytest.mark.parametrize(("host", "warned"), [("127.0.0.1", False), ("localhost", False), ("::1", False),
                                              ("127.0.0.2", False), ("0.0.0.0", True), ("::", True),  # noqa: S104
                                              ("192.0.2.10", True), ("example.org", True)])
def test_serve_warns_when_it_listens_beyond_this_machine(host: str, warned: bool) -> None:
    warning = exposure_warning(host, 5000)
    assert (warning is not None) is warned
    if warning:
        assert "unencrypted HTTP" in warning and "HOST=127.0.0.1" in warning


def test_cmc_serve_on_every_address_prints_the_warning_first(install: Callable[..., Install]) -> None:
    instance = install()
    port = free_port()
    process = subprocess.Popen([CMC, "serve", "--host", "0.0.0.0", "--port", str(port)],  # noqa: S104
                               env=instance.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        line = process.stderr.readline()  # printed before the server binds
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.communicate(timeout=10)
    assert line.startswith(f"Warning: listening on 0.0.0.0:{port}, not only on this machine."), line
