"""The ``cmc`` command: database, seed, accounts, tokens, audit and the server.

``cmc serve`` runs Flask-SocketIO on gevent with gevent-websocket; gevent must patch the standard
library before anything else is imported, so ``main`` does it first for that command.
"""

from __future__ import annotations

import functools
import ipaddress
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


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


def fail(message: str) -> None:
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


def verify_audit_trail(source: str | None, reason: str = "verify") -> None:
    """``cmc audit verify``: the chain, and its head against a checkpoint (``source``, else the checkpoint file;
    ``""``: none); exit 1 when broken or cut short. A trail found intact is checkpointed again."""
    from cmc.services import audit, audit_checkpoint

    try:
        checkpoint = audit_checkpoint.load(source) if source else (
            audit_checkpoint.last_recorded() if source is None else None)
    except audit_checkpoint.CheckpointError as exc:
        fail(str(exc))
        return
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
def exposure_warning(host: str, port: int) -> str | None:
    """What ``cmc serve`` says when it listens beyond this machine (None on a loopback address): the embedded
    server speaks plain HTTP, and whoever reaches the port reaches the sign-in page (and, with the demo data,
    accounts whose password was printed on this console)."""
    try:
        if ipaddress.ip_address(host.strip("[]")).is_loopback:
            return None
    except ValueError:
        if host == "localhost":
            return None
    return (f"Warning: listening on {host}:{port}, not only on this machine. Anyone who can reach this port "
            "can open the sign-in page, over unencrypted HTTP. To try the platform keep the default "
            "(HOST=127.0.0.1); to serve others, follow docs/deploy.md (HTTPS in front, production settings).")


def register_cli(app: Any) -> None:
    """Attach the project's commands to ``app.cli`` (``flask db`` comes from Flask-Migrate)."""
    from cmc.permissions import can
    from cmc.services import accounts
    from cmc.services import seed as seeding
    from cmc.services.auth import create_token, find_account_by_email
    from cmc.services.errors import ServiceError

    @app.cli.command("seed")
    @click.option("--demo", is_flag=True, help="Also create the demo accounts and a living demo (threads, "
                  "documents, alerts, meetings).")
    @click.option("--demo-minimal", is_flag=True, help="Only the demo accounts and memberships, no living demo.")
    @click.option("--if-empty", is_flag=True, help="Do nothing unless the database has no parties yet.")
    @click.option("--scale", type=float, default=None,
                  help="Generate a large benchmark data set, N times the scale-1 size (e.g. 0.01, 1, 2); "
                       "only on an empty or freshly seeded database.")
    @click.option("--alerts", "alert_count", type=int, default=None,
                  help="With --scale: generate exactly this many alerts (the rest stays as --scale says).")
    def seed_command(demo: bool, demo_minimal: bool, if_empty: bool, scale: float | None,
                     alert_count: int | None) -> None:
        """Add the bundled parties (and demo accounts) that are missing; safe to repeat.

        The demo accounts get a new random password (or CMC_DEMO_PASSWORD's), printed once and kept for this
        machine's operator in instance/demo-credentials.txt (readable by its owner only)."""
        from cmc.extensions import db
        from cmc.models import Party

        if scale is not None or alert_count is not None:
            from cmc.services import scale_seed

            if scale is None or demo or demo_minimal or if_empty:
                fail("--alerts needs --scale, and --scale goes without --demo and --if-empty")
            try:
                result = scale_seed.seed_scale(scale or 0.0, alerts=alert_count, echo=click.echo)
            except scale_seed.ScaleSeedRefused as exc:
                fail(str(exc))
                return
            for line in scale_seed.summary_lines(result):
                click.echo(line)
            return
        demo = demo or demo_minimal
        seeded = None
        if if_empty and db.session.scalar(db.select(db.func.count()).select_from(Party)):
            click.echo("The database already has data; nothing seeded.")
        else:
            try:
                password = seeding.demo_password() if demo else None
            except ServiceError as exc:
                fail(exc.message)
                return
            seeded = seeding.seed(demo=demo, password=password, living=not demo_minimal)
            click.echo(f"Seeded {seeded.parties} parties, {seeded.networks} networks and "
                       f"{seeded.accounts} demo accounts.")
            if seeded.living:
                click.echo("Living demo: " + ", ".join(f"{n} {what}" for what, n in seeded.living.items()) + ".")
        if demo:
            _echo_demo_sign_ins(seeded.password if seeded else None)

    def _echo_demo_sign_ins(new_password: str | None) -> None:
        """The demo accounts as they are now, with party, role and network roles; the password only when it
        was just made (then also kept in the instance folder for this machine's operator)."""
        from flask import current_app

        found = [a for a in (find_account_by_email(item.email) for item in seeding.DEMO_ACCOUNTS) if a is not None]
        if not found:
            click.echo("This database has no demo accounts (it was seeded without --demo).")
            return
        if new_password is not None:
            path = seeding.write_credentials(current_app.instance_path, new_password)
            click.echo(f"Demo sign-ins; the password of every demo account is {new_password} "
                       f"(shown once; kept for you in {path}, readable only by you):")
        else:
            path = Path(current_app.instance_path) / seeding.CREDENTIALS_FILE
            where = f"in {path}" if path.exists() else "the one printed when they were made"
            click.echo(f"Demo sign-ins (their password is {where}):")
        for account in found:
            roles = seeding.network_roles(account.email)
            networks = "; ".join(f"{role.value} of {name}" for name, role in roles) or (
                "every network" if can(account, "network.read_all") else "no network")
            click.echo(f"  {account.email:<24} {account.party.code:<4} {account.role.value:<12} {networks}")
        click.echo("The secretariat and network coordinators set up a second factor at their first sign-in.")

    accounts_group = click.Group("accounts", help="Manage accounts.")
    app.cli.add_command(accounts_group)

    @accounts_group.command("create")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--party", "party_code", required=True, help="Party code, e.g. JM or IOM.")
    @click.option("--role", required=True, type=click.Choice(["secretariat", "focal_point", "delegate"]))
    @click.option("--title", default="")
    @click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
    def accounts_create(email: str, name: str, party_code: str, role: str, title: str,
                        password_stdin: bool) -> None:
        """Create an account: with a password from stdin, or print an invitation link."""
        try:
            if password_stdin:
                password = sys.stdin.readline().rstrip("\r\n")
                account = accounts.create_with_password(email=email, name=name, party_code=party_code,
                                                        role=role, password=password, title=title)
                click.echo(f"Created account {account.id} for {account.email}.")
            else:
                result = accounts.invite(None, email=email, name=name, party_code=party_code, role=role,
                                         title=title)
                click.echo(f"Invited {result.account.email}. Invitation link (single use):")
                click.echo(result.link)
        except ServiceError as exc:
            fail(exc.message)

    @accounts_group.command("reset-second-factor")
    @click.option("--email", required=True)
    def accounts_reset_second_factor(email: str) -> None:
        """Remove an account's second factor (a lost phone): they set up a new one at their next sign-in, and
        every session of theirs ends. Audited, like the reset on the accounts page."""
        from cmc.services import mfa

        account = find_account_by_email(email)
        if account is None:
            fail(f"no account with the email {email}")
            return
        if not account.has_second_factor:
            fail(f"{account.email} has no second factor to reset")
            return
        try:
            mfa.reset(None, account.id)
        except ServiceError as exc:
            fail(exc.message)
            return
        click.echo(f"Removed the second factor of {account.email} and ended their sessions; they set up a new "
                   "one at their next sign-in.")

    tokens_group = click.Group("tokens", help="Personal access tokens.")
    app.cli.add_command(tokens_group)

    @tokens_group.command("create")
    @click.option("--email", required=True)
    @click.option("--name", required=True, help="What the token is for.")
    @click.option("--expires-in-days", type=click.IntRange(1, 366), default=None)
    def tokens_create(email: str, name: str, expires_in_days: int | None) -> None:
        """Create a token for an account and print it once."""
        account = find_account_by_email(email)
        if account is None or not account.is_active:
            fail(f"no active account with the email {email}")
            return
        try:
            _token, secret = create_token(account, name, expires_in_days=expires_in_days)
        except ServiceError as exc:
            fail(exc.message)
            return
        click.echo(secret)

    alerts_group = click.Group("alerts", help="Early alerts.")
    app.cli.add_command(alerts_group)

    @alerts_group.command("publish")
    @click.option("--network", "slug", required=True, help="The network's address, e.g. migrant-smuggling.")
    @click.option("--email", required=True, help="The coordinator publishing the alert.")
    @click.option("--headline", required=True)
    @click.option("--event", required=True)
    @click.option("--severity", required=True, type=click.Choice(["Extreme", "Severe", "Moderate", "Minor", "Unknown"]))
    @click.option("--urgency", default="Expected", show_default=True)
    @click.option("--certainty", default="Likely", show_default=True)
    @click.option("--description", default="")
    @click.option("--instruction", default="")
    @click.option("--status", default="Actual", type=click.Choice(["Actual", "Exercise", "Test"]), show_default=True)
    def alerts_publish(slug: str, email: str, headline: str, event: str, severity: str, urgency: str,
                       certainty: str, description: str, instruction: str, status: str) -> None:
        """Publish an alert as a coordinator; connected clients get it through the message queue."""
        from cmc.services import alerts

        account = find_account_by_email(email)
        if account is None or not account.is_active:
            fail(f"no active account with the email {email}")
            return
        data = alerts.AlertInput(status=status, infos=[alerts.InfoInput(
            headline=headline, event=event, severity=severity, urgency=urgency, certainty=certainty,
            description=description, instruction=instruction)])
        try:
            alert, _created = alerts.publish(account, slug, data)
        except ServiceError as exc:
            fail(exc.message)
            return
        click.echo(f"Alert {alert.id} ({alert.state}) {alert.identifier}")

    @alerts_group.command("remind")
    def alerts_remind() -> None:
        """Flag parties that have not acknowledged alerts in time and tell their focal points."""
        from cmc.services import alerts

        click.echo(f"Flagged {alerts.flag_overdue()} part(ies).")

    audit_group = click.Group("audit", help="The audit trail.")
    app.cli.add_command(audit_group)

    @audit_group.command("verify")
    @click.option("--checkpoint", "source", default=None, metavar="HASH:COUNT|FILE|BACKUP",
                  help="The last checkpoint of the trail's head: HASH:COUNT, a log or checkpoint file (its last "
                       "'audit checkpoint' line), or a backup folder or its manifest.json. "
                       "Default: the last line of instance/audit-checkpoints; '' for none (the chain only).")
    def audit_verify(source: str | None) -> None:
        """Check the hash chain of the whole trail and its head against the last checkpoint; name the first
        broken row, or how many of the newest rows are missing."""
        verify_audit_trail(source)

    @app.cli.command("backup")
    @click.argument("destination", type=click.Path(file_okay=False))
    def backup_command(destination: str) -> None:
        """Back up the database and the uploads into DESTINATION, with a manifest of SHA-256 sums."""
        from cmc.services.backup import BackupError, backup

        try:
            manifest = backup(destination)
        except BackupError as exc:
            fail(str(exc))
            return
        click.echo(f"Backup of {len(manifest['files'])} file(s) ({manifest['database']}) written to {destination}.")
        if "audit_checkpoint" in manifest:
            checkpoint = manifest["audit_checkpoint"]["checkpoint"]
            click.echo(f"Audit checkpoint (keep a copy apart from the server): {checkpoint}")

    @app.cli.command("restore")
    @click.argument("source", type=click.Path(exists=True, file_okay=False))
    def restore_command(source: str) -> None:
        """Restore a backup into this (empty) instance after checking every SHA-256; then verify the audit chain."""
        from flask import current_app

        from cmc.services.backup import BackupError, restore

        try:
            manifest = restore(source)
        except BackupError as exc:
            fail(str(exc))
            return
        click.echo(f"Restored {len(manifest['files'])} file(s).")
        from cmc.schema import schema_state

        state = schema_state(current_app)
        if not state.current:
            click.echo(f"Note: {state.message()}")
        # The backup's own checkpoint: the restored trail must end exactly where the saved one did.
        verify_audit_trail(str(Path(source) / "manifest.json") if "audit_checkpoint" in manifest else "", "restore")

    @app.cli.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, type=click.IntRange(1, 65535), show_default=True)
    def serve(host: str, port: int) -> None:
        """Serve pages and live connections (gevent with websockets) until stopped."""
        from flask import current_app

        from cmc.extensions import socketio
        from cmc.realtime.server import serve as serve_forever

        mode = socketio.server.async_mode
        if mode != "gevent":
            fail("cmc serve needs gevent (start it as `cmc serve`, which patches the standard library first)")
        warning = exposure_warning(host, port)
        if warning:
            click.secho(warning, err=True, fg="yellow")
        click.echo(f"CMC Platform on http://{host}:{port}/ (gevent with websockets)")
        serve_forever(current_app._get_current_object(), host, port)

    # Last, so that every command above (and any added above later) is covered.
    guard_commands(app.cli)
