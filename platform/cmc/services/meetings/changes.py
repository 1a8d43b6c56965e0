"""What changed between two agenda snapshots, by item identity.

``diff`` compares two snapshots (``publishing.snapshot``'s plain data) and answers structured changes, each
kind at most once per item; ``describe`` writes them in the reader's language, with dates and hours as the
reader writes them, at the moment they are read (a version's change list is stored structured, never as text
in its publisher's language).

Items are matched by ``uid``, their identity for their whole life. Not by the row id: SQLite gives a deleted
last row's id to the next row, and the old position-by-id diff then said "Retitled 'Closing' as 'Field
visit'" for a removal and an addition. Snapshots frozen before items had a uid are matched by "id".

A reorder reports the fewest items that explain it: per day, the items on that day in both versions keep
their place when they form a longest increasing subsequence of their old order; only the others "moved".
So removing or adding an item never moves its neighbours, and swapping two adjacent items is one move.
"""

from __future__ import annotations

import enum
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, time
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from cmc.i18n import timefmt
from cmc.i18n.labels import label

Snapshot = Sequence[dict[str, Any]]


class ChangeKind(enum.StrEnum):
    """What happened to one item (or, for ``FIRST``, to the whole agenda)."""

    FIRST = "first"  # the first publication: there is no version to compare with
    ADDED = "added"
    REMOVED = "removed"
    MOVED = "moved"
    RETIMED = "retimed"
    RETITLED = "retitled"
    PRESENTERS = "presenters"
    ROOM = "room"
    SESSION = "session"
    KIND = "kind"
    DESCRIPTION = "description"
    DOCUMENTS_LINKED = "documents_linked"
    DOCUMENTS_UNLINKED = "documents_unlinked"


@dataclass(frozen=True)
class Change:
    """One change to one item, with what it takes to write it later in any language.

    ``title`` is the item's title now (as it was, for a removal); ``day`` and ``position`` are where it is now
    (ISO date, place within the day); ``before`` and ``after`` hold the two values of what changed (the two
    hours "HH:MM-HH:MM", the old day of a move to another day, the two titles...); ``count`` is the number of
    documents linked or unlinked."""

    kind: ChangeKind
    uid: str
    title: str = ""
    day: str = ""
    position: int = 0
    before: str = ""
    after: str = ""
    count: int = 0

    def to_json(self) -> dict[str, Any]:
        """The change as JSON-ready data (``AgendaVersion.changes`` stores a list of these)."""
        data = asdict(self)
        data["kind"] = str(self.kind)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Change:
        """A change stored by ``to_json``; unknown keys are ignored (a later version may add some)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        return cls(**{**values, "kind": ChangeKind(values["kind"])})


FIRST_PUBLICATION = Change(ChangeKind.FIRST, uid="")

#: Fields compared one to one, with the kind each reports (the title, hours, documents and place need more).
_PLAIN = (("presenters", ChangeKind.PRESENTERS), ("room", ChangeKind.ROOM), ("session", ChangeKind.SESSION),
          ("kind", ChangeKind.KIND), ("description", ChangeKind.DESCRIPTION))


def identity(before: Snapshot, after: Snapshot) -> str:
    """The key items are matched by: "uid", unless a snapshot was frozen before items had one."""
    return "uid" if all("uid" in item for item in (*before, *after)) else "id"


def diff(before: Snapshot, after: Snapshot) -> list[Change]:
    """The changes from snapshot ``before`` to ``after``: for each item of ``after`` in agenda order, its
    addition or its changes, then the removals in ``before``'s order."""
    key = identity(before, after)
    old = {str(item[key]): item for item in before}
    new = {str(item[key]): item for item in after}
    moved = _moved_within_days(before, after, key)
    changes: list[Change] = []
    for item in after:
        uid = str(item[key])
        previous = old.get(uid)
        if previous is None:
            changes.append(_change(ChangeKind.ADDED, uid, item))
        else:
            changes.extend(_item_changes(uid, previous, item, uid in moved))
    changes.extend(_change(ChangeKind.REMOVED, uid, item) for uid, item in old.items() if uid not in new)
    return changes


def _change(kind: ChangeKind, uid: str, item: dict[str, Any], **values: Any) -> Change:
    return Change(kind, uid, title=str(item["title"]), day=str(item["day"]), position=int(item["position"]),
                  **values)


def _hours(item: dict[str, Any]) -> str:
    return f"{item.get('start') or ''}-{item.get('end') or ''}"


def _item_changes(uid: str, previous: dict[str, Any], item: dict[str, Any], reordered: bool) -> list[Change]:
    """The changes of one item present in both snapshots, each kind at most once."""
    changes: list[Change] = []
    if previous["title"] != item["title"]:
        changes.append(_change(ChangeKind.RETITLED, uid, item, before=previous["title"], after=item["title"]))
    if _hours(previous) != _hours(item):
        changes.append(_change(ChangeKind.RETIMED, uid, item, before=_hours(previous), after=_hours(item)))
    if previous["day"] != item["day"] or reordered:
        changes.append(_change(ChangeKind.MOVED, uid, item, before=str(previous["day"]), after=str(item["day"])))
    for name, kind in _PLAIN:
        if (previous.get(name) or "") != (item.get(name) or ""):
            changes.append(_change(kind, uid, item, before=str(previous.get(name) or ""),
                                   after=str(item.get(name) or "")))
    linked = set(item.get("document_ids") or []) - set(previous.get("document_ids") or [])
    unlinked = set(previous.get("document_ids") or []) - set(item.get("document_ids") or [])
    if linked:
        changes.append(_change(ChangeKind.DOCUMENTS_LINKED, uid, item, count=len(linked)))
    if unlinked:
        changes.append(_change(ChangeKind.DOCUMENTS_UNLINKED, uid, item, count=len(unlinked)))
    return changes


def _moved_within_days(before: Snapshot, after: Snapshot, key: str) -> set[str]:
    """The items that changed place within a day they stay on: those outside a longest increasing
    subsequence of the old places of the day's surviving items, taken in their new order."""
    old_place = {(str(item[key]), item["day"]): n for n, item in enumerate(before)}
    moved: set[str] = set()
    for day in dict.fromkeys(item["day"] for item in after):
        staying = [str(item[key]) for item in after if item["day"] == day and (str(item[key]), day) in old_place]
        kept = set(longest_increasing(staying, [old_place[(uid, day)] for uid in staying]))
        moved.update(uid for uid in staying if uid not in kept)
    return moved


def longest_increasing(names: Sequence[str], values: Sequence[int]) -> list[str]:
    """The names whose ``values`` form a longest strictly increasing subsequence (patience sorting, n log n);
    of several, the one ending with the smallest values, so an item moved up past one neighbour is the one
    reported, not the neighbour."""
    tails: list[int] = []  # tails[k]: the index ending the best subsequence of length k+1 found so far
    ends: list[int] = []  # ends[k]: its value, increasing in k (what bisect searches)
    before: list[int] = [-1] * len(values)
    for index, value in enumerate(values):
        length = bisect_left(ends, value)
        before[index] = tails[length - 1] if length else -1
        if length == len(tails):
            tails.append(index)
            ends.append(value)
        else:
            tails[length], ends[length] = index, value
    chain: list[str] = []
    index = tails[-1] if tails else -1
    while index != -1:
        chain.append(names[index])
        index = before[index]
    return chain[::-1]


def _day(value: str) -> str:
    return timefmt.show(date.fromisoformat(value), "date")


def _span(hours: str) -> str:
    """Hours stored as "HH:MM-HH:MM" as the reader writes them ("9:00-10:30" in Spanish, with an en dash); a
    dash alone when the item has none."""
    shown = [timefmt.show(time.fromisoformat(value), "time") for value in hours.split("-") if value]
    return "\u2013".join(shown) or "\u2013"


def _or_dash(value: str) -> str:
    return value or "\u2013"


def describe(changes: Iterable[Change]) -> list[str]:
    """The changes as sentences in the reader's language, with their dates and hours."""
    return [_sentence(change) for change in changes]


def _sentence(c: Change) -> str:
    t = c.title
    match c.kind:
        case ChangeKind.FIRST:
            return _("First published agenda.")
        case ChangeKind.ADDED:
            return _("Added “%(t)s” on %(day)s.", t=t, day=_day(c.day))
        case ChangeKind.REMOVED:
            return _("Removed “%(t)s”.", t=t)
        case ChangeKind.MOVED if c.before != c.after:
            return _("Moved “%(t)s” to %(day)s.", t=t, day=_day(c.after))
        case ChangeKind.MOVED:
            return _("Moved “%(t)s” (now item %(n)d on %(day)s).", t=t, n=c.position, day=_day(c.day))
        case ChangeKind.RETIMED:
            return _("Retimed “%(t)s”: %(a)s to %(b)s.", t=t, a=_span(c.before), b=_span(c.after))
        case ChangeKind.RETITLED:
            return _("Retitled “%(a)s” as “%(b)s”.", a=c.before, b=c.after)
        case ChangeKind.PRESENTERS:
            return _("Changed the presenters of “%(t)s”: %(a)s to %(b)s.", t=t, a=_or_dash(c.before),
                     b=_or_dash(c.after))
        case ChangeKind.ROOM:
            return _("Changed the room of “%(t)s”: %(a)s to %(b)s.", t=t, a=_or_dash(c.before), b=_or_dash(c.after))
        case ChangeKind.SESSION:
            return _("Changed the session of “%(t)s”: %(a)s to %(b)s.", t=t, a=_or_dash(c.before),
                     b=_or_dash(c.after))
        case ChangeKind.KIND:
            return _("Changed the kind of “%(t)s”: %(a)s to %(b)s.", t=t, a=label("item_kind", c.before),
                     b=label("item_kind", c.after))
        case ChangeKind.DESCRIPTION:
            return _("Changed the description of “%(t)s”.", t=t)
        case ChangeKind.DOCUMENTS_LINKED:
            return ngettext("Added a document to “%(t)s”.", "Added %(num)d documents to “%(t)s”.", c.count, t=t)
        case _:
            return ngettext("Removed a document from “%(t)s”.", "Removed %(num)d documents from “%(t)s”.",
                            c.count, t=t)
