"""``make run`` as a person meets it once installed: a line per step and the demo sign-ins (no pip or migration
noise), a password of this install that signs in where the old published one does not, and then one console
line per page and none for static files."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.live_server import ROOT, free_port, live_database
from tests.web_client import form_token

#: Its servers and commands run on the live database of the run (SQLite, or PostgreSQL under make test-postgres).
pytestmark = pytest.mark.live_database

OLD_FIXED_PASSWORD = "caribbean-demo-2026"
TT = "delegate.tt@cmc.demo"
START_TIMEOUT = 60.0
#: What pip, Alembic or a traceback print: none of it belongs on a first run that went well.
NOISE = re.compile(r"Collecting |Requirement already|Successfully installed|Downloading |INFO +\[alembic|Traceback")


class Console:
    """The output of a running command, collected line by line in a thread."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._process = process
        self._reader = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._reader.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line.rstrip("\n"))

    def close(self) -> None:
        """Wait for the command's output to end and close the pipe."""
        self._reader.join(timeout=10)
        assert self._process.stdout is not None
        self._process.stdout.close()

    def wait_for(self, pattern: str, timeout: float = START_TIMEOUT) -> int:
        """The index of the first line matching ``pattern``; raise with the output if none comes in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index, line in enumerate(list(self.lines)):
                if re.search(pattern, line):
                    return index
            time.sleep(0.1)
        raise AssertionError(f"no line matching {pattern!r}:\n" + "\n".join(self.lines))


def _fake_installed_venv(folder: Path) -> Path:
    """A virtual environment `make` takes as installed (its stamp newer than the run lock) whose python and cmc
    are this test run's: `make run` then does what it does on every run after the first, with no pip at all."""
    bin_dir = folder / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("python", "cmc"):
        (bin_dir / name).symlink_to(Path(sys.executable).with_name(name))
    (folder / ".installed-run").touch()
    return folder


def test_make_run_is_short_signs_in_with_its_own_password_and_logs_pages(tmp_path: Path) -> None:
    venv = _fake_installed_venv(tmp_path / "venv")
    instance = tmp_path / "instance"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CMC_")}  # as on a person's machine
    env["PYTHONUNBUFFERED"] = "1"
    with live_database(instance) as database_env:
        env.update(database_env)
        process = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"VENV={venv}", f"INSTANCE={instance}", f"PORT={port}"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True)
        console = Console(process)
        try:
            opened = console.wait_for(rf"^Open {re.escape(base)}/ \(stop with Ctrl\+C\)$")
            console.wait_for(r"^CMC Platform on ")
            start = console.lines[:opened + 1]
            assert len(start) <= 16, "\n".join(start)  # a line per step and the sign-ins
            assert not [line for line in start if NOISE.search(line)], "\n".join(start)
            [password] = re.findall(r"the password of every demo account is (\S+) ", "\n".join(start))
            assert any("coordinator.bs@cmc.demo" in line and "coordinator of Migrant Smuggling" in line
                       for line in start)

            _wait_healthy(base)
            with requests.Session() as web:
                assert _sign_in(web, base, OLD_FIXED_PASSWORD).status_code == 401
                home = _sign_in(web, base, password)
                assert home.status_code == 200 and home.url == base + "/", home.url
                assert web.get(base + "/static/css/app.css", timeout=10).status_code == 200
                assert web.get(base + "/networks/migrant-smuggling", timeout=10).status_code == 200
            console.wait_for(r" INFO cmc\.request: GET /networks/migrant-smuggling 200 \d+ ms$", timeout=10)
            served = console.lines[opened + 1:]
            assert any(re.search(r" cmc\.request: POST /sign-in 401 \d+ ms$", line) for line in served)
            assert not [line for line in served if "/static/" in line or "/healthz" in line], "\n".join(served)
        finally:
            os.killpg(process.pid, signal.SIGTERM)  # make and the server it started, nothing else
            process.wait(timeout=15)
            console.close()


def _wait_healthy(base: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise AssertionError("make run's server never answered /healthz")


def _sign_in(web: requests.Session, base: str, password: str) -> requests.Response:
    page = web.get(base + "/sign-in", timeout=10)
    return web.post(base + "/sign-in", timeout=10,
                    data={"email": TT, "password": password, "csrf_token": form_token(page.text)})
