"""Telling the board's readers, live, that a roll call changed (an answer, a reminder, closing, reopening).

Every service that changes a roll call calls :func:`changed` after its commit; what the event carries and who
receives it is decided here only.

The board's readers are the network's readers (``rollcall.board``), and those are exactly the connections the
server put in the ``network:<id>`` room (``realtime/events.py``: every network the account reads; the
secretariat reads every one; the organiser is the secretariat or a coordinator of the network). They get
``rollcall:update`` {id, reason, answered, asked}. The members of an asked party outside the network read the
roll call but not the board: they get the same event without the counts, on their own ``user:<id>`` room, so
their answer page and lists may refresh.
"""

from __future__ import annotations

from sqlalchemy import distinct, func, select

from cmc.extensions import db
from cmc.models import Account, Membership, Role, RollCall, RollCallAnswer
from cmc.realtime import notify

EVENT = "rollcall:update"


def changed(roll_call: RollCall, reason: str) -> None:
    """After a commit: the roll call changed for ``reason`` ("answer", "remind", "close", "reopen",
    "handling", "start")."""
    answered = db.session.scalar(select(func.count(distinct(RollCallAnswer.party_id))).where(
        RollCallAnswer.roll_call_id == roll_call.id)) or 0
    notify.to_network(roll_call.network_id, EVENT, {"id": roll_call.id, "reason": reason, "answered": answered,
                                                    "asked": len(roll_call.parties)})
    for account_id in _asked_outside(roll_call):
        notify.to_user(account_id, EVENT, {"id": roll_call.id, "reason": reason})


def _asked_outside(roll_call: RollCall) -> list[int]:
    """The active accounts of the asked parties that do not read the network (not members, not secretariat)."""
    party_ids = [party.id for party in roll_call.parties]
    if not party_ids:
        return []
    members = select(Membership.account_id).where(Membership.network_id == roll_call.network_id)
    return list(db.session.scalars(select(Account.id).where(
        Account.party_id.in_(party_ids), Account.active.is_(True), Account.role != Role.SECRETARIAT,
        Account.id.not_in(members))))
