"""Alert forms: compose (and update), event types, return and cancel. They carry and parse the fields; the
service (``services.alerts``) decides what is a valid alert, so no field refuses a value here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.core import UnboundField

from cmc import i18n
from cmc.i18n import labels
from cmc.models import Accuracy, HandlingCode, Reliability
from cmc.models.alert import CATEGORIES, CERTAINTIES, SEVERITIES, URGENCIES
from cmc.models.handling import HANDLING_TEXT_MAX
from cmc.services import alerts
from cmc.services.errors import ValidationError
from cmc.web.forms import OnceForm, text

LANGUAGE_NAMES = {"en": "English", "es": "Español", "fr": "Français", "nl": "Nederlands"}
STATUSES = ("Actual", "Exercise", "Test")
#: What a new alert's choices start at.
COMPOSE_DEFAULTS = {"severity": "Moderate", "urgency": "Expected", "certainty": "Likely", "category": "Security",
                    "status": "Actual"}


def _select(label: Any, kind: str, options: Any) -> SelectField:
    """A select of CAP codes, each shown in the reader's word for it (the code is what is sent)."""
    return SelectField(label, choices=[SelectChoice(code, text) for code, text in labels.choices(kind, options)],
                       validate_choice=False)


def parse_expires(raw: str, timezone: str) -> datetime | None:
    """A datetime-local value in the person's time zone, as UTC (None when empty; ValueError when bad)."""
    raw = raw.strip()
    if not raw:
        return None
    local = datetime.fromisoformat(raw)
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC)


class CapChoices:
    """The four CAP choices of an alert and of an event type (the templates place them, in their own order)."""

    severity = _select(_l("Severity"), "severity", SEVERITIES)
    urgency = _select(_l("Urgency"), "urgency", URGENCIES)
    certainty = _select(_l("Certainty"), "certainty", CERTAINTIES)
    category = _select(_l("Category"), "category", CATEGORIES)


def _evaluation(label: Any, kind: str, options: Any) -> SelectField:
    """A select of one axis of the 4x4 evaluation, first "Not evaluated" (sent empty)."""
    return SelectField(label, choices=[SelectChoice("", _l("Not evaluated"))] + [
        SelectChoice(code, text) for code, text in labels.choices(kind, options)], validate_choice=False)


class HandlingChoices:
    """The marking of an alert: its handling code (H3 with its restriction) and the 4x4 evaluation. Judged by
    ``cmc.services.handling.validate`` (through the alert service), which names the wrong field."""

    handling_code = _select(_l("Handling code"), "handling", list(HandlingCode))
    handling_text = StringField(_l("Restriction for H3"), render_kw={"maxlength": HANDLING_TEXT_MAX})
    source_reliability = _evaluation(_l("Source reliability"), "reliability", list(Reliability))
    info_accuracy = _evaluation(_l("Information accuracy"), "accuracy", list(Accuracy))

    def marking_input(self) -> dict[str, Any]:
        """The marking as ``AlertInput`` takes it (none when the form sent no code: the service's default)."""
        form: Any = self
        if not form.handling_code.raw_data:
            return {}
        return {"handling_code": text(form.handling_code), "handling_text": text(form.handling_text),
                "source_reliability": text(form.source_reliability) or None,
                "info_accuracy": text(form.info_accuracy) or None}


class AlertForm(HandlingChoices, CapChoices, OnceForm):
    """Compose an alert or its update: one info block in English, and one per other language with a headline."""

    idempotency_key = HiddenField()
    headline = StringField(_l("Headline"), render_kw={"maxlength": 160})
    event = StringField(_l("Event"), render_kw={"maxlength": 120})
    description = TextAreaField(_l("Description"), render_kw={"rows": 4})
    instruction = TextAreaField(_l("What members should do"), render_kw={"rows": 2})
    area_desc = StringField(_l("Area description"), render_kw={"maxlength": 300})
    geocodes = SelectMultipleField(_l("Affected parties"), choices=[], validate_choice=False, render_kw={"size": 5})
    circle = StringField(_l("Circle (optional)"))
    polygon = StringField(_l("Polygon (optional)"))
    expires = StringField(_l("Expires (your time zone)"), render_kw={"type": "datetime-local"})
    ack_within_minutes = StringField(_l("Acknowledge within (minutes)"), render_kw={"type": "number"})
    status = _select(_l("Status"), "cap_status", STATUSES)
    restriction = StringField(_l("Restriction"), render_kw={"maxlength": 300})
    note = HiddenField()
    #: The token of the preview this form was drawn with (``services.alerts.preview``), and the second
    #: confirmation of a Severe or Extreme alert (its label, with the numbers, is the template's).
    confirmation = HiddenField()
    confirm_severe = BooleanField()
    #: The button pressed: "preview" (the compose page's) or "publish" (the preview's "Publish" or "Submit").
    action = HiddenField()

    def publishing(self) -> bool:
        """Whether the person pressed "Publish" (or "Submit") on a preview, rather than "Preview"."""
        return text(self.action) == "publish"

    def for_network(self, network: Any) -> AlertForm:
        """The affected-party choices (the network's parties) and, once per form shown, an idempotency key."""
        import uuid

        self.geocodes.choices = [SelectChoice(p.code, f"{p.name} ({p.code})") for p in network.parties]
        if not self.idempotency_key.data:
            # One key per form shown: a double click or a resent form makes one alert, not two.
            self.idempotency_key.data = uuid.uuid4().hex
        return self

    def to_input(self, timezone: str) -> alerts.AlertInput:
        """What the form says (ValidationError for an expiry that is not a date), for the service to judge."""
        try:
            expires = parse_expires(text(self.expires), timezone)
        except (ValueError, OverflowError) as exc:
            raise ValidationError(_("Enter the expiry as a date and time."),
                                  fields={"expires": _("Not a date.")}) from exc
        try:
            ack_minutes = int(text(self.ack_within_minutes, "60") or 60)
        except ValueError:
            ack_minutes = -1
        common = {"event": text(self.event), "severity": text(self.severity), "urgency": text(self.urgency),
                  "certainty": text(self.certainty), "category": text(self.category, "Security"),
                  "expires": expires, "area_desc": text(self.area_desc), "geocodes": list(self.geocodes.data or []),
                  "circle": text(self.circle), "polygon": text(self.polygon)}
        infos = [alerts.InfoInput(language="en", headline=text(self.headline), description=text(self.description),
                                  instruction=text(self.instruction), **common)]
        for code in ("es", "fr", "nl"):
            if text(self[f"headline_{code}"]).strip():
                infos.append(alerts.InfoInput(language=code, headline=text(self[f"headline_{code}"]),
                                              description=text(self[f"description_{code}"]),
                                              instruction=text(self[f"instruction_{code}"]), **common))
        return alerts.AlertInput(infos=infos, status=text(self.status, "Actual"), restriction=text(self.restriction),
                                 note=text(self.note), ack_within_minutes=ack_minutes, **self.marking_input())


#: What the compose page autosaves and restores: what a person writes, not what carries the form (its CSRF
#: token, nonce, idempotency key, preview token and confirmation).
TRANSPORT_FIELDS = frozenset({"csrf_token", "form_nonce", "idempotency_key", "confirmation", "confirm_severe",
                              "action"})


def autosaved_fields() -> frozenset[str]:
    """The names of the compose form's fields an autosave keeps."""
    return frozenset(name for name in dir(AlertForm) if isinstance(getattr(AlertForm, name), UnboundField)
                     and name not in TRANSPORT_FIELDS)


for _code in ("es", "fr", "nl"):
    setattr(AlertForm, f"headline_{_code}", StringField(_l("Headline"), render_kw={"maxlength": 160}))
    setattr(AlertForm, f"description_{_code}", TextAreaField(_l("Description"), render_kw={"rows": 2}))
    setattr(AlertForm, f"instruction_{_code}", TextAreaField(_l("What members should do"), render_kw={"rows": 2}))


class EventTypeForm(CapChoices, OnceForm):
    """Add or change an event type of a network and its templates."""

    code = StringField(_l("Code"))
    event = StringField(_l("Event"))
    headline_template = StringField(_l("Headline template"), render_kw={"maxlength": 160})
    instruction_template = TextAreaField(_l("Instruction template"), render_kw={"rows": 2})

    def values(self) -> dict[str, str]:
        """The fields as the service takes them."""
        return {"code": text(self.code).strip(), "event": text(self.event), "category": text(self.category),
                "urgency": text(self.urgency), "severity": text(self.severity), "certainty": text(self.certainty),
                "headline_template": text(self.headline_template),
                "instruction_template": text(self.instruction_template), "texts": self.texts()}

    def texts(self) -> dict[str, dict[str, str]]:
        """The templates typed for the other languages, {language: {event, headline, instruction}}."""
        return {code: {"event": text(self[f"event_{code}"]), "headline": text(self[f"headline_template_{code}"]),
                       "instruction": text(self[f"instruction_template_{code}"])}
                for code in LANGUAGE_NAMES if code != "en" and i18n.is_available(code)}


# The template in each other language (optional; empty falls back to the English fields above).
for _code in ("es", "fr", "nl"):
    setattr(EventTypeForm, f"event_{_code}", StringField(_l("Event"), render_kw={"maxlength": 120}))
    setattr(EventTypeForm, f"headline_template_{_code}", StringField(_l("Headline template"),
                                                                     render_kw={"maxlength": 160}))
    setattr(EventTypeForm, f"instruction_template_{_code}", TextAreaField(_l("Instruction template"),
                                                                          render_kw={"rows": 2}))


class ApproveForm(FlaskForm):
    """Approve and publish a submitted draft as previewed on its page: the preview's token, and for a Severe or
    Extreme draft the ticked box (its label, with the numbers, is the template's)."""

    confirmation = HiddenField()
    confirm_severe = BooleanField()


class ReturnForm(FlaskForm):
    """Send a draft back to its author with a comment."""

    comment = TextAreaField(_l("Or return it with a comment"), render_kw={"rows": 2})


class CancelForm(OnceForm):
    """Cancel an alert (an optional note goes with the cancellation)."""

    note = HiddenField()


class RemindForm(FlaskForm):
    """"Remind now" on an alert's grid: only the CSRF token. Not a one-time form: a second press within a
    minute must reach the service, which sends nothing and says so."""


class TranslationForm(OnceForm):
    """A member's translation of a published alert: the words only (the codes are the original's)."""

    language = SelectField(_l("Language"), choices=[], validate_choice=False)
    headline = StringField(_l("Headline"), render_kw={"maxlength": 160})
    event = StringField(_l("Event"), render_kw={"maxlength": 120})
    description = TextAreaField(_l("Description"), render_kw={"rows": 4})
    instruction = TextAreaField(_l("What members should do"), render_kw={"rows": 2})
    area_desc = StringField(_l("Area description"), render_kw={"maxlength": 300})

    def for_alert(self, alert: Any, offered: dict[str, str]) -> TranslationForm:
        """The languages to offer: each one ``offered`` without the author's text, saying when a translation
        exists and would be replaced. No choice at all when the author wrote every offered language."""
        current = {info.language: info for info in alert.infos}
        choices = []
        for code in offered:
            info = current.get(code)
            if info is None:
                choices.append(SelectChoice(code, alerts.language_word(code)))
            elif info.is_translation:
                choices.append(SelectChoice(code, _("%(language)s (replaces the current translation)",
                                                    language=alerts.language_word(code))))
        self.language.choices = choices
        return self

    def to_input(self) -> alerts.TranslationInput:
        """What the form says, for the service to judge."""
        return alerts.TranslationInput(language=text(self.language), headline=text(self.headline),
                                       event=text(self.event), description=text(self.description),
                                       instruction=text(self.instruction), area_desc=text(self.area_desc))
