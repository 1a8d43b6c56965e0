"""``cmc backup`` and ``cmc restore``: the database and the uploads, with a manifest of SHA-256 sums."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from cmc.cli.audit import verify_audit_trail
from cmc.cli.guard import fail


def _run(step: Callable[[str], dict[str, Any]], folder: str) -> dict[str, Any]:
    """The manifest of ``step(folder)`` (a backup or a restore); a refusal ends the command with its reason."""
    from cmc.services.backup import BackupError  # services are imported when a command runs, as elsewhere in cli/

    try:
        return step(folder)
    except BackupError as exc:
        fail(str(exc))


@click.command("backup")
@click.argument("destination", type=click.Path(file_okay=False))
@with_appcontext
def backup_command(destination: str) -> None:
    """Back up the database and the uploads into DESTINATION, with a manifest of SHA-256 sums."""
    from cmc.services.backup import backup

    manifest = _run(backup, destination)
    click.echo(f"Backup of {len(manifest['files'])} file(s) ({manifest['database']}) written to {destination}.")
    if "audit_checkpoint" in manifest:
        checkpoint = manifest["audit_checkpoint"]["checkpoint"]
        click.echo(f"Audit checkpoint (keep a copy apart from the server): {checkpoint}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False))
@with_appcontext
def restore_command(source: str) -> None:
    """Restore a backup into this (empty) instance after checking every SHA-256; then verify the audit chain."""
    from cmc.schema import schema_state
    from cmc.services.backup import restore

    manifest = _run(restore, source)
    click.echo(f"Restored {len(manifest['files'])} file(s).")
    state = schema_state(current_app)
    if not state.current:
        click.echo(f"Note: {state.message()}")
    # The backup's own checkpoint: the restored trail must end exactly where the saved one did.
    verify_audit_trail(str(Path(source) / "manifest.json") if "audit_checkpoint" in manifest else "", "restore")
