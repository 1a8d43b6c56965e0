"""A network's activity feed: what happened, newest first, and the lines other use cases add to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from cmc import permissions
from cmc.extensions import db
from cmc.models import Account, Activity, Network
from cmc.services.listing import PersonName, attach_networks
from cmc.services.networks.directory import readable_network_ids

#: A feed line's columns: the activity's own and its actor's name (built once; feeds add their conditions).
_ROW_SELECT = select(Activity.id, Activity.network_id, Activity.verb, Activity.subject_id, Activity.summary,
                     Activity.at, Account.name).outerjoin(Account, Account.id == Activity.actor_id)


@dataclass(slots=True)
class ActivityRow:
    """One feed line: the attributes the feed template reads, named as on ``Activity``."""

    id: int
    network_id: int
    verb: str
    subject_id: int | None
    summary: str
    at: datetime
    actor: PersonName | None
    network: Network | None = None


def activity_query(actor: Account, network: Network | None = None) -> Select[Any]:
    """What happened, newest first: in one network, or in every network the actor may read.

    Each line names its actor and (across networks) its network, so both come with the rows.
    """
    query = select(Activity).options(joinedload(Activity.actor), joinedload(Activity.network))
    return _feed(query, actor, network)


def activity_rows_query(actor: Account, network: Network | None = None) -> Select[Any]:
    """``activity_query`` as feed rows: run it with ``load_activity``."""
    return _feed(_ROW_SELECT, actor, network)


def load_activity(statement: Select[Any], *, with_networks: bool = True) -> list[ActivityRow]:
    """The lines of an ``activity_rows_query`` statement, with their networks (``with_networks=False``: the
    caller attaches them with other lists', ``listing.attach_networks``)."""
    rows = [ActivityRow(id=r[0], network_id=r[1], verb=r[2], subject_id=r[3], summary=r[4], at=r[5],
                        actor=PersonName(r[6]) if r[6] is not None else None) for r in db.session.execute(statement)]
    if with_networks:
        attach_networks(rows)
    return rows


def _feed(query: Select[Any], actor: Account, network: Network | None) -> Select[Any]:
    query = query.order_by(Activity.id.desc())
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
