"""Roll call endpoints of the API: the board (counts, totals, every asked party's latest answer) and reminders
(issue 19). A roll call whose board the caller may not see answers 404."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from cmc.api import BadRequestBody, bp, json_body
from cmc.api.spec import operation
from cmc.http.access import Access
from cmc.models import Account
from cmc.schemas.rollcall_board import BoardSchema, RemindedSchema, RemindInputSchema
from cmc.services import rollcalls
from cmc.services.rollcalls.board import PartyLine, Summary, summary


def _actor() -> Account:
    return current_user._get_current_object()


def _party(line: PartyLine) -> dict[str, Any]:
    answer = line.answer
    return {
        "code": line.party.code, "name": line.party.name, "answered": answer is not None,
        "status": answer.status.value if answer is not None and answer.status else None,
        "displaced": answer.displaced if answer is not None else None,
        "displaced_quality": answer.displaced_quality.value if answer is not None and answer.displaced_quality
        else None,
        "departed": answer.departed if answer is not None else None,
        "departed_quality": answer.departed_quality.value if answer is not None and answer.departed_quality
        else None,
        "needs": answer.need_list if answer is not None else [],
        "flags": answer.flag_list if answer is not None else [],
        "by_focal_point": bool(answer is not None and answer.by_focal_point),
        "answered_at": answer.created_at if answer is not None else None,
        "revision": answer.revision if answer is not None else 0,
        "last_reminded_at": line.last_reminded_at,
        "focal_points": [{"name": a.name, "email": a.email} for a in line.focal_points],
    }


def board_json(board: Summary) -> dict[str, Any]:
    """The board as ``BoardSchema`` shows it (the parties not yet answered first)."""
    roll_call = board.roll_call
    return BoardSchema().dump({
        "id": roll_call.id, "state": roll_call.state.value, "deadline": roll_call.deadline,
        "asked": board.asked, "answered": board.answered, "affected": board.affected,
        "assistance_needed": board.assistance_needed,
        "totals": {"displaced": {"estimate": board.displaced.estimate, "confirmed": board.displaced.confirmed},
                   "departed": {"estimate": board.departed.estimate, "confirmed": board.departed.confirmed}},
        "needs": board.needs, "parties": [_party(line) for line in board.lines]})


@bp.get("/rollcalls/<int:roll_call_id>/board")
@operation(Access.SIGNED_IN, summary="A roll call's board: counts, totals and every asked party's latest answer",
           tags=["rollcalls"], answers={200: ("The board", BoardSchema)},
           description="For the readers of the roll call's network (404 otherwise). Totals add up each party's "
                       "latest answer, estimates and confirmed figures apart; parties not yet answered first.")
def rollcall_board(roll_call_id: int) -> Any:
    """The board of one roll call."""
    return jsonify(board_json(summary(rollcalls.get(_actor(), roll_call_id, rule="rollcall.board"))))


@bp.post("/rollcalls/<int:roll_call_id>/remind")
@operation(Access.SIGNED_IN, summary="Remind the asked parties that have not answered", tags=["rollcalls"],
           body=RemindInputSchema, errors=(409,), answers={200: ("What was sent", RemindedSchema)},
           description="The organiser and the network's coordinators (403 otherwise). Only parties that have not "
                       "answered are reminded (409 when every named party has answered, or the roll call is "
                       "closed); a second reminder of the same party within a minute sends nothing (sent false).")
def rollcall_remind(roll_call_id: int) -> Any:
    """Remind the missing parties (of ``parties`` when given)."""
    rollcalls.get(_actor(), roll_call_id, rule="rollcall.board")  # 404 before the body is read
    data = json_body() if request.get_data() else {}  # no body: every party not yet answered
    codes = data.get("parties")
    if codes is not None and (not isinstance(codes, list) or not all(isinstance(c, str) for c in codes)):
        raise BadRequestBody(_("parties must be a list of party codes."), fields={"parties": "type"})
    done = rollcalls.reminders.remind(_actor(), roll_call_id, codes)
    return jsonify(RemindedSchema().dump({"sent": done.sent, "parties": done.parties,
                                          "recipients": done.recipients}))
