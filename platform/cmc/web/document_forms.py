"""Document forms: they carry the fields (and draw them through the one field macro); ``services.documents``
decides what is acceptable, so no field here refuses a value the service would judge (a choice outside the
list reaches the service and gets its message on the right field)."""

from __future__ import annotations

from typing import Any, Self

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import RadioField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from cmc.models import Audience, DocumentKind, ProtocolStatus
from cmc.services import documents
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


class DocumentForm(AudienceForm):
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
                                       note=_text(self.note), language=_text(self.file_language))


class VersionForm(OnceForm):
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
