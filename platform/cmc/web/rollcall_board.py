"""Roll call pages: the live board (issue 19; views on ``cmc.web.rollcalls.bp``).

``/rollcalls/<id>`` is the board for the network's readers (``rollcall.board``); a member of an asked party
outside the network is sent to the answer page; anyone else gets 404. The page's live parts (its state, deadline
and handling statement, the counts, parties, timeline and changes, the map's colours) come from
``/rollcalls/<id>/board-part``, rendered from the same templates (``rollcalls/_board_*.html``), which the page's
script asks for on each ``rollcall:update``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import flash, jsonify, redirect, render_template, url_for
from flask_babel import format_decimal, format_timedelta
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField

from cmc import permissions
from cmc.extensions import db
from cmc.http.access import Access, access
from cmc.models import Account, Alert, RollCall
from cmc.models.types import utcnow
from cmc.services import alerts, handling, rollcalls
from cmc.services.errors import ConflictError, ValidationError
from cmc.services.rollcalls import questions
from cmc.services.rollcalls.board import Summary, summary
from cmc.services.rollcalls.timeline import changes, previous, timeline
from cmc.web.rollcalls import bp
from cmc.web.views import flash_reminder

#: The map's and the table's status keys, in the legend's order ("missing": not answered yet).
STATUS_KEYS = ("not_affected", "affected_coping", "assistance_needed", "missing")
#: The live parts of the board, each a template ``rollcalls/_board_<name>.html``.
PARTS = ("state", "deadline", "handling", "counts", "parties", "timeline", "changes")


class RemindForm(FlaskForm):
    """A "Remind" button (one party, or every party not yet answered): only the CSRF token and the party's
    code. Not a one-time form: a second press within a minute reaches the service, which sends nothing and
    says so."""

    party = StringField()  # a party code, or empty for every party not yet answered (the service judges it)


def _actor() -> Account:
    return current_user._get_current_object()


def status_key(line: Any) -> str:
    """The map's and the legend's key of a party's line."""
    answer = line.answer
    if answer is None:
        return "missing"
    return answer.status.value if answer.status else "not_affected"


def status_words() -> dict[str, str]:
    """The legend's words, in the reader's language."""
    words = {key: questions.status_word(key) for key in STATUS_KEYS if key != "missing"}
    words["missing"] = _("Not answered yet")
    return words


def map_items(board: Summary) -> list[dict[str, Any]]:
    """Each asked party as the map colours it: its basemap feature (None when it has no territory), its key
    and the words of its status."""
    known = alerts.territories()
    words = status_words()
    return [{"code": line.party.code, "name": line.party.name,
             "feature": known[line.party.code].feature_id if line.party.code in known else None,
             "status": status_key(line), "word": words[status_key(line)]} for line in board.lines]


def time_left(roll_call: RollCall) -> str:
    """How long until the deadline, in words ("" once passed or closed)."""
    left = roll_call.deadline - utcnow()
    if roll_call.closed or left <= timedelta(0):
        return ""
    return str(format_timedelta(left, threshold=1.1, add_direction=True))


def _context(actor: Account, roll_call: RollCall) -> dict[str, Any]:
    """What the page and its live parts are drawn from."""
    board = summary(roll_call)
    alert = db.session.get(Alert, roll_call.alert_id) if roll_call.alert_id else None
    return {
        "roll_call": roll_call, "board": board, "network": roll_call.network, "entries": timeline(roll_call),
        "changes": changes(roll_call), "previous": previous(roll_call),
        "alert": alert if alert is not None and permissions.can(actor, "alert.read", alert) else None,
        "can_manage": permissions.can(actor, "rollcall.manage", roll_call),
        "can_answer": permissions.can(actor, "rollcall.answer", roll_call),
        "accepts": rollcalls.accepts_answers(roll_call), "time_left": time_left(roll_call),
        "statement": handling.statement(roll_call, roll_call.organiser_party.name),
        "status_key": status_key, "status_words": status_words(), "status_keys": STATUS_KEYS,
        "status_word": questions.status_word, "need_word": questions.need_word,
        "quality_word": questions.quality_word, "question_label": questions.label,
        "map_items": map_items(board), "remind_form": RemindForm(), "number": format_decimal,
    }


@bp.get("/rollcalls/<int:roll_call_id>")
@access(Access.SIGNED_IN)
def show(roll_call_id: int) -> Any:
    """The board for the network's readers; the answer page for an asked party's member outside it."""
    actor = _actor()
    roll_call = rollcalls.get(actor, roll_call_id)
    if not permissions.can(actor, "rollcall.board", roll_call):
        return redirect(url_for("rollcalls.answer", roll_call_id=roll_call.id))
    return render_template("rollcalls/board.html", **_context(actor, roll_call))


@bp.get("/rollcalls/<int:roll_call_id>/board-part")
@access(Access.SIGNED_IN)
def board_part(roll_call_id: int) -> Any:
    """The board's live parts as HTML (the page's own templates) and the map's colours, as JSON."""
    actor = _actor()
    roll_call = rollcalls.get(actor, roll_call_id, rule="rollcall.board")
    context = _context(actor, roll_call)
    board = context["board"]
    parts = {name: render_template(f"rollcalls/_board_{name}.html", **context) for name in PARTS}
    return jsonify({
        "id": roll_call.id, "answered": board.answered, "asked": board.asked, "parts": parts,
        "map": context["map_items"],
        "announce": _("%(answered)d of %(asked)d parties answered.", answered=board.answered, asked=board.asked)})


@bp.post("/rollcalls/<int:roll_call_id>/remind")
@access(Access.SIGNED_IN)
def remind(roll_call_id: int) -> Any:
    """"Remind" (one party: ``party``) or "Remind all not yet answered" (no ``party``)."""
    back = redirect(url_for("rollcalls.show", roll_call_id=roll_call_id, _anchor="missing-h"))
    form = RemindForm()
    if not form.validate_on_submit():
        flash(_("The form expired or was sent from another site. Go back, reload the page and try again."), "danger")
        return back
    code = (form.party.data or "").strip()
    try:
        done = rollcalls.reminders.remind(_actor(), roll_call_id, [code] if code else None)
    except (ConflictError, ValidationError) as exc:
        flash(exc.message, "danger")
        return back
    flash_reminder(done)
    return back
