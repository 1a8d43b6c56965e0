"""The shape of the ``cmc`` command and of the benchmark generator (issue 13, item 6), and the layer guide
(item 7): commands at module level, registered and guarded by ``register_cli``; the scale generator out of
``services/``; modules and functions a newcomer can read; ``docs/architecture.md`` naming every layer."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import click
import pytest
from flask import Flask

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "platform" / "cmc"


def _commands(group: click.Group, prefix: str = "") -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        found[prefix + name] = command
        if isinstance(command, click.Group):
            found.update(_commands(command, f"{prefix}{name} "))
    return found


def test_every_command_is_a_module_level_object_of_its_domain_module() -> None:
    from cmc.cli import accounts, alerts, audit, backup, register_cli, seed, serve, tokens

    app = Flask("probe")
    register_cli(app)
    commands = _commands(app.cli)
    expected = {"seed": seed.seed_command, "accounts": accounts.accounts_group, "tokens": tokens.tokens_group,
                "alerts": alerts.alerts_group, "audit": audit.audit_group, "backup": backup.backup_command,
                "restore": backup.restore_command, "serve": serve.serve}
    assert {name: commands[name] for name in expected} == expected
    assert {"accounts create", "accounts reset-second-factor", "tokens create", "alerts publish", "alerts remind",
            "audit verify"} <= set(commands)


def test_registering_again_guards_each_command_once() -> None:
    """The command objects are shared by every app of the process: a second app must not wrap the schema
    check around the schema check (it would run twice per command)."""
    from cmc.cli import SCHEMA_EXEMPT, register_cli

    for _ in range(3):
        register_cli(Flask("probe"))
    app = Flask("probe")
    register_cli(app)
    for path, command in _commands(app.cli).items():
        if isinstance(command, click.Group):
            continue
        guarded = getattr(command.callback, "schema_checked", False)
        assert guarded is (path not in SCHEMA_EXEMPT), path
        if guarded:
            assert not getattr(command.callback.__wrapped__, "schema_checked", False), path


def test_the_benchmark_generator_is_not_a_service() -> None:
    assert importlib.util.find_spec("cmc.services.scale_seed") is None
    assert importlib.util.find_spec("cmc.devtools.scale_seed") is not None
    for path in (PACKAGE / "services").rglob("*.py"):
        assert "cmc.devtools" not in path.read_text(encoding="utf-8"), f"{path} imports the dev tools"


def _long_functions(path: Path, limit: int) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{path.name}:{node.name} ({node.end_lineno - node.lineno + 1} lines)" for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and (node.end_lineno or 0) - node.lineno + 1 > limit]


@pytest.mark.parametrize("package", ["cli", "devtools"])
def test_modules_under_400_lines_and_functions_under_60(package: str) -> None:
    modules = sorted((PACKAGE / package).glob("*.py"))
    assert len(modules) > 3
    for path in modules:
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path
        assert _long_functions(path, 60) == [], path


def test_the_architecture_guide_names_every_layer() -> None:
    """``docs/architecture.md`` stays true: every package and top-level module of ``cmc`` is in it."""
    guide = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    packages = [p.name + "/" for p in PACKAGE.iterdir() if p.is_dir() and any(p.glob("*.py"))]
    modules = [p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    assert {"cli/", "devtools/", "services/", "web/", "api/", "realtime/", "models/"} <= set(packages)
    missing = [name for name in packages + modules if name not in guide]
    assert missing == []
