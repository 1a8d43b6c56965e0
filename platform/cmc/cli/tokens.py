"""``cmc tokens``: personal access tokens for the API."""

from __future__ import annotations

import click

from cmc.cli.guard import fail

tokens_group = click.Group("tokens", help="Personal access tokens.")


@tokens_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True, help="What the token is for.")
@click.option("--expires-in-days", type=click.IntRange(1, 366), default=None)
def tokens_create(email: str, name: str, expires_in_days: int | None) -> None:
    """Create a token for an account and print it once."""
    from cmc.services.auth import create_token, find_account_by_email
    from cmc.services.errors import ServiceError

    account = find_account_by_email(email)
    if account is None or not account.is_active:
        fail(f"no active account with the email {email}")
    try:
        _token, secret = create_token(account, name, expires_in_days=expires_in_days)
    except ServiceError as exc:
        fail(exc.message)
    click.echo(secret)
