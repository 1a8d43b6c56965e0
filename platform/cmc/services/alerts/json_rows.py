"""The API's alert list as rows: every field of ``AlertSchema`` read in a fixed number of statements per page,
without an ORM object per alert, block, author, translator or earlier message.

``AlertSchema`` dumps :class:`JsonAlertRow` as it dumps an ``Alert`` (the attributes are named alike), so the
answer is the same JSON. A page reads, whatever it holds: the alerts (with their party's code and author's name),
their current blocks (with each translator's party code), the networks they name, and, when some of them
reference earlier messages, every message of their chains in one recursive statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import aliased

from cmc.extensions import db
from cmc.models import (
    Account,
    Accuracy,
    Alert,
    AlertInfo,
    AlertState,
    CapStatus,
    HandlingCode,
    MsgType,
    Network,
    Party,
    Reliability,
)
from cmc.services.listing import PartyCode, PersonName

_AUTHOR = aliased(Account, name="author")
_TRANSLATOR = aliased(Account, name="translator")
_TRANSLATOR_PARTY = aliased(Party, name="translator_party")

#: An alert's own columns as the API shows them, its party's code and its author's name; the list adds its
#: conditions (``lists.api_rows_query``).
API_SELECT = select(Alert.id, Alert.identifier, Alert.network_id, Alert.state, Alert.status, Alert.msg_type,
                    Alert.references_id, Alert.restriction, Alert.published_at, Alert.cancelled_at,
                    Alert.superseded_by_id, Alert.ack_within_minutes, Party.code, _AUTHOR.name, Alert.handling_code,
                    Alert.handling_text, Alert.source_reliability, Alert.info_accuracy) \
    .join(Party, Party.id == Alert.party_id).join(_AUTHOR, _AUTHOR.id == Alert.author_id)
#: The current blocks of the listed alerts in the order of ``Alert.infos``, with the translator's party code.
_INFOS = select(AlertInfo.alert_id, AlertInfo.language, AlertInfo.category, AlertInfo.event, AlertInfo.urgency,
                AlertInfo.severity, AlertInfo.certainty, AlertInfo.headline, AlertInfo.description,
                AlertInfo.instruction, AlertInfo.expires, AlertInfo.area_desc, AlertInfo.geocodes, AlertInfo.circle,
                AlertInfo.polygon, AlertInfo.added_by_id, AlertInfo.added_at, _TRANSLATOR_PARTY.code) \
    .outerjoin(_TRANSLATOR, _TRANSLATOR.id == AlertInfo.added_by_id) \
    .outerjoin(_TRANSLATOR_PARTY, _TRANSLATOR_PARTY.id == _TRANSLATOR.party_id) \
    .where(AlertInfo.alert_id.in_(bindparam("ids", expanding=True)), AlertInfo.replaced_at.is_(None)) \
    .order_by(AlertInfo.id)
#: The networks the listed alerts name, as ``AlertNetworkSchema`` shows them.
_NETWORKS = select(Network.id, Network.slug, Network.name).where(Network.id.in_(bindparam("ids", expanding=True)))


def _chain_select() -> Select[Any]:
    """Every message that the listed alerts reference, directly or through earlier ones: a recursive walk of
    ``references_id`` (UNION, not UNION ALL: a cycle, which cannot be written, would still end)."""
    earlier = aliased(Alert, name="earlier")
    walk = select(Alert.references_id.label("id")) \
        .where(Alert.id.in_(bindparam("ids", expanding=True)), Alert.references_id.is_not(None)) \
        .cte("chain", recursive=True)
    walk = walk.union(select(earlier.references_id).join(walk, earlier.id == walk.c.id)
                      .where(earlier.references_id.is_not(None)))
    return select(Alert.id, Alert.references_id, Alert.identifier, Alert.published_at, Alert.created_at, Party.code) \
        .join(Party, Party.id == Alert.party_id).where(Alert.id.in_(select(walk.c.id)))


_CHAIN = _chain_select()


@dataclass(frozen=True, slots=True)
class NetworkRef:
    """A network as ``AlertNetworkSchema`` shows it."""

    id: int
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class Translator:
    """A block's translator as ``AlertInfoSchema`` names them: by their party (``AlertInfo.added_by.party``)."""

    party: PartyCode


@dataclass(frozen=True, slots=True)
class JsonInfoRow:
    """A current block, with the attributes ``AlertInfoSchema`` reads (named as on ``AlertInfo``)."""

    language: str
    category: str
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str
    description: str
    instruction: str
    expires: datetime | None
    area_desc: str
    geocodes: list[str]
    circle: str
    polygon: str
    added_by_id: int | None
    added_at: datetime | None
    added_by: Translator | None


@dataclass(frozen=True, slots=True)
class ChainRow:
    """An earlier message of a chain: what ``ChainLinkSchema`` shows of it (named as on ``Alert``)."""

    id: int
    references_id: int | None
    identifier: str
    published_at: datetime | None
    created_at: datetime
    party: PartyCode


@dataclass(slots=True)
class JsonAlertRow:
    """One alert of the API's list, with the attributes ``AlertSchema`` reads (named as on ``Alert``);
    ``earlier_messages`` is the chain that ``access.earlier_messages`` walks for an ``Alert``."""

    id: int
    identifier: str
    network_id: int
    state: AlertState
    status: CapStatus
    msg_type: MsgType
    references_id: int | None
    restriction: str
    published_at: datetime | None
    cancelled_at: datetime | None
    superseded_by_id: int | None
    ack_within_minutes: int
    party: PartyCode
    author: PersonName
    handling_code: HandlingCode = HandlingCode.H0
    handling_text: str = ""
    source_reliability: Reliability | None = None
    info_accuracy: Accuracy | None = None
    network: NetworkRef | None = None
    infos: list[JsonInfoRow] = field(default_factory=list)
    earlier_messages: list[ChainRow] = field(default_factory=list)

    @property
    def handling(self) -> JsonAlertRow:
        """The row as the API's ``handling`` object reads it (``cmc.schemas.handling.HandlingSchema``)."""
        return self


def _chain_of(alert: JsonAlertRow, known: dict[int, ChainRow]) -> list[ChainRow]:
    """The alert's earlier messages, oldest first, walked as ``access.earlier_messages`` walks them."""
    chain: list[ChainRow] = []
    seen = {alert.id}
    current = known.get(alert.references_id) if alert.references_id is not None else None
    while current is not None and current.id not in seen:
        chain.append(current)
        seen.add(current.id)
        current = known.get(current.references_id) if current.references_id is not None else None
    chain.reverse()
    return chain


def load_json_rows(statement: Select[Any]) -> list[JsonAlertRow]:
    """Run a statement built on :data:`API_SELECT`; give its alerts with their blocks, networks and chains
    (three statements more, four when an alert of the page references another)."""
    rows = [JsonAlertRow(*r[:12], party=PartyCode(r[12]), author=PersonName(r[13]), handling_code=r[14],
                         handling_text=r[15], source_reliability=r[16], info_accuracy=r[17])
            for r in db.session.execute(statement)]
    if not rows:
        return rows
    by_id = {row.id: row for row in rows}
    ids = {"ids": list(by_id)}
    for r in db.session.execute(_INFOS, ids):
        translator = Translator(PartyCode(r[17])) if r[17] is not None else None
        by_id[r[0]].infos.append(JsonInfoRow(*r[1:17], added_by=translator))
    networks = {r[0]: NetworkRef(r[0], r[1], r[2])
                for r in db.session.execute(_NETWORKS, {"ids": sorted({row.network_id for row in rows})})}
    for row in rows:
        row.network = networks.get(row.network_id)
    if any(row.references_id is not None for row in rows):
        known = {r[0]: ChainRow(r[0], r[1], r[2], r[3], r[4], PartyCode(r[5])) for r in db.session.execute(_CHAIN, ids)}
        for row in rows:
            row.earlier_messages = _chain_of(row, known)
    return rows
