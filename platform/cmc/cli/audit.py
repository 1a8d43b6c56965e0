"""``cmc audit verify``: the hash chain of the audit trail, and its head against the last checkpoint."""

from __future__ import annotations

import sys

import click

from cmc.cli.guard import fail

audit_group = click.Group("audit", help="The audit trail.")


@audit_group.command("verify")
@click.option("--checkpoint", "source", default=None, metavar="HASH:COUNT|FILE|BACKUP",
              help="The last checkpoint of the trail's head: HASH:COUNT, a log or checkpoint file (its last "
                   "'audit checkpoint' line), or a backup folder or its manifest.json. "
                   "Default: the last line of instance/audit-checkpoints; '' for none (the chain only).")
def audit_verify(source: str | None) -> None:
    """Check the hash chain of the whole trail and its head against the last checkpoint; name the first
    broken row, or how many of the newest rows are missing."""
    verify_audit_trail(source)


def verify_audit_trail(source: str | None, reason: str = "verify") -> None:
    """``cmc audit verify``: the chain, and its head against a checkpoint (``source``, else the checkpoint file;
    ``""``: none); exit 1 when broken or cut short. A trail found intact is checkpointed again."""
    from cmc.services import audit, audit_checkpoint

    try:
        checkpoint = audit_checkpoint.load(source) if source else (
            audit_checkpoint.last_recorded() if source is None else None)
    except audit_checkpoint.CheckpointError as exc:
        fail(str(exc))
    report = audit.verify_chain(checkpoint=checkpoint)
    if not report.ok:
        where = (f"BROKEN at row {report.first_broken_id}" if report.first_broken_id else
                 "CUT SHORT" if report.missing else "REWRITTEN")
        click.echo(f"Audit trail {where}: {report.reason}.", err=True)
        sys.exit(1)
    against = (f"its head matches the checkpoint ({checkpoint.describe()})" if checkpoint else
               "no checkpoint to compare its head with, so a removal of the newest rows would not show")
    click.echo(f"Audit trail intact: {report.rows} rows checked; {against}.")
    if checkpoint is not None or audit_checkpoint.last_recorded() is None:
        # A new anchor only for a head just compared with the last one (or the very first anchor): a verify
        # told to skip the checkpoint must not replace it with what may be a truncated trail.
        audit_checkpoint.write(reason)
