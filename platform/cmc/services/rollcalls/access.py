"""Finding a roll call the actor may read, and the latest answer of each party (what every view of a roll call
starts from: the board, the answer page, the exports, the API)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from cmc import permissions
from cmc.extensions import db
from cmc.models import Account, RollCall, RollCallAnswer, RollCallState
from cmc.models.types import parse_id, utcnow


def get(actor: Account | None, roll_call_id: object, *, rule: str = "rollcall.read") -> RollCall:
    """The roll call, or 404 (``DeniedError`` hidden) when it does not exist or the actor fails ``rule``
    (``rollcall.read`` by default; ``rollcall.board`` for the board and its exports): nobody learns that a
    roll call they may not read exists."""
    found = parse_id(roll_call_id)
    roll_call = db.session.get(RollCall, found) if found is not None else None
    permissions.check(roll_call is not None and permissions.can(actor, rule, roll_call), action=rule,
                      target_type="roll_call", target_id=found, hide=True)
    assert roll_call is not None
    return roll_call


def accepts_answers(roll_call: RollCall, now: datetime | None = None) -> bool:
    """Whether answers are taken now: open, and the deadline not passed (reopening sets a new deadline)."""
    return roll_call.state == RollCallState.OPEN and (now or utcnow()) <= roll_call.deadline


def latest_answers(roll_call_id: int) -> dict[int, RollCallAnswer]:
    """Each answering party's latest revision, by party id (one query)."""
    newest = (select(RollCallAnswer.party_id, func.max(RollCallAnswer.revision).label("revision"))
              .where(RollCallAnswer.roll_call_id == roll_call_id).group_by(RollCallAnswer.party_id).subquery())
    rows = db.session.scalars(select(RollCallAnswer).join(newest, (newest.c.party_id == RollCallAnswer.party_id)
                                                          & (newest.c.revision == RollCallAnswer.revision))
                              .where(RollCallAnswer.roll_call_id == roll_call_id))
    return {answer.party_id: answer for answer in rows}


def history(roll_call_id: int, party_id: int | None = None) -> list[RollCallAnswer]:
    """Every revision of the roll call's answers (of one party when given), oldest first."""
    query = select(RollCallAnswer).where(RollCallAnswer.roll_call_id == roll_call_id)
    if party_id is not None:
        query = query.where(RollCallAnswer.party_id == party_id)
    return list(db.session.scalars(query.order_by(RollCallAnswer.id)))
