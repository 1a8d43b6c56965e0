"""The timetable's layout (web/timetable.py): rows of 15 minutes from the hour, parallel rooms side by side,
overlapping items of one room in lanes, plenary items spanning every column, untimed items apart, empty days."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask_babel import Babel

from cmc.i18n import timefmt
from cmc.web.meeting_times import MeetingClock
from cmc.web.timetable import TimetableDay, kinds_in, page_context, room_of, timetable, view_of

DAY = date(2036, 11, 17)
NEXT = date(2036, 11, 18)
MEETING = SimpleNamespace(timezone="America/Port_of_Spain", start_date=DAY, end_date=NEXT)


@pytest.fixture(autouse=True)
def app_context():
    app = Flask("t")
    Babel(app)
    with app.test_request_context():
        yield


def _item(n: int, start: str, end: str, room: str | None = "", kind: str = "session", day: date = DAY
          ) -> dict[str, Any]:
    item = {"id": n, "day": day.isoformat(), "start": start, "end": end, "title": f"Item {n}", "kind": kind,
            "session": "", "presenters": "", "description": ""}
    if room is not None:  # None: a snapshot taken before rooms existed
        item["room"] = room
    return item


def _days(items: list[dict[str, Any]], days: list[date] | None = None) -> list[TimetableDay]:
    clock = MeetingClock(MEETING, viewer=timefmt.zone_named("America/Port_of_Spain"))
    return timetable(clock, items, days)


def _placed(day: TimetableDay) -> dict[int, tuple[int, int, int, int]]:
    """Each block as (top row, rows, first column, columns), by item id."""
    return {b.row.item["id"]: (b.top, b.height, b.column, b.width) for b in day.blocks}


def test_parallel_rooms_sit_side_by_side_under_their_names_and_plenary_items_span_them():
    day, = _days([_item(1, "09:00", "09:30", "", "opening"), _item(2, "09:30", "11:00", "Salon A"),
                  _item(3, "09:45", "11:00", "Salon B", "panel"), _item(4, "11:00", "11:30", "", "break")])
    assert day.heads == [("Salon A", 1), ("Salon B", 1)]
    assert day.columns == 2
    # The grid starts on the hour (09:00) and ends on the half hour after the last end (11:30): 10 rows.
    assert len(day.slots) == 10
    assert _placed(day) == {1: (0, 2, 0, 2), 2: (2, 6, 0, 1), 3: (3, 5, 1, 1), 4: (8, 2, 0, 2)}
    assert [s.label for s in day.slots if s.label] == ["09:00", "09:30", "10:00", "10:30", "11:00"]
    assert all(s.label_rows == (2 if s.label else 0) for s in day.slots)
    # Every row holds exactly its free cells and the blocks starting in it: the table's columns add up.
    for index, slot in enumerate(day.slots):
        starting = sum(c.block.width for c in slot.cells if c.block)
        running = sum(1 for b in day.blocks if b.top < index < b.top + b.height for _ in range(b.width))
        assert starting + running + sum(1 for c in slot.cells if not c.block) == 2, index


def test_the_plenary_room_gets_its_own_column_when_it_runs_beside_another_room():
    day, = _days([_item(1, "09:00", "10:00", ""), _item(2, "09:00", "10:00", "Annex")])
    assert day.heads == [("", 1), ("Annex", 1)]
    assert _placed(day) == {1: (0, 4, 0, 1), 2: (0, 4, 1, 1)}


def test_two_items_overlapping_in_one_room_take_two_lanes_of_that_room():
    day, = _days([_item(1, "09:00", "10:00", "Salon A"), _item(2, "09:30", "10:30", "Salon A"),
                  _item(3, "10:00", "11:00", "Salon A"), _item(4, "09:00", "11:00", "Salon B")])
    assert day.heads == [("Salon A", 2), ("Salon B", 1)]
    # Item 3 starts as item 1 ends: it takes item 1's lane again.
    assert _placed(day) == {1: (0, 4, 0, 1), 2: (2, 4, 1, 1), 3: (4, 4, 0, 1), 4: (0, 8, 2, 1)}


def test_one_room_has_no_heads_and_times_off_the_quarter_snap_outwards():
    day, = _days([_item(1, "09:10", "09:50", "Salon A"), _item(2, "13:05", "", "Salon A")])
    assert day.heads == [] and day.columns == 1
    # 09:10-09:50 fills the rows of 09:00-10:00; an item with no end is one row.
    assert _placed(day) == {1: (0, 4, 0, 1), 2: (16, 1, 0, 1)}
    assert len(day.slots) == 18  # to 13:30


def test_untimed_items_are_listed_apart_and_old_snapshots_without_rooms_are_plenary():
    day, = _days([_item(1, "", "", None), _item(2, "10:00", "11:00", None)])
    assert [r.item["id"] for r in day.untimed] == [1]
    assert _placed(day) == {2: (0, 4, 0, 1)}
    assert room_of({"title": "old"}) == "" and room_of({"room": "  Salon   A "}) == "Salon A"


def test_a_day_of_the_meeting_without_items_has_an_empty_grid():
    days = _days([_item(1, "09:00", "10:00", day=NEXT)], [DAY, NEXT])
    assert [d.day for d in days] == [DAY, NEXT]
    assert (days[0].slots, days[0].untimed, days[0].blocks) == ([], [], [])
    assert len(days[1].blocks) == 1
    only_untimed, = _days([_item(1, "", "")])
    assert only_untimed.slots == [] and len(only_untimed.untimed) == 1


def test_the_legend_names_the_kinds_shown_in_the_builders_order():
    days = _days([_item(1, "11:00", "11:30", kind="break"), _item(2, "", "", kind="closing"),
                  _item(3, "09:00", "10:00", kind="opening")])
    assert kinds_in(days) == ["opening", "break", "closing"]
    assert kinds_in([]) == []


@pytest.mark.parametrize(("asked", "view"), [(None, "timetable"), ("list", "list"), ("timetable", "timetable"),
                                             ("<script>", "timetable"), ("", "timetable")])
def test_the_view_asked_for_is_one_of_two(asked, view):
    assert view_of(asked) == view
    context = page_context(MEETING, MeetingClock(MEETING, viewer=timefmt.zone_named("UTC")), [], asked)
    assert context["view"] == view and [d.day for d in context["tt_days"]] == [DAY, NEXT]
