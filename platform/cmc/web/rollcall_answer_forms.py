"""The answer form of a roll call, built from the roll call's own questions (each roll call asks its own set).

The form checks shape only (a choice among those offered); the service judges the values (numbers, required
questions, plausibility), so the page and the API refuse the same things with the same words.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import Optional

from cmc.models import Affected, Quality, RollCall, RollCallAnswer
from cmc.services.rollcalls import AnswerInput, questions
from cmc.web.document_forms import MultiCheckboxField
from cmc.web.forms import OnceForm

#: How a number field is drawn: digits on a phone's keyboard, no browser check (the service says what is wrong).
NUMBER_ATTRS = {"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}


class AnswerFormBase(OnceForm):
    """What every answer form has besides its questions."""

    base_revision = HiddenField(default="0")
    confirm = BooleanField(_l("I confirm these figures are right"))


def _quality_choices() -> list[SelectChoice]:
    return [SelectChoice(q.value, questions.quality_word(q)) for q in Quality]


def answer_form_class(roll_call: RollCall) -> type[AnswerFormBase]:
    """A form class with one field per question the roll call asks, in its order (the numbers with their
    "estimate / confirmed" radios)."""
    attributes: dict[str, Any] = {}
    for question in roll_call.questions:
        key = str(question.get("key"))
        label = questions.label(question)
        if key == "status":
            attributes[key] = RadioField(label, validators=[Optional()], choices=[
                SelectChoice(a.value, questions.status_word(a)) for a in Affected])
        elif key in ("displaced", "departed"):
            attributes[key] = StringField(label)
            attributes[f"{key}_quality"] = RadioField(_l("This number is"), validators=[Optional()],
                                                      choices=_quality_choices())
        elif key == "needs":
            attributes[key] = MultiCheckboxField(label, validators=[Optional()], choices=[
                SelectChoice(need, questions.need_word(need)) for need in questions.need_options(question)])
        elif key == "note":
            attributes[key] = TextAreaField(label)
        elif question.get("kind") == "yesno":
            attributes[key] = RadioField(label, validators=[Optional()], choices=[
                SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))])
        elif question.get("kind") == "count":
            attributes[key] = StringField(label)
        else:
            attributes[key] = TextAreaField(label)
    return type("AnswerForm", (AnswerFormBase,), attributes)


def fill(form: AnswerFormBase, answer: RollCallAnswer | None) -> None:
    """Put the party's current answer into a new form (an update starts from it) and its revision."""
    form.base_revision.data = str(answer.revision if answer else 0)
    if answer is None:
        return
    for key in ("status", "displaced_quality", "departed_quality"):
        if key in form:
            value = getattr(answer, key)
            form[key].data = value.value if value is not None else None
    for key in ("displaced", "departed"):
        if key in form:
            value = getattr(answer, key)
            form[key].data = "" if value is None else str(value)
    if "needs" in form:
        form["needs"].data = answer.need_list
    if "note" in form:
        form["note"].data = answer.note
    for key, value in (answer.extra or {}).items():
        if key in form:
            form[key].data = ("yes" if value else "no") if isinstance(value, bool) else str(value)


def to_input(form: AnswerFormBase, roll_call: RollCall) -> AnswerInput:
    """The form's values as the service's input (only the questions the roll call asks)."""
    def value(key: str) -> Any:
        return form[key].data if key in form else None

    extra = {str(q["key"]): value(str(q["key"])) for q in roll_call.questions if not questions.is_standard(q)}
    try:
        base = int(form.base_revision.data or 0)
    except (TypeError, ValueError):
        base = -1  # a tampered field: the service answers with the conflict and the current answer
    return AnswerInput(status=value("status"), displaced=value("displaced"),
                       displaced_quality=value("displaced_quality"), departed=value("departed"),
                       departed_quality=value("departed_quality"), needs=list(value("needs") or []),
                       note=value("note") or "", extra={k: v for k, v in extra.items() if v not in (None, "")},
                       base_revision=base, confirm=bool(form.confirm.data))
