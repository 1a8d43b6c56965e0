"""Roll call answers in the API (issue 19): a party's answer (PUT), the latest answers, every revision.

Who sees what: the board's readers (``rollcall.board``) every asked party's answers; a member of an asked party
who does not read the network, their own party's only. A roll call the caller may not read answers 404.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from cmc import permissions
from cmc.api import BadRequestBody, bp, json_body
from cmc.api.spec import operation
from cmc.extensions import db
from cmc.http.access import Access
from cmc.models import Account, Party, RollCall, RollCallAnswer
from cmc.schemas.rollcall_answers import (
    AnswerHistoryQuerySchema,
    AnswerInputSchema,
    AnswerListSchema,
    AnswerRefusalSchema,
    AnswerSchema,
)
from cmc.services import rollcalls
from cmc.services.errors import DeniedError
from cmc.services.rollcalls import AnswerConflict, AnswerInput, RollCallClosed

_FIELDS = ("status", "displaced", "displaced_quality", "departed", "departed_quality", "needs", "note", "extra")


def _actor() -> Account:
    return current_user._get_current_object()


def _visible_party(actor: Account, roll_call: RollCall) -> int | None:
    """None: the caller sees every party; else the one party whose answers they see (their own)."""
    return None if permissions.can(actor, "rollcall.board", roll_call) else actor.party_id


@bp.get("/rollcalls/<int:roll_call_id>/answers")
@operation(Access.SIGNED_IN, summary="The latest answer of each party", tags=["rollcalls"],
           answers={200: ("One answer per party that answered, by party name", AnswerListSchema)},
           description="Every party's for the network's readers; only the caller's own party's for a member of "
                       "an asked party who does not read the network.")
def rollcall_answers(roll_call_id: int) -> Any:
    """The latest answers the caller may see."""
    actor = _actor()
    roll_call = rollcalls.get(actor, roll_call_id)
    only = _visible_party(actor, roll_call)
    latest = rollcalls.latest_answers(roll_call.id)
    items = [a for party_id, a in latest.items() if only is None or party_id == only]
    items.sort(key=lambda a: a.party.name)
    return jsonify(AnswerListSchema().dump({"items": items}))


@bp.get("/rollcalls/<int:roll_call_id>/answers/history")
@operation(Access.SIGNED_IN, summary="Every revision of the answers, oldest first", tags=["rollcalls"],
           query=AnswerHistoryQuerySchema, answers={200: ("Each revision with its author and time",
                                                          AnswerListSchema)},
           description="?party=CODE for one party. The same visibility as the latest answers: someone who is not "
                       "a reader of the network sees their own party's revisions only (another party: 404).")
def rollcall_answer_history(roll_call_id: int) -> Any:
    """The revisions the caller may see."""
    actor = _actor()
    roll_call = rollcalls.get(actor, roll_call_id)
    only = _visible_party(actor, roll_call)
    code = request.args.get("party", "").strip().upper()
    party_id = only
    if code:
        named = db.session.scalar(select(Party.id).where(Party.code == code))
        if named is None or (only is not None and named != only) \
                or all(p.id != named for p in roll_call.parties):
            raise DeniedError(_("No such party among those this roll call asks."), status=404,
                              action="rollcall.read", target_type="roll_call", target_id=roll_call.id)
        party_id = named
    items = rollcalls.history(roll_call.id, party_id)
    return jsonify(AnswerListSchema().dump({"items": items}))


def _input(data: dict[str, Any]) -> AnswerInput:
    """The body as the service's input: shapes the service judges are passed as sent (it says what is wrong)."""
    base = data.get("base_revision")
    if not isinstance(base, int) or isinstance(base, bool) or base < 0:
        raise BadRequestBody(_("base_revision is required: the revision your answer replaces (0 for the first)."),
                             fields={"base_revision": "required"})
    confirm = data.get("confirm", False)
    if not isinstance(confirm, bool):
        raise BadRequestBody(_("confirm must be true or false."), fields={"confirm": "type"})
    values = {key: data[key] for key in _FIELDS if key in data}
    values.setdefault("needs", [])
    values.setdefault("note", "")
    values.setdefault("extra", {})
    return AnswerInput(base_revision=base, confirm=confirm, **values)


@bp.put("/rollcalls/<int:roll_call_id>/answer")
@operation(Access.SIGNED_IN, summary="Answer for my party (a new revision of its answer)", tags=["rollcalls"],
           body=AnswerInputSchema,
           answers={201: ("The party's first answer", AnswerSchema), 200: ("The party's updated answer", AnswerSchema),
                    409: ("answer_conflict: another member saved since base_revision (error.current is their "
                          "answer); roll_call_closed: closed or past its deadline", AnswerRefusalSchema)},
           description="403: the caller's party is not asked, or is an observer. 422 confirmation_required: a "
                       "figure is larger than the party's population (fields names it); send again with confirm "
                       "true to keep it flagged. 422 validation_failed: a question not asked, a required one "
                       "missing, a negative or non-whole number, a value not offered.")
def rollcall_answer_put(roll_call_id: int) -> Any:
    """Keep the caller's party's answer."""
    actor = _actor()
    rollcalls.get(actor, roll_call_id)  # 404 before the body is read
    data = _input(json_body())
    try:
        saved: RollCallAnswer = rollcalls.answer(actor, roll_call_id, data)
    except AnswerConflict as exc:
        db.session.rollback()
        body: dict[str, Any] = {"code": exc.code, "message": exc.message}
        if exc.current is not None:
            body["current"] = exc.current
        return jsonify(AnswerRefusalSchema().dump({"error": body})), 409
    except RollCallClosed as exc:
        return jsonify(AnswerRefusalSchema().dump({"error": {"code": exc.code, "message": exc.message}})), 409
    return jsonify(AnswerSchema().dump(saved)), 201 if saved.revision == 1 else 200
