"""The ``cmc`` command: database, seed, accounts, tokens, alerts, notifications, audit, stored Markdown, backup and
the server.

One module per domain, each holding its click commands at module level (flaskr's way); :func:`register_cli`
attaches them to ``app.cli`` inside ``create_app`` (``db`` comes from Flask-Migrate) and then puts every command
but the exempt ones behind the schema-revision guard (:mod:`cmc.cli.guard`).

``cmc serve`` runs Flask-SocketIO on gevent with gevent-websocket; gevent must patch the standard
library before anything else is imported, so ``main`` does it first for that command.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from cmc.cli.guard import SCHEMA_EXEMPT, fail, guard_commands

__all__ = ["SCHEMA_EXEMPT", "command_group", "exposure_warning", "fail", "guard_commands", "main", "register_cli",
           "verify_audit_trail"]


def main() -> None:
    """Entry point of the ``cmc`` console script."""
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        from gevent import monkey

        monkey.patch_all()
    command_group().main(prog_name="cmc")


def command_group() -> click.Group:
    """The ``cmc`` group: the app's commands, Flask-Migrate's ``db``, and Flask's ``shell`` and ``routes``.
    Not Flask's ``run``: its development server would serve without websockets and without the schema check
    of ``cmc serve``; ``cmc serve`` and gunicorn (``cmc.wsgi``) are the only ways to serve."""
    from flask.cli import FlaskGroup, routes_command, shell_command

    from cmc import create_app

    group = FlaskGroup(name="cmc", create_app=lambda: create_app(), add_version_option=False,
                       add_default_commands=False, help="CMC Platform administration.")
    group.add_command(shell_command)
    group.add_command(routes_command)
    return group


def register_cli(app: Any) -> None:
    """Attach the project's commands to ``app.cli`` (``flask db`` comes from Flask-Migrate), then guard them.

    The command objects live at module level and are shared by every app built in the process; the guard
    wraps each callback once (it marks what it wrapped), so building a second app changes nothing."""
    from cmc.cli import accounts, alerts, audit, backup, markdown, notify, seed, serve, tokens

    for command in (seed.seed_command, accounts.accounts_group, tokens.tokens_group, alerts.alerts_group,
                    audit.audit_group, markdown.markdown_group, notify.notify_group, backup.backup_command,
                    backup.restore_command, serve.serve):
        app.cli.add_command(command)
    # Last, so that every command above (and any added above later) is covered.
    guard_commands(app.cli)


def __getattr__(name: str) -> Any:
    # Helpers of the command modules, importable from ``cmc.cli`` as before the package existed, without
    # importing every command module whenever ``cmc.cli`` is.
    if name == "exposure_warning":
        from cmc.cli.serve import exposure_warning

        return exposure_warning
    if name == "verify_audit_trail":
        from cmc.cli.audit import verify_audit_trail

        return verify_audit_trail
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
