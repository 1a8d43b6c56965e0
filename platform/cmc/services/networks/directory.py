"""The network directory and access to one network: who sees it, who reads it, who may change things in it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from cmc import permissions
from cmc.extensions import db
from cmc.models import Account, Membership, Network, NetworkRole, network_parties
from cmc.services.errors import GoneError
from cmc.services.networks.texts import text_for


@dataclass
class DirectoryEntry:
    """A network as the directory shows it to anyone signed in."""

    network: Network
    party_count: int
    member_count: int
    my_role: NetworkRole | None


def directory(actor: Account, *, include_archived: bool = False) -> list[DirectoryEntry]:
    """Every network with its counts and the actor's role (names and descriptions are public inside)."""
    query = select(Network).order_by(Network.name)
    if not include_archived:
        query = query.where(Network.archived_at.is_(None))
    networks = list(db.session.scalars(query))
    party_counts = dict(db.session.execute(
        select(network_parties.c.network_id, func.count()).group_by(network_parties.c.network_id)).all())
    member_counts = dict(db.session.execute(
        select(Membership.network_id, func.count()).group_by(Membership.network_id)).all())
    mine = dict(db.session.execute(
        select(Membership.network_id, Membership.role).where(Membership.account_id == actor.id)).all())
    # In the reader's alphabet: "Gestión de fronteras" sorts under G for a reader of Spanish.
    networks.sort(key=lambda n: text_for(n).name.casefold())
    return [DirectoryEntry(n, party_counts.get(n.id, 0), member_counts.get(n.id, 0), mine.get(n.id))
            for n in networks]


_SLUGS = "cmc.network_slugs"


def by_slug(slug: str) -> Network | None:
    """The network named by ``slug``, or None. A request asks twice (the network gate, then the view): the
    second answer comes from the session's memo, not the database. The memo holds the object itself (the
    identity map alone holds it weakly) and lives as long as the session: one request or socket event."""
    memo: dict[str, Network] = db.session.info.setdefault(_SLUGS, {})
    network = memo.get(slug)
    if network is not None and network in db.session and network.slug == slug:
        return network
    network = db.session.scalar(select(Network).where(Network.slug == slug))
    if network is not None:
        memo[slug] = network
    return network


def entry(slug: str) -> Network:
    """A network's directory entry by slug (404 when there is none)."""
    network = by_slug(slug)
    permissions.check(network is not None, action="network.view", target_type="network", target_id=slug,
                      hide=True)
    assert network is not None
    return network


def open_network(actor: Account, slug: str) -> Network:
    """A network whose content the actor may read; 404 for non-members (its existence is public, its
    content is not)."""
    network = entry(slug)
    permissions.require(actor, "network.read", network, action="network.read",
                        target_type="network", target_id=network.id, hide=True)
    return network


def require_post(actor: Account, network: Network, action: str) -> None:
    """Refuse a change in ``network`` with the right answer: 410 archived, 403 observer, 404 outsider."""
    if network.archived and permissions.can(actor, "network.read", network):
        raise GoneError(_("This network is archived: it can be read but no longer changed."))
    if actor.is_observer and permissions.can(actor, "network.read", network):
        permissions.check(False, action=action, target_type="network", target_id=network.id,
                          message=_("Observers read the network but do not post in it."))
    permissions.require(actor, "network.post", network, action=action, target_type="network",
                        target_id=network.id, hide=not permissions.can(actor, "network.read", network))


def readable_network_ids(account: Account) -> list[int]:
    """Ids of the networks whose live events the account receives."""
    if permissions.can(account, "network.read_all"):
        return list(db.session.scalars(select(Network.id)))
    known = permissions.known_network_ids(account)  # read with the session on a page
    if known is not None:
        return known
    return list(db.session.scalars(select(Membership.network_id).where(Membership.account_id == account.id)))


def networks_of(account: Account) -> list[dict[str, Any]]:
    """The networks the account belongs to, as ``{id, slug, name, role, archived, network}`` (the name in the
    reader's language; ``network`` for a page that marks it with ``network_name``), by that name."""
    rows = db.session.execute(
        select(Network, Membership.role).join(Membership, Membership.network_id == Network.id)
        .where(Membership.account_id == account.id)).all()
    mine = [{"id": n.id, "slug": n.slug, "name": text_for(n).name, "role": str(role), "archived": n.archived,
             "network": n} for n, role in rows]
    return sorted(mine, key=lambda row: row["name"].casefold())


def is_coordinator_anywhere(account: Account) -> bool:
    """Whether the account coordinates at least one network."""
    return db.session.scalar(select(Membership.id).where(
        Membership.account_id == account.id, Membership.role == NetworkRole.COORDINATOR).limit(1)) is not None
