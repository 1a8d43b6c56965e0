"""The board's history of a roll call (the timeline) and its changes since the previous roll call.

- :func:`timeline`: the start, each answer revision, each reminder round (by hand or automatic, the parties of
  one round together), closing and reopening (read from the audit trail the closing service writes), newest
  first. The words are the page's (``templates/rollcalls/_board_timeline.html``): entries carry data only.
- :func:`changes`: for a follow-up (``previous_id``), party by party: the status before and now, the displaced
  and the departed before and now with the difference, "new answer" or "no answer yet".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from cmc.extensions import db
from cmc.models import Account, Affected, AuditEvent, Party, RollCall, RollCallAnswer, RollCallReminder
from cmc.services.rollcalls.access import history, latest_answers

#: The audit actions that open and close a roll call (written by the closing service).
STATE_ACTIONS = ("rollcall.close", "rollcall.reopen")


@dataclass
class Entry:
    """One moment of the timeline: ``kind`` is "start", "answer", "remind" (``reminder_kind`` manual,
    half_time or last_hour), "close" or "reopen"."""

    at: datetime
    kind: str
    who: str = ""
    parties: list[str] = field(default_factory=list)  # party names
    answer: RollCallAnswer | None = None
    reminder_kind: str = ""
    recipients: int = 0


def timeline(roll_call: RollCall, limit: int = 200) -> list[Entry]:
    """The roll call's moments, newest first (at most ``limit``; the start is always kept last)."""
    names = {party.id: party.name for party in roll_call.parties}
    entries: list[Entry] = []
    for answer in history(roll_call.id):
        entries.append(Entry(at=answer.created_at, kind="answer", who=answer.author.name,
                             parties=[names.get(answer.party_id) or answer.party.name], answer=answer))
    rounds: dict[tuple[datetime, str, int | None], Entry] = {}
    for reminder in db.session.scalars(select(RollCallReminder).where(
            RollCallReminder.roll_call_id == roll_call.id).order_by(RollCallReminder.id)):
        key = (reminder.sent_at, reminder.kind.value, reminder.sent_by_id)
        entry = rounds.get(key)
        if entry is None:
            sender = db.session.get(Account, reminder.sent_by_id) if reminder.sent_by_id else None
            entry = rounds[key] = Entry(at=reminder.sent_at, kind="remind", who=sender.name if sender else "",
                                        reminder_kind=reminder.kind.value)
        entry.parties.append(names.get(reminder.party_id, ""))
        entry.recipients += reminder.recipients
    entries.extend(rounds.values())
    for event in db.session.scalars(select(AuditEvent).where(
            AuditEvent.action.in_(STATE_ACTIONS), AuditEvent.target_type == "roll_call",
            AuditEvent.target_id == str(roll_call.id)).order_by(AuditEvent.id)):
        # The audit row keeps the e-mail address as its label; the timeline names people as everywhere else.
        actor = db.session.get(Account, event.actor_id) if event.actor_id else None
        entries.append(Entry(at=event.at, kind=event.action.split(".", 1)[1],
                             who=actor.name if actor is not None else event.actor_label))
    entries.sort(key=lambda entry: entry.at, reverse=True)
    start = Entry(at=roll_call.started_at, kind="start", who=roll_call.organiser.name)
    return [*entries[:limit - 1], start]


@dataclass
class Change:
    """One party's change since the previous roll call (``before``/``now``: the latest answers, or None)."""

    party: Party
    before: RollCallAnswer | None
    now: RollCallAnswer | None

    @property
    def changed(self) -> bool:
        """Whether the status or a number (or its quality) moved, or the party answered one time only."""
        def key(answer: RollCallAnswer | None) -> tuple[object, ...]:
            if answer is None:
                return (None,)
            return (answer.status, answer.displaced, answer.displaced_quality, answer.departed,
                    answer.departed_quality)
        return key(self.before) != key(self.now)

    @property
    def new_answer(self) -> bool:
        """The party answered now but not the previous time."""
        return self.now is not None and self.before is None

    @property
    def status_changed(self) -> bool:
        """The status differs (both answered)."""
        return self.now is not None and self.before is not None and self.now.status != self.before.status

    def difference(self, key: str) -> int | None:
        """Now minus before for ``displaced`` or ``departed`` (None unless both gave the number)."""
        if self.now is None or self.before is None:
            return None
        new, old = getattr(self.now, key), getattr(self.before, key)
        return new - old if new is not None and old is not None else None

    @property
    def worse(self) -> bool:
        """The status moved towards needing assistance (the page marks it)."""
        order = {None: -1, Affected.NOT_AFFECTED: 0, Affected.COPING: 1, Affected.ASSISTANCE: 2}
        return self.status_changed and order[self.now.status] > order[self.before.status]  # type: ignore[union-attr]


def previous(roll_call: RollCall) -> RollCall | None:
    """The roll call this one follows (None for a first one)."""
    return db.session.get(RollCall, roll_call.previous_id) if roll_call.previous_id else None


def changes(roll_call: RollCall) -> list[Change]:
    """Party by party, the roll call's latest answers against the previous roll call's (empty without one),
    in the order of the board's parties (by name)."""
    before_call = previous(roll_call)
    if before_call is None:
        return []
    before, now = latest_answers(before_call.id), latest_answers(roll_call.id)
    return [Change(party=party, before=before.get(party.id), now=now.get(party.id)) for party in roll_call.parties]
