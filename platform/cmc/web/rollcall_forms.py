"""Forms of the roll call pages this module's views draw: starting a roll call, and a network's templates.
They carry and parse the fields; ``cmc.services.rollcalls`` decides what is valid (a bad deadline, a party
that may not be asked, a template with no question: the service's readable message)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from cmc.i18n import timefmt
from cmc.models import HandlingCode, Party
from cmc.models.handling import HANDLING_TEXT_MAX
from cmc.services.rollcalls import questions
from cmc.services.rollcalls.starting import StartInput
from cmc.web.document_forms import MultiCheckboxField
from cmc.web.forms import OnceForm, label_choices, text

LANGUAGES = (("en", "English"), ("es", "Español"), ("fr", "Français"), ("nl", "Nederlands"))
#: How many own questions the template editor offers (blank rows are left out).
OWN_ROWS = 3


def local_input(moment: datetime | None) -> str:
    """A UTC moment as a ``datetime-local`` value in the reader's zone ("" for none)."""
    if moment is None:
        return ""
    return moment.astimezone(timefmt.viewer_zone()).strftime("%Y-%m-%dT%H:%M")


def parse_local(raw: str) -> datetime | None:
    """A ``datetime-local`` value in the reader's zone as an aware UTC datetime (None when empty or unreadable:
    the service then asks for the deadline)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        local = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if local.tzinfo is None:
        local = local.replace(tzinfo=timefmt.viewer_zone())
    return local.astimezone(UTC)


class StartForm(OnceForm):
    """Start a roll call in one network."""

    title = StringField(_l("Title"), render_kw={"maxlength": 200})
    deadline = StringField(_l("Deadline"), render_kw={"type": "datetime-local"})
    parties = MultiCheckboxField(_l("Parties asked"), choices=[], validate_choice=False)
    template_id = SelectField(_l("Questions"), choices=[], validate_choice=False)
    instructions = TextAreaField(_l("Instructions (optional)"), render_kw={"rows": 3, "maxlength": 4000})
    handling_code = SelectField(_l("Handling code"), choices=[], validate_choice=False)
    handling_text = StringField(_l("Restriction for H3"), render_kw={"maxlength": HANDLING_TEXT_MAX})

    def with_choices(self, parties: list[Party], templates: list[Any], follow_up: bool) -> StartForm:
        """The network's member parties and templates (a follow-up offers the previous roll call's questions)."""
        self.parties.choices = [SelectChoice(p.code, f"{p.name} ({p.code})") for p in parties]
        options = [SelectChoice(str(t.id), t.label) for t in templates]
        if follow_up:
            options.insert(0, SelectChoice("previous", str(_l("The previous roll call's questions"))))
        self.template_id.choices = options
        self.handling_code.choices = label_choices("handling", list(HandlingCode))
        return self

    def to_input(self, previous_questions: list[dict[str, Any]] | None) -> StartInput:
        """What the form says, for the service to judge (no party ticked: an empty list, refused by name)."""
        template = text(self.template_id)
        data = StartInput(title=text(self.title), deadline=parse_local(text(self.deadline)),
                          parties=list(self.parties.data or []), instructions=text(self.instructions),
                          handling_code=text(self.handling_code, "H0"), handling_text=text(self.handling_text))
        if template == "previous" and previous_questions is not None:
            data.questions = previous_questions
        elif template.isdigit():
            data.template_id = int(template)
        return data


class TemplateForm(OnceForm):
    """One template: its name, which standard questions it asks (each required or not), the needs offered, and
    up to :data:`OWN_ROWS` own questions. Built with one field per question (see :func:`template_form`)."""

    name = StringField(_l("Name"), render_kw={"maxlength": 120})
    needs_options = MultiCheckboxField(_l("Needs offered"), choices=[], validate_choice=False)


STANDARD_LABELS = {"status": _l("Status"), "displaced": _l("People displaced"),
                   "departed": _l("People who left by sea"), "needs": _l("Main needs"), "note": _l("Note")}


def template_form_class() -> type[TemplateForm]:
    """The template form with its per-question fields (ask / required / order for each standard question; kind,
    wording, language, required for each own row)."""

    class Built(TemplateForm):
        pass

    for key in questions.STANDARD:
        setattr(Built, f"ask_{key}", BooleanField(STANDARD_LABELS[key]))
        setattr(Built, f"required_{key}", BooleanField(_l("Required")))
        setattr(Built, f"order_{key}", StringField(_l("Order"), validators=[Optional()],
                                                   render_kw={"type": "number", "min": 1, "max": 20}))
    for row in range(1, OWN_ROWS + 1):
        setattr(Built, f"own{row}_label", StringField(_l("Wording"), render_kw={"maxlength": 200}))
        setattr(Built, f"own{row}_kind", SelectField(_l("Answer"), choices=[
            SelectChoice(kind, questions.kind_word(kind)) for kind in questions.OWN_KINDS], validate_choice=False))
        setattr(Built, f"own{row}_language", SelectField(_l("Language"), choices=[
            SelectChoice(code, name) for code, name in LANGUAGES], validate_choice=False))
        setattr(Built, f"own{row}_required", BooleanField(_l("Required")))
        setattr(Built, f"own{row}_order", StringField(_l("Order"), validators=[Optional()],
                                                      render_kw={"type": "number", "min": 1, "max": 20}))
    return Built


def _order(raw: str, fallback: int) -> int:
    return int(raw) if raw.strip().isdigit() else fallback


def form_data(template_questions: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """A template's questions as the form's initial data."""
    data: dict[str, Any] = {"name": name, "needs_options": list(questions.NEEDS)}
    own = 0
    for position, question in enumerate(template_questions, start=1):
        key = question["key"]
        if key in questions.STANDARD:
            data.update({f"ask_{key}": True, f"required_{key}": bool(question.get("required")),
                         f"order_{key}": str(position)})
            if key == "needs":
                data["needs_options"] = questions.need_options(question)
        elif own < OWN_ROWS:
            own += 1
            data.update({f"own{own}_label": question.get("label", ""), f"own{own}_kind": question.get("kind"),
                         f"own{own}_language": question.get("language", "en"),
                         f"own{own}_required": bool(question.get("required")), f"own{own}_order": str(position)})
    return data


def to_questions(form: Any) -> list[dict[str, Any]]:
    """The question list the form describes, in the order asked (``questions.validate`` judges it)."""
    chosen: list[tuple[int, int, dict[str, Any]]] = []
    for index, key in enumerate(questions.STANDARD):
        if not form[f"ask_{key}"].data:
            continue
        item: dict[str, Any] = {"key": key, "required": bool(form[f"required_{key}"].data)}
        if key == "needs":
            item["options"] = list(form.needs_options.data or [])
        chosen.append((_order(text(form[f"order_{key}"]), index + 1), index, item))
    for row in range(1, OWN_ROWS + 1):
        wording = text(form[f"own{row}_label"]).strip()
        if not wording:
            continue
        chosen.append((_order(text(form[f"own{row}_order"]), 10 + row), 10 + row, {
            "key": f"q{row}", "kind": text(form[f"own{row}_kind"], "text"), "label": wording,
            "language": text(form[f"own{row}_language"], "en"), "required": bool(form[f"own{row}_required"].data)}))
    chosen.sort(key=lambda entry: (entry[0], entry[1]))
    return [item for _order_, _index, item in chosen]
