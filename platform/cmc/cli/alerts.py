"""``cmc alerts``: publish an alert as a coordinator, and flag overdue acknowledgements."""

from __future__ import annotations

import click

from cmc.cli.guard import fail

alerts_group = click.Group("alerts", help="Early alerts.")


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
    from cmc.services.auth import find_account_by_email
    from cmc.services.errors import ServiceError

    account = find_account_by_email(email)
    if account is None or not account.is_active:
        fail(f"no active account with the email {email}")
    data = alerts.AlertInput(status=status, infos=[alerts.InfoInput(
        headline=headline, event=event, severity=severity, urgency=urgency, certainty=certainty,
        description=description, instruction=instruction)])
    try:
        alert, _created = alerts.publish(account, slug, data)
    except ServiceError as exc:
        fail(exc.message)
    click.echo(f"Alert {alert.id} ({alert.state}) {alert.identifier}")


@alerts_group.command("remind")
def alerts_remind() -> None:
    """Flag parties that have not acknowledged alerts in time and tell their focal points."""
    from cmc.services import alerts

    click.echo(f"Flagged {alerts.flag_overdue()} part(ies).")
