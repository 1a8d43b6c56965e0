"""A meeting's pages: item times in the meeting's zone, the reader's beside them, and the printed agenda's CSS
strings (web/meeting_times.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from types import SimpleNamespace

import pytest
import tinycss2
from flask import Flask
from flask_babel import Babel

from cmc.i18n import timefmt
from cmc.web.meeting_times import MeetingClock, css_string, page_counter

MEETING = SimpleNamespace(timezone="America/Port_of_Spain", start_date=date(2036, 11, 17),
                          end_date=date(2036, 11, 18))


@pytest.fixture(autouse=True)
def app_context():
    app = Flask("t")
    Babel(app)
    with app.test_request_context():
        yield


def test_snapshot_rows_and_draft_rows_read_alike():
    clock = MeetingClock(MEETING, viewer=timefmt.zone_named("America/Havana"))
    snapshot = clock.row({"id": 1, "day": "2036-11-17", "start": "09:00", "end": "10:30", "title": "Opening"})
    draft = clock.row(SimpleNamespace(id=1, day=date(2036, 11, 17), start_time=time(9), end_time=time(10, 30)))
    assert (snapshot.day, snapshot.when, snapshot.yours) == (date(2036, 11, 17), "09:00\u201310:30",
                                                              "08:00\u201309:30")
    assert (draft.day, draft.when, draft.yours) == (snapshot.day, snapshot.when, snapshot.yours)
    untimed = clock.row({"id": 2, "day": "2036-11-18", "start": "", "end": "", "title": "Field visit"})
    assert (untimed.when, untimed.yours) == ("", "")


def test_the_notes_name_the_meetings_zone_and_the_readers_only_when_it_differs():
    clock = MeetingClock(MEETING, viewer=timefmt.zone_named("America/Havana"))
    assert clock.zone_note() == "Times are in the meeting's time zone: America/Port_of_Spain (UTC\u22124)."
    assert "America/Havana (UTC\u22125)" in clock.viewer_note()
    assert MeetingClock(MEETING, viewer=timefmt.zone_named("America/Port_of_Spain")).viewer_note() == ""
    assert MeetingClock(MEETING, viewer=timefmt.zone_named("America/Barbados")).viewer_note() == ""  # also UTC-4


def test_published_dates_are_in_the_meetings_zone_whoever_reads():
    moment = datetime(2036, 11, 1, 16, 5, tzinfo=UTC)
    for viewer in ("Europe/Paris", "America/Havana"):
        clock = MeetingClock(MEETING, viewer=timefmt.zone_named(viewer))
        assert clock.published(moment) == "1 Nov 2036, 12:05 UTC\u22124"


@pytest.mark.parametrize("text", ['Say "hi" \\ </style> & {x}', "ligne\nsuivante", "\ud800 lone", "30 nov. 2036"])
def test_a_css_string_reads_back_as_the_text(text):
    tokens = tinycss2.parse_component_value_list(f'"{css_string(text)}"')
    assert [t.type for t in tokens] == ["string"]
    expected = text.replace("\ud800", "\ufffd")
    assert tokens[0].value == expected
    assert "<" not in css_string(text) and '"' not in css_string(text)


def test_the_page_counter_keeps_the_words_in_the_languages_order():
    assert page_counter("Page %(n)s of %(total)s") == '"Page " counter(page) " of " counter(pages)'
    assert page_counter("%(n)s/%(total)s") == 'counter(page) "/" counter(pages)'
