"""The dependency locks (``make lock``) cover pyproject.toml's pins, carry a hash for every line, and are what
``make`` installs from: a pin changed in one place and not the other fails here instead of drifting."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
RUN_LOCK = ROOT / "requirements" / "run.txt"
DEV_LOCK = ROOT / "requirements" / "dev.txt"
BUILD_IN = ROOT / "requirements" / "build.in"


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _entries(lock: Path) -> list[tuple[Requirement, list[str]]]:
    """Each requirement of a lock with its hashes (a logical line: backslash continuations joined)."""
    text = lock.read_text(encoding="utf-8")
    logical = re.sub(r"\\\n", " ", text)
    found = []
    for line in logical.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        assert not line.startswith("-"), f"{lock.name}: an option line has no place in a lock: {line!r}"
        parts = line.split(" --hash=")
        found.append((Requirement(parts[0].strip()), [h.strip() for h in parts[1:]]))
    return found


def _versions(lock: Path) -> dict[str, set[str]]:
    """Locked versions by normalised name (a universal lock may fork a package by Python version)."""
    versions: dict[str, set[str]] = {}
    for requirement, _hashes in _entries(lock):
        [spec] = list(requirement.specifier)
        assert spec.operator == "==", f"{lock.name}: {requirement} is not pinned exactly"
        versions.setdefault(canonicalize_name(requirement.name), set()).add(spec.version)
    return versions


def _pins(requirements: list[str]) -> list[tuple[str, str]]:
    pins = []
    for text in requirements:
        requirement = Requirement(text)
        specs = list(requirement.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", f"pyproject.toml: pin {text!r} exactly (==)"
        pins.append((canonicalize_name(requirement.name), specs[0].version))
    return pins


@pytest.mark.parametrize("lock", [RUN_LOCK, DEV_LOCK], ids=["run", "dev"])
def test_every_lock_line_has_a_sha256_hash(lock: Path) -> None:
    entries = _entries(lock)
    assert len(entries) > 30, f"{lock.name} looks empty"
    for requirement, hashes in entries:
        assert hashes, f"{lock.name}: {requirement} has no hash"
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), f"{lock.name}: {requirement}: {hashes}"


def test_the_run_lock_holds_every_running_pin_at_its_version() -> None:
    project = _pyproject()["project"]
    locked = _versions(RUN_LOCK)
    for name, version in _pins(project["dependencies"] + project["optional-dependencies"]["prod"]):
        assert locked.get(name) == {version}, f"pyproject.toml pins {name}=={version}; requirements/run.txt has " \
                                              f"{sorted(locked.get(name, set()))}: run `make lock`"
    # ... and nothing only the tests need.
    for name, _version in _pins(project["optional-dependencies"]["dev"]):
        if name not in {n for n, _v in _pins(project["dependencies"])}:
            assert name not in locked, f"{name} is a test tool; it belongs in requirements/dev.txt only"


def test_the_dev_lock_holds_every_pin_and_the_run_lock_at_the_same_versions() -> None:
    project = _pyproject()["project"]
    locked = _versions(DEV_LOCK)
    every = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    for name, version in _pins(every):
        assert locked.get(name) == {version}, f"pyproject.toml pins {name}=={version}; requirements/dev.txt has " \
                                              f"{sorted(locked.get(name, set()))}: run `make lock`"
    for name, versions in _versions(RUN_LOCK).items():
        assert locked.get(name) == versions, f"{name}: run lock {sorted(versions)}, dev lock {locked.get(name)}"


def test_the_build_backend_is_locked_for_an_install_without_downloads() -> None:
    wanted = [Requirement(line) for line in BUILD_IN.read_text().splitlines() if line and not line.startswith("#")]
    assert {canonicalize_name(r.name) for r in wanted} == \
        {canonicalize_name(Requirement(r).name) for r in _pyproject()["build-system"]["requires"]}
    locked = _versions(RUN_LOCK)
    for requirement in wanted:
        [version] = locked[canonicalize_name(requirement.name)]
        assert requirement.specifier.contains(version)


@pytest.mark.parametrize(("target", "lock"), [("install", "requirements/dev.txt"), ("run", "requirements/run.txt")])
def test_make_installs_from_the_lock_with_hashes_required(tmp_path: Path, target: str, lock: str) -> None:
    plan = subprocess.run(["make", "-n", target, f"VENV={tmp_path / 'venv'}", f"INSTANCE={tmp_path / 'i'}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=30, check=True).stdout
    pip_lines = [line for line in plan.splitlines() if " -m pip install" in line]
    assert any(f"--require-hashes -r {lock}" in line for line in pip_lines), plan
    # The project itself: no dependencies (they came from the lock), no build isolation (nothing downloaded).
    assert any("--no-deps --no-build-isolation -e ." in line for line in pip_lines), plan
    assert all("--require-hashes" in line or "--no-deps" in line for line in pip_lines), plan
    if target == "run":
        assert "requirements/dev.txt" not in plan  # make run installs only what running needs
