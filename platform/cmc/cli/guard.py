"""The schema-revision guard of the ``cmc`` commands, and the one way a command fails.

Deny by default: :func:`guard_commands` walks ``app.cli`` after every command is attached, so a command added
later is guarded without anyone remembering to."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click


def fail(message: str) -> NoReturn:
    """Print a one-line error and exit with status 2."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


#: Commands that may run on a database at another schema revision than the code's: ``db`` (Flask-Migrate's
#: upgrade, downgrade, current...: how one gets to the right revision), those that only read it (verify; backup:
#: back up before upgrading) and restore (fills an empty database). Every other command of ``app.cli``,
#: including commands added later, refuses (deny by default).
SCHEMA_EXEMPT = frozenset({"db", "audit verify", "backup", "restore"})


def guard_commands(group: click.Group, prefix: str = "") -> None:
    """Make every command of ``group`` (recursively) refuse to run unless the database is at the code's
    schema revision, except those named in :data:`SCHEMA_EXEMPT`."""
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if path in SCHEMA_EXEMPT:
            continue
        if isinstance(command, click.Group):
            guard_commands(command, path + " ")
        elif command.callback is not None and not getattr(command.callback, "schema_checked", False):
            command.callback = _schema_checked(command.callback)


def _schema_checked(callback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        from flask.cli import ScriptInfo

        from cmc.schema import SchemaMismatch, require_current_schema

        try:
            require_current_schema(click.get_current_context().ensure_object(ScriptInfo).load_app())
        except SchemaMismatch as exc:
            fail(str(exc))
        return callback(*args, **kwargs)

    run.schema_checked = True  # type: ignore[attr-defined]
    return run
