"""A party's answer to a roll call: who may give it, when, what it may say, and two members saving at once.

:func:`answer` is the one use case the answer page and the API call. In order:

1. the roll call the actor may read (404 otherwise), then the rule ``rollcall.answer`` (403: the party is not
   asked, or the actor is an observer), then the time (409 ``roll_call_closed`` once closed or past the
   deadline; the organiser may reopen it with a new deadline);
2. the values, against the roll call's own questions (only those asked, the required ones, each by its kind):
   a ``ValidationError`` (422) naming each field;
3. the revision the person started from: another member saved since -> 409 ``answer_conflict`` carrying the
   answer that is there now, so that the page and the API show it;
4. plausibility: a number above the party's population (or displaced and departed together above it) is
   refused with 422 ``confirmation_required`` naming the figures, unless the person confirms them; confirmed,
   the keys are kept in ``flags`` and the board flags them;
5. the new revision (``base_revision + 1``) inside one write transaction. Two members who saved from the same
   revision both try ``n + 1``: the database's unique constraint keeps one, the other is told (409) with the
   answer that won. Nothing is lost, nothing is written twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import Integer, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import Account, Affected, Party, Quality, RollCall, RollCallAnswer, RollCallState
from cmc.models.rollcall import roll_call_parties
from cmc.models.types import utcnow
from cmc.services import audit
from cmc.services.errors import ConflictError, ServiceError, ValidationError
from cmc.services.rollcalls import live, questions
from cmc.services.rollcalls.access import accepts_answers, get

NOTE_MAX = 4000
TEXT_MAX = 1000  # an own question's text answer
#: The numbers an answer gives, each with the key of its quality ("estimate" or "confirmed").
NUMBERS = {"displaced": "displaced_quality", "departed": "departed_quality"}
_SEPARATORS = re.compile(r"[\s,\u00a0\u202f']")  # "1,500", "1 500", "1'500": what people type between thousands


class RollCallClosed(ServiceError, status=409, code="roll_call_closed"):
    """The roll call takes no answer now (closed, or its deadline passed); the organiser may reopen it."""


class AnswerConflict(ConflictError, code="answer_conflict"):
    """Another member of the party saved an answer since the person started: ``current`` is that answer."""

    def __init__(self, message: str, *, current: RollCallAnswer | None) -> None:
        super().__init__(message)
        self.current = current


class ConfirmationRequired(ValidationError, code="confirmation_required"):
    """A figure is larger than the party's population: kept only once the person confirms it (``figures``)."""

    def __init__(self, message: str, *, fields: dict[str, str], figures: list[str]) -> None:
        super().__init__(message, fields=fields)
        self.figures = figures


@dataclass
class AnswerInput:
    """What a person sends for their party (strings from the page, JSON values from the API alike)."""

    status: Any = None
    displaced: Any = None
    displaced_quality: Any = None
    departed: Any = None
    departed_quality: Any = None
    needs: Any = field(default_factory=list)
    note: Any = ""
    extra: Any = field(default_factory=dict)
    base_revision: int = 0  # the revision the person started from; 0 when the party had none
    confirm: bool = False  # the person confirms figures that look implausible


@dataclass
class _Clean:
    """The values checked, in the model's types."""

    values: dict[str, Any]
    extra: dict[str, Any]


def latest_for(roll_call_id: int, party_id: int) -> RollCallAnswer | None:
    """The party's current answer (its latest revision), or None."""
    return db.session.scalar(select(RollCallAnswer).where(
        RollCallAnswer.roll_call_id == roll_call_id, RollCallAnswer.party_id == party_id)
        .order_by(RollCallAnswer.revision.desc()).limit(1))


@dataclass
class Waiting:
    """The open roll calls waiting for the actor's party (the banner on every page): the first few, and how
    many more there are."""

    roll_calls: list[RollCall]
    more: int = 0


#: The open roll calls (deadline not passed) asking a party that the party has not answered, soonest deadline
#: first, with how many there are in all: the banner's statement, built once (it runs on every page); a page binds
#: the party, the time and how many to name.
_PARTY = bindparam("party_id", type_=Integer)
_WAITING = (
    select(RollCall.id, func.count().over())
    .where(RollCall.state == RollCallState.OPEN, RollCall.deadline >= bindparam("now", type_=RollCall.deadline.type),
           select(roll_call_parties.c.roll_call_id).where(roll_call_parties.c.roll_call_id == RollCall.id,
                                                          roll_call_parties.c.party_id == _PARTY).exists(),
           ~select(RollCallAnswer.id).where(RollCallAnswer.roll_call_id == RollCall.id,
                                            RollCallAnswer.party_id == _PARTY).exists())
    .order_by(RollCall.deadline, RollCall.id).limit(bindparam("limit", type_=Integer)))


def waiting_for(actor: Account | None, limit: int = 3) -> Waiting:
    """Open roll calls (deadline not passed) asking the actor's party that the party has not answered, soonest
    deadline first. One statement of ids on ordinary pages (:data:`_WAITING`: the open roll calls by
    ``ix_roll_calls_open_deadline``, each checked against the link's and the answers' primary and unique keys).
    Only when one waits are the roll calls loaded and the rule ``rollcall.answer`` asked of the first (an
    observer's party may be asked and still not answer)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.party_id is None:
        return Waiting([])
    rows = db.session.execute(_WAITING, {"party_id": actor.party_id, "now": utcnow(), "limit": limit}).all()
    if not rows:
        return Waiting([])
    loaded = {rc.id: rc for rc in db.session.scalars(select(RollCall).where(RollCall.id.in_([r[0] for r in rows])))}
    roll_calls = [loaded[row[0]] for row in rows if row[0] in loaded]
    if not roll_calls or not permissions.can(actor, "rollcall.answer", roll_calls[0]):
        return Waiting([])
    return Waiting(roll_calls, max(0, int(rows[0][1]) - len(roll_calls)))


def answer(actor: Account, roll_call_id: object, data: AnswerInput) -> RollCallAnswer:
    """Keep a new revision of the actor's party's answer (see the module for every refusal)."""
    roll_call = get(actor, roll_call_id)
    require_answering(actor, roll_call)
    if not accepts_answers(roll_call):
        raise RollCallClosed(closed_message(roll_call))
    clean = validate(roll_call, data)
    party = db.session.get(Party, actor.party_id)
    assert party is not None
    current = latest_for(roll_call.id, party.id)
    if (current.revision if current else 0) != data.base_revision:
        raise AnswerConflict(conflict_message(current), current=current)
    flags = _plausible(party, clean, confirmed=bool(data.confirm))
    revision = data.base_revision + 1
    try:
        with write_transaction():
            # Inside the write lock (SQLite) the check sees every commit; on PostgreSQL the constraint decides.
            newest = db.session.scalar(select(func.max(RollCallAnswer.revision)).where(
                RollCallAnswer.roll_call_id == roll_call.id, RollCallAnswer.party_id == party.id)) or 0
            if newest != data.base_revision:
                raise _Raced()
            saved = RollCallAnswer(roll_call_id=roll_call.id, party_id=party.id, revision=revision,
                                   author_id=actor.id, by_focal_point=permissions.is_focal_point(actor),
                                   extra=clean.extra, flags=";".join(flags), **clean.values)
            db.session.add(saved)
            db.session.flush()
            audit.record(actor, "rollcall.answer", target_type="roll_call", target_id=roll_call.id,
                         target_party_id=party.id, details={"revision": revision, "flags": flags})
    except (IntegrityError, _Raced):
        winner = latest_for(roll_call.id, party.id)
        raise AnswerConflict(conflict_message(winner), current=winner) from None
    live.changed(roll_call, "answer")
    return saved


class _Raced(Exception):
    """Another revision was committed between the first check and the write lock."""


def require_answering(actor: Account, roll_call: RollCall) -> None:
    """Raise 403 with the reason: an observer, or a party the roll call does not ask (recorded as denied)."""
    if permissions.can(actor, "rollcall.answer", roll_call):
        return
    asked = any(party.id == actor.party_id for party in roll_call.parties)
    message = (_("Observers do not answer roll calls: the parties asked answer them.") if asked else
               _("Your party is not asked by this roll call, so you cannot answer it."))
    permissions.check(False, action="rollcall.answer", target_type="roll_call", target_id=roll_call.id,
                      target_party_id=actor.party_id, message=message)


def closed_message(roll_call: RollCall) -> str:
    """Why answers are refused now, and what can change it."""
    from cmc.i18n.timefmt import show

    if roll_call.closed:
        if roll_call.closed_at is None:
            return _("This roll call is closed, so it takes no more answers; the organiser may reopen it.")
        return _("This roll call was closed on %(when)s, so it takes no more answers; the organiser may reopen it.",
                 when=show(roll_call.closed_at))
    return _("The deadline of this roll call passed (%(when)s), so it takes no more answers; the organiser may "
             "reopen it.", when=show(roll_call.deadline))


def conflict_message(current: RollCallAnswer | None) -> str:
    """What a person is told when another member saved first."""
    from cmc.i18n.timefmt import show

    if current is None:  # the answer the person started from is gone: cannot happen with append-only rows
        return _("Your party's answer changed while you were editing. Look at it and send yours again.")
    return _("%(name)s saved your party's answer at %(when)s while you were editing. Look at their answer, then "
             "send yours again if it should replace it.", name=current.author.name, when=show(current.created_at))


def _given(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, dict)):
        return bool(value)
    return True


def _number(value: Any) -> tuple[int | None, str | None]:
    """A whole number 0..NUMBER_MAX, or the message saying what is wrong with it."""
    if isinstance(value, bool):
        return None, _("Enter a whole number, such as 1500.")
    if isinstance(value, str):
        text = _SEPARATORS.sub("", value)
        if re.fullmatch(r"-\d+", text):
            return None, _("Enter a number of 0 or more.")
        if not re.fullmatch(r"\d{1,12}", text):
            return None, _("Enter a whole number, such as 1500.")
        value = int(text)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        return None, _("Enter a whole number, such as 1500.")
    if value < 0:
        return None, _("Enter a number of 0 or more.")
    if value > questions.NUMBER_MAX:
        return None, _("Enter a number no larger than %(max)s.", max=format_decimal(questions.NUMBER_MAX))
    return value, None


def _choice(value: Any, allowed: list[str]) -> str | None:
    text = value.strip() if isinstance(value, str) else None
    return text if text in allowed else None


def validate(roll_call: RollCall, data: AnswerInput) -> _Clean:
    """The input checked against the roll call's own questions: every problem in one ``ValidationError``."""
    asked = {str(q.get("key")): q for q in roll_call.questions}
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    refused = _("This roll call does not ask this question.")
    for key in ("status", "displaced", "departed", "needs", "note"):
        given = _given(getattr(data, key))
        if key not in asked:
            if given:
                errors[key] = refused
            continue
        if not given:
            if asked[key].get("required"):
                errors[key] = _("Answer this question: it is required.")
            continue
        _standard(key, getattr(data, key), asked[key], data, values, errors)
    for key in NUMBERS.values():  # a quality without its number (or its question) is ignored, not refused
        values.setdefault(key, None)
    if not isinstance(data.extra, dict):
        errors["extra"] = _("The answers to the network's own questions must be given by question key (q1, q2...).")
    else:
        for key, value in data.extra.items():
            if key not in asked or questions.is_standard(asked[key]):
                errors[str(key)[:40]] = refused
            elif _given(value):
                _own(key, value, asked[key], extra, errors)
        for key, question in asked.items():
            if not questions.is_standard(question) and question.get("required") and key not in extra \
                    and key not in errors:
                errors[key] = _("Answer this question: it is required.")
    if errors:
        raise ValidationError(_("Some answers need correcting: see the messages next to them."), fields=errors)
    return _Clean(values=values, extra=extra)


def _standard(key: str, value: Any, question: dict[str, Any], data: AnswerInput, values: dict[str, Any],
              errors: dict[str, str]) -> None:
    """One standard question's answer into ``values`` (or its message into ``errors``)."""
    if key == "status":
        status = _choice(value, [a.value for a in Affected])
        if status is None:
            errors[key] = _("Choose one of the answers offered.")
        else:
            values["status"] = Affected(status)
    elif key in NUMBERS:
        number, problem = _number(value)
        quality_key = NUMBERS[key]
        quality = _choice(getattr(data, quality_key), [q.value for q in Quality])
        if problem:
            errors[key] = problem
        else:
            values[key] = number
        if quality is None:
            errors[quality_key] = _("Say whether this number is an estimate or confirmed.")
        else:
            values[quality_key] = Quality(quality)
    elif key == "needs":
        offered = questions.need_options(question)
        ticked = value if isinstance(value, list) else None
        if ticked is None or any(not isinstance(need, str) or need not in offered for need in ticked):
            errors[key] = _("Tick only the needs offered: %(needs)s.", needs=", ".join(offered))
        else:
            values["needs"] = ";".join(need for need in offered if need in ticked)
    elif key == "note":
        if not isinstance(value, str):
            errors[key] = _("The note must be text.")
        elif len(value.strip()) > NOTE_MAX:
            errors[key] = _("Write at most %(max)d characters (this note has %(n)d).", max=NOTE_MAX,
                            n=len(value.strip()))
        else:
            values["note"] = value.strip()


def _own(key: str, value: Any, question: dict[str, Any], extra: dict[str, Any], errors: dict[str, str]) -> None:
    """One of the network's own questions, by its kind."""
    kind = question.get("kind")
    if kind == "count":
        number, problem = _number(value)
        if problem:
            errors[key] = problem
        else:
            extra[key] = number
    elif kind == "yesno":
        if isinstance(value, bool):
            extra[key] = value
        elif isinstance(value, str) and value.strip() in ("yes", "no"):
            extra[key] = value.strip() == "yes"
        else:
            errors[key] = _("Answer yes or no.")
    elif not isinstance(value, str):
        errors[key] = _("The answer must be text.")
    elif len(value.strip()) > TEXT_MAX:
        errors[key] = _("Write at most %(max)d characters (this answer has %(n)d).", max=TEXT_MAX,
                        n=len(value.strip()))
    else:
        extra[key] = value.strip()


def _plausible(party: Party, clean: _Clean, *, confirmed: bool) -> list[str]:
    """The keys of figures above the party's population: refused unless ``confirmed``, then returned as flags."""
    population = party.population
    if population is None:
        return []
    numbers = {key: clean.values.get(key) for key in NUMBERS if clean.values.get(key) is not None}
    over = [key for key, value in numbers.items() if value > population]
    if not over and len(numbers) == len(NUMBERS) and sum(numbers.values()) > population:
        over = list(numbers)  # each fits, together they exceed it: both figures are in question
    if not over or confirmed:
        return over
    shown = format_decimal(population)
    fields = {}
    for key in over:
        fields[key] = (_("%(number)s is more than the population of %(party)s (%(population)s).",
                         number=format_decimal(numbers[key]), party=party.name, population=shown)
                       if numbers[key] > population else
                       _("Together with the other figure, more than the population of %(party)s (%(population)s).",
                         party=party.name, population=shown))
    message = _("%(figures)s: more than the population of %(party)s (%(population)s). Check the figures; if "
                "they are right, confirm them and send again.",
                figures=", ".join(f"{questions.label({'key': key})} {format_decimal(numbers[key])}" for key in over),
                party=party.name, population=shown)
    raise ConfirmationRequired(message, fields=fields, figures=over)
