"""SEQUENCE over random runs of versions: an item's revision count is the number of versions whose calendar
state of it (its content, or "not there") differs from the version before, counted from its first appearance;
an item not in the last version is cancelled. Checked against that plain definition, not the code's own steps."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cmc.services.meetings.calendar import item_states

UIDS = ("a", "b", "c")
#: One item's state in one version: absent, present without hours, or present with one of two titles/times.
STATE = st.sampled_from([None, "untimed", ("09:00", "One"), ("09:00", "Two"), ("10:00", "One")])


def _snapshot(states: dict[str, object]) -> list[dict[str, object]]:
    rows = []
    for uid, state in states.items():
        if state is None:
            continue
        start, title = ("", "Untimed") if state == "untimed" else state
        rows.append({"id": 1, "uid": uid, "day": "2027-03-10", "start": start, "end": "", "title": title,
                     "description": "", "room": "", "presenters": "", "position": 1})
    return rows


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.fixed_dictionaries({uid: STATE for uid in UIDS}), min_size=1, max_size=8))
def test_sequence_counts_the_versions_that_changed_what_a_calendar_shows(runs):
    found = item_states([_snapshot(states) for states in runs])
    for uid in UIDS:
        # What a calendar sees of the item in each version: its content, or nothing (absent or without hours).
        seen = [None if s in (None, "untimed") else s for s in (states[uid] for states in runs)]
        if all(s is None for s in seen):
            assert f"{uid}@cmc-platform" not in found  # never an event, so never cancelled either
            continue
        first = next(i for i, s in enumerate(seen) if s is not None)
        changes = sum(1 for i in range(first + 1, len(seen)) if seen[i] != seen[i - 1])
        state = found[f"{uid}@cmc-platform"]
        assert state.sequence == changes, (uid, seen)
        assert state.live is (seen[-1] is not None)
