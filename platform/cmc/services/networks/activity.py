"""A network's activity feed: what happened, newest first, and the lines other use cases add to it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from cmc import permissions
from cmc.extensions import db
from cmc.models import Account, Activity, Network
from cmc.services.networks.directory import readable_network_ids


def activity_query(actor: Account, network: Network | None = None) -> Select[Any]:
    """What happened, newest first: in one network, or in every network the actor may read.

    Each line names its actor and (across networks) its network, so both come with the rows.
    """
    query = select(Activity).options(joinedload(Activity.actor), joinedload(Activity.network)) \
        .order_by(Activity.id.desc())
    if network is not None:
        permissions.require(actor, "network.read", network, action="network.read",
                            target_type="network", target_id=network.id, hide=True)
        return query.where(Activity.network_id == network.id)
    return query.where(Activity.network_id.in_(readable_network_ids(actor)))


def record_activity(network_id: int, actor: Account | None, verb: str, subject_type: str, subject_id: int | None,
                    summary: str) -> None:
    """Add a line to a network's activity feed (inside the caller's transaction)."""
    db.session.add(Activity(network_id=network_id, actor_id=actor.id if actor else None, verb=verb,
                            subject_type=subject_type, subject_id=subject_id, summary=summary[:300]))
