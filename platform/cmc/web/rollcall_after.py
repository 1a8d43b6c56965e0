"""Roll call pages: after (issue 19; views on ``cmc.web.rollcalls.bp``): closing a roll call, reopening it with
a new deadline, its handling code, and the PDF situation report and CSV of the answers.

The forms live in the organiser's panel (``templates/rollcalls/_after.html``), drawn inside the board page; the
panel reads what it shows through the Jinja global ``rollcall_after_panel(roll_call)``. Each form posts here and
the answer goes back to the board (``#after``) with the outcome, or the problem, in a message: no JavaScript
needed. The exports are downloads; a refusal is the error page with its reason (403, audited as denied).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response, flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from cmc import permissions
from cmc.http.access import Access, access
from cmc.http.files import streamed_csv
from cmc.i18n import timefmt
from cmc.models import HandlingCode, RollCall
from cmc.services.errors import ConflictError, ValidationError
from cmc.services.rollcalls import access as rollcall_access
from cmc.services.rollcalls import closing, report
from cmc.web import views
from cmc.web.forms import text
from cmc.web.once import once
from cmc.web.rollcall_after_forms import CloseForm, ReopenForm, RollCallHandlingForm
from cmc.web.rollcalls import bp
from cmc.web.views import form_errors


def board_url(roll_call_id: int) -> str:
    """The roll call's board page, at the organiser's panel."""
    return url_for("rollcalls.show", roll_call_id=roll_call_id, _anchor="after")


@dataclass
class AfterPanel:
    """What the organiser's panel shows the signed-in reader of one roll call."""

    manage: bool = False
    close_form: CloseForm | None = None
    reopen_form: ReopenForm | None = None
    handling_form: RollCallHandlingForm | None = None
    export: bool = False
    #: The handling statement (naming the organiser's party).
    statement: str = ""
    #: Why a reader of the board may not take the report out (an H2 roll call of another party), else "".
    export_refused: str = ""


@bp.app_template_global("rollcall_after_panel")
def panel_data(roll_call: RollCall) -> AfterPanel:
    """The forms and links of the organiser's panel for the signed-in reader (see the module)."""
    actor = views.actor()
    data = AfterPanel(manage=permissions.can(actor, "rollcall.manage", roll_call),
                      export=permissions.can(actor, "rollcall.export", roll_call),
                      statement=report.statement(roll_call))
    if data.manage:
        if roll_call.closed or not rollcall_access.accepts_answers(roll_call):
            data.reopen_form = ReopenForm(formdata=None)
            data.reopen_form.suggest()
        if not roll_call.closed:
            data.close_form = CloseForm(formdata=None)
        data.handling_form = RollCallHandlingForm(formdata=None)
        data.handling_form.handling_code.data = roll_call.handling_code.value
        data.handling_form.handling_text.data = roll_call.handling_text
    if (not data.export and roll_call.handling_code == HandlingCode.H2
            and permissions.can(actor, "rollcall.board", roll_call)):
        data.export_refused = _("This roll call is marked H2 by %(party)s: its report and answers leave the "
                                "platform only with %(party)s and the secretariat. Read them here on the board.",
                                party=roll_call.organiser_party.name)
    return data


def _problems(messages: dict[str, str] | str) -> None:
    for message in (messages.values() if isinstance(messages, dict) else [messages]):
        flash(message, "danger")


@bp.post("/rollcalls/<int:roll_call_id>/close")
@access(Access.SIGNED_IN)
@once
def close(roll_call_id: int) -> BaseResponse:
    """Close (freeze) the roll call, once the organiser ticked that they know it freezes the answers."""
    actor = views.actor()
    rollcall_access.get(actor, roll_call_id)  # 404 before a form error tells anything
    form = CloseForm()
    if not form.validate_on_submit():
        _problems(form_errors(form))
        return redirect(board_url(roll_call_id))
    try:
        closing.close(actor, roll_call_id)
    except ConflictError as exc:
        _problems(exc.message)
    else:
        flash(_("The roll call is closed: its answers are frozen. The report and the CSV are final."), "success")
    return redirect(board_url(roll_call_id))


@bp.post("/rollcalls/<int:roll_call_id>/reopen")
@access(Access.SIGNED_IN)
@once
def reopen(roll_call_id: int) -> BaseResponse:
    """Reopen a closed roll call (or one whose deadline passed) until a new deadline."""
    actor = views.actor()
    rollcall_access.get(actor, roll_call_id)
    form = ReopenForm()
    if not form.validate_on_submit():
        _problems(form_errors(form))
        return redirect(board_url(roll_call_id))
    try:
        roll_call = closing.reopen(actor, roll_call_id, form.deadline_utc(actor.timezone))
    except (ValidationError, ConflictError) as exc:
        _problems(exc.fields or exc.message)
        return redirect(board_url(roll_call_id))
    flash(_("The roll call is open again until %(when)s. The parties not yet answered will be reminded as the "
            "deadline nears.", when=timefmt.show(roll_call.deadline)), "success")
    return redirect(board_url(roll_call_id))


@bp.post("/rollcalls/<int:roll_call_id>/handling")
@access(Access.SIGNED_IN)
@once
def set_handling(roll_call_id: int) -> BaseResponse:
    """Set the handling code of the roll call's board, report and CSV."""
    actor = views.actor()
    rollcall_access.get(actor, roll_call_id)
    form = RollCallHandlingForm()
    if not form.validate_on_submit():
        _problems(form_errors(form))
        return redirect(board_url(roll_call_id))
    code = text(form.handling_code, "H0")
    try:
        changed = closing.set_handling(actor, roll_call_id, code, text(form.handling_text))
    except ValidationError as exc:
        _problems(exc.fields or exc.message)
        return redirect(board_url(roll_call_id))
    if changed:
        flash(_("Handling code changed to %(code)s.", code=code.strip().upper()), "success")
    else:
        flash(_("Nothing changed: the roll call already has that handling code."), "info")
    return redirect(board_url(roll_call_id))


@bp.get("/rollcalls/<int:roll_call_id>/report.pdf")
@access(Access.SIGNED_IN)
def report_pdf(roll_call_id: int) -> Any:
    """The situation report as an A4 PDF (a snapshot while open, final once closed)."""
    body = report.pdf(views.actor(), roll_call_id)
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="rollcall-{roll_call_id}-report.pdf"',
        "Cache-Control": "private, no-store"})


@bp.get("/rollcalls/<int:roll_call_id>/answers.csv")
@access(Access.SIGNED_IN)
def answers_csv(roll_call_id: int) -> Any:
    """The answers as CSV: each asked party's latest answer, or every revision with ``?history=1``."""
    history = request.args.get("history") == "1"
    lines = report.csv_lines(views.actor(), roll_call_id, history=history)
    response = streamed_csv(lines, f"rollcall-{roll_call_id}-{'history' if history else 'answers'}")
    response.headers["Cache-Control"] = "private, no-store"
    return response
