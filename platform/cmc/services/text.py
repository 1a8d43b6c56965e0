"""Text that leaves the platform as XML, iCalendar, PDF, CSV or JSON: one rule at input, one cleaner per
kind of output.

XML 1.0 allows only these characters (production [2] ``Char``): tab, line feed, carriage return, U+0020 to
U+D7FF, U+E000 to U+FFFD and U+10000 to U+10FFFF. Anything else (NUL and the other C0 controls, lone
surrogates, U+FFFE, U+FFFF) cannot be written in any XML document: an alert holding one could never be
exported as CAP, and one such alert in a network's Atom feed breaks the whole feed for every reader.
PostgreSQL refuses NUL in text outright, and a lone surrogate cannot even be encoded as UTF-8, so the same
characters also break the CSV export and the PDF agenda.

Services call :func:`check` on every text a person gives them that can reach one of those outputs (the page
shows the field error, the API answers 422 naming the field). Writers call :func:`xml_safe` or
:func:`plain_safe` on what they emit, so that rows stored before the rule existed cannot break an export.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from cmc.services.errors import ValidationError

#: A character XML 1.0 forbids (the complement of production [2] Char).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: Control characters iCalendar forbids in TEXT (RFC 5545 3.3.11: CONTROL is U+0000-U+0008, U+000A-U+001F and
#: U+007F; a line feed is written escaped by the library) and a carriage return, which would end the line.
_CONTROL = re.compile("[\u0000-\u0008\u000b-\u001f\u007f]")
#: What a forbidden character becomes in an export: visible, so a reader can tell something was there.
REPLACEMENT = "\ufffd"


def first_forbidden(value: str) -> tuple[int, str] | None:
    """Where the first character XML 1.0 forbids is in ``value`` (position, character); None when clean."""
    match = _NOT_XML.search(value)
    return (match.start(), match.group()) if match else None


def problem(value: str | None) -> str | None:
    """A message for a person when ``value`` holds a character that cannot be stored; None when it is fine."""
    found = first_forbidden(value or "")
    if found is None:
        return None
    position, char = found
    return _("Remove the invisible control character U+%(code)04X (character %(n)d): it cannot be stored "
             "or exported.", code=ord(char), n=position + 1)


def field_errors(**values: str | None) -> dict[str, str]:
    """A message per field (named as the form and the API name it) whose text cannot be stored."""
    errors: dict[str, str] = {}
    for name, value in values.items():
        message = problem(value) if isinstance(value, str) else None
        if message:
            errors[name] = message
    return errors


def check(**values: str | None) -> None:
    """Refuse (ValidationError, 422) text with a character XML 1.0 forbids, naming each field."""
    errors = field_errors(**values)
    if errors:
        raise ValidationError(next(iter(errors.values())), fields=errors)


def xml_safe(value: str | None) -> str:
    """``value`` with every character XML 1.0 forbids replaced by U+FFFD: safe in any XML text or attribute."""
    return _NOT_XML.sub(REPLACEMENT, value or "")


def plain_safe(value: str | None) -> str:
    """``value`` for line-based text formats (iCalendar, CSV): XML-safe, carriage returns made line feeds,
    and no other control character but tab and line feed."""
    normalised = xml_safe(value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(REPLACEMENT, normalised)


def csv_cell(value: object) -> str:
    """``value`` as a CSV cell a spreadsheet shows as text: line-safe (:func:`plain_safe`), and prefixed with
    an apostrophe when it starts like a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return), which a
    spreadsheet would otherwise run (CSV injection)."""
    text_value = plain_safe("" if value is None else str(value))
    if text_value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text_value
    return text_value


def css_string(text: str) -> str:
    """``text`` as the inside of a CSS string (a page header's ``content``): letters, digits and plain
    punctuation as they are, every other character as a CSS escape, so no quote, backslash or ``</style>``
    can end the string or the style sheet. Characters no document may hold (a lone surrogate, a control
    character) become U+FFFD first: escaped, they would reach the PDF writer intact."""
    return "".join(ch if ch.isalnum() or ch in " .,:;-()/" else f"\\{ord(ch):x} " for ch in plain_safe(text))


def page_counter(template: str) -> str:
    """A CSS ``content`` value for a translated "Page %(n)s of %(total)s" (given with its placeholders left in):
    the words as strings, the numbers as WeasyPrint's page counters, in the order the language puts them."""
    counters = {"%(n)s": "counter(page)", "%(total)s": "counter(pages)"}
    parts = [counters.get(piece) or f'"{css_string(piece)}"'
             for piece in re.split(r"(%\(n\)s|%\(total\)s)", template) if piece]
    return " ".join(parts)


def one_line(value: object, *, field: str, limit: int, missing: str, too_long: str) -> str:
    """``value`` as one line (runs of spaces and line breaks made one space), refused by ``field`` with the
    caller's words when empty (``missing``) or longer than ``limit`` characters (``too_long``)."""
    line = " ".join(str(value or "").split())
    if not line or len(line) > limit:
        message = missing if not line else too_long
        raise ValidationError(message, fields={field: message})
    return line
