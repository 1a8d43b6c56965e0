"""The four languages stay complete: every marked string translated (not fuzzy) in es, fr and nl, placeholders
kept, the template of the catalogues current, and nothing readable left unmarked in templates, scripts or the
messages of pages and services.

When this fails after a change: `make messages`, then translate what is new or fuzzy in each
``platform/cmc/translations/<lang>/LC_MESSAGES/messages.po`` (the glossary is in ``docs/glossary/``).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.jslexer import tokenize
from babel.messages.pofile import read_po
from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "platform" / "cmc" / "translations"
#: Every language with a catalogue: a fifth one is checked as soon as `pybabel init` has made its file.
LANGUAGES = tuple(sorted(path.parent.parent.name for path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")))
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]")

#: Words that are the same in every language: names, codes and formats.
SAME_EVERYWHERE = {"CMC", "Platform", "CAP", "ICS", "PDF", "ZIP", "UTC", "XML", "JSON", "Atom", "API", "OpenAPI",
                   "TOTP", "IOM", "UNHCR", "Markdown", "ID", "OK", "SHA", "auth"}


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def messages(catalog: Catalog) -> Iterator[Message]:
    return (message for message in catalog if message.id)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def problems_of(template: Catalog, translated: Catalog) -> list[str]:
    """Every way a language's catalogue falls short of the template: missing, empty, fuzzy, placeholders."""
    found = []
    for source in messages(template):
        entry = translated.get(source.id, context=source.context)
        label = (source.id[0] if isinstance(source.id, tuple) else source.id)[:70]
        if entry is None:
            found.append(f"missing: {label!r}")
            continue
        forms = entry.string if isinstance(entry.string, tuple | list) else (entry.string,)
        if entry.fuzzy or not forms or not all(forms):
            found.append(f"{'fuzzy' if entry.fuzzy else 'untranslated'}: {label!r}")
            continue
        ids = source.id if isinstance(source.id, tuple) else (source.id,)
        for index, form in enumerate(forms):
            want = placeholders(ids[min(index, len(ids) - 1)])
            got = placeholders(form)
            # A singular form may say "one reply" without the number; it may not invent or lose anything else.
            if got != want and not (len(ids) > 1 and set(got) <= set(want) and set(want) - set(got) <= {"%(num)d"}):
                found.append(f"placeholders {got} instead of {want}: {label!r}")
    return found


@pytest.fixture(scope="module")
def template() -> Catalog:
    return read_catalog(TRANSLATIONS / "messages.pot")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated(template: Catalog, language: str) -> None:
    catalog = read_catalog(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")
    problems = problems_of(template, catalog)
    assert not problems, f"{language}: {len(problems)} problems (make messages, then translate):\n" + \
        "\n".join(problems[:40])


def test_the_template_is_current(tmp_path: Path, template: Catalog) -> None:
    """messages.pot holds exactly what the code marks today (else `make messages` was not run)."""
    fresh = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-c", "import sys; from babel.messages.frontend import main; sys.exit(main())",
                    "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-k", "lazy_pgettext:1c,2",
                    "-k", "_p:1c,2", "-o", str(fresh), "."],
                   cwd=ROOT, check=True)
    marked = {(message.id, message.context) for message in messages(read_catalog(fresh))}
    listed = {(message.id, message.context) for message in messages(template)}
    assert marked == listed, (f"run `make messages`: not in messages.pot: {sorted(map(str, marked - listed))[:10]}; "
                              f"no longer marked: {sorted(map(str, listed - marked))[:10]}")


def test_every_catalogue_is_offered_and_named() -> None:
    from cmc.i18n import LANGUAGE_NAMES

    assert set(LANGUAGES) >= {"es", "fr", "nl"}
    assert set(LANGUAGE_NAMES) == {"en", *LANGUAGES}, "name each language of platform/cmc/translations in itself"


def test_the_check_sees_each_kind_of_problem() -> None:
    template = Catalog()
    for msgid in ("Open", "Saved %(n)d", "Gone", "Fuzzy"):
        template.add(msgid)
    template.add(("%(num)d reply", "%(num)d replies"))
    translated = Catalog(locale="fr")
    translated.add("Open", "Ouvrir")
    translated.add("Saved %(n)d", "Enregistré")  # drops the placeholder
    translated.add("Fuzzy", "Flou", flags=["fuzzy"])
    translated.add(("%(num)d reply", "%(num)d replies"), ("une réponse", "%(num)d réponses"))  # allowed
    problems = problems_of(template, translated)
    assert len(problems) == 3, problems
    assert any("missing" in p and "Gone" in p for p in problems)
    assert any("fuzzy" in p for p in problems)
    assert any("placeholders" in p for p in problems)


# --- Nothing readable left unmarked --------------------------------------------------------------------------

_TAG = re.compile(r"<(script|style)\b.*?</\1>|<!--.*?-->|<[^>]*>", re.S)
_READABLE_ATTRIBUTE = re.compile(r"""\b(?:title|alt|placeholder|aria-label|data-confirm)\s*=\s*(["'])(.*?)\1""",
                                 re.S)
_WORD = re.compile(r"[^\W\d_]{2,}")


def readable_words(text: str) -> list[str]:
    """Words a person would read in a piece of template text, outside names and codes."""
    text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
    return [word for word in _WORD.findall(text) if word not in SAME_EVERYWHERE]


def unmarked_in_template(source: str) -> list[str]:
    """Readable text in a template's markup that is not inside ``{{ }}`` (where ``_()`` marks it): the markup
    with every Jinja expression and statement blanked out, its tags and their attributes removed except those
    a person reads (title, alt, placeholder, aria-label, data-confirm)."""
    markup = "".join(value if kind == "data" else "\x00"
                     for _line, kind, value in Environment(extensions=["jinja2.ext.i18n"], autoescape=True).lex(source))
    found = []
    for tag in re.findall(r"<[^>]*>", _TAG.sub(lambda m: m.group(0) if m.group(0).startswith("<") and
                                              not m.group(0).startswith(("<script", "<style", "<!--")) else " ",
                                              markup)):
        for _quote, attribute in _READABLE_ATTRIBUTE.findall(tag):
            found += readable_words(attribute)
    return found + readable_words(_TAG.sub(" ", markup))


def test_templates_have_no_unmarked_text() -> None:
    offenders = {}
    for path in sorted((ROOT / "templates").rglob("*.html")):
        words = unmarked_in_template(path.read_text(encoding="utf-8"))
        if words:
            offenders[str(path.relative_to(ROOT))] = words[:8]
    assert not offenders, f"wrap these in {{{{ _('...') }}}}: {offenders}"


def test_the_template_check_sees_unmarked_text() -> None:
    assert unmarked_in_template('<p title="Close it">{{ _("Fine") }} Not marked</p>') == ["Close", "it", "Not",
                                                                                           "marked"]
    assert unmarked_in_template('<p>{{ _("Fine") }} &middot; CMC</p><style>p { color: red }</style>') == []


def unmarked_in_script(source: str) -> list[str]:
    """String literals of a script that read as prose ("Upload complete") and are not the first argument
    of ``_()`` or ``ngettext()``; identifiers, selectors, event names and CSS classes do not read as prose."""
    found = []
    with warnings.catch_warnings():  # Babel's own tokenizer, deprecated as public API but the extractor's truth
        warnings.simplefilter("ignore", DeprecationWarning)
        tokens = [token for token in tokenize(source) if token.type not in ("linecomment", "multilinecomment")]
    for index, token in enumerate(tokens):
        if token.type != "string":
            continue
        text = token.value[1:-1]
        if not re.search(r"[A-Z][a-z]+[ .,:]|[a-z]+ [a-z]+ [a-z]+", text) or re.search(r"[#\[\]={}]|^[\w-]+:", text):
            continue
        before = [t.value for t in tokens[max(0, index - 4):index]]
        if before and before[-1] in ("=", "==", "!=") and len(before) > 1 and before[-2] in ("==", "!=", "!"):
            # compared with a code a library sends (babel's lexer splits === as == and =)
            continue
        call = before[-2:] in (["_", "("], ["gettext", "("]) or "ngettext" in before
        if not call:
            found.append(text)
    return found


def test_scripts_have_no_unmarked_text() -> None:
    offenders = {}
    for path in sorted((ROOT / "static" / "js").glob("*.js")):
        strings = unmarked_in_script(path.read_text(encoding="utf-8"))
        if strings:
            offenders[path.name] = strings[:8]
    assert not offenders, f"wrap these in _(\"...\") (window.CMC.gettext): {offenders}"


def test_the_script_check_sees_unmarked_text() -> None:
    source = 'x.textContent = "Upload complete"; y = _("Marked here"); z = el("div", "d-flex gap-2");'
    assert unmarked_in_script(source) == ["Upload complete"]


#: Calls whose first argument a person reads: it must be marked (``_("...")``), never a bare literal.
READ_BY_PEOPLE = {"flash", "ValidationError", "DeniedError", "ConflictError", "GoneError", "NotFoundError",
                  "ServiceError", "error_response", "abort_with"}


def unmarked_in_python(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        first = node.args[0]
        if name in READ_BY_PEOPLE and ((isinstance(first, ast.Constant) and isinstance(first.value, str))
                                       or isinstance(first, ast.JoinedStr)):
            found.append(ast.unparse(first)[:60])
    return found


def test_python_messages_are_marked() -> None:
    offenders = {}
    for path in sorted((ROOT / "platform" / "cmc").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        strings = unmarked_in_python(path.read_text(encoding="utf-8"))
        if strings:
            offenders[str(path.relative_to(ROOT))] = strings
    assert not offenders, f"mark these with _(): {offenders}"


def test_the_python_check_sees_unmarked_text() -> None:
    assert unmarked_in_python('flash("Saved")\nflash(_("Fine"))\nraise ValidationError(f"Bad {x}")') == \
        ["'Saved'", "f'Bad {x}'"]
