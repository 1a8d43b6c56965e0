"""The agenda builder: the secretariat's draft items (add, change, remove, move, reorder), each edit checked
against the revision the editor started from, and the overlap warnings shown beside the draft."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.i18n import timefmt
from cmc.models.account import Account
from cmc.models.meeting import AgendaItem, ItemKind, Meeting
from cmc.services import documents
from cmc.services.errors import ConflictError, DeniedError, ValidationError
from cmc.services.meetings.access import get, require_manage
from cmc.services.meetings.minutes import open_actions_before
from cmc.services.text import field_errors as text_errors

#: The longest room name (the column ``agenda_items.room``).
ROOM_LENGTH = 120


@dataclass
class ItemInput:
    """An agenda item as the form or the API gives it."""

    day: date | None
    title: str
    start_time: time | None = None
    end_time: time | None = None
    session: str = ""
    room: str = ""
    description: str = ""
    kind: str = ItemKind.SESSION.value
    presenters: str = ""
    document_ids: list[int] = field(default_factory=list)


def check_revision(meeting: Meeting, base_revision: int) -> None:
    """Refuse (409) an edit made on an agenda someone else has changed since the editor opened it."""
    if meeting.agenda_revision != base_revision:
        raise ConflictError(_("Someone else changed the agenda since you opened it: %(change)s. Your change was "
                              "not saved; reload the agenda and make it again.",
                              change=meeting.agenda_last_change or _("an earlier edit")),
                            current_revision=meeting.agenda_revision)


def _touch(meeting: Meeting, actor: Account, change: str) -> None:
    meeting.agenda_revision += 1
    meeting.agenda_last_change = f"{actor.name}: {change}"[:300]


def _readable_documents(actor: Account, document_ids: list[int], fields: dict[str, str]) -> list[int]:
    """The linked documents, each once, stopping at the first the actor may not read (noted in ``fields``)."""
    readable: list[int] = []
    for document_id in dict.fromkeys(document_ids):
        try:
            documents.get(actor, document_id)
        except DeniedError:
            fields["document_ids"] = _("Document %(id)d does not exist or you may not read it.", id=document_id)
            break
        readable.append(document_id)
    return readable


def _validate_item(actor: Account, meeting: Meeting, data: ItemInput) -> dict[str, Any]:
    fields = text_errors(title=data.title, session=data.session, room=data.room, description=data.description,
                         presenters=data.presenters)
    title = " ".join(data.title.split())
    if not title or len(title) > 200:
        fields["title"] = _("Give the item a title (up to 200 characters).")
    if data.day is None or not meeting.start_date <= data.day <= meeting.end_date:
        fields["day"] = _("Choose a day of the meeting (%(start)s to %(end)s).",
                          start=timefmt.show(meeting.start_date, "date"), end=timefmt.show(meeting.end_date, "date"))
    room = " ".join(data.room.split())
    if len(room) > ROOM_LENGTH:
        fields["room"] = _("Name the room in up to %(n)d characters.", n=ROOM_LENGTH)
    if data.start_time and data.end_time and data.end_time <= data.start_time:
        fields["end_time"] = _("The item ends before it starts.")
    if data.kind not in {k.value for k in ItemKind}:
        fields["kind"] = _("Choose the kind of item.")
    readable = _readable_documents(actor, data.document_ids, fields)
    if fields:
        raise ValidationError(next(iter(fields.values())), fields=fields)
    return {"day": data.day, "title": title, "start_time": data.start_time, "end_time": data.end_time,
            "session": data.session.strip()[:120], "room": room, "description": data.description.strip(),
            "kind": ItemKind(data.kind), "presenters": data.presenters.strip()[:300], "document_ids": readable}


def _overlap_warning(first: AgendaItem, second: AgendaItem, day: date) -> str:
    shown = timefmt.show(day, "day")
    if (first.room or "").strip():
        return _("“%(a)s” and “%(b)s” overlap in room %(room)s on %(day)s.", a=first.title, b=second.title,
                 room=first.room.strip(), day=shown)
    return _("“%(a)s” and “%(b)s” overlap in the plenary room on %(day)s.", a=first.title, b=second.title, day=shown)


def overlaps(meeting: Meeting) -> list[str]:
    """Warnings for items of the same day and the same room whose times overlap (shown, never silently
    accepted). Items in different rooms may run in parallel; an item with no room is in the plenary room."""
    warnings = []
    by_room: dict[tuple[date, str], list[AgendaItem]] = {}
    for item in meeting.items:
        if item.start_time and item.end_time:
            by_room.setdefault((item.day, " ".join((item.room or "").split()).casefold()), []).append(item)
    for (day, _room), room_items in sorted(by_room.items(), key=lambda pair: pair[0]):
        ordered = sorted(room_items, key=lambda i: (i.start_time or time.min, i.position, i.id))
        latest = ordered[0]  # the item that ends last so far: a long item overlaps every one starting inside it
        for second in ordered[1:]:
            if second.start_time and latest.end_time and second.start_time < latest.end_time:
                warnings.append(_overlap_warning(latest, second, day))
            if second.end_time and latest.end_time and second.end_time > latest.end_time:
                latest = second
    return warnings


def _next_position(meeting_id: int, day: date) -> int:
    """The place after the last item of that day."""
    last = db.session.scalar(select(func.max(AgendaItem.position)).where(
        AgendaItem.meeting_id == meeting_id, AgendaItem.day == day))
    return (last or 0) + 1


def add_item(actor: Account, meeting_id: int, data: ItemInput, base_revision: int) -> AgendaItem:
    """Add an item at the end of its day."""
    require_manage(actor, meeting_id, "agenda.edit")
    with write_transaction():
        meeting = get(actor, meeting_id)
        check_revision(meeting, base_revision)
        values = _validate_item(actor, meeting, data)
        item = AgendaItem(meeting_id=meeting.id, position=_next_position(meeting.id, values["day"]), **values)
        db.session.add(item)
        _touch(meeting, actor, _("added “%(t)s”", t=item.title))
    return item


def _editable_item(actor: Account, item_id: int) -> AgendaItem:
    """An agenda item the actor may edit (inside the caller's write transaction); 404 when unknown."""
    item = db.session.get(AgendaItem, item_id)
    permissions.check(item is not None, action="agenda.edit", target_type="agenda_item", target_id=item_id,
                      hide=True)
    assert item is not None
    require_manage(actor, item.meeting_id, "agenda.edit")
    return item


def update_item(actor: Account, item_id: int, data: ItemInput, base_revision: int) -> AgendaItem:
    """Change an item."""
    with write_transaction():
        item = _editable_item(actor, item_id)
        check_revision(item.meeting, base_revision)
        values = _validate_item(actor, item.meeting, data)
        if values["day"] != item.day:
            item.position = _next_position(item.meeting_id, values["day"])
        for key, value in values.items():
            setattr(item, key, value)
        _touch(item.meeting, actor, _("changed “%(t)s”", t=item.title))
    return item


def remove_item(actor: Account, item_id: int, base_revision: int) -> None:
    """Remove an item from the draft agenda (published versions keep it)."""
    with write_transaction():
        item = _editable_item(actor, item_id)
        meeting = item.meeting
        check_revision(meeting, base_revision)
        title = item.title
        db.session.delete(item)
        _touch(meeting, actor, _("removed “%(t)s”", t=title))


def move_item(actor: Account, item_id: int, direction: int, base_revision: int) -> AgendaItem:
    """Move an item one place up (-1) or down (+1) within its day: the keyboard twin of drag and drop."""
    if direction not in (-1, 1):
        raise ValidationError(_("Move an item up or down by one place."), fields={"direction": "-1 or 1"})
    with write_transaction():
        item = _editable_item(actor, item_id)
        check_revision(item.meeting, base_revision)
        day_items = sorted((i for i in item.meeting.items if i.day == item.day), key=lambda i: (i.position, i.id))
        index = day_items.index(item)
        target = index + direction
        if 0 <= target < len(day_items):
            day_items[index], day_items[target] = day_items[target], day_items[index]
            for position, each in enumerate(day_items, start=1):
                each.position = position
            _touch(item.meeting, actor, _("moved “%(t)s”", t=item.title))
    return item


def reorder_day(actor: Account, meeting_id: int, day: date, item_ids: list[int], base_revision: int) -> None:
    """Put one day's items in the given order (what drag and drop sends)."""
    require_manage(actor, meeting_id, "agenda.edit")
    with write_transaction():
        meeting = get(actor, meeting_id)
        check_revision(meeting, base_revision)
        day_items = {i.id: i for i in meeting.items if i.day == day}
        if sorted(item_ids) != sorted(day_items):
            raise ValidationError(_("The new order must list every item of that day once."),
                                  fields={"agenda": _("Reload and try again.")})
        for position, item_id in enumerate(item_ids, start=1):
            day_items[item_id].position = position
        _touch(meeting, actor, _("reordered %(day)s", day=timefmt.show(day, "date")))


def carry_forward(actor: Account, meeting_id: int, base_revision: int) -> AgendaItem | None:
    """Add a "Follow-up of action items" item on the first day listing every open action of earlier meetings."""
    meeting = get(actor, meeting_id)
    actions = open_actions_before(meeting)
    if not actions:
        raise ValidationError(_("No open action items from earlier meetings."), fields={"agenda": _("Nothing.")})
    lines = [f"- {a.title} ({a.owner_party.code if a.owner_party else a.owner_network.name if a.owner_network else ''}"
             f"{', ' + _('due %(d)s', d=timefmt.show(a.due_date, 'date')) if a.due_date else ''}; "
             f"{a.status.value.replace('_', ' ')})"
             for a in actions]
    return add_item(actor, meeting_id, ItemInput(day=meeting.start_date, title=_("Follow-up of action items"),
                                                 description="\n".join(lines), kind="session"), base_revision)
