"""The agenda change list against the edits actually made: random edit sequences over a pure-data agenda, and
what ``changes.diff`` reports about the published snapshot before and the one after.

The model hands out row ids as SQLite does (a deleted last row's id goes to the next row), so a diff by row id
or by position fails here: a removal plus an addition then reads as a retitle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmc.services.meetings.changes import Change, ChangeKind, diff, identity, longest_increasing

DAYS = ("2027-03-10", "2027-03-11", "2027-03-12")
TITLES = ("Opening", "Routes", "Closing", "Field visit", "Panel")
HOURS = (("09:00", "10:00"), ("10:00", "11:30"), ("14:00", "15:00"), ("", ""))
PEOPLE = ("", "IOM", "UNHCR, TT")
ROOMS = ("", "Room A", "Room B")


@dataclass
class Agenda:
    """A draft agenda as plain data: the items of each day in order, and the row ids SQLite would give."""

    days: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {day: [] for day in DAYS})
    made: int = 0

    def items(self) -> list[dict[str, Any]]:
        return [item for day in DAYS for item in self.days[day]]

    def add(self, day: str, title: str, at: int | None = None) -> None:
        """A new item on ``day``, at place ``at`` (modulo the places there), or last."""
        self.made += 1
        # SQLite's rowid: one more than the largest id in the table, so a deleted last row's id comes back.
        row_id = max((item["id"] for item in self.items()), default=0) + 1
        item = {"id": row_id, "uid": f"uid-{self.made}", "day": day, "session": "", "room": "", "start": "09:00",
                "end": "10:00", "title": title, "description": "", "kind": "session", "presenters": "",
                "document_ids": []}
        places = len(self.days[day]) + 1
        self.days[day].insert(places - 1 if at is None else at % places, item)

    def snapshot(self) -> list[dict[str, Any]]:
        """As ``publishing.snapshot`` freezes it: day order, positions counted within the day."""
        rows = []
        for day in DAYS:
            for position, item in enumerate(self.days[day], start=1):
                rows.append({**item, "day": day, "position": position, "document_ids": sorted(item["document_ids"])})
        return rows


#: An edit: its name and three numbers that pick the item, the place, the value (each taken modulo what exists).
edits = st.tuples(st.sampled_from(["add", "remove", "retitle", "retime", "reorder", "move_day", "presenters",
                                   "link", "unlink", "room"]),
                  st.integers(0, 40), st.integers(0, 40), st.integers(0, 40))


def apply(agenda: Agenda, edit: tuple[str, int, int, int]) -> None:
    """Make one edit (an edit that has no item to act on does nothing)."""
    name, a, b, c = edit
    if name == "add":
        agenda.add(DAYS[a % len(DAYS)], TITLES[c % len(TITLES)], b)
        return
    everything = agenda.items()
    if not everything:
        return
    item = everything[a % len(everything)]
    day = agenda.days[item["day"]]
    if name == "remove":
        day.remove(item)
    elif name == "retitle":
        item["title"] = TITLES[c % len(TITLES)]
    elif name == "retime":
        item["start"], item["end"] = HOURS[c % len(HOURS)]
    elif name == "reorder":
        day.remove(item)
        day.insert(b % (len(day) + 1), item)
    elif name == "move_day":
        day.remove(item)
        item["day"] = DAYS[c % len(DAYS)]
        agenda.days[item["day"]].insert(b % (len(agenda.days[item["day"]]) + 1), item)
    elif name == "presenters":
        item["presenters"] = PEOPLE[c % len(PEOPLE)]
    elif name == "room":
        item["room"] = ROOMS[c % len(ROOMS)]
    elif name == "link":
        item["document_ids"] = sorted({*item["document_ids"], 1 + c % 6})
    elif name == "unlink" and item["document_ids"]:
        item["document_ids"] = item["document_ids"][:-1 - c % len(item["document_ids"])]


def lis_length(values: list[int]) -> int:
    """The length of a longest strictly increasing subsequence, by the quadratic textbook method (a check on
    the patience sort the module uses, not a copy of it)."""
    best = [1] * len(values)
    for j in range(len(values)):
        for i in range(j):
            if values[i] < values[j]:
                best[j] = max(best[j], best[i] + 1)
    return max(best, default=0)


def reported(found: list[Change], kind: ChangeKind) -> list[str]:
    return [change.uid for change in found if change.kind == kind]


@settings(max_examples=500, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.lists(edits.filter(lambda e: e[0] == "add"), max_size=8), made=st.lists(edits, max_size=30))
def test_the_change_list_reports_the_edits_made(start: list[tuple[str, int, int, int]],
                                                 made: list[tuple[str, int, int, int]]) -> None:
    agenda = Agenda()
    for edit in start:
        apply(agenda, edit)
    before = agenda.snapshot()
    for edit in made:
        apply(agenda, edit)
    after = agenda.snapshot()
    found = diff(before, after)
    old = {item["uid"]: item for item in before}
    new = {item["uid"]: item for item in after}

    # Each kind at most once per item, and every change names an item of one of the two versions.
    pairs = [(change.kind, change.uid) for change in found]
    assert len(pairs) == len(set(pairs)), found
    assert {change.uid for change in found} <= old.keys() | new.keys()

    assert sorted(reported(found, ChangeKind.ADDED)) == sorted(new.keys() - old.keys())
    assert sorted(reported(found, ChangeKind.REMOVED)) == sorted(old.keys() - new.keys())
    both = old.keys() & new.keys()
    for kind, changed in [
        (ChangeKind.RETITLED, lambda o, n: o["title"] != n["title"]),
        (ChangeKind.RETIMED, lambda o, n: (o["start"], o["end"]) != (n["start"], n["end"])),
        (ChangeKind.PRESENTERS, lambda o, n: o["presenters"] != n["presenters"]),
        (ChangeKind.ROOM, lambda o, n: o["room"] != n["room"]),
        (ChangeKind.DOCUMENTS_LINKED, lambda o, n: bool(set(n["document_ids"]) - set(o["document_ids"]))),
        (ChangeKind.DOCUMENTS_UNLINKED, lambda o, n: bool(set(o["document_ids"]) - set(n["document_ids"]))),
    ]:
        assert set(reported(found, kind)) == {uid for uid in both if changed(old[uid], new[uid])}, kind
    for change in found:
        if change.kind == ChangeKind.DOCUMENTS_LINKED:
            assert change.count == len(set(new[change.uid]["document_ids"]) - set(old[change.uid]["document_ids"]))
        if change.kind == ChangeKind.DOCUMENTS_UNLINKED:
            assert change.count == len(set(old[change.uid]["document_ids"]) - set(new[change.uid]["document_ids"]))
    # Edits the generator never makes are never reported.
    assert not {ChangeKind.SESSION, ChangeKind.KIND, ChangeKind.DESCRIPTION, ChangeKind.FIRST} & {c.kind for c in found}

    moved = set(reported(found, ChangeKind.MOVED))
    changed_day = {uid for uid in both if old[uid]["day"] != new[uid]["day"]}
    assert changed_day <= moved
    for day in DAYS:
        # The items on this day in both versions, in their new order, with their old places.
        staying = [item["uid"] for item in after if item["day"] == day and item["uid"] in both
                   and old[item["uid"]]["day"] == day]
        places = [old[uid]["position"] for uid in staying]
        kept = [old[uid]["position"] for uid in staying if uid not in moved]
        assert kept == sorted(kept), f"items not reported moved changed order on {day}"
        assert len(staying) - len(kept) == len(staying) - lis_length(places), f"more moves than needed on {day}"


def test_deleting_the_last_item_and_adding_one_is_a_removal_and_an_addition() -> None:
    agenda = Agenda()
    for title in ("Opening", "Routes", "Closing session and decisions"):
        agenda.add(DAYS[0], title)
    before = agenda.snapshot()
    apply(agenda, ("remove", 2, 0, 0))
    agenda.add(DAYS[0], "Migrant smuggling: early alert exercise results")
    after = agenda.snapshot()
    assert before[-1]["id"] == after[-1]["id"], "the model should reuse the row id as SQLite does"
    assert [(c.kind, c.title) for c in diff(before, after)] == [
        (ChangeKind.ADDED, "Migrant smuggling: early alert exercise results"),
        (ChangeKind.REMOVED, "Closing session and decisions")]


def test_swapping_two_neighbours_is_one_move_and_a_removal_moves_nobody() -> None:
    agenda = Agenda()
    for title in TITLES:
        agenda.add(DAYS[0], title)
    before = agenda.snapshot()
    apply(agenda, ("reorder", 3, 2, 0))  # "Field visit" up past "Closing"
    apply(agenda, ("remove", 0, 0, 0))  # "Opening"
    found = diff(before, agenda.snapshot())
    assert [(c.kind, c.title, c.position) for c in found] == [(ChangeKind.MOVED, "Field visit", 2),
                                                               (ChangeKind.REMOVED, "Opening", 1)]


def test_a_move_to_another_day_is_one_move_with_the_old_day() -> None:
    agenda = Agenda()
    agenda.add(DAYS[0], "Opening", 0)
    agenda.add(DAYS[0], "Routes", 1)
    before = agenda.snapshot()
    apply(agenda, ("move_day", 0, 0, 1))
    [change] = diff(before, agenda.snapshot())
    assert (change.kind, change.before, change.after) == (ChangeKind.MOVED, DAYS[0], DAYS[1])


def test_snapshots_frozen_before_items_had_a_uid_are_matched_by_id() -> None:
    before = [{"id": 7, "day": DAYS[0], "position": 1, "start": "09:00", "end": "10:00", "title": "Opening",
               "presenters": "", "document_ids": []}]
    after = [{**before[0], "uid": "abc", "title": "Welcome"}]
    assert identity(before, after) == "id"
    assert [(c.kind, c.uid, c.before, c.after) for c in diff(before, after)] == [
        (ChangeKind.RETITLED, "7", "Opening", "Welcome")]
    assert diff(after, after) == []


def test_a_change_survives_its_json_round_trip() -> None:
    change = Change(ChangeKind.RETIMED, "u", title="Routes", day=DAYS[0], position=2, before="09:00-10:00",
                    after="14:00-15:00")
    assert Change.from_json({**change.to_json(), "added_later": 1}) == change


def test_longest_increasing_prefers_keeping_the_neighbour_of_an_item_moved_up() -> None:
    assert longest_increasing(["a", "c", "b"], [1, 3, 2]) == ["a", "b"]
    assert longest_increasing([], []) == []
    assert len(longest_increasing(list("abcdef"), [5, 1, 4, 2, 3, 0])) == 3
