"""Reminding the asked parties that have not answered a roll call: by hand (the board's "Remind" buttons, the
API) and automatically at half-time and one hour before the deadline (:func:`send_due`, every minute from the
live server's housekeeping, or ``cmc rollcalls remind-due``).

A reminder goes to each party's active focal points, or, for a party without one, to all its active accounts:
a ``rollcall.remind`` notification each (live, and by e-mail in the recipient's language when they want it by
e-mail), one ``RollCallReminder`` row per party (the board's "last reminded", the timeline). A party that has
answered is never reminded.

Pressed twice within :data:`REMIND_INTERVAL` for the same party (a double click, two organisers at once), it
sends nothing the second time: the roll call's row is locked first (SQLite: the write transaction's ``BEGIN
IMMEDIATE``; PostgreSQL: ``SELECT ... FOR UPDATE``), so the second press reads the first one's rows.

The automatic rounds are claimed with ``UPDATE roll_calls SET reminded_half_at = now WHERE id = ? AND
reminded_half_at IS NULL``: the one process whose update changed the row sends, however many run the sweep.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import Account, NotificationKind, Party, ReminderKind, Role, RollCall, RollCallReminder, RollCallState
from cmc.models.types import utcnow
from cmc.services import audit, notifications
from cmc.services.errors import ConflictError, ValidationError
from cmc.services.rollcalls import live
from cmc.services.rollcalls.access import get, latest_answers

log = logging.getLogger("cmc.rollcalls")

#: A second reminder of the same party by hand within this long sends nothing (and says so).
REMIND_INTERVAL = timedelta(minutes=1)
#: The last automatic reminder goes this long before the deadline.
LAST_HOUR = timedelta(hours=1)


@dataclass
class Reminded:
    """What one reminder did: ``sent`` False when every party it would remind was reminded less than
    :data:`REMIND_INTERVAL` ago (``last_sent_at``); ``answered``: named parties left out because they answered;
    ``recent``: parties left out because they were just reminded."""

    sent: bool
    parties: list[str] = field(default_factory=list)
    recipients: int = 0
    answered: list[str] = field(default_factory=list)
    recent: list[str] = field(default_factory=list)
    last_sent_at: datetime | None = None


def remind(actor: Account, roll_call_id: object, party_codes: list[str] | None = None) -> Reminded:
    """Remind the asked parties (of ``party_codes`` when given) that have not answered (see the module).
    404 for who may not see the board, 403 without ``rollcall.manage``, 409 when the roll call is closed or
    every named party has answered, 422 for a code the roll call does not ask."""
    roll_call = get(actor, roll_call_id, rule="rollcall.board")
    permissions.require(actor, "rollcall.manage", roll_call, action="rollcall.remind", target_type="roll_call",
                        target_id=roll_call.id, target_party_id=roll_call.organiser_party_id,
                        message=_("Only the organiser or a coordinator of the network sends reminders."))
    now = utcnow()
    with write_transaction():
        db.session.get(RollCall, roll_call.id, with_for_update=True, populate_existing=True)
        if roll_call.state != RollCallState.OPEN:
            raise ConflictError(_("This roll call is closed: nobody is reminded."))
        chosen = _chosen(roll_call, party_codes)
        latest = latest_answers(roll_call.id)
        answered = [party.code for party in chosen if party.id in latest]
        missing = [party for party in chosen if party.id not in latest]
        if not missing:
            raise ConflictError(_("Already answered: nobody reminded."))
        recent = dict(db.session.execute(select(RollCallReminder.party_id, func.max(RollCallReminder.sent_at)).where(
            RollCallReminder.roll_call_id == roll_call.id, RollCallReminder.kind == ReminderKind.MANUAL,
            RollCallReminder.sent_at > now - REMIND_INTERVAL).group_by(RollCallReminder.party_id)).all())
        due = [party for party in missing if party.id not in recent]
        skipped = [party.code for party in missing if party.id in recent]
        if not due:
            return Reminded(sent=False, answered=answered, recent=skipped, last_sent_at=max(recent.values()))
        recipients = _send(roll_call, due, ReminderKind.MANUAL, actor, now)
        audit.record(actor, "rollcall.remind", target_type="roll_call", target_id=roll_call.id,
                     target_party_id=roll_call.organiser_party_id,
                     details={"kind": ReminderKind.MANUAL.value, "parties": [p.code for p in due],
                              "recipients": recipients})
    notifications.push_recorded()
    live.changed(roll_call, "remind")
    return Reminded(sent=True, parties=[p.code for p in due], recipients=recipients, answered=answered,
                    recent=skipped)


def _chosen(roll_call: RollCall, party_codes: list[str] | None) -> list[Party]:
    """The asked parties named by ``party_codes`` (all asked parties for None); 422 for a code not asked."""
    if party_codes is None:
        return list(roll_call.parties)
    asked = {party.code: party for party in roll_call.parties}
    unknown = [code for code in party_codes if code not in asked]
    if unknown or not party_codes:
        message = _("This roll call does not ask %(codes)s.", codes=", ".join(unknown)) if unknown \
            else _("Name at least one party to remind.")
        raise ValidationError(message, fields={"parties": message})
    return [asked[code] for code in dict.fromkeys(party_codes)]


def _recipients(party: Party) -> list[Account]:
    """The party's active focal points; for a party with none, its active accounts."""
    active = select(Account).where(Account.party_id == party.id, Account.active.is_(True)).order_by(Account.id)
    focal = list(db.session.scalars(active.where(Account.role == Role.FOCAL_POINT)))
    return focal or list(db.session.scalars(active))


def _send(roll_call: RollCall, parties: list[Party], kind: ReminderKind, sent_by: Account | None,
          now: datetime) -> int:
    """Inside the write transaction: a notification to each recipient of each party and a reminder row per
    party; returns how many people were written to (they are told after the commit, ``push_recorded``)."""
    deadline = roll_call.deadline.isoformat()
    total = 0
    for party in parties:
        people = _recipients(party)
        for account in people:
            notifications.record(account.id, NotificationKind.ROLLCALL_REMIND, roll_call_id=roll_call.id,
                                 party=party.name, title=roll_call.title, deadline=deadline)
        db.session.add(RollCallReminder(roll_call_id=roll_call.id, party_id=party.id, kind=kind,
                                        sent_by_id=sent_by.id if sent_by is not None else None, sent_at=now,
                                        recipients=len(people)))
        total += len(people)
    return total


def half_time(roll_call: RollCall) -> datetime:
    """When half of the time from the start to the deadline has passed."""
    return roll_call.started_at + (roll_call.deadline - roll_call.started_at) / 2


def send_due(now: datetime | None = None) -> int:
    """The automatic reminders due at ``now`` (default: now) of every open roll call whose deadline has not
    passed; returns how many rounds this call sent. Each round is sent once whatever the number of runs or
    processes; both due at once (a short roll call, a server that was down) send one reminder (the last
    hour's) and claim both. A roll call that fails is logged and the others go on."""
    now = now or utcnow()
    candidates = list(db.session.scalars(select(RollCall.id).where(
        RollCall.state == RollCallState.OPEN, RollCall.deadline > now,
        (RollCall.reminded_half_at.is_(None)) | (RollCall.reminded_hour_at.is_(None)))))
    sent = 0
    for roll_call_id in candidates:
        try:
            sent += _send_due_one(roll_call_id, now)
        except Exception:  # one roll call's failure must not stop the others' reminders
            db.session.rollback()
            log.exception("automatic reminders of roll call %s failed", roll_call_id)
    return sent


def _claim(roll_call_id: int, column: str, now: datetime) -> bool:
    """Set the round's column if no one has (True: this process sends it)."""
    target = getattr(RollCall, column)
    result = db.session.execute(update(RollCall).where(
        RollCall.id == roll_call_id, target.is_(None), RollCall.state == RollCallState.OPEN)
        .values({column: now}).execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _send_due_one(roll_call_id: int, now: datetime) -> int:
    """One roll call's due round (see :func:`send_due`): 1 when this call sent it, else 0."""
    roll_call = db.session.get(RollCall, roll_call_id, populate_existing=True)
    if roll_call is None:
        return 0
    hour_due = roll_call.reminded_hour_at is None and roll_call.deadline - LAST_HOUR <= now
    half_due = roll_call.reminded_half_at is None and half_time(roll_call) <= now
    if not (hour_due or half_due):
        return 0
    with write_transaction():
        if hour_due:
            # The last hour's reminder supersedes a half-time one not yet sent (never two at once).
            claimed = _claim(roll_call_id, "reminded_hour_at", now)
            _claim(roll_call_id, "reminded_half_at", now)
            kind = ReminderKind.LAST_HOUR
        else:
            claimed = _claim(roll_call_id, "reminded_half_at", now)
            kind = ReminderKind.HALF_TIME
        if not claimed:
            return 0
        latest = latest_answers(roll_call.id)
        missing = [party for party in roll_call.parties if party.id not in latest]
        recipients = _send(roll_call, missing, kind, None, now) if missing else 0
        audit.record(None, "rollcall.remind", target_type="roll_call", target_id=roll_call.id,
                     target_party_id=roll_call.organiser_party_id,
                     details={"kind": kind.value, "parties": [p.code for p in missing], "recipients": recipients})
    notifications.push_recorded()
    db.session.refresh(roll_call)
    if missing:
        live.changed(roll_call, "remind")
    return 1 if missing else 0
