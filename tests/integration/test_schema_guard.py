"""A server never runs on the wrong schema: ``cmc serve``, gunicorn with the files of ``deploy/`` and the ``cmc``
commands that write refuse a database at another revision than the code's Alembic head, saying what to run;
``/healthz`` reports both revisions and answers 503 when the schema changes under a running server.

The live tests start the real processes on SQLite, or on a fresh PostgreSQL database under
``CMC_TEST_LIVE_DATABASE=postgres``; the in-process ones run on every database of ``CMC_TEST_BACKENDS``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from cmc.extensions import db
from cmc.schema import code_heads, known_revisions, script_directory
from tests import cmc_fork
from tests.live_server import ROOT, LiveServer, cmc_executable, gunicorn_executable, migrated_instance

#: Its servers and commands run on the live database of the run (SQLite, or PostgreSQL under make test-postgres).
pytestmark = pytest.mark.live_database

HEAD = code_heads()[0]
PREVIOUS = str(script_directory().get_revision(HEAD).down_revision)  # where `cmc db downgrade` goes
FUTURE = "0099_from_newer_code"
EXIT_TIMEOUT = 60.0  # a refusing process exits after importing the app: ~2 s alone, more on a busy machine


MESSAGES = {
    "behind": f"The database schema is at revision {PREVIOUS} but this code needs {HEAD}",
    "unknown": f"The database schema is at revision {FUTURE}, which this code does not know",
}
ADVICE = {"behind": "run `cmc db upgrade`", "unknown": "Deploy the newer code, or restore a backup"}


def test_the_previous_revision_is_known_and_not_the_head() -> None:
    assert PREVIOUS in known_revisions() and PREVIOUS != HEAD and FUTURE not in known_revisions()


# --------------------------------------------------------------------------------------------- in process

def _set_revision(revision: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})


@pytest.mark.parametrize(("revision", "status"), [(PREVIOUS, "behind"), (FUTURE, "unknown")])
def test_healthz_answers_503_when_the_schema_changes_under_the_app(client, revision: str, status: str) -> None:
    assert client.get("/healthz").status_code == 200
    _set_revision(revision)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded" and body["schema"] == status
    assert body["schema_revision"] == revision and body["code_revision"] == HEAD
    _set_revision(HEAD)
    assert client.get("/healthz").status_code == 200


def _commands(group, prefix: str = "") -> Iterator[tuple[str, object]]:
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from _commands(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", command


def test_every_command_but_the_exempt_ones_checks_the_schema(app) -> None:
    from cmc.cli import SCHEMA_EXEMPT

    commands = dict(_commands(app.cli))
    assert {"seed", "serve", "accounts create", "tokens create", "alerts publish"} <= set(commands)
    for path, command in commands.items():
        exempt = path in SCHEMA_EXEMPT or path.split(" ")[0] in SCHEMA_EXEMPT
        assert getattr(command.callback, "schema_checked", False) is not exempt, path


def test_flasks_development_server_is_not_a_way_to_serve(tmp_path: Path, monkeypatch) -> None:
    """``cmc run`` (Flask's development server) would serve without the schema check: it does not exist."""
    from click.testing import CliRunner

    from cmc.cli import command_group

    monkeypatch.setenv("CMC_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CMC_SECRET_KEY", "k" * 40)
    result = CliRunner().invoke(command_group(), ["run"])
    assert result.exit_code == 2 and "No such command 'run'" in result.output
    assert "routes" in CliRunner().invoke(command_group(), ["--help"]).output


@pytest.mark.parametrize("args", [
    ["seed"], ["alerts", "remind"], ["tokens", "create", "--email", "a@gov.bb", "--name", "n"],
    ["accounts", "create", "--email", "a@gov.bb", "--name", "A", "--party", "BB", "--role", "delegate"],
])
def test_commands_that_write_refuse_on_an_older_schema(app, args: list[str]) -> None:
    _set_revision(PREVIOUS)
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 2, result.output
    assert MESSAGES["behind"] in result.output and "run `cmc db upgrade`" in result.output
    _set_revision(HEAD)


# --------------------------------------------------------------------------------------------- live

@pytest.fixture
def instance(tmp_path: Path) -> Iterator[LiveServer]:
    """A migrated instance (``cmc db upgrade``); its server is not started."""
    with migrated_instance(tmp_path / "instance") as live:
        yield live


def _write_revision(server: LiveServer, revision: str) -> None:
    """Stamp the instance's database with ``revision`` behind the code's back (a revision ``cmc db stamp``
    would refuse, as one written by newer code)."""
    url = server.env.get("CMC_DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("UPDATE alembic_version SET version_num = %s", (revision,))
    else:
        with sqlite3.connect(server.instance_path / "cmc.db") as connection:
            connection.execute("UPDATE alembic_version SET version_num = ?", (revision,))


def _put_database_at(server: LiveServer, state: str) -> None:
    if state == "behind":
        server.cmc("db", "downgrade")  # one revision down, as an operator rolling back would
    else:
        _write_revision(server, FUTURE)


def _wait_for_exit(command: list[str], server: LiveServer, env: dict[str, str]) -> tuple[int, str]:
    """Run a server command that should refuse to start; return its status and output (fail if it serves)."""
    with open(server.log_path, "ab") as log:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        status = process.wait(timeout=EXIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        status = None
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # gunicorn workers, if any were left
        process.wait()
    output = server.output()
    assert status is not None, f"{command[0]} kept running on the wrong schema:\n{output[-3000:]}"
    return status, output


@pytest.mark.parametrize("state", ["behind", "unknown"])
def test_cmc_serve_refuses_to_start(instance: LiveServer, state: str) -> None:
    _put_database_at(instance, state)
    status, output = _wait_for_exit(
        [cmc_executable(), "serve", "--host", "127.0.0.1", "--port", str(instance.port)], instance, instance.env)
    assert status != 0
    assert MESSAGES[state] in output and ADVICE[state] in output, output[-3000:]
    assert "Traceback" not in output


@pytest.mark.parametrize(("conf", "role"), [("deploy/gunicorn-pages.conf.py", ""),
                                            ("deploy/gunicorn-realtime.conf.py", "realtime")])
def test_gunicorn_with_the_deploy_configuration_refuses_to_start(instance: LiveServer, conf: str, role: str
                                                                  ) -> None:
    if not Path(gunicorn_executable()).exists():
        pytest.skip("gunicorn is not installed (the prod extra)")
    _put_database_at(instance, "behind")
    env = {**instance.env, "CMC_BIND": f"127.0.0.1:{instance.port}", "CMC_PROCESS_ROLE": role}
    status, output = _wait_for_exit([gunicorn_executable(), "-c", str(ROOT / conf), "--workers", "1",
                                     "cmc.wsgi:app"], instance, env)
    assert status == 4, output[-3000:]  # gunicorn's "App failed to load": the master stops, no reboot loop
    assert MESSAGES["behind"] in output and ADVICE["behind"] in output, output[-3000:]
    assert output.count("Booting worker") == 1  # one attempt, not a worker restarted again and again


def test_a_command_that_writes_refuses_and_backup_still_runs(instance: LiveServer, tmp_path: Path) -> None:
    _put_database_at(instance, "behind")
    result = cmc_fork.run(cmc_executable(), ["seed", "--demo"], env=instance.env, cwd=ROOT, input_text=None,
                          timeout=60)
    assert result.returncode == 2 and MESSAGES["behind"] in result.stderr, (result.stdout, result.stderr)
    assert PREVIOUS in instance.cmc("db", "current").stdout
    instance.cmc("backup", str(tmp_path / "before-upgrade"))  # a backup before upgrading must stay possible


def _health(server: LiveServer) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(server.url("/healthz"), timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def test_healthz_of_a_running_server_answers_503_after_a_downgrade(instance: LiveServer) -> None:
    instance.start()
    status, body = _health(instance)
    assert status == 200 and body["schema_revision"] == HEAD == body["code_revision"]
    instance.cmc("db", "downgrade")
    status, body = _health(instance)
    assert status == 503 and body["schema"] == "behind"
    assert body["schema_revision"] == PREVIOUS and body["code_revision"] == HEAD
    instance.cmc("db", "upgrade")
    assert _health(instance)[0] == 200
