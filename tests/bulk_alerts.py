"""Many published alerts written straight into a live server's database, as if they had been published
while a client was away: no live event reaches anyone, so only ``alerts:sync`` can bring them.

``insert_missed_alerts(server, 1200)`` writes them in one transaction (SQLite or PostgreSQL, whichever the
server runs on) and returns the new ids, oldest first: about 0.1 s, where publishing 1,200 alerts through
the API would take minutes and would push each one live.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import create_engine, insert, select

from cmc.models import Account, Alert, AlertInfo, AlertReceipt, Network
from cmc.models.network import network_parties
from cmc.models.types import utcnow
from tests.live_server import LiveServer


def database_url(server: LiveServer) -> str:
    """The database the live server runs on."""
    return server.env.get("CMC_DATABASE_URL") or f"sqlite:///{server.instance_path / 'cmc.db'}"


def insert_missed_alerts(server: LiveServer, count: int, *, network: str = "migrant-smuggling",
                         author: str = "coordinator.bs@cmc.demo", current: bool = True) -> list[int]:
    """Write ``count`` published alerts of ``network`` by ``author`` (with a receipt per party of the network)
    into ``server``'s database; their ids, oldest first. ``current=False`` makes them history at once (they
    expired while the client was away), so that a server shared with other tests keeps its lists and counts
    of current alerts."""
    engine = create_engine(database_url(server))
    batch = uuid.uuid4().hex[:8]
    try:
        with engine.begin() as connection:
            network_id = connection.scalar(select(Network.id).where(Network.slug == network))
            account = connection.execute(select(Account.id, Account.party_id).where(Account.email == author)).one()
            now = utcnow()
            rows: list[dict[str, Any]] = [{
                "network_id": network_id, "identifier": f"cmc-{network}-{batch}-{n}", "author_id": account.id,
                "party_id": account.party_id, "state": "published", "status": "Exercise", "msg_type": "Alert",
                "restriction": "Members of the network", "published_at": now, "approved_by_id": account.id,
                **({} if current else {"active_until": now}),
            } for n in range(count)]
            ids = sorted(connection.scalars(insert(Alert).returning(Alert.id, sort_by_parameter_order=True), rows))
            connection.execute(insert(AlertInfo), [{
                "alert_id": alert_id, "language": "en", "category": "Security", "event": "Suspected smuggling vessel",
                "urgency": "Expected", "severity": "Minor", "certainty": "Likely", "geocodes": [],
                "headline": f"Missed alert {batch} {n + 1} of {count}"} for n, alert_id in enumerate(ids)])
            parties = list(connection.scalars(select(network_parties.c.party_id)
                                              .where(network_parties.c.network_id == network_id)))
            connection.execute(insert(AlertReceipt), [{"alert_id": alert_id, "party_id": party_id}
                                                      for alert_id in ids for party_id in parties])
    finally:
        engine.dispose()
    return ids
