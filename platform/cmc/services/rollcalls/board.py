"""The picture of a roll call: every asked party's latest answer, the counts and the totals.

One function, :func:`summary`, reads it for the board page, its live refresh, the API, the PDF situation report
and the CSV, so that they cannot disagree. Totals add up the **latest** answer of each party; a number's
"estimate" and "confirmed" are added apart and never mixed. A party that has not answered counts in ``asked``
only. Parties not yet answered come first (the organiser acts on them), then those that answered, each group
by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from cmc.extensions import db
from cmc.models import Account, Affected, Party, Quality, Role, RollCall, RollCallAnswer, RollCallReminder
from cmc.services.rollcalls.access import latest_answers


@dataclass
class Total:
    """One number added over the parties, estimates apart from confirmed figures."""

    estimate: int = 0
    confirmed: int = 0
    unqualified: int = 0  # a number given without saying which (a question asked without the quality)

    def add(self, value: int | None, quality: Quality | None) -> None:
        """Add one party's number under its quality."""
        if value is None:
            return
        if quality == Quality.CONFIRMED:
            self.confirmed += value
        elif quality == Quality.ESTIMATE:
            self.estimate += value
        else:
            self.unqualified += value

    @property
    def total(self) -> int:
        """Everything added (shown only beside its parts)."""
        return self.estimate + self.confirmed + self.unqualified


@dataclass
class PartyLine:
    """One asked party on the board."""

    party: Party
    answer: RollCallAnswer | None
    focal_points: list[Account] = field(default_factory=list)
    last_reminded_at: datetime | None = None

    @property
    def answered(self) -> bool:
        """Whether the party has answered."""
        return self.answer is not None


@dataclass
class Summary:
    """The board of one roll call (see the module)."""

    roll_call: RollCall
    lines: list[PartyLine]
    displaced: Total
    departed: Total
    needs: dict[str, int]  # need key -> how many parties ticked it

    @property
    def asked(self) -> int:
        """How many parties are asked."""
        return len(self.lines)

    @property
    def answered(self) -> int:
        """How many have answered."""
        return sum(1 for line in self.lines if line.answered)

    def count(self, status: Affected) -> int:
        """How many parties answered with ``status``."""
        return sum(1 for line in self.lines if line.answer is not None and line.answer.status == status)

    @property
    def affected(self) -> int:
        """Parties affected, coping or needing assistance."""
        return self.count(Affected.COPING) + self.count(Affected.ASSISTANCE)

    @property
    def assistance_needed(self) -> int:
        """Parties that need assistance."""
        return self.count(Affected.ASSISTANCE)

    @property
    def missing(self) -> list[PartyLine]:
        """The parties that have not answered (first on the board)."""
        return [line for line in self.lines if not line.answered]

    @property
    def flagged(self) -> list[PartyLine]:
        """The parties whose answer carries a number confirmed as exceptional."""
        return [line for line in self.lines if line.answer is not None and line.answer.flag_list]


def summary(roll_call: RollCall) -> Summary:
    """The board of ``roll_call`` (no permission check: callers ask ``rollcall.board`` or ``rollcall.read``
    first). Four queries whatever the number of parties."""
    latest = latest_answers(roll_call.id)
    party_ids = [party.id for party in roll_call.parties]
    focal: dict[int, list[Account]] = {}
    for account in db.session.scalars(select(Account).where(
            Account.party_id.in_(party_ids), Account.role == Role.FOCAL_POINT, Account.active.is_(True))
            .order_by(Account.name)):
        focal.setdefault(account.party_id, []).append(account)
    reminded = dict(db.session.execute(select(RollCallReminder.party_id, func.max(RollCallReminder.sent_at)).where(
        RollCallReminder.roll_call_id == roll_call.id).group_by(RollCallReminder.party_id)).all())
    lines = [PartyLine(party=party, answer=latest.get(party.id), focal_points=focal.get(party.id, []),
                       last_reminded_at=reminded.get(party.id)) for party in roll_call.parties]
    lines.sort(key=lambda line: (line.answered, line.party.name))
    displaced, departed, needs = Total(), Total(), {}
    for line in lines:
        answer = line.answer
        if answer is None:
            continue
        displaced.add(answer.displaced, answer.displaced_quality)
        departed.add(answer.departed, answer.departed_quality)
        for need in answer.need_list:
            needs[need] = needs.get(need, 0) + 1
    return Summary(roll_call=roll_call, lines=lines, displaced=displaced, departed=departed, needs=needs)
