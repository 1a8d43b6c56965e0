"""Alert lists as rows: the columns a list shows, read without building ORM objects per alert.

A list row shows the headline and severity of the block in the reader's language, the alert's tags (status,
message type, cancelled or updated, draft state, handling code and evaluation), its network's name, its party's
code and when it was published. ``list_rows``/``drafts_rows``/``unacknowledged_rows`` in ``lists`` select those
columns with the same conditions as the ORM queries (which the API and the alert page keep using); ``load_rows``
turns the rows into :class:`AlertRow` with a fixed number of statements whatever the page holds: the alerts, their
current blocks, and the networks they name (``listing.networks_by_id``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, literal, select

from cmc.extensions import db
from cmc.models import (
    Accuracy,
    Alert,
    AlertInfo,
    AlertReceipt,
    AlertState,
    CapStatus,
    HandlingCode,
    MsgType,
    Network,
    Party,
    PartyStatus,
    Reliability,
)
from cmc.models.types import utcnow
from cmc.services.listing import PartyCode, attach_networks

#: The columns of a list row (the alerts' own and the party's code); lists add their conditions to it.
ROW_SELECT = select(Alert.id, Alert.network_id, Alert.state, Alert.status, Alert.msg_type, Alert.cancelled_at,
                    Alert.superseded_by_id, Alert.published_at, Alert.created_at, Party.code, Alert.active_until,
                    Alert.handling_code, Alert.handling_text, Alert.source_reliability, Alert.info_accuracy) \
    .join(Party, Party.id == Alert.party_id)
#: The current blocks of the listed alerts, in the order of ``Alert.infos`` (built once: the ids are bound).
_INFOS = select(AlertInfo.alert_id, AlertInfo.language, AlertInfo.headline, AlertInfo.severity,
                AlertInfo.added_by_id) \
    .where(AlertInfo.alert_id.in_(bindparam("ids", expanding=True)), AlertInfo.replaced_at.is_(None)) \
    .order_by(AlertInfo.id)
#: The reader's party's receipts of the listed alerts: whether it acknowledged each one.
_RECEIPTS = select(AlertReceipt.alert_id, AlertReceipt.acknowledged_at) \
    .where(AlertReceipt.alert_id.in_(bindparam("ids", expanding=True)), AlertReceipt.party_id == bindparam("party"))


@dataclass(frozen=True, slots=True)
class InfoRow:
    """A current block as a list shows it (what ``translations.block_for`` reads)."""

    language: str
    headline: str
    severity: str
    added_by_id: int | None

    @property
    def is_translation(self) -> bool:
        """Whether a member added this block after publication (as ``AlertInfo.is_translation``)."""
        return self.added_by_id is not None


@dataclass(slots=True)
class AlertRow:
    """One alert of a list: the attributes the list templates read, named as on ``Alert``."""

    id: int
    network_id: int
    state: AlertState
    status: CapStatus
    msg_type: MsgType
    cancelled_at: datetime | None
    superseded_by_id: int | None
    published_at: datetime | None
    created_at: datetime
    party: PartyCode
    network: Network | None = None
    infos: list[InfoRow] = field(default_factory=list)
    #: The reader's party and this alert (``load_rows(..., reader=)``): "acknowledged", "waiting" (it has the
    #: alert, not acknowledged, and the alert is current), "missed" (not acknowledged, no longer current), or ""
    #: (the party was not asked: no receipt, or not read).
    my_party_ack: str = ""
    active: bool = False
    #: The marking (the ``tag`` macro reads it as on an ``Alert``).
    handling_code: HandlingCode = HandlingCode.H0
    handling_text: str = ""
    source_reliability: Reliability | None = None
    info_accuracy: Accuracy | None = None

    @property
    def handling(self) -> AlertRow:
        """The row as the ``handling`` object reads it (``cmc.schemas.handling.HandlingSchema``)."""
        return self


def load_rows(statement: Select[Any], *, with_networks: bool = True, reader: Any = None) -> list[AlertRow]:
    """Run a statement built on :data:`ROW_SELECT` and give its alerts with their blocks and networks
    (``with_networks=False``: the caller attaches them with other lists', ``listing.attach_networks``), and with
    ``reader`` (an account) their party's acknowledgement of each (one statement more)."""
    now = utcnow()
    rows = [AlertRow(id=r[0], network_id=r[1], state=r[2], status=r[3], msg_type=r[4], cancelled_at=r[5],
                     superseded_by_id=r[6], published_at=r[7], created_at=r[8], party=PartyCode(r[9]),
                     active=r[2] == AlertState.PUBLISHED and r[10] > now, handling_code=r[11], handling_text=r[12],
                     source_reliability=r[13], info_accuracy=r[14])
            for r in db.session.execute(statement)]
    if rows:
        by_id = {row.id: row for row in rows}
        for alert_id, language, headline, severity, added_by_id in db.session.execute(_INFOS,
                                                                                       {"ids": list(by_id)}):
            by_id[alert_id].infos.append(InfoRow(language, headline, severity, added_by_id))
        if with_networks:
            attach_networks(rows)
        if reader is not None:
            _attach_receipts(by_id, reader)
    return rows


def asked_to_acknowledge(actor: Any) -> bool:
    """Whether the actor's party is ever asked to acknowledge alerts: a member state (not an observer, not a
    support organisation such as IOM or UNHCR), as the acknowledgement grid counts them."""
    return actor.party.status == PartyStatus.MEMBER and actor.party.retired_at is None


def party_asked_clause(sender_party_id: Any, msg_type: Any) -> ColumnElement[bool]:
    """SQL: ``Party`` is asked to acknowledge an alert sent by ``sender_party_id`` as a ``msg_type`` message
    (each a column, such as ``Alert.party_id``, or a value): a member state, not retired (``asked_to_acknowledge``),
    not the sender, and never for a Cancel message. The grid's reasons (``grid.reasons``) say the same per
    party in Python, with why; the dashboard and the alert notifications use this."""
    if isinstance(msg_type, MsgType):
        msg_type = literal(msg_type.value)
    return and_(Party.status == PartyStatus.MEMBER, Party.retired_at.is_(None), Party.id != sender_party_id,
                msg_type != MsgType.CANCEL.value)


def _attach_receipts(by_id: dict[int, AlertRow], reader: Any) -> None:
    """Set ``my_party_ack`` on each row from the reader's party's receipts. A party is not waited for (nor said
    to have missed) where it is not asked: its own alerts, Cancel messages, and every alert for a party that is
    not a member state (``lists.waiting_clause`` says the same for the count and home)."""
    asked = asked_to_acknowledge(reader)
    for alert_id, acknowledged_at in db.session.execute(_RECEIPTS, {"ids": list(by_id), "party": reader.party_id}):
        row = by_id[alert_id]
        if acknowledged_at:
            row.my_party_ack = "acknowledged"
        elif asked and row.party.code != reader.party.code and row.msg_type != MsgType.CANCEL:
            row.my_party_ack = "waiting" if row.active else "missed"
