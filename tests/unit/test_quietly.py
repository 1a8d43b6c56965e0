"""``scripts/quietly``, which makes each step of ``make run`` and ``make install`` one line: a command's output
goes to a log, and is shown only when the command fails (with its exit status kept)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _quietly(log: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(ROOT / "scripts" / "quietly"), str(log), *command], capture_output=True,
                          text=True, timeout=30, check=False)


def test_a_command_that_succeeds_prints_nothing_and_its_output_is_logged(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "step.log"
    result = _quietly(log, "sh", "-c", "echo Collecting pip noise; echo more noise >&2")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert log.read_text() == "Collecting pip noise\nmore noise\n"


def test_a_command_that_fails_shows_its_output_and_keeps_its_status(tmp_path: Path) -> None:
    log = tmp_path / "step.log"
    _quietly(log, "sh", "-c", "echo first step went well")
    result = _quietly(log, "sh", "-c", "echo ERROR: no matching distribution; exit 3")
    assert result.returncode == 3 and result.stdout == ""
    assert "ERROR: no matching distribution" in result.stderr
    assert "Failed (exit status 3)" in result.stderr and str(log) in result.stderr
    assert "first step went well" not in result.stderr  # only the failing command's output
    assert log.read_text().splitlines() == ["first step went well", "ERROR: no matching distribution"]
