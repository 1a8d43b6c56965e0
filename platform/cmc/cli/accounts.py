"""``cmc accounts``: create an account (with a password or an invitation) and reset a second factor."""

from __future__ import annotations

import sys

import click

from cmc.cli.guard import fail

accounts_group = click.Group("accounts", help="Manage accounts.")


@accounts_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--party", "party_code", required=True, help="Party code, e.g. JM or IOM.")
@click.option("--role", required=True, type=click.Choice(["secretariat", "focal_point", "delegate"]))
@click.option("--title", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--language", default=None,
              help="Interface language (en, es, fr, nl). Default: English with --password-stdin; with an "
                   "invitation, the party's first language the platform offers.")
def accounts_create(email: str, name: str, party_code: str, role: str, title: str, password_stdin: bool,
                    language: str | None) -> None:
    """Create an account: with a password from stdin, or print an invitation link."""
    from cmc.services import accounts
    from cmc.services.errors import ServiceError

    try:
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
            account = accounts.create_with_password(email=email, name=name, party_code=party_code,
                                                    role=role, password=password, title=title,
                                                    language=language or "en")
            click.echo(f"Created account {account.id} for {account.email}.")
        else:
            result = accounts.invite(None, email=email, name=name, party_code=party_code, role=role,
                                     title=title, language=language)
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
    from cmc.services.auth import find_account_by_email
    from cmc.services.errors import ServiceError

    account = find_account_by_email(email)
    if account is None:
        fail(f"no account with the email {email}")
    if not account.has_second_factor:
        fail(f"{account.email} has no second factor to reset")
    try:
        mfa.reset(None, account.id)
    except ServiceError as exc:
        fail(exc.message)
    click.echo(f"Removed the second factor of {account.email} and ended their sessions; they set up a new "
               "one at their next sign-in.")
