"""``cmc notify``: the daily digest of notifications, and the purge of those older than 90 days."""

from __future__ import annotations

import click

notify_group = click.Group("notify", help="Notifications: daily digest and purge.")


@notify_group.command("digest")
def notify_digest() -> None:
    """Send each person with digest kinds one e-mail of their unread notifications of the last day (once a
    day of their time zone; nothing to someone with nothing). ``cmc serve`` runs it every day by itself."""
    from cmc.services import notifications

    click.echo(f"Sent {notifications.send_digests()} digest(s).")


@notify_group.command("purge")
def notify_purge() -> None:
    """Delete notifications older than 90 days (``cmc serve`` does it every day by itself)."""
    from cmc.services import notifications

    click.echo(f"Deleted {notifications.purge()} notification(s) older than {notifications.KEPT.days} days.")
