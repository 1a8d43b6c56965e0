"""What every list read as rows shares: the networks its lines name, and a party as far as a line names it.

A list line names its network in the reader's language, which needs the network and its translations
(``networks.text_for``): a page names a handful of networks, so they are loaded as objects, once per page. A
page often has several lists naming the same networks (home: activity, alerts waiting; the workspace: its own
network everywhere), and the session's identity map already holds them after the first: ``networks_by_id``
loads only those it does not hold, loaded and current (a commit during the request expires them all), and
``attach_networks`` reads the networks of several lists of a page at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm.util import identity_key

from cmc.extensions import db
from cmc.models import Network

_NETWORKS = select(Network).where(Network.id.in_(bindparam("ids", expanding=True)))
#: What a list reads of a network (its name in the reader's language): held and loaded, no query needed.
_NEEDED = frozenset({"name", "slug", "language", "texts"})


@dataclass(frozen=True, slots=True)
class PersonName:
    """A person as far as a list line names them: the name (``line.author.name``, as on the ORM object)."""

    name: str


@dataclass(frozen=True, slots=True)
class PartyCode:
    """A party as far as a list line names it: its code (``line.party.code``, as on the ORM object)."""

    code: str


def _held(network_id: int) -> Network | None:
    """The session's current object for the network, when it has one with what a list reads loaded."""
    found = db.session.identity_map.get(identity_key(Network, network_id))
    if found is None:
        return None
    state = inspect(found)
    return None if state.expired or _NEEDED & state.unloaded else found


def networks_by_id(ids: Iterable[int | None]) -> dict[int, Network]:
    """{id: network} for ``ids`` (None skipped): from the session where it holds them, the rest in one query
    (and one for their translations)."""
    wanted = {i for i in ids if i is not None}
    found: dict[int, Network] = {}
    for network_id in wanted:
        held = _held(network_id)
        if held is not None:
            found[network_id] = held
    missing = sorted(wanted - found.keys())
    if missing:
        found.update((n.id, n) for n in db.session.scalars(_NETWORKS, {"ids": missing}))
    return found


def attach_networks(*lists: Sequence[Any]) -> None:
    """Set ``network`` on every line of ``lists`` from its ``network_id``, all lists' networks read at once (a
    page with two lists naming networks, such as home, reads them in one query instead of one per list)."""
    found = networks_by_id(line.network_id for lines in lists for line in lines)
    for lines in lists:
        for line in lines:
            line.network = found.get(line.network_id) if line.network_id is not None else None
