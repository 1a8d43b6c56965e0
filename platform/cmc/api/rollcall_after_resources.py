"""Roll call endpoints of the API, after (issue 19): close, reopen with a new deadline, the handling code, and the
PDF situation report and CSV of the answers. The same services as the pages
(``cmc.services.rollcalls.closing`` and ``report``): 404 for a roll call the caller may not read, 403 for one
they may not manage or export, 409 for closing a closed one or reopening one still open, 422 for a bad deadline
or handling code. The changes answer the roll call's state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import fields
from marshmallow.validate import Length, OneOf

from cmc.api import bp, json_body
from cmc.api.rollcall_resources import handling_json
from cmc.api.spec import binary, operation, text
from cmc.http.access import Access
from cmc.http.files import streamed_csv
from cmc.models import Account, HandlingCode, RollCall, RollCallState
from cmc.schemas.common import Input, Shape, nullable, values_of
from cmc.schemas.rollcalls import RollCallHandlingSchema
from cmc.services.errors import ValidationError
from cmc.services.rollcalls import access, closing, report


class RollCallStateSchema(Shape):
    """Where a roll call stands: open until its deadline, or closed (frozen)."""

    id = fields.Integer()
    state = fields.String(validate=OneOf(values_of(RollCallState)))
    deadline = fields.DateTime()
    closed_at = nullable(fields.DateTime)
    accepts_answers = fields.Boolean(metadata={"description": "Open and the deadline not passed"})
    handling = fields.Nested(RollCallHandlingSchema)


class ReopenInputSchema(Input):
    """The new deadline: ISO 8601 with its time zone, 15 minutes to 30 days from now."""

    deadline = fields.String(required=True, metadata={"format": "date-time",
                                                      "example": "2026-12-02T18:00:00-04:00"})


class RollCallHandlingInputSchema(Input):
    """A new handling code (H3 needs its text)."""

    handling_code = fields.String(required=True, validate=OneOf(values_of(HandlingCode)))
    handling_text = fields.String(validate=Length(max=500), load_default="")


def _actor() -> Account:
    return current_user._get_current_object()


def _state(roll_call: RollCall) -> Any:
    body = RollCallStateSchema().dump({"id": roll_call.id, "state": roll_call.state.value,
                                       "deadline": roll_call.deadline, "closed_at": roll_call.closed_at,
                                       "accepts_answers": access.accepts_answers(roll_call),
                                       "handling": handling_json(roll_call)})
    return jsonify(body)


def _deadline(value: Any) -> datetime:
    message = _("Send the deadline as ISO 8601 with its time zone, for example 2026-12-02T18:00:00-04:00.")
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(message, fields={"deadline": message})
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(message, fields={"deadline": message}) from None
    if parsed.tzinfo is None:
        raise ValidationError(message, fields={"deadline": message})
    return parsed


@bp.post("/rollcalls/<int:roll_call_id>/close")
@operation(Access.SIGNED_IN, summary="Close (freeze) a roll call", tags=["rollcalls"], errors=(409,),
           answers={200: ("The roll call, closed", RollCallStateSchema)},
           description="The organiser, the network's coordinators and the secretariat (403 otherwise). No answer "
                       "and no reminder after this. 409: already closed.")
def close_rollcall(roll_call_id: int) -> Any:
    """Close a roll call."""
    return _state(closing.close(_actor(), roll_call_id))


@bp.post("/rollcalls/<int:roll_call_id>/reopen")
@operation(Access.SIGNED_IN, summary="Reopen a roll call with a new deadline", tags=["rollcalls"], errors=(409,),
           body=ReopenInputSchema, answers={200: ("The roll call, open again", RollCallStateSchema)},
           description="For a closed roll call or one whose deadline passed (409 otherwise). The deadline is 15 "
                       "minutes to 30 days ahead (422 otherwise); the automatic reminders run again.")
def reopen_rollcall(roll_call_id: int) -> Any:
    """Reopen a roll call."""
    data = json_body()
    actor = _actor()
    access.get(actor, roll_call_id)  # 404 before the body's problems tell anything
    return _state(closing.reopen(actor, roll_call_id, _deadline(data.get("deadline"))))


@bp.put("/rollcalls/<int:roll_call_id>/handling")
@operation(Access.SIGNED_IN, summary="Set a roll call's handling code", tags=["rollcalls"],
           body=RollCallHandlingInputSchema, answers={200: ("The roll call", RollCallStateSchema)},
           description="The code of its board, PDF report and CSV. 422: a code outside H0-H3, or H3 without text.")
def put_rollcall_handling(roll_call_id: int) -> Any:
    """Set a roll call's handling code."""
    data = json_body()
    actor = _actor()
    roll_call = access.get(actor, roll_call_id)
    closing.set_handling(actor, roll_call_id, data.get("handling_code", roll_call.handling_code.value),
                         data.get("handling_text", ""))
    return _state(roll_call)


@bp.get("/rollcalls/<int:roll_call_id>/report.pdf")
@operation(Access.SIGNED_IN, summary="The roll call's situation report (A4 PDF; export audited)",
           tags=["rollcalls"], answers={200: ("The report", binary("application/pdf"))},
           description="The board's readers; an H2 roll call's only for the organiser's party and the secretariat "
                       "(403 `handling_restricted`, audited). A snapshot while open, final once closed.")
def rollcall_report_pdf(roll_call_id: int) -> Any:
    """The situation report."""
    body = report.pdf(_actor(), roll_call_id)
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="rollcall-{roll_call_id}-report.pdf"',
        "Cache-Control": "private, no-store"})


class AnswersCsvQuery(Input):
    """The CSV's options."""

    history = fields.Integer(validate=OneOf([0, 1]), load_default=0,
                             metadata={"description": "1: every revision of every answer instead of the latest"})


@bp.get("/rollcalls/<int:roll_call_id>/answers.csv")
@operation(Access.SIGNED_IN, summary="The roll call's answers as CSV (export audited)", tags=["rollcalls"],
           query=AnswersCsvQuery, answers={200: ("A header block (handling statement, roll call, export time), "
                                                 "then one row per asked party", text("text/csv"))},
           description="Same access as the report. Codes in the cells (status, quality, needs), headers in the "
                       "caller's language, times ISO 8601 UTC; cells that start like a formula are made inert.")
def rollcall_answers_csv(roll_call_id: int) -> Any:
    """The answers as CSV."""
    history = request.args.get("history") == "1"
    return streamed_csv(report.csv_lines(_actor(), roll_call_id, history=history),
                        f"rollcall-{roll_call_id}-{'history' if history else 'answers'}")
