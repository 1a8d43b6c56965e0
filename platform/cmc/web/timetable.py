"""An agenda as a day-by-day timetable: time running down in rows of 15 minutes, each timed item a block spanning
its rows, parallel items (other rooms, or the same room when two overlap, which the builder warns about) side by
side in columns grouped by room, items without a time listed under their day's grid.

The layout is a plain HTML table (``templates/meetings/_timetable.html``): a block is a cell with a ``rowspan``,
so the page needs no script and no inline style (the CSP forbids both), and the PDF writer lays it out the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from cmc.i18n import timefmt
from cmc.models.meeting import ItemKind
from cmc.web.meeting_times import AgendaRow, MeetingClock

#: Minutes per row of the grid: starts are drawn at the row they fall in, ends at the row they reach.
SLOT = 15
#: An item with a start and no end is drawn as the one row its start falls in.
_SHORTEST = SLOT


def _value(item: Any, key: str) -> Any:
    return item.get(key, "") if isinstance(item, dict) else getattr(item, key, "")


def room_of(item: Any) -> str:
    """The item's room as shown ("" for the plenary room, also for snapshots taken before rooms existed)."""
    return " ".join(str(_value(item, "room") or "").split())


def kind_of(item: Any) -> str:
    """The item's kind ("session", "break"...) as a plain string."""
    kind = _value(item, "kind")
    return str(getattr(kind, "value", kind) or "session")


def _minutes(clock: time) -> int:
    return clock.hour * 60 + clock.minute


@dataclass(frozen=True)
class Block:
    """A timed item placed on the grid: its row (times, the item), first grid row and rows spanned, first
    column and columns spanned (all of them for a plenary item nothing runs beside)."""

    row: AgendaRow
    top: int
    height: int
    column: int
    width: int

    @property
    def kind(self) -> str:
        """The item's kind, for its colour."""
        return kind_of(self.row.item)

    @property
    def room(self) -> str:
        """The item's room ("" for the plenary room)."""
        return room_of(self.row.item)


@dataclass(frozen=True)
class Cell:
    """One cell of a grid row: a block starting there, or an empty slot."""

    block: Block | None = None


@dataclass(frozen=True)
class Slot:
    """One row of the grid (15 minutes): the time written beside it (on the hour and half hour, spanning two
    rows), and its cells, left to right (cells covered by a block starting higher up are left out)."""

    label: str
    label_rows: int
    cells: list[Cell]


@dataclass
class TimetableDay:
    """One day of the timetable: the room heads (room, columns it spans; none when the day has one room), the
    grid's rows, and the items that have no time."""

    day: date
    heads: list[tuple[str, int]] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    untimed: list[AgendaRow] = field(default_factory=list)
    columns: int = 1

    @property
    def blocks(self) -> list[Block]:
        """The blocks of the day, top to bottom, left to right."""
        return [cell.block for slot in self.slots for cell in slot.cells if cell.block is not None]


@dataclass
class _Placed:
    row: AgendaRow
    start: int  # minutes since midnight, snapped down to the slot
    end: int  # snapped up to the slot, at least one slot after the start
    room: str
    lane: int = 0


def _span(row: AgendaRow) -> tuple[int, int] | None:
    start = _value(row.item, "start") if isinstance(row.item, dict) else _value(row.item, "start_time")
    end = _value(row.item, "end") if isinstance(row.item, dict) else _value(row.item, "end_time")
    if not start:
        return None
    first = _minutes(start if isinstance(start, time) else time.fromisoformat(str(start)))
    top = first - first % SLOT
    if not end:
        return top, top + _SHORTEST
    last = _minutes(end if isinstance(end, time) else time.fromisoformat(str(end)))
    bottom = max(last + (-last) % SLOT, top + SLOT)
    return top, bottom


def _lanes(items: list[_Placed]) -> int:
    """Give each item of one room the first lane free at its start; the number of lanes used."""
    ends: list[int] = []
    for item in sorted(items, key=lambda i: (i.start, i.end)):
        lane = next((n for n, end in enumerate(ends) if end <= item.start), len(ends))
        if lane == len(ends):
            ends.append(item.end)
        ends[lane] = item.end
        item.lane = lane
    return max(len(ends), 1)


def _overlaps(a: _Placed, b: _Placed) -> bool:
    return a.start < b.end and b.start < a.end


def _columns(placed: list[_Placed]) -> tuple[set[int], dict[str, int], list[tuple[str, int]]]:
    """Which items span every column (by ``id()``), the first column of each room, and the room heads."""
    rooms = list(dict.fromkeys(p.room for p in placed))
    # A plenary item nothing else runs beside (an opening, a break, the closing) spans every column, as in a
    # printed programme; the plenary room gets a column of its own only when it runs beside another room.
    wide = {id(p) for p in placed if len(rooms) > 1 and not p.room
            and not any(o is not p and _overlaps(p, o) for o in placed)}
    narrow = [p for p in placed if id(p) not in wide]
    first_column: dict[str, int] = {}
    heads: list[tuple[str, int]] = []
    column = 0
    for room in sorted(dict.fromkeys(p.room for p in narrow), key=lambda r: (r != "", rooms.index(r))):
        lanes = _lanes([p for p in narrow if p.room == room])
        first_column[room] = column
        heads.append((room, lanes))
        column += lanes
    return wide, first_column, heads


def _slots(blocks: list[Block], top: int, count: int, columns: int) -> list[Slot]:
    """The grid's rows: in each, the blocks starting there and an empty cell wherever no block runs."""
    starts = {(b.top, b.column): b for b in blocks}
    covered = {(r, c) for b in blocks for r in range(b.top, b.top + b.height)
               for c in range(b.column, b.column + b.width)}
    slots = []
    for index in range(count):
        minute = top + index * SLOT
        label = timefmt.show(time(minute // 60, minute % 60), "time") if minute % 30 == 0 else ""
        cells: list[Cell] = []
        for c in range(columns):
            block = starts.get((index, c))
            if block is not None:
                cells.append(Cell(block))
            elif (index, c) not in covered:
                cells.append(Cell())
        slots.append(Slot(label, 2 if label else 0, cells))
    return slots


def _layout(day: date, rows: list[AgendaRow]) -> TimetableDay:
    """The grid of one day's rows (in agenda order)."""
    placed, untimed = [], []
    for row in rows:
        span = _span(row)
        if span is None:
            untimed.append(row)
        else:
            placed.append(_Placed(row, span[0], span[1], room_of(row.item)))
    result = TimetableDay(day=day, untimed=untimed)
    if not placed:
        return result
    wide, first_column, heads = _columns(placed)
    result.columns = max(sum(lanes for _room, lanes in heads), 1)
    result.heads = heads if len(heads) > 1 else []
    # The grid starts on the hour and ends on the half hour after the last item: times are written every half
    # hour, each beside two rows.
    top = min(p.start for p in placed) // 60 * 60
    bottom = max(p.end for p in placed)
    bottom += (-bottom) % 30
    blocks = [Block(p.row, (p.start - top) // SLOT, (p.end - p.start) // SLOT,
                    *((0, result.columns) if id(p) in wide else (first_column[p.room] + p.lane, 1)))
              for p in placed]
    result.slots = _slots(blocks, top, (bottom - top) // SLOT, result.columns)
    return result


def timetable(clock: MeetingClock, items: list[Any], days: list[date] | None = None) -> list[TimetableDay]:
    """The timetable of an agenda (a version's snapshot rows or draft items, in agenda order): one entry per
    day that has items, or per day of ``days`` when given (an empty day then has no rows)."""
    by_day: dict[date, list[AgendaRow]] = {day: [] for day in days or []}
    for row in clock.rows(items):
        by_day.setdefault(row.day, []).append(row)
    return [_layout(day, by_day[day]) for day in sorted(by_day)]


def kinds_in(days: list[TimetableDay]) -> list[str]:
    """The kinds of item the timetable shows, in the builder's order, for its legend."""
    found = {block.kind for day in days for block in day.blocks} | {kind_of(r.item) for d in days for r in d.untimed}
    return [k.value for k in ItemKind if k.value in found]


def meeting_days(meeting: Any) -> list[date]:
    """Every day of a meeting, first to last."""
    return [meeting.start_date + timedelta(days=n) for n in range((meeting.end_date - meeting.start_date).days + 1)]


def view_of(requested: str | None) -> str:
    """The agenda view a page was asked for: "list" when asked, else the timetable."""
    return "list" if requested == "list" else "timetable"


def page_context(meeting: Any, clock: MeetingClock, items: list[Any], requested: str | None) -> dict[str, Any]:
    """What a page drawing an agenda needs for the timetable and its switch: the view, the days, the kinds."""
    days = timetable(clock, items, meeting_days(meeting))
    return {"view": view_of(requested), "tt_days": days, "tt_kinds": kinds_in(days)}
