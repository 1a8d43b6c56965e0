"""Document forms: they carry the fields (and draw them through the one field macro); ``services.documents``
decides what is acceptable, so no field here refuses a value the service would judge (a choice outside the
list reaches the service and gets its message on the right field)."""

from __future__ import annotations

from typing import Any, Self

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import RadioField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from cmc.models import Accuracy, Audience, DocumentKind, HandlingCode, Network, ProtocolStatus, Reliability
from cmc.services import documents, handling, networks
from cmc.web.forms import OnceForm, label_choices

LANGUAGES = documents.DOCUMENT_LANGUAGES


def choices(labels: dict[str, Any]) -> list[SelectChoice]:
    """WTForms choices from a value -> label mapping."""
    return [SelectChoice(value, label) for value, label in labels.items()]


class MultiCheckboxField(SelectMultipleField):
    """Several choices drawn as checkboxes (the field macro draws it as a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _text(field: Any) -> str:
    return field.data if isinstance(field.data, str) else ""


class MarkingFields:
    """The "Handling" fieldset of an upload or a new version: the handling code (H3 with its restriction) and
    the 4x4 evaluation; ``cmc.services.handling.validate`` judges them."""

    handling_code = SelectField(_l("Handling code"), choices=label_choices("handling", HandlingCode), default="H0",
                                validate_choice=False)
    handling_text = StringField(_l("Restriction (H3)"), render_kw={"maxlength": 500})
    source_reliability = SelectField(_l("Reliability of the source"),
                                     choices=[SelectChoice("", _l("Not evaluated")),
                                              *label_choices("reliability", Reliability)],
                                     default="", validate_choice=False)
    info_accuracy = SelectField(_l("Accuracy of the information"),
                                choices=[SelectChoice("", _l("Not evaluated")), *label_choices("accuracy", Accuracy)],
                                default="", validate_choice=False)

    def marking_values(self) -> dict[str, str]:
        """What the fieldset says, as ``DocumentInput``'s fields (and ``handling.validate``'s arguments)."""
        return {"handling_code": self.handling_code.data or "H0", "handling_text": _text(self.handling_text),
                "source_reliability": self.source_reliability.data or "",
                "info_accuracy": self.info_accuracy.data or ""}

    def marking(self) -> handling.Marking:
        """The marking the fieldset asks for (422 naming the field at fault)."""
        values = self.marking_values()
        return handling.validate(values["handling_code"], values["handling_text"], values["source_reliability"],
                                 values["info_accuracy"])

    def with_marking(self, item: Any) -> Any:
        """Draw the fieldset with ``item``'s marking (a new version starts from the document's current one)."""
        self.handling_code.data = item.handling_code.value
        self.handling_text.data = item.handling_text
        self.source_reliability.data = item.source_reliability.value if item.source_reliability else ""
        self.info_accuracy.data = item.info_accuracy.value if item.info_accuracy else ""
        return self


class AudienceForm(OnceForm):
    """Who may read a document: the network, every party, or named parties."""

    audience = RadioField(_l("Who may read it"), choices=label_choices("audience", Audience),
                          default=Audience.NETWORK.value, validate_choice=False)
    parties = SelectMultipleField(_l("Named parties (for “named parties”)"), choices=[], validate_choice=False,
                                  render_kw={"size": 5})

    def with_parties(self, all_parties: list[Any]) -> Self:
        """The named-party choices: the parties that are not retired."""
        self.parties.choices = [SelectChoice(p.code, f"{p.name} ({p.code})") for p in all_parties]
        return self


class DocumentForm(MarkingFields, AudienceForm):
    """Upload a document, or change its details (the details form draws only the metadata fields)."""

    file = FileField(_l("File"))
    title = StringField(_l("Title"), render_kw={"maxlength": 200})
    description = TextAreaField(_l("Description"), render_kw={"rows": 3})
    kind = SelectField(_l("Kind"), choices=label_choices("document_kind", DocumentKind), default="report",
                       validate_choice=False)
    status = SelectField(_l("Protocol status"),
                         choices=[SelectChoice("", "—"), *label_choices("protocol_status", ProtocolStatus)], default="",
                         validate_choice=False)
    languages = MultiCheckboxField(_l("Languages"), choices=choices(LANGUAGES), default=["en"],
                                   validate_choice=False)
    note = StringField(_l("What changed"), render_kw={"maxlength": 500})
    file_language = SelectField(_l("Language of the file"), choices=[], default="", validate_choice=False)

    def with_file_languages(self) -> DocumentForm:
        """The file-language choices: the first language ticked, or a named one (names in the reader's
        language)."""
        self.file_language.choices = [SelectChoice("", _l("The first language ticked")),
                                      *(SelectChoice(code, documents.language_name(code)) for code in LANGUAGES)]
        return self

    def to_input(self) -> documents.DocumentInput:
        """What the form says, for the service to judge."""
        return documents.DocumentInput(title=_text(self.title), description=_text(self.description),
                                       kind=self.kind.data or "report", languages=list(self.languages.data or []),
                                       audience=self.audience.data or Audience.NETWORK.value,
                                       party_codes=list(self.parties.data or []), status=self.status.data or "",
                                       note=_text(self.note), language=_text(self.file_language),
                                       **self.marking_values())


class VersionForm(MarkingFields, OnceForm):
    """A new file as the next version of a document: a new version of one language's text, or a new language."""

    file = FileField(_l("File"))
    note = StringField(_l("What changed"), render_kw={"maxlength": 500})
    language = SelectField(_l("Which text is this file?"), choices=[], default="", validate_choice=False)

    def with_languages(self, document: Any) -> VersionForm:
        """Choices: a new version of each language the document has, then each language it has not yet."""
        present = document.language_list
        self.language.choices = [
            *(SelectChoice(code, _l("A new version of the %(language)s text",
                                    language=documents.language_name(code))) for code in present),
            *(SelectChoice(code, _l("The %(language)s text (a new language for this document)",
                                    language=documents.language_name(code)))
              for code in LANGUAGES if code not in present)]
        if not self.language.data:
            self.language.data = present[0] if present else "en"
        return self


class ForwardForm(OnceForm):
    """Share a document in another network: a copy there, the originator unchanged."""

    network = SelectField(_l("Network"), choices=[], default="", validate_choice=False)

    def with_networks(self, targets: list[Network]) -> ForwardForm:
        """The networks offered: those the person may post in, other than the document's own."""
        self.network.choices = [SelectChoice("", _l("Choose a network")),
                                *(SelectChoice(n.slug, networks.network_name(n, plain=True)) for n in targets)]
        return self
