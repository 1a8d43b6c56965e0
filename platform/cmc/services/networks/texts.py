"""A network's name, description and charter in the reader's language.

A network is written in one language (``Network.language``: its own columns) and may carry the same three
texts in each other offered language (``NetworkText``). ``text_for`` is the one way to read them: every page,
list, mail and API answer that names a network asks it, so a reader of Spanish sees the Spanish name wherever
one exists, and the original, marked with its language, where none does. Writing them is
``checked_texts``/``apply_texts``, called by the network's create and update services.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import g, has_app_context
from flask_babel import gettext as _
from markupsafe import Markup, escape

from cmc import i18n
from cmc.i18n.catalogues import request_locale
from cmc.models import Account, Network, NetworkText
from cmc.models.types import utcnow
from cmc.services import markup, text

#: The longest charter (as the longest message: ``threads.BODY_MAX``, which imports this package's directory).
CHARTER_MAX = 50_000
#: The three texts of a network, as the form, the API and ``NetworkText`` name them.
FIELDS = ("name", "description", "charter")


@dataclass(frozen=True)
class ShownText:
    """A network's texts as one reader sees them: each in the reader's language where there is one, else in
    the network's own language (``languages`` says which, per field)."""

    name: str
    description: str
    charter: str
    reader_language: str
    languages: Mapping[str, str]
    #: ``charter`` as stored rendered (``Network.charter_html`` or the translation's).
    stored_charter_html: str = ""

    @property
    def language(self) -> str:
        """The language the name is shown in."""
        return self.languages["name"]

    @property
    def translated(self) -> bool:
        """Whether the name is shown from a translation (not the network's own text)."""
        return self.languages.get("original") != self.languages["name"]

    def foreign(self, field: str = "name") -> str | None:
        """The language of ``field`` when it is not the reader's (the page marks it ``lang``), else None."""
        code = self.languages[field]
        return code if code != self.reader_language else None

    def lang_attr(self, field: str = "name") -> Markup:
        """`` lang="xx"`` for an element showing ``field`` in another language than the page's, else nothing
        (a screen reader then reads it with the right voice)."""
        code = self.foreign(field)
        return Markup(' lang="%s"') % code if code else Markup("")

    @property
    def charter_html(self) -> Markup:
        """The charter shown: its HTML as stored when it was written (rendered and sanitised then)."""
        return markup.stored(self.stored_charter_html)


def reader_language() -> str:
    """The language the current page or mail is written in (``in_language_of`` sets it for a mail)."""
    locale = request_locale()
    return str(locale.language) if locale is not None else i18n.DEFAULT


def text_for(network: Network, language: str | None = None) -> ShownText:
    """``network``'s name, description and charter for a reader of ``language`` (default: the current page's
    or mail's language). A field the language has no text for (no row, or an empty field) shows the original."""
    reader = language or reader_language()
    original = network.language or i18n.DEFAULT
    values = {"name": network.name, "description": network.description or "", "charter": network.charter or ""}
    charter_html = network.charter_html or ""
    languages = dict.fromkeys(FIELDS, original)
    if reader != original:
        row = next((t for t in network.texts if t.language == reader), None)
        for field in FIELDS if row is not None else ():
            value = getattr(row, field) or ""
            if value.strip():
                values[field], languages[field] = value, reader
                if field == "charter":
                    charter_html = row.charter_html or ""
    return ShownText(reader_language=reader, languages={**languages, "original": original},
                     stored_charter_html=charter_html, **values)


def network_name(network: Network | None, plain: bool = False) -> Markup | str:
    """The network's name for the page (Jinja global): escaped, in a ``<span lang>`` when it is not in the
    page's language; ``plain`` gives the bare name, for a ``<title>`` or an attribute."""
    if network is None:
        return ""
    # A list names the same few networks on every row: each name is worked out once per request and language.
    kept = g.setdefault("cmc_network_names", {}) if has_app_context() else {}
    key = (network.id, network.name, network.language, reader_language(), plain)
    found = kept.get(key)
    if found is None:
        shown = text_for(network)
        code = shown.foreign("name")
        if plain:
            found = shown.name
        else:
            found = Markup('<span lang="%s">%s</span>') % (code, shown.name) if code else escape(shown.name)
        kept[key] = found
    return found


def stored_texts(network: Network) -> dict[str, dict[str, str]]:
    """The network's translations as the API answers them: {language: {name, description, charter}}, with the
    original language's text too, so a client has every language in one place."""
    texts = {network.language: {"name": network.name, "description": network.description,
                                "charter": network.charter}}
    for row in network.texts:
        texts[row.language] = {"name": row.name, "description": row.description, "charter": row.charter}
    return texts


def checked_texts(texts: Mapping[str, Mapping[str, Any]] | None, original: str) -> dict[str, dict[str, str]]:
    """The translations sent, trimmed and checked (ValidationError naming ``name_es`` and so on); only offered
    languages other than ``original``; a language with every field empty is no translation."""
    from cmc.services.errors import ValidationError

    if not texts:
        return {}
    fields: dict[str, str] = {}
    clean: dict[str, dict[str, str]] = {}
    for code, given in texts.items():
        if not i18n.is_available(code) or code == original or not isinstance(given, Mapping):
            fields["texts"] = _("Translations are given in the other offered languages only.")
            continue
        values = {f: given.get(f) or "" for f in FIELDS}
        if any(not isinstance(v, str) for v in values.values()):
            fields[f"name_{code}"] = _("Each translation is text.")
            continue
        values = {"name": " ".join(values["name"].split()), "description": values["description"].strip(),
                  "charter": values["charter"]}
        fields.update({f"{f}_{code}": m for f, m in text.field_errors(**values).items()})
        limits = {"name": (120, _("Keep the name under 120 characters.")),
                  "description": (500, _("Keep the description under 500 characters.")),
                  "charter": (CHARTER_MAX, _("The charter is too long."))}
        for field, (limit, message) in limits.items():
            if len(values[field]) > limit:
                fields[f"{field}_{code}"] = message
        if any(v.strip() for v in values.values()):
            clean[code] = values
    if fields:
        raise ValidationError(next(iter(fields.values())), fields=fields)
    return clean


def apply_texts(actor: Account | None, network: Network, texts: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Make ``network``'s translations exactly ``texts`` (checked already; inside the caller's transaction);
    the languages whose text changed, for the audit record."""
    by_language = {row.language: row for row in network.texts}
    changed: list[str] = []
    for code, row in list(by_language.items()):
        if code not in texts:
            network.texts.remove(row)
            changed.append(code)
    for code, values in texts.items():
        row = by_language.get(code)
        if row is None:
            row = NetworkText(language=code)
            network.texts.append(row)
        elif all(getattr(row, f) == values[f] for f in FIELDS):
            continue
        row.name, row.description, row.charter = values["name"], values["description"], values["charter"]
        row.charter_html = markup.render(values["charter"])
        row.updated_at, row.updated_by_id = utcnow(), actor.id if actor is not None else None
        changed.append(code)
    return sorted(changed)
