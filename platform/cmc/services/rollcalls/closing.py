"""After a roll call: closing it (answers frozen), reopening it with a new deadline, and the handling code its
organiser sets on its board, its PDF situation report and its CSV.

Every function here asks ``rollcall.manage`` of a roll call the actor may read: who may not read it gets 404
(its existence stays secret), a reader who may not manage it 403 (recorded as denied by the page or the API).
The roll call is read again inside the write transaction, locked where the database locks rows, so two
organisers pressing "close" at once close it once and the second is told (409).

- :func:`close`: state closed, ``closed_at``/``closed_by_id``; from then on ``access.accepts_answers`` is False
  (answers and reminders are refused) until it is reopened.
- :func:`reopen`: a closed roll call, or an open one whose deadline passed, opens again until a new deadline
  (15 minutes to 30 days ahead); the automatic reminders' marks are cleared so they run again for it.
- :func:`set_handling`: the code (H3 with its text) through ``handling.validate``, audited from/to.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.i18n import timefmt
from cmc.models import Account, RollCall, RollCallState
from cmc.models.types import utcnow
from cmc.services import audit, handling
from cmc.services.errors import ConflictError, ValidationError
from cmc.services.rollcalls import access, live

#: How far ahead a new deadline must be at least (time to tell the parties and for them to answer) ...
REOPEN_MIN = timedelta(minutes=15)
#: ... and at most (a roll call is about a crisis, not a standing survey).
REOPEN_MAX = timedelta(days=30)


def _managed(actor: Account, roll_call_id: object, action: str) -> RollCall:
    """The roll call, 404 unless the actor reads it, 403 unless they manage it (recorded under ``action``)."""
    roll_call = access.get(actor, roll_call_id)
    permissions.require(actor, "rollcall.manage", roll_call, action=action, target_type="roll_call",
                        target_id=roll_call.id, target_party_id=roll_call.organiser_party_id,
                        message=_("Only the organiser, the network's coordinators and the secretariat manage a "
                                  "roll call."))
    return roll_call


def _fresh(roll_call: RollCall) -> None:
    """Read the roll call again inside the write transaction (locked on PostgreSQL; SQLite's write lock is
    already held): a decision is taken on the committed state, not on what the request read before."""
    db.session.refresh(roll_call, with_for_update=True)


def close(actor: Account, roll_call_id: object) -> RollCall:
    """Close (freeze) the roll call: no answer, no reminder after this. 409 when it is already closed."""
    roll_call = _managed(actor, roll_call_id, "rollcall.close")
    with write_transaction():
        _fresh(roll_call)
        if roll_call.state == RollCallState.CLOSED:
            raise ConflictError(_("This roll call is already closed (on %(when)s).",
                                  when=timefmt.show(roll_call.closed_at)))
        roll_call.state = RollCallState.CLOSED
        roll_call.closed_at = utcnow()
        roll_call.closed_by_id = actor.id
        audit.record(actor, "rollcall.close", target_type="roll_call", target_id=roll_call.id,
                     target_party_id=roll_call.organiser_party_id,
                     details={"deadline": roll_call.deadline.isoformat(), "handling_code":
                              roll_call.handling_code.value})
    live.changed(roll_call, "close")
    return roll_call


def check_deadline(deadline: datetime | None, now: datetime | None = None) -> datetime:
    """A new deadline as stored (aware, UTC), or ``ValidationError`` (field ``deadline``) when it is missing,
    has no time zone, is less than 15 minutes ahead or more than 30 days."""
    now = now or utcnow()

    def refuse(message: str) -> ValidationError:
        return ValidationError(message, fields={"deadline": message})

    if deadline is None:
        raise refuse(_("Give the new deadline."))
    if deadline.tzinfo is None or deadline.utcoffset() is None:
        raise refuse(_("Give the new deadline with its time zone."))
    if deadline < now + REOPEN_MIN:
        raise refuse(_("The new deadline must be at least 15 minutes from now."))
    if deadline > now + REOPEN_MAX:
        raise refuse(_("The new deadline must be within 30 days."))
    return deadline.astimezone(now.tzinfo).replace(microsecond=0)


def reopen(actor: Account, roll_call_id: object, deadline: datetime | None) -> RollCall:
    """Open the roll call again until ``deadline``: 409 unless it is closed or its deadline passed, 422 for a
    deadline outside 15 minutes to 30 days ahead. The automatic reminders will run again."""
    roll_call = _managed(actor, roll_call_id, "rollcall.reopen")
    new_deadline = check_deadline(deadline)
    with write_transaction():
        _fresh(roll_call)
        if access.accepts_answers(roll_call):
            raise ConflictError(_("This roll call is still open: its deadline has not passed. Reopening is for a "
                                  "closed roll call or one whose deadline passed."))
        previous = {"state": roll_call.state.value, "deadline": roll_call.deadline.isoformat(),
                    "closed_at": roll_call.closed_at.isoformat() if roll_call.closed_at else None}
        roll_call.state = RollCallState.OPEN
        roll_call.deadline = new_deadline
        roll_call.closed_at = None
        roll_call.closed_by_id = None
        roll_call.reminded_half_at = None
        roll_call.reminded_hour_at = None
        audit.record(actor, "rollcall.reopen", target_type="roll_call", target_id=roll_call.id,
                     target_party_id=roll_call.organiser_party_id,
                     details={"from": previous, "deadline": new_deadline.isoformat()})
    live.changed(roll_call, "reopen")
    return roll_call


def set_handling(actor: Account, roll_call_id: object, code: object, text: object = "") -> bool:
    """Set the roll call's handling code (H3 with its restriction text): 422 for a code outside H0-H3 or H3
    without its text. Returns False when nothing changed (nothing recorded)."""
    roll_call = _managed(actor, roll_call_id, "rollcall.handling")
    marking = handling.validate(code, text)
    with write_transaction():
        _fresh(roll_call)
        old = {"handling_code": roll_call.handling_code.value, "handling_text": roll_call.handling_text}
        new = {"handling_code": marking.code.value, "handling_text": marking.text}
        if old == new:
            return False
        roll_call.handling_code = marking.code
        roll_call.handling_text = marking.text
        audit.record(actor, "rollcall.handling", target_type="roll_call", target_id=roll_call.id,
                     target_party_id=roll_call.organiser_party_id, details={"from": old, "to": new})
    live.changed(roll_call, "handling")
    return True
