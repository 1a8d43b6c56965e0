"""Rules about early alerts: publishing, submitting drafts, reading drafts, the acknowledgement grid and its
reminders."""

from __future__ import annotations

from cmc.models import Account, Alert, AlertState, Network
from cmc.permissions.core import in_network_parties, is_secretariat
from cmc.permissions.networks import can_moderate, can_post_in, can_read_network
from cmc.permissions.registry import rule


@rule("alert.publish")
def can_publish(actor: Account, network: Network) -> bool:
    """Coordinators of a network with alerts on publish, update and cancel (and the secretariat)."""
    return network.alerts_enabled and can_post_in(actor, network) and can_moderate(actor, network)


@rule("alert.submit")
def can_submit(actor: Account, network: Network) -> bool:
    """Members who may post submit drafts for a coordinator to approve."""
    return network.alerts_enabled and can_post_in(actor, network)


@rule("alert.read")
def can_read_alert(actor: Account, alert: Alert) -> bool:
    """Published alerts are for the network's readers; drafts only for their author and the network's
    coordinators (and the secretariat)."""
    if not can_read_network(actor, alert.network):
        return False
    return alert.state == AlertState.PUBLISHED or alert.author_id == actor.id or can_moderate(actor, alert.network)


@rule("alert.read_all")
def can_read_every_alert(actor: Account) -> bool:
    """The secretariat reads the published alerts of every network without being a member."""
    return is_secretariat(actor)


@rule("alert.grid")
def can_see_grid(actor: Account, alert: Alert) -> bool:
    """Coordinators (and the secretariat) see every party's line; others see only their own."""
    return can_moderate(actor, alert.network)


@rule("alert.remind")
def can_remind(actor: Account, alert: Alert) -> bool:
    """Whoever manages the alert (the network's coordinators and the secretariat) reminds the parties that
    have not acknowledged it, and exports its grid."""
    return alert.state == AlertState.PUBLISHED and can_publish(actor, alert.network)


@rule("alert.acknowledge")
def can_acknowledge(actor: Account, alert: Alert) -> bool:
    """A reader of a published alert acknowledges it for their party when the party takes part in the network
    (the secretariat whatever its party)."""
    return in_network_parties(actor, alert.network) or is_secretariat(actor)


@rule("alert.translate")
def can_translate(actor: Account, alert: Alert) -> bool:
    """Members of the network who may post (coordinators, members of its parties, the secretariat; not
    observers) add a translation of a published alert."""
    return (alert.state == AlertState.PUBLISHED and alert.network.alerts_enabled
            and can_post_in(actor, alert.network))
