"""Languages and times on pages: the switch of signed-out pages, the filters every template writes dates
with, and the per-language catalogue of the scripts' strings.

Templates write dates only through the filters below (``|datetime``, ``|date``, ``|day``, ``|time``,
``|daterange``), which all call :func:`cmc.i18n.timefmt.show`; ``<html>`` carries the language, the CLDR
locale and the time zone that ``static/js/i18n.js`` formats with.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.extract import extract
from flask import Blueprint, Flask, Response, abort, current_app, request, url_for
from flask_babel import force_locale, get_locale, get_translations
from flask_login import current_user

from cmc import i18n
from cmc.http.access import Access, access
from cmc.i18n import labels, timefmt

bp = Blueprint("i18n", __name__)

#: The plural rule of a catalogue is written into the served script as code, so it must be nothing but the
#: arithmetic of gettext's C expressions (our own .po files; this refuses a header that smuggles anything else).
_PLURAL_EXPR = re.compile(r"^[n0-9\s()<>=!&|?:%+*/-]+$")
YEAR = 365 * 24 * 3600


def install(app: Flask) -> None:
    """Filters, the page's language settings and the ``?lang=`` cookie, on the app."""
    for name, style in (("datetime", "datetime"), ("date", "date"), ("day", "day"), ("time", "time"),
                        ("datetime_seconds", "datetime_seconds"), ("short_date", "short_date"), ("month", "month")):
        app.jinja_env.filters[name] = _filter(style)
    app.jinja_env.filters["daterange"] = lambda start, end: timefmt.show_range(start, end)
    app.jinja_env.globals["show_time"] = timefmt.show
    # {{ alert.severity|label('severity') }}: the reader's word for a code (cmc/i18n/labels.py).
    app.jinja_env.filters["label"] = lambda code, kind: labels.label(kind, code)
    app.context_processor(_page_language)
    app.after_request(_remember_choice)
    app.register_blueprint(bp)


def _filter(style: Any) -> Any:
    def apply(value: Any, zone: Any = None) -> str:
        return timefmt.show(value, style, zone=zone)

    return apply


def _page_language() -> dict[str, Any]:
    language = str(get_locale() or i18n.DEFAULT)
    settings = timefmt.script_settings()
    return {
        "page_language": language,
        "page_format_locale": settings["format_locale"],
        "page_timezone": settings["timezone"],
        "languages": i18n.available(),
        "catalogue_url": catalogue_url(language),
    }


def _remember_choice(response: Response) -> Response:
    """A signed-out visitor who picked a language with the switch keeps it on the next pages (a cookie, not the
    session: it says nothing about them). A code the platform does not offer is ignored."""
    chosen = request.args.get("lang")
    if i18n.is_available(chosen) and not getattr(current_user, "is_authenticated", False):
        response.set_cookie(i18n.COOKIE, str(chosen), max_age=YEAR, samesite="Lax", httponly=True,
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response


@lru_cache(maxsize=1)
def script_msgids() -> tuple[tuple[str, str | None], ...]:
    """Every (msgid, plural) marked in ``static/js/`` (``_("...")``, ``ngettext("...", "...", n)``)."""
    found: dict[str, str | None] = {}
    root = Path(current_app.static_folder or "static") / "js"
    for path in sorted(root.glob("*.js")):
        with path.open("rb") as handle:
            for _line, message, _comments, _context in extract("javascript", handle):
                if isinstance(message, tuple):
                    found[message[0]] = message[1]
                elif message:
                    found[message] = None
    return tuple(found.items())


@lru_cache(maxsize=16)
def catalogue_script(language: str) -> str:
    """The script that hands ``static/js/i18n.js`` one language's translations of the scripts' strings."""
    with force_locale(language):
        translations = get_translations()
        catalog = getattr(translations, "_catalog", {})
        messages: dict[str, Any] = {}
        for msgid, plural in script_msgids():
            if plural is None:
                text = catalog.get(msgid)
                if text:
                    messages[msgid] = text
            else:
                forms = [catalog.get((msgid, index)) for index in range(6)]
                forms = [form for form in forms if form is not None]
                if forms:
                    messages[msgid] = forms
        info = getattr(translations, "_info", {})
    rule = re.search(r"plural=(.*?);?\s*$", info.get("plural-forms", "")) if info else None
    expression = rule.group(1) if rule and _PLURAL_EXPR.match(rule.group(1)) else "n != 1"
    body = json.dumps(messages, ensure_ascii=False, sort_keys=True)
    return (f"window.CMC_MESSAGES = {body};\n"
            f"window.CMC_PLURAL = function (n) {{ return Number({expression}); }};\n")


@lru_cache(maxsize=16)
def catalogue_version(language: str) -> str:
    """A short hash of a language's catalogue script: its URL changes when its content does."""
    return hashlib.sha256(catalogue_script(language).encode()).hexdigest()[:12]


def catalogue_url(language: str) -> str | None:
    """Where a page loads its scripts' strings (None in English, where they are the source), versioned by
    content so browsers may keep it a year."""
    if language == i18n.DEFAULT or not i18n.is_available(language):
        return None
    return url_for("i18n.catalogue", language=language, v=catalogue_version(language))


@bp.get("/i18n/<language>.js")
@access(Access.PUBLIC)
def catalogue(language: str) -> Response:
    """One language's translations of the strings in ``static/js/``, as a script."""
    if not i18n.is_available(language):
        abort(404)
    response = Response(catalogue_script(language), mimetype="text/javascript")
    if request.args.get("v") == catalogue_version(language):
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response
