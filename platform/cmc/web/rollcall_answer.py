"""Answering a roll call for one's party (issue 19; views on ``cmc.web.rollcalls.bp``).

One short page made for a phone over a slow island link: no map, no chart, and no script needed (a plain form
that posts and redirects). It shows the roll call (title, network, deadline in the reader's zone, the
organiser's instructions and the handling statement), the party's current answer, the form built from the roll
call's questions, and every revision of the party's answer. Each refusal of the service has its own state on
the page: messages by the fields (422), figures to confirm (422 ``confirmation_required``), another member's
answer beside the person's own input (409 ``answer_conflict``), and no form once closed (409).

Also here: the banner "a roll call waits for your party" on every page (``rollcalls_waiting``, drawn by
``templates/rollcalls/_waiting.html`` and refreshed live as the part "rollcalls").
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from cmc.http.access import Access, access
from cmc.models import RollCall, RollCallAnswer
from cmc.services import handling, rollcalls
from cmc.services.errors import ValidationError
from cmc.services.rollcalls import AnswerConflict, ConfirmationRequired, RollCallClosed, answering, questions
from cmc.web import views
from cmc.web.once import once
from cmc.web.rollcall_answer_forms import NUMBER_ATTRS, answer_form_class, fill, to_input
from cmc.web.rollcalls import bp
from cmc.web.views import form_errors

#: How many roll calls the banner names before "and n more".
BANNER = 3


@bp.app_template_global("rollcalls_waiting")
def rollcalls_waiting() -> answering.Waiting:
    """The roll calls waiting for the signed-in person's party (the banner on every page): one query."""
    if not current_user.is_authenticated:
        return answering.Waiting([])
    return rollcalls.waiting_for(views.actor(), BANNER)


def _shown(answer: RollCallAnswer | None, roll_call: RollCall) -> list[tuple[str, str]]:
    """An answer as (question, answer in words) lines, in the roll call's order (empty answers left out)."""
    if answer is None:
        return []
    lines: list[tuple[str, str]] = []
    for question in roll_call.questions:
        text = _answer_words(str(question.get("key")), answer)
        if text:
            lines.append((questions.label(question), text))
    return lines


def _answer_words(key: str, answer: RollCallAnswer) -> str:
    """One question's answer in words ("" when not answered)."""
    if key == "status":
        return questions.status_word(answer.status)
    if key in ("displaced", "departed"):
        number = getattr(answer, key)
        if number is None:
            return ""
        quality = questions.quality_word(getattr(answer, f"{key}_quality"))
        flagged = f" ({_('confirmed although above the population')})" if key in answer.flag_list else ""
        return f"{format_decimal(number)}" + (f" ({quality.lower()})" if quality else "") + flagged
    if key == "needs":
        return ", ".join(questions.need_word(need) for need in answer.need_list)
    if key == "note":
        return answer.note
    value = (answer.extra or {}).get(key)
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return format_decimal(value) if isinstance(value, int) else str(value)


@bp.route("/rollcalls/<int:roll_call_id>/answer", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
@once
def answer(roll_call_id: int) -> Any:
    """Answer for one's party: the form, the current answer and its history (see the module)."""
    actor = views.actor()
    roll_call = rollcalls.get(actor, roll_call_id)
    answering.require_answering(actor, roll_call)
    current = rollcalls.latest_for(roll_call.id, actor.party_id)
    form = answer_form_class(roll_call)()
    errors: dict[str, str] = {}
    figures: list[str] = []
    conflict: RollCallAnswer | None = None
    closed = "" if rollcalls.accepts_answers(roll_call) else answering.closed_message(roll_call)
    status = 200
    if request.method == "POST" and not closed:
        if form.validate_on_submit():
            try:
                saved = rollcalls.answer(actor, roll_call.id, to_input(form, roll_call))
            except RollCallClosed as exc:
                closed, status = exc.message, 409
            except AnswerConflict as exc:
                conflict = current = exc.current
                form.base_revision.data = str(conflict.revision if conflict else 0)
                form.confirm.data = False
                status = 409
            except ConfirmationRequired as exc:
                errors, figures, status = exc.fields, exc.figures, 422
            except ValidationError as exc:
                errors, status = exc.fields or {"status": exc.message}, 422
            else:
                flash(_("Your party's answer is saved (revision %(n)d).", n=saved.revision), "success")
                return redirect(url_for("rollcalls.answer", roll_call_id=roll_call.id))
        else:
            errors, status = form_errors(form), 422
    elif request.method == "POST":
        status = 409
    else:
        fill(form, current)
    # The earlier revisions, newest first: the latest is shown above as the answer now (or the other member's).
    revisions = [r for r in reversed(rollcalls.history(roll_call.id, actor.party_id))
                 if current is None or r.id != current.id]
    return render_template("rollcalls/answer.html", roll_call=roll_call, form=None if closed else form,
                           errors=errors, figures=figures, conflict=conflict, current=current, closed=closed,
                           revisions=revisions, shown=_shown, number_attrs=NUMBER_ATTRS,
                           questions=questions,
                           handling_words=handling.statement(roll_call, roll_call.organiser_party.name)), status
