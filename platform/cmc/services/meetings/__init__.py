"""Meetings: the secretariat's agenda builder, published agenda versions with change lists, registration
of delegations, minutes and action items, and the exports (iCalendar, PDF, document pack).

One module per job; this package re-exports every public name, so callers keep writing
``from cmc.services import meetings`` and ``meetings.publish_agenda(...)``:

- ``access``: the meetings an actor may see, one readable meeting, the secretariat's gate;
- ``details``: creating and editing a meeting;
- ``agenda``: the draft agenda builder;
- ``publishing``: published versions, their change lists, what publishing now would change;
- ``changes``: what changed between two agenda snapshots, by item identity, and its sentences;
- ``registration``: delegations and attendance;
- ``minutes``: minutes, decisions, action items;
- ``calendar``: iCalendar, the downloadable file and the subscribed feeds;
- ``feeds``: the personal calendar feed addresses;
- ``exports``: PDF, ZIP;
- ``linked``: the documents an agenda links (the builder's picker, titles, delegation warnings, the pack check);
- ``live``: the live notice of a new version to the people who may read the meeting.
"""

from __future__ import annotations

from cmc.services.meetings.access import get, upcoming_rows, visible_query
from cmc.services.meetings.agenda import (
    ItemInput,
    add_item,
    carry_forward,
    move_item,
    overlaps,
    remove_item,
    reorder_day,
    update_item,
)
from cmc.services.meetings.calendar import to_ics
from cmc.services.meetings.changes import Change, ChangeKind
from cmc.services.meetings.changes import describe as describe_changes
from cmc.services.meetings.details import MAX_DAYS, MeetingInput, save_meeting
from cmc.services.meetings.exports import agenda_pdf, document_pack
from cmc.services.meetings.linked import (
    LinkedDocument,
    builder_documents,
    delegation_warnings,
    pack_holds_documents,
    pick,
    readable_titles,
    version_document_ids,
)
from cmc.services.meetings.live import agenda_published, connected_readers
from cmc.services.meetings.minutes import (
    action_rows,
    actions_for,
    actions_of,
    add_action,
    add_decision,
    open_actions_before,
    save_minutes,
    set_action_status,
    updatable_actions,
)
from cmc.services.meetings.publishing import (
    change_list,
    changes_of,
    get_version,
    pending_changes,
    publish_agenda,
    snapshot,
    structured_changes_of,
    versions,
)
from cmc.services.meetings.registration import (
    DELEGATION_ROLES,
    decide_registration,
    mark_attendance,
    register,
    registrations,
)

__all__ = [
    "DELEGATION_ROLES",
    "MAX_DAYS",
    "Change",
    "ChangeKind",
    "ItemInput",
    "LinkedDocument",
    "MeetingInput",
    "action_rows",
    "actions_for",
    "actions_of",
    "add_action",
    "add_decision",
    "add_item",
    "agenda_pdf",
    "agenda_published",
    "builder_documents",
    "carry_forward",
    "change_list",
    "changes_of",
    "connected_readers",
    "decide_registration",
    "delegation_warnings",
    "describe_changes",
    "document_pack",
    "get",
    "get_version",
    "mark_attendance",
    "move_item",
    "open_actions_before",
    "overlaps",
    "pack_holds_documents",
    "pending_changes",
    "pick",
    "publish_agenda",
    "readable_titles",
    "register",
    "registrations",
    "remove_item",
    "reorder_day",
    "save_meeting",
    "save_minutes",
    "set_action_status",
    "snapshot",
    "structured_changes_of",
    "to_ics",
    "upcoming_rows",
    "updatable_actions",
    "update_item",
    "version_document_ids",
    "versions",
    "visible_query",
]
