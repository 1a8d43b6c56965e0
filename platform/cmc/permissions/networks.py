"""Rules about networks: reading, seeing inside, posting, moderating, managing networks and their members."""

from __future__ import annotations

from cmc.models import Account, Network, NetworkRole, Role
from cmc.permissions.core import in_network_parties, is_coordinator, is_focal_point, is_secretariat, network_role
from cmc.permissions.registry import rule


@rule("network.read")
def can_read_network(actor: Account | None, network: Network) -> bool:
    """Members read a network's content; the secretariat reads every network. Everyone else sees only its
    directory entry."""
    if actor is None or not actor.is_active:
        return False
    return is_secretariat(actor) or network_role(actor, network) is not None


@rule("network.read_all")
def can_read_every_network(actor: Account | None) -> bool:
    """The secretariat reads every network, archived ones included, without being a member."""
    return is_secretariat(actor)


@rule("network.see")
def can_see_network(actor: Account | None, network: Network) -> bool:
    """Whether the actor may learn anything about what is inside the network (its members, threads,
    documents, alerts, meetings): its readers, and the focal points of its parties, who add their own
    delegates to it without reading it. To everyone else the network's insides do not exist (404), whatever
    they ask about, so that no answer tells a member from a stranger or a real thread from a made-up id."""
    if can_read_network(actor, network):
        return True
    return is_focal_point(actor) and actor is not None and in_network_parties(actor, network)


@rule("network.coordinator")
def is_network_coordinator(actor: Account | None, network: Network) -> bool:
    """Whether the actor is one of the network's coordinators (by membership)."""
    return actor is not None and actor.is_active and is_coordinator(actor, network)


@rule("network.post")
def can_post_in(actor: Account | None, network: Network) -> bool:
    """Members who are not observers post in networks that are not archived."""
    return (
        can_read_network(actor, network)
        and actor is not None
        and not actor.is_observer
        and not network.archived
    )


@rule("network.moderate")
def can_moderate(actor: Account | None, network: Network) -> bool:
    """Coordinators (and the secretariat) pin and delete in their network."""
    if not can_read_network(actor, network):
        return False
    return is_secretariat(actor) or is_coordinator(actor, network)


@rule("network.manage")
def can_manage_networks(actor: Account | None) -> bool:
    """Only the secretariat creates, edits and archives networks."""
    return is_secretariat(actor)


@rule("network.member.manage")
def can_manage_member(actor: Account | None, network: Network, target: Account, role: NetworkRole) -> bool:
    """Who may add, remove or change ``target`` in ``network`` (as ``role``).

    Secretariat: anyone. A coordinator: anyone in their own network. A focal point: delegates of their own
    party, as plain members, in networks their party takes part in. Never in an archived network.
    """
    if actor is None or not actor.is_active or network.archived:
        return False
    if can_appoint_coordinators(actor, network):
        return True
    return (
        is_focal_point(actor)
        and target.party_id == actor.party_id
        and target.role == Role.DELEGATE
        and role == NetworkRole.MEMBER
        and in_network_parties(actor, network)
    )


@rule("network.member.appoint_coordinator")
def can_appoint_coordinators(actor: Account | None, network: Network) -> bool:
    """The secretariat and the network's coordinators manage anyone in it, coordinators included; focal points
    only add and remove their own delegates as plain members."""
    if actor is None or not actor.is_active or network.archived:
        return False
    return is_secretariat(actor) or is_coordinator(actor, network)


@rule("network.members.manage_page")
def can_list_members_to_manage(actor: Account | None, network: Network) -> bool:
    """Whether the actor sees the member management page of the network at all."""
    if actor is None or network.archived:
        return False
    if is_secretariat(actor) or is_coordinator(actor, network):
        return True
    return is_focal_point(actor) and in_network_parties(actor, network)


@rule("network.member.remove")
def can_remove_member(actor: Account | None, network: Network, target: Account, current_role: NetworkRole) -> bool:
    """Who may take ``target`` (now ``current_role`` there) out of ``network``: whoever manages them as a plain
    member, except that a focal point never removes a coordinator (even one who coordinates the network)."""
    return can_manage_member(actor, network, target, NetworkRole.MEMBER) and (
        current_role == NetworkRole.MEMBER or not is_focal_point(actor))
