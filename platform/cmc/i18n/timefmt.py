"""The one way the platform shows a date or a time.

Every date and time a person reads (pages, mails, the agenda PDF, live updates) is written by :func:`show`: in
the reader's language, in the reader's time zone (settings; taken from the browser at the first sign-in), with
the zone named whenever a clock time is shown. Scripts do the same with ``Intl.DateTimeFormat``, given the
language and zone the page declares on ``<html>`` (``static/js/i18n.js``), never the browser's own defaults.

Machine formats (ISO 8601 in JSON, CAP's timestamps, the audit export) are not shown to people and stay as they
are. The formats are CLDR skeletons, so each language orders and spells them its own way ("30 Nov 2026, 14:05",
"30 nov. 2026, 14:05", "30 nov 2026, 14:05").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, tzinfo
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import match_skeleton, parse_pattern
from flask import current_app, g, has_app_context, has_request_context
from flask_login import current_user

from cmc.i18n.catalogues import request_locale

Style = Literal["datetime", "datetime_seconds", "date", "day", "time", "short_date", "short_datetime", "month"]

#: Each style as the language writes it: CLDR's own medium and full date patterns, and 24-hour clock times from
#: the "Hm" skeleton (the region's official usage), joined by the language's medium date-time pattern ("{1},
#: {0}"), as ``Intl.DateTimeFormat`` does in the browser with the options of ``static/js/i18n.js``.
PARTS: dict[str, tuple[str, str]] = {
    "datetime": ("medium", "Hm"),  # 30 Nov 2026, 14:05 UTC-4 (with a minus sign)
    "datetime_seconds": ("medium", "Hms"),  # the audit trail
    "date": ("medium", ""),  # 30 Nov 2026
    "day": ("full", ""),  # Monday 30 November 2026 (agenda days)
    "short_date": ("MMMd", ""),  # 30 Nov
    "time": ("", "Hm"),  # 14:05
    "short_datetime": ("MMMd", "Hm"),  # 30 Nov, 14:05 (a meeting's time on another day of the reader's clock)
    "month": ("yMMM", ""),  # Nov 2026 (a month of a chart)
}
WITH_ZONE = ("datetime", "datetime_seconds", "time")


#: The regional variant whose conventions a language's dates follow: the English of the Caribbean writes "30 Nov
#: 2026" (CLDR's plain "en" is the United States' "Nov 30, 2026").
FORMAT_LOCALES = {"en": "en_TT"}


def format_locale(language: str) -> str:
    """The CLDR locale dates are written in for an interface language ("en" -> "en_TT", "fr" -> "fr")."""
    return FORMAT_LOCALES.get(language, language)


def _locale_code() -> str:
    found = request_locale() if has_app_context() else None
    if found:
        return _format_code(found)
    from cmc.i18n import DEFAULT  # the package imports this module: read when first needed

    return format_locale(DEFAULT)


@lru_cache(maxsize=64)
def _format_code(found: Locale) -> str:
    # str(Locale) rebuilds the identifier at each call (3-12 µs, measured): once per locale is enough.
    return format_locale(str(found))


@contextmanager
def in_zone_of(account: Any) -> Iterator[None]:
    """Write the dates inside (a mail, a notification) in another person's time zone: the recipient's."""
    saved = g.get("cmc_zone")
    g.cmc_zone = zone_named(getattr(account, "timezone", None))
    try:
        yield
    finally:
        g.cmc_zone = saved


def viewer_zone() -> tzinfo:
    """The time zone of the person reading: the recipient's inside :func:`in_zone_of`, else the signed-in
    person's, else the installation's default (UTC)."""
    if not has_app_context():
        return UTC
    forced = g.get("cmc_zone")
    if forced is not None:
        return forced
    # Flask-Login keeps the request's user on g once loaded: read there, a page of 100 dates does not go
    # through the current_user proxy 200 times.
    user = g.get("_login_user")
    if user is None and has_request_context():
        user = current_user._get_current_object()
    if getattr(user, "is_authenticated", False):
        return zone_named(user.timezone)
    return zone_named(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC"))


@lru_cache(maxsize=512)
def zone_named(name: str | None) -> tzinfo:
    """The zone of an IANA name; UTC for a name this machine does not know (never an error on a page)."""
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


@lru_cache(maxsize=256)
def _pattern(locale_code: str, style: str) -> str:
    locale = Locale.parse(locale_code)
    day, clock = PARTS[style]
    parts = [_part(locale, day, date_part=True)] if day else []
    parts += [_part(locale, clock, date_part=False)] if clock else []
    if len(parts) == 1:
        return parts[0]
    return str(locale.datetime_formats["medium"]).replace("{1}", parts[0]).replace("{0}", parts[1])


def _part(locale: Locale, name: str, *, date_part: bool) -> str:
    if date_part and name in ("medium", "full"):
        return str(locale.date_formats[name].pattern)
    found = match_skeleton(name, locale.datetime_skeletons, allow_different_fields=True)
    return str(locale.datetime_skeletons[found].pattern) if found else ("HH:mm" if not date_part else "d MMM")


#: What each pattern field of the platform's styles writes, from the locale's names (Babel's own rules for these
#: fields: numbers unpadded for one letter, two digits for two; CLDR's "format" names of months and days).
_FIELDS: dict[str, Callable[[Locale], Callable[[datetime], str]]] = {
    "d": lambda _loc: lambda m: str(m.day),
    "dd": lambda _loc: lambda m: f"{m.day:02d}",
    "M": lambda _loc: lambda m: str(m.month),
    "MM": lambda _loc: lambda m: f"{m.month:02d}",
    "MMM": lambda loc: (lambda names: lambda m: names[m.month])(loc.months["format"]["abbreviated"]),
    "MMMM": lambda loc: (lambda names: lambda m: names[m.month])(loc.months["format"]["wide"]),
    "y": lambda _loc: lambda m: str(m.year),
    "yyyy": lambda _loc: lambda m: f"{m.year:04d}",
    "EEEE": lambda loc: (lambda names: lambda m: names[m.weekday()])(loc.days["format"]["wide"]),
    "H": lambda _loc: lambda m: str(m.hour),
    "HH": lambda _loc: lambda m: f"{m.hour:02d}",
    "mm": lambda _loc: lambda m: f"{m.minute:02d}",
    "ss": lambda _loc: lambda m: f"{m.second:02d}",
}
_FIELD = re.compile(r"%\((\w+)\)s")


@lru_cache(maxsize=256)
def formatter(locale_code: str, style: str) -> Callable[[datetime], str]:
    """The style's pattern in the language, compiled once: a function from a moment (already in the zone it is
    shown in) to its text. Babel's ``format_datetime`` parsed the locale and the pattern and looked every name up
    again at each call (21.9 µs, measured; 125 calls on the alerts list). A field this table does not know is
    left to Babel, so any pattern CLDR gives still comes out right."""
    locale = Locale.parse(locale_code)
    parsed = parse_pattern(_pattern(locale_code, style))
    names = _FIELD.findall(parsed.format)
    if not all(name in _FIELDS for name in names):
        return lambda moment: str(parsed.apply(moment, locale))
    fields = [(name, _FIELDS[name](locale)) for name in names]
    template = parsed.format
    return lambda moment: template % {name: write(moment) for name, write in fields}


def pattern(style: Style, locale: str | None = None) -> str:
    """The CLDR pattern :func:`show` writes a style with in a language ("d MMM y, HH:mm" for English)."""
    return _pattern(locale or _locale_code(), style)


def _as_datetime(value: datetime | date | time) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)  # the database hands back naive UTC
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return datetime(2000, 1, 1, value.hour, value.minute, value.second)


def show(value: Any, style: Style = "datetime", *, zone: tzinfo | str | None = None, locale: str | None = None,
         with_zone: bool | None = None) -> str:
    """A date or time as people read it: ``""`` for None; a ``datetime`` in ``zone`` (default: the reader's),
    named after the time; a ``date`` or a ``time`` (an agenda day, an item's start) as it is, with no zone
    unless one is given. ``locale`` and ``zone`` are for writing to someone else (a mail's recipient)."""
    if value is None or value == "":
        return ""
    locale = format_locale(locale) if locale else _locale_code()
    aware = isinstance(value, datetime)
    target = zone_named(zone) if isinstance(zone, str) else zone
    moment = _as_datetime(value)
    if aware:
        moment = moment.astimezone(target or viewer_zone())
    text = formatter(locale, style)(moment)
    named = with_zone if with_zone is not None else (style in WITH_ZONE and (aware or target is not None))
    if named:
        shown_zone = moment.tzinfo if aware else target
        text = f"{text} {zone_label(shown_zone or UTC, moment, locale)}"
    return text


def zone_label(zone: tzinfo, moment: datetime | None = None, locale: str | None = None) -> str:
    """A zone as its offset from UTC at that moment ("UTC-4" with a minus sign, "UTC+5:30", "UTC"): the same
    in every language and in scripts, and never ambiguous as abbreviations are (AST is Atlantic and Arabia
    Standard Time)."""
    at = (moment or datetime.now(UTC)).astimezone(zone)
    offset = at.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    if not minutes:
        return "UTC"
    sign = "+" if minutes > 0 else "\u2212"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def show_range(start: date, end: date, *, locale: str | None = None) -> str:
    """Two days of a meeting as one range ("1-3 Dec 2026"); one day alone when they are the same."""
    from babel.dates import format_interval

    locale = format_locale(locale) if locale else _locale_code()
    if start == end:
        return show(start, "date", locale=locale)
    return str(format_interval(start, end, "yMMMd", locale=locale))


def at_meeting(day: date, clock: time, zone: tzinfo | str) -> datetime:
    """The moment a wall-clock time on a day reads in a zone (an agenda item's start in the meeting's zone)."""
    return datetime.combine(day, clock, zone_named(zone) if isinstance(zone, str) or zone is None else zone)


def same_clock(zone: tzinfo, other: tzinfo, moment: datetime) -> bool:
    """Whether two zones' clocks read the same at that moment (Havana and Port of Spain in July, not in
    January): a second time is worth showing only when they do not."""
    return moment.astimezone(zone).utcoffset() == moment.astimezone(other).utcoffset()


def elsewhere(day: date, start: time, end: time | None = None, *, zone: tzinfo | str,
              viewer: tzinfo | None = None, locale: str | None = None) -> str:
    """An agenda item's times (wall clock in the meeting's ``zone``) as the ``viewer``'s clock reads them
    ("08:00-09:00"), with the date when the viewer's day is not the item's ("18 Nov, 01:00"); ``""`` when both
    clocks read the same, so nothing more needs saying."""
    meeting_zone = zone_named(zone) if isinstance(zone, str) else zone
    target = viewer or viewer_zone()
    first = at_meeting(day, start, meeting_zone)
    if same_clock(meeting_zone, target, first):
        return ""
    local = first.astimezone(target)
    text = show(local, "short_datetime" if local.date() != day else "time", zone=target, locale=locale,
                with_zone=False)
    if end is not None:
        last = at_meeting(day, end, meeting_zone).astimezone(target)
        style: Style = "short_datetime" if last.date() != local.date() else "time"
        text = f"{text}\u2013{show(last, style, zone=target, locale=locale, with_zone=False)}"
    return text


def script_settings() -> dict[str, str]:
    """What ``static/js/i18n.js`` needs to write dates exactly as the server does, for the page's reader: the
    CLDR locale as a BCP 47 tag ("en-TT") and the IANA zone ("America/Port_of_Spain")."""
    return {"format_locale": _locale_code().replace("_", "-"), "timezone": getattr(viewer_zone(), "key", "UTC")}
