"""The ``cmc`` command, run for real in a subprocess against its own instance folder."""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests import cmc_fork
from tests.live_server import copy_upgraded_sqlite

CMC = str(Path(sys.executable).with_name("cmc"))


@pytest.fixture
def cli(tmp_path):
    env = {**os.environ, "CMC_INSTANCE_PATH": str(tmp_path / "instance"),
           "CMC_SECRET_KEY": secrets.token_urlsafe(40), "CMC_BASE_URL": "http://127.0.0.1:5999"}
    env.pop("CMC_DATABASE_URL", None)

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return cmc_fork.run(CMC, list(args), env=env, cwd=Path.cwd(), input_text=stdin, timeout=60)

    run.db = tmp_path / "instance" / "cmc.db"  # type: ignore[attr-defined]
    return run


@pytest.fixture
def upgraded(cli):
    """The instance as ``cmc db upgrade`` leaves it (copied from one upgrade per process: it takes seconds)."""
    copy_upgraded_sqlite(cli.db.parent)
    return cli


def test_upgrade_creates_the_schema_in_wal_mode(cli):
    result = cli("db", "upgrade")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(cli.db) as conn:
        tables = {row[0] for row in conn.execute("select name from sqlite_master where type='table'")}
        mode = conn.execute("pragma journal_mode").fetchone()[0]
    assert {"parties", "accounts", "invitations", "auth_sessions", "access_tokens", "audit_events"} <= tables
    assert mode == "wal"


def test_seed_is_idempotent_and_prints_demo_sign_ins(upgraded):
    first = upgraded("seed", "--demo")
    assert first.returncode == 0 and "Seeded 27 parties, 3 networks and 6 demo accounts" in first.stdout
    assert "secretariat@cmc.demo" in first.stdout
    second = upgraded("seed", "--demo")
    assert "Seeded 0 parties, 0 networks and 0 demo accounts" in second.stdout
    third = upgraded("seed", "--demo", "--if-empty")
    assert "nothing seeded" in third.stdout
    with sqlite3.connect(upgraded.db) as conn:
        assert conn.execute("select count(*) from parties").fetchone()[0] == 27
        assert conn.execute("select count(*) from accounts").fetchone()[0] == 6


def test_accounts_create_with_password_from_stdin(upgraded):
    upgraded("seed")
    result = upgraded("accounts", "create", "--email", "ops@iom.int", "--name", "Ops", "--party", "IOM",
                      "--role", "secretariat", "--password-stdin", stdin="a long enough passphrase\n")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(upgraded.db) as conn:
        row = conn.execute("select role, password_hash from accounts where email='ops@iom.int'").fetchone()
    assert row[0] == "secretariat" and row[1].startswith("scrypt:")


def test_accounts_create_without_password_prints_an_invitation_link(upgraded):
    upgraded("seed")
    result = upgraded("accounts", "create", "--email", "d@gov.bb", "--name", "D", "--party", "BB",
                      "--role", "delegate")
    assert result.returncode == 0
    assert "http://127.0.0.1:5999/invitations/" in result.stdout


@pytest.mark.parametrize(
    ("args", "stdin", "fragment"),
    [
        (("--email", "x@gov.bb", "--name", "X", "--party", "ZZ", "--role", "delegate"), None, "no party"),
        (("--email", "not-an-email", "--name", "X", "--party", "BB", "--role", "delegate"), None, "email"),
        (("--email", "x@gov.bb", "--name", "X", "--party", "BB", "--role", "king"), None, "king"),
        (("--email", "x@gov.bb", "--name", "X", "--party", "BB", "--role", "delegate", "--password-stdin"),
         "short\n", "12 characters"),
        (("--name", "X", "--party", "BB", "--role", "delegate"), None, "--email"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(upgraded, args, stdin, fragment):
    upgraded("seed")
    result = upgraded("accounts", "create", *args, stdin=stdin)
    assert result.returncode == 2
    assert fragment in result.stderr
    with sqlite3.connect(upgraded.db) as conn:
        assert conn.execute("select count(*) from accounts").fetchone()[0] == 0


def test_tokens_create_prints_the_secret_once(upgraded):
    upgraded("seed", "--demo")
    result = upgraded("tokens", "create", "--email", "delegate.tt@cmc.demo", "--name", "feed")
    assert result.returncode == 0 and result.stdout.strip().startswith("cmc_")
    with sqlite3.connect(upgraded.db) as conn:
        stored = conn.execute("select token_hash from access_tokens").fetchone()[0]
    assert result.stdout.strip() not in stored
    unknown = upgraded("tokens", "create", "--email", "nobody@x.org", "--name", "feed")
    assert unknown.returncode == 2 and "no active account" in unknown.stderr


def test_audit_verify_passes_then_names_an_edited_row(upgraded):
    upgraded("seed", "--demo")
    ok = upgraded("audit", "verify")
    assert ok.returncode == 0 and "intact" in ok.stdout
    with sqlite3.connect(upgraded.db) as conn:
        conn.execute("update audit_events set details='{\"email\": \"forged@x.org\"}' where id = 3")
    broken = upgraded("audit", "verify")
    assert broken.returncode == 1
    assert "row 3" in broken.stderr


def test_missing_secret_key_stops_with_a_clear_message(tmp_path):
    env = {**os.environ, "CMC_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("CMC_SECRET_KEY", None)
    result = cmc_fork.run(CMC, ["db", "upgrade"], env=env, cwd=Path.cwd(), input_text=None, timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY is missing or shorter than 32 characters" in result.stderr


def test_backup_and_restore_commands(upgraded, tmp_path):
    upgraded("seed", "--demo")
    made = upgraded("backup", str(tmp_path / "bk"))
    assert made.returncode == 0 and "written to" in made.stdout
    again = upgraded("backup", str(tmp_path / "bk"))
    assert again.returncode == 2 and "not empty" in again.stderr
    env = {**os.environ, "CMC_INSTANCE_PATH": str(tmp_path / "restored"), "CMC_SECRET_KEY": secrets.token_urlsafe(40)}
    env.pop("CMC_DATABASE_URL", None)
    restored = cmc_fork.run(CMC, ["restore", str(tmp_path / "bk")], env=env, cwd=Path.cwd(), input_text=None,
                            timeout=60)
    assert restored.returncode == 0, restored.stderr
    assert "Audit trail intact" in restored.stdout and "its head matches the checkpoint" in restored.stdout
    with sqlite3.connect(tmp_path / "restored" / "cmc.db") as conn:
        assert conn.execute("select count(*) from accounts").fetchone()[0] == 6
