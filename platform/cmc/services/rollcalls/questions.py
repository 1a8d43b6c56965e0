"""The questions of a roll call: the standard ones every board adds up, and a network's own.

A template's ``questions`` (and a roll call's copy) is a JSON list of objects, in the order asked:

- a **standard** question: ``{"key": "status" | "displaced" | "departed" | "needs" | "note", "required": bool}``
  (``needs`` may narrow its ``options`` to a subset of :data:`NEEDS`). Their wording is the platform's, in
  the reader's language (the catalogues), and the board, the map and the totals read them;
- a network's **own** question: ``{"key": "q1".."q20", "kind": "count" | "text" | "yesno", "label": "...",
  "language": "en", "required": bool}``: its label is written by whoever keeps the template, in its language;
  its answers are listed on the board and in the CSV, not added up.

:func:`validate` is the one check of a question list (a template saved from the page or the API, a roll call
started): a readable ``ValidationError`` for a list with no question, an unknown key, a duplicate, an own
question without a label.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cmc.models import Affected, Quality
from cmc.services.errors import ValidationError

#: The standard questions, in the order a new template asks them.
STANDARD = ("status", "displaced", "departed", "needs", "note")
#: The kinds of a network's own questions.
OWN_KINDS = ("count", "text", "yesno")
#: The main needs a party may tick (``needs``).
NEEDS = ("shelter", "documentation", "protection", "search_rescue", "medical", "other")
MAX_QUESTIONS = 20
LABEL_MAX = 200
#: The largest number an answer may give (a whole region's population is below it); above, it is refused.
NUMBER_MAX = 100_000_000

_LABELS = {
    "status": _l("How is your country or territory affected?"),
    "displaced": _l("People displaced"),
    "departed": _l("People who left by sea"),
    "needs": _l("Main needs"),
    "note": _l("Note"),
}
_STATUS_WORDS = {
    Affected.NOT_AFFECTED: _l("Not affected"),
    Affected.COPING: _l("Affected, coping"),
    Affected.ASSISTANCE: _l("Affected, assistance needed"),
}
_NEED_WORDS = {
    "shelter": _l("Shelter"),
    "documentation": _l("Documentation"),
    "protection": _l("Protection"),
    "search_rescue": _l("Search and rescue"),
    "medical": _l("Medical"),
    "other": _l("Other"),
}
_QUALITY_WORDS = {Quality.ESTIMATE: _l("Estimate"), Quality.CONFIRMED: _l("Confirmed")}
_KIND_WORDS = {"count": _l("A number"), "text": _l("A text"), "yesno": _l("Yes or no")}


def default_questions() -> list[dict[str, Any]]:
    """The platform's default question set: the five standard questions, the status required."""
    return [{"key": key, "required": key == "status"} for key in STANDARD]


def is_standard(question: dict[str, Any]) -> bool:
    """Whether the question is one of the platform's standard ones."""
    return question.get("key") in STANDARD


def label(question: dict[str, Any]) -> str:
    """The question's wording: a standard question's in the reader's language, an own question's as written."""
    key = question.get("key")
    if key in _LABELS:
        return str(_LABELS[key])
    return str(question.get("label", ""))


def status_word(value: str | Affected | None) -> str:
    """The status answer in the reader's language ("" for none)."""
    return str(_STATUS_WORDS[Affected(value)]) if value else ""


def need_word(key: str) -> str:
    """A need in the reader's language."""
    return str(_NEED_WORDS.get(key, key))


def quality_word(value: str | Quality | None) -> str:
    """"Estimate" or "Confirmed" in the reader's language ("" for none)."""
    return str(_QUALITY_WORDS[Quality(value)]) if value else ""


def kind_word(kind: str) -> str:
    """The kind of an own question, as the template editor names it."""
    return str(_KIND_WORDS.get(kind, kind))


def need_options(question: dict[str, Any]) -> list[str]:
    """The needs a ``needs`` question offers (every one unless the template narrowed them)."""
    options = question.get("options") or list(NEEDS)
    return [key for key in NEEDS if key in options]


def validate(questions: Any) -> list[dict[str, Any]]:
    """The question list in its stored shape, or ``ValidationError`` saying what is wrong (see the module)."""
    if not isinstance(questions, list) or not questions:
        message = _("A roll call needs at least one question.")
        raise ValidationError(message, fields={"questions": message})
    if len(questions) > MAX_QUESTIONS:
        message = _("A roll call asks at most %(n)d questions.", n=MAX_QUESTIONS)
        raise ValidationError(message, fields={"questions": message})
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for position, question in enumerate(questions, start=1):
        item = _one(question, position)
        if item["key"] in seen:
            message = _("Question %(n)d repeats a question already asked.", n=position)
            raise ValidationError(message, fields={"questions": message})
        seen.add(item["key"])
        cleaned.append(item)
    return cleaned


def _one(question: Any, position: int) -> dict[str, Any]:
    """One question in its stored shape (see :func:`validate`)."""
    def refuse(message: str) -> ValidationError:
        return ValidationError(message, fields={"questions": message})

    if not isinstance(question, dict) or not isinstance(question.get("key"), str):
        raise refuse(_("Question %(n)d is not a question (it needs a key).", n=position))
    key = question["key"].strip()
    required = question.get("required", False)
    if not isinstance(required, bool):
        raise refuse(_("Question %(n)d: “required” is true or false.", n=position))
    if key in STANDARD:
        item: dict[str, Any] = {"key": key, "required": required}
        if key == "needs" and question.get("options") is not None:
            options = question["options"]
            if (not isinstance(options, list) or not options
                    or any(not isinstance(o, str) or o not in NEEDS for o in options)):
                raise refuse(_("Question %(n)d: the needs offered must be among %(needs)s.", n=position,
                               needs=", ".join(NEEDS)))
            item["options"] = [o for o in NEEDS if o in options]
        return item
    if key not in {f"q{i}" for i in range(1, MAX_QUESTIONS + 1)}:
        raise refuse(_("Question %(n)d: unknown question “%(key)s”.", n=position, key=key[:40]))
    kind = question.get("kind")
    if kind not in OWN_KINDS:
        raise refuse(_("Question %(n)d: the kind of answer must be a number, a text or yes or no.", n=position))
    text = question.get("label")
    if not isinstance(text, str) or not text.strip():
        raise refuse(_("Question %(n)d needs its wording.", n=position))
    if len(text.strip()) > LABEL_MAX:
        raise refuse(_("Question %(n)d: the wording is longer than %(max)d characters.", n=position, max=LABEL_MAX))
    language = question.get("language", "en")
    if language not in ("en", "es", "fr", "nl"):
        raise refuse(_("Question %(n)d: the language must be en, es, fr or nl.", n=position))
    return {"key": key, "kind": kind, "label": text.strip(), "language": language, "required": required}
