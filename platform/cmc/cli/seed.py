"""``cmc seed``: the bundled parties and networks, the demo accounts and living demo, or benchmark data."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from cmc.cli.guard import fail


@click.command("seed")
@click.option("--demo", is_flag=True, help="Also create the demo accounts and a living demo (threads, "
              "documents, alerts, meetings).")
@click.option("--demo-minimal", is_flag=True, help="Only the demo accounts and memberships, no living demo.")
@click.option("--if-empty", is_flag=True, help="Do nothing unless the database has no parties yet.")
@click.option("--scale", type=float, default=None,
              help="Generate a large benchmark data set, N times the scale-1 size (e.g. 0.01, 1, 2); "
                   "only on an empty or freshly seeded database.")
@click.option("--alerts", "alert_count", type=int, default=None,
              help="With --scale: generate exactly this many alerts (the rest stays as --scale says).")
@with_appcontext
def seed_command(demo: bool, demo_minimal: bool, if_empty: bool, scale: float | None,
                 alert_count: int | None) -> None:
    """Add the bundled parties (and demo accounts) that are missing; safe to repeat.

    The demo accounts get a new random password (or CMC_DEMO_PASSWORD's), printed once and kept for this
    machine's operator in instance/demo-credentials.txt (readable by its owner only)."""
    from cmc.extensions import db
    from cmc.models import Party
    from cmc.services import seed as seeding
    from cmc.services.errors import ServiceError

    if scale is not None or alert_count is not None:
        if scale is None or demo or demo_minimal or if_empty:
            fail("--alerts needs --scale, and --scale goes without --demo and --if-empty")
        _seed_scale(scale, alert_count)
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
        seeded = seeding.seed(demo=demo, password=password, living=not demo_minimal)
        click.echo(f"Seeded {seeded.parties} parties, {seeded.networks} networks and "
                   f"{seeded.accounts} demo accounts.")
        if seeded.living:
            click.echo("Living demo: " + ", ".join(f"{n} {what}" for what, n in seeded.living.items()) + ".")
    if demo:
        _echo_demo_sign_ins(seeded.password if seeded else None)


def _seed_scale(scale: float, alert_count: int | None) -> None:
    """``cmc seed --scale N [--alerts M]``: the benchmark data set (:mod:`cmc.devtools`)."""
    from cmc.devtools import scale_seed

    try:
        result = scale_seed.seed_scale(scale or 0.0, alerts=alert_count, echo=click.echo)
    except scale_seed.ScaleSeedRefused as exc:
        fail(str(exc))
    for line in scale_seed.summary_lines(result):
        click.echo(line)


def _echo_demo_sign_ins(new_password: str | None) -> None:
    """The demo accounts as they are now, with party, role and network roles; the password only when it
    was just made (then also kept in the instance folder for this machine's operator)."""
    from cmc.services import seed as seeding
    from cmc.services.auth import find_account_by_email

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
    from cmc.permissions import can

    for account in found:
        roles = seeding.network_roles(account.email)
        networks = "; ".join(f"{role.value} of {name}" for name, role in roles) or (
            "every network" if can(account, "network.read_all") else "no network")
        click.echo(f"  {account.email:<24} {account.party.code:<4} {account.role.value:<12} {networks}")
    click.echo("The secretariat and network coordinators set up a second factor at their first sign-in.")
