"""What the uploader says about a document, checked: title, description, kind, languages, status, audience."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from cmc.extensions import db
from cmc.models import Audience, DocumentKind, Party, ProtocolStatus
from cmc.services import handling, text
from cmc.services.errors import ValidationError

#: An ISO 639 language code, as documents store and filter them.
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
#: The languages documents are written in, each in its own name (a file's card is titled so, whatever the
#: reader's language). A document made through the API may name other codes; its files may be in those too.
DOCUMENT_LANGUAGES = {"en": "English", "es": "Español", "fr": "Français", "nl": "Nederlands", "pap": "Papiamento",
                      "ht": "Kreyòl"}
LANGUAGES_MAX = 40  # documents.languages is String(40)


def language_name(code: str) -> str:
    """A language's name in the reader's language (CLDR's, through Babel: "espagnol" for a French reader)."""
    locale = get_locale()
    found = locale.languages.get(code) if locale is not None else None
    return found or DOCUMENT_LANGUAGES.get(code, code)


def file_language(languages: list[str], wanted: str | None) -> str:
    """The language of a new file of a document in ``languages``: ``wanted`` when it is one of them or a language
    documents are written in (the caller adds a new one to the document), the first of them when not given;
    422 naming the ``language`` field for anything else."""
    code = (wanted or "").strip().lower()
    if not code:
        return languages[0] if languages else "en"
    if code in languages or code in DOCUMENT_LANGUAGES:
        return code
    message = _("“%(code)s” is not a language of this document or one documents are written in. Choose one of: "
                "%(choices)s.", code=code[:12],
                choices=", ".join(dict.fromkeys([*languages, *DOCUMENT_LANGUAGES])))
    raise ValidationError(message, fields={"language": message})


@dataclass
class DocumentInput:
    """What the uploader says about a document."""

    title: str
    description: str = ""
    kind: str = DocumentKind.REPORT.value
    languages: list[str] = field(default_factory=lambda: ["en"])
    audience: str = Audience.NETWORK.value
    party_codes: list[str] = field(default_factory=list)
    status: str = ""
    note: str = ""
    language: str = ""  # the first file's language (the first of ``languages`` when empty)
    handling_code: str = "H0"  # the marking (cmc.services.handling.validate): code, H3's text, 4x4 evaluation
    handling_text: str = ""
    source_reliability: str = ""
    info_accuracy: str = ""


#: The fields added after the first uploads, with their defaults: left out of an upload's idempotency digest
#: when they hold their default, so a retry of a request made before they existed matches its first try.
LATER_DEFAULTS = {"language": "", "handling_code": "H0", "handling_text": "", "source_reliability": "",
                  "info_accuracy": ""}


def marking_of(data: DocumentInput, fields: dict[str, str]) -> handling.Marking:
    """The marking ``data`` asks for; what is wrong is added to ``fields`` (H0, not evaluated, then)."""
    try:
        return handling.validate(data.handling_code, data.handling_text, data.source_reliability,
                                 data.info_accuracy)
    except ValidationError as exc:
        fields.update(exc.fields)
        return handling.Marking()


def validate(data: DocumentInput) -> dict[str, Any]:
    """The document's column values (and ``named_parties`` and its ``marking``) from ``data``; 422 naming every
    field at fault."""
    fields = text.field_errors(title=data.title, description=data.description, note=data.note)
    title = " ".join(data.title.split())
    if not title:
        fields["title"] = _("Give the document a title.")
    elif len(title) > 200:
        fields["title"] = _("Keep the title to 200 characters or fewer.")
    if len(data.description) > 5000:
        fields["description"] = _("Keep the description under 5,000 characters.")
    if data.kind not in {k.value for k in DocumentKind}:
        fields["kind"] = _("Choose what kind of document this is.")
    languages = [code.strip().lower() for code in data.languages if code.strip()]
    if not languages or not all(LANGUAGE_CODE.match(code) for code in languages):
        fields["languages"] = _("Choose at least one language.")
    else:
        languages = list(dict.fromkeys(languages))
        try:
            chosen = file_language(languages, data.language)
        except ValidationError as exc:
            fields.update(exc.fields)
        else:
            languages += [] if chosen in languages else [chosen]
        if len(";".join(languages)) > LANGUAGES_MAX:
            fields["languages"] = _("Choose fewer languages.")
    status = None
    if data.kind == DocumentKind.PROTOCOL.value:
        if data.status not in {s.value for s in ProtocolStatus}:
            fields["status"] = _("Say whether the protocol is a draft, under review or adopted.")
        else:
            status = ProtocolStatus(data.status)
    if len(data.note) > 500:
        fields["note"] = _("Keep the note under 500 characters.")
    audience, named = audience_of(data.audience, data.party_codes, fields)
    marking = marking_of(data, fields)
    if fields:
        raise ValidationError(next(iter(fields.values())), fields=fields)
    return {"title": title, "description": data.description.strip(), "kind": DocumentKind(data.kind),
            "languages": ";".join(languages), "status": status, "audience": audience,
            "named_parties": named, "marking": marking}


def audience_of(value: str, codes: list[str], fields: dict[str, str]) -> tuple[Audience, list[Party]]:
    """The audience ``value`` and the parties it names; what is wrong is added to ``fields``."""
    if value not in {a.value for a in Audience}:
        fields["audience"] = _("Choose who may read the document.")
        return Audience.NETWORK, []
    audience = Audience(value)
    if audience != Audience.NAMED:
        return audience, []
    wanted = {c.strip().upper() for c in codes if c.strip()}
    named = list(db.session.scalars(select(Party).where(Party.code.in_(wanted)))) if wanted else []
    if not wanted or len(named) != len(wanted):
        fields["parties"] = _("Name the parties that may read it.")
    return audience, named
