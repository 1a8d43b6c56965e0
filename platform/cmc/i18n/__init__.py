"""Which language a person reads the platform in.

A signed-in person reads it in their account's language (settings; set at invitation by whoever invites). A
signed-out visitor reads it in the language they picked with the switch in the header (``?lang=`` on any page,
kept in the ``cmc_lang`` cookie, so it works without JavaScript), else the best match of their browser's
``Accept-Language``, else English. A code the platform does not offer is ignored wherever it comes from.

Below the layers, like ``config.py``: services (mail in the recipient's language), pages and scripts use it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app, has_request_context, request
from flask_babel import force_locale
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

#: Every language the platform ships, by code, in its own name (the switch shows each in itself).
LANGUAGE_NAMES = {"en": "English", "es": "Español", "fr": "Français", "nl": "Nederlands"}
DEFAULT = "en"
COOKIE = "cmc_lang"
#: A browser sends a few dozen bytes; a longer header is cut at its last complete entry before parsing, so a
#: 10 KB header costs no more than a normal one.
MAX_ACCEPT_LANGUAGE = 512


def available() -> dict[str, str]:
    """The languages this installation offers (``LANGUAGES`` setting), code -> name in that language."""
    return dict(current_app.config.get("LANGUAGES") or {DEFAULT: LANGUAGE_NAMES[DEFAULT]})


def is_available(code: Any) -> bool:
    """True for a code this installation offers ("fr"), False for anything else, including non-strings."""
    return isinstance(code, str) and code in available()


def from_accept_language(header: str) -> str | None:
    """The offered language that best matches an ``Accept-Language`` header ("es-DO" matches "es"), or None.

    Werkzeug's parser drops entries whose weight is not a number from 0 to 1."""
    if not header:
        return None
    if len(header) > MAX_ACCEPT_LANGUAGE:
        header = header[:MAX_ACCEPT_LANGUAGE].rsplit(",", 1)[0]
    # Best first; each entry matches by its primary subtag ("nl-SR" offers "nl"), so a preferred regional
    # variant wins over a less preferred exact match ("nl-SR, en;q=0.8" is Dutch).
    for tag, quality in parse_accept_header(header, LanguageAccept):
        primary = tag.split("-")[0].split("_")[0].lower()
        if quality > 0 and is_available(primary):
            return primary
    return None


def requested_language() -> str | None:
    """The language a signed-out visitor asked for: ``?lang=`` on this request, else their cookie."""
    if not has_request_context():
        return None
    for code in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if is_available(code):
            return code
    return None


def select_locale() -> str:
    """Flask-Babel's locale selector: the account's language, else the visitor's choice, else the browser's."""
    from flask_login import current_user

    if getattr(current_user, "is_authenticated", False):
        return current_user.language if is_available(current_user.language) else DEFAULT
    if not has_request_context():
        return DEFAULT
    return requested_language() or from_accept_language(request.headers.get("Accept-Language", "")) or DEFAULT


def language_of(account: Any) -> str:
    """The language to write to a person in (mail, notifications): theirs if offered, else English."""
    code = getattr(account, "language", None)
    return code if is_available(code) else DEFAULT


@contextmanager
def in_language_of(account: Any) -> Iterator[None]:
    """Render what is inside (a mail's subject and body) in the recipient's language, not the sender's."""
    with force_locale(language_of(account)):
        yield
