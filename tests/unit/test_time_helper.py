"""The one time helper: each language's own order and words, the reader's zone named by its offset, and the
same text as the browser writes with the options of static/js/i18n.js (checked in tests/browser)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from flask import Flask

from cmc.i18n import from_accept_language, timefmt

MOMENT = datetime(2026, 11, 30, 13, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def app_context():
    app = Flask("t")
    app.config["LANGUAGES"] = {"en": "English", "es": "Español", "fr": "Français", "nl": "Nederlands"}
    with app.app_context():
        yield


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "30 Nov 2026, 09:05 UTC\u22124"),
    ("es", "30 nov 2026, 9:05 UTC\u22124"),
    ("fr", "30 nov. 2026, 09:05 UTC\u22124"),
    ("nl", "30 nov 2026, 09:05 UTC\u22124"),
])
def test_a_moment_in_each_language_and_the_readers_zone(language, expected):
    assert timefmt.show(MOMENT, zone="America/Port_of_Spain", locale=language) == expected


def test_zones_are_named_by_their_offset_at_that_moment():
    assert timefmt.show(MOMENT, zone="UTC", locale="en").endswith(" UTC")
    assert timefmt.show(MOMENT, zone="Asia/Kolkata", locale="en").endswith("18:35 UTC+5:30")
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert timefmt.show(summer, zone="America/Havana", locale="en").endswith("08:00 UTC\u22124")  # daylight time
    assert timefmt.show(MOMENT, zone="America/Havana", locale="en").endswith("08:05 UTC\u22125")


def test_naive_values_from_the_database_are_utc():
    assert timefmt.show(MOMENT.replace(tzinfo=None), zone="America/Port_of_Spain", locale="en") == \
        "30 Nov 2026, 09:05 UTC\u22124"


def test_days_and_clock_times_are_not_moved_between_zones():
    assert timefmt.show(date(2026, 12, 1), "day", locale="fr") == "mardi 1 décembre 2026"
    assert timefmt.show(date(2026, 12, 1), "day", locale="es") == "martes, 1 de diciembre de 2026"
    assert timefmt.show(date(2026, 12, 1), "date", locale="nl") == "1 dec 2026"
    assert timefmt.show(time(9, 30), "time", locale="es") == "9:30"
    assert timefmt.show(time(9, 30), "time", locale="en") == "09:30"
    assert timefmt.show_range(date(2026, 12, 1), date(2026, 12, 3), locale="fr") == "1\u20133 déc. 2026"
    assert timefmt.show_range(date(2026, 12, 1), date(2026, 12, 1), locale="en") == "1 Dec 2026"


def test_nothing_shows_as_nothing_and_an_unknown_zone_as_utc():
    assert timefmt.show(None) == ""
    assert timefmt.show(MOMENT, zone="Mars/Olympus_Mons", locale="en").endswith("13:05 UTC")


@pytest.mark.usefixtures("app_context")
@pytest.mark.parametrize(("header", "expected"), [
    ("es-DO,es;q=0.9", "es"),
    ("nl-SR, en;q=0.8", "nl"),
    ("en;q=0.2, fr;q=0.9", "fr"),
    ("de, pap", None),
    ("fr;q=0, es", "es"),  # q=0 means "not this one"
    ("fr;q=abc, nl", "nl"),
    ("", None),
    ("es;q=0.1," * 2000, "es"),
])
def test_accept_language(header, expected):
    assert from_accept_language(header) == expected


def test_codes_read_as_words_in_the_readers_language(app_context):
    from flask_babel import Babel, force_locale

    from cmc.i18n.labels import LABELS, label

    Babel(_app_with_catalogues())
    assert label("severity", "Severe") == "Severe"
    # Words are kept per catalogue once looked up: switching languages inside a request (a mail in the
    # recipient's language) and back must give each language its own word, the first time and the next.
    for _ in range(2):
        with force_locale("fr"):
            french = label("severity", "Severe")
            assert french != "Severe"  # the French catalogue's word
        with force_locale("nl"):
            assert label("severity", "Severe") not in ("Severe", french)
        assert label("severity", "Severe") == "Severe"
    assert label("severity", "Catastrophic") == "Catastrophic"  # a code from a newer sender shows as it is
    assert label("nonsense", "x") == "x"
    assert all(LABELS[kind] for kind in LABELS)


def _app_with_catalogues() -> Flask:
    from flask import current_app

    from cmc.config import LANGUAGE_NAMES

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).resolve().parents[2] / "platform" / "cmc"
                                                      / "translations")
    app.config["LANGUAGES"] = dict(LANGUAGE_NAMES)
    return app


# An agenda item's wall-clock time in the meeting's zone, on the reader's clock (timefmt.elsewhere).
PORT_OF_SPAIN = "America/Port_of_Spain"


def test_the_readers_time_is_not_repeated_when_both_clocks_read_the_same():
    # July: Havana is on daylight time (UTC-4), Port of Spain never changes (UTC-4): the same clock.
    havana = timefmt.zone_named("America/Havana")
    assert timefmt.elsewhere(date(2036, 7, 15), time(9), time(10), zone=PORT_OF_SPAIN, viewer=havana,
                             locale="en") == ""
    assert timefmt.elsewhere(date(2036, 7, 15), time(9), zone=PORT_OF_SPAIN, viewer=timefmt.zone_named(
        PORT_OF_SPAIN), locale="en") == ""


def test_the_readers_time_follows_their_daylight_saving():
    # January: Havana is back on standard time (UTC-5), an hour behind Port of Spain.
    havana = timefmt.zone_named("America/Havana")
    assert timefmt.elsewhere(date(2036, 1, 15), time(9), time(10), zone=PORT_OF_SPAIN, viewer=havana,
                             locale="en") == "08:00\u201309:00"
    # And the other way round in July: the meeting in Havana (daylight time), the reader in Mexico City (UTC-6).
    assert timefmt.elsewhere(date(2036, 7, 15), time(9), zone="America/Havana",
                             viewer=timefmt.zone_named("America/Mexico_City"), locale="en") == "07:00"


def test_an_item_on_another_day_of_the_readers_clock_shows_that_day():
    paris = timefmt.zone_named("Europe/Paris")
    # 20:30 in Port of Spain on 17 November is 01:30 on the 18th in Paris.
    assert timefmt.elsewhere(date(2036, 11, 17), time(20, 30), time(21, 0), zone=PORT_OF_SPAIN, viewer=paris,
                             locale="fr") == "18 nov., 01:30\u201302:00"
    # Starting before midnight and ending after it: the end says its day.
    assert timefmt.elsewhere(date(2036, 11, 17), time(17, 30), time(19, 30), zone=PORT_OF_SPAIN, viewer=paris,
                             locale="en") == "22:30\u201318 Nov, 00:30"


def test_at_meeting_is_the_moment_of_a_wall_clock_time_in_a_zone():
    moment = timefmt.at_meeting(date(2036, 11, 17), time(9), PORT_OF_SPAIN)
    assert moment.astimezone(UTC) == datetime(2036, 11, 17, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize("locale", ["en_TT", "es", "fr", "nl", "en", "pt_BR", "ar", "ja"])
def test_the_compiled_formatter_writes_what_babel_writes(locale):
    """Each style is compiled once per language (timefmt.formatter); its text is Babel's, letter for letter,
    over a year of moments at every hour, for the platform's languages and some with other patterns (those
    fall back to Babel's own formatting for fields the table does not know)."""
    from datetime import timedelta

    from babel.dates import format_datetime

    start = datetime(2026, 1, 1, 0, 0, 7)
    for style in timefmt.PARTS:
        compiled, pattern = timefmt.formatter(locale, style), timefmt.pattern(style, locale)  # type: ignore[arg-type]
        assert timefmt.formatter(locale, style) is compiled  # cached
        for step in range(0, 24 * 370, 5):
            moment = start + timedelta(hours=step, minutes=step % 60)
            assert compiled(moment) == format_datetime(moment, pattern, locale=locale), (style, moment)


def test_a_field_the_table_does_not_know_falls_back_to_babel(monkeypatch):
    monkeypatch.setitem(timefmt.PARTS, "quarter", ("QQQ y", ""))
    monkeypatch.setattr(timefmt, "_part", lambda _locale, name, date_part: name)
    timefmt.formatter.cache_clear()
    timefmt._pattern.cache_clear()
    try:
        assert timefmt.formatter("en_TT", "quarter")(datetime(2026, 11, 30)) == "Q4 2026"
    finally:
        timefmt.formatter.cache_clear()
        timefmt._pattern.cache_clear()
