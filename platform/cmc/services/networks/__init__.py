"""Networks: the directory, workspaces, membership, discussion threads, replies and the activity feed.

One module a job: ``directory`` (the list, and who sees, reads and posts in a network), ``settings`` (what the
secretariat sets on a network), ``membership``, ``threads`` (threads and replies), ``activity``, ``texts``
(a network's name, description and charter in the reader's language) and ``json_rows`` (the API's members,
threads and replies as rows). Callers keep using
``services.networks.<name>``: the names are re-exported here.
"""

from __future__ import annotations

from cmc.services.networks.activity import (
    ActivityRow,
    activity_query,
    activity_rows_query,
    load_activity,
    record_activity,
)
from cmc.services.networks.directory import (
    DirectoryEntry,
    by_slug,
    directory,
    entry,
    is_coordinator_anywhere,
    networks_of,
    open_network,
    readable_network_ids,
    require_post,
)
from cmc.services.networks.json_rows import (
    JsonReplyRow,
    JsonThreadRow,
    load_reply_json_rows,
    load_thread_json_rows,
    member_json_query,
    reply_json_query,
    thread_json_query,
)
from cmc.services.networks.membership import (
    PartyMembers,
    add_member,
    candidates,
    group_by_party,
    load_member_rows,
    member_count,
    member_rows_query,
    members_by_party,
    remove_member,
)
from cmc.services.networks.settings import (
    NetworkInput,
    _validate_network,
    create_network,
    set_archived,
    update_network,
)
from cmc.services.networks.texts import ShownText, network_name, stored_texts, text_for
from cmc.services.networks.threads import (
    BODY_MAX,
    TITLE_MAX,
    add_reply,
    create_thread,
    delete_reply,
    delete_thread,
    edit_reply,
    edit_thread,
    history,
    last_visit,
    load_reply_rows,
    load_thread_rows,
    mark_visited,
    open_thread,
    reply_json,
    reply_rows_query,
    set_pinned,
    thread_json,
    thread_rows_query,
)

__all__ = [
    "BODY_MAX",
    "TITLE_MAX",
    "ActivityRow",
    "DirectoryEntry",
    "JsonReplyRow",
    "JsonThreadRow",
    "NetworkInput",
    "PartyMembers",
    "ShownText",
    "_validate_network",  # the seed and the benchmark generator check their networks as the form does
    "activity_query",
    "activity_rows_query",
    "add_member",
    "add_reply",
    "by_slug",
    "candidates",
    "create_network",
    "create_thread",
    "delete_reply",
    "delete_thread",
    "directory",
    "edit_reply",
    "edit_thread",
    "entry",
    "group_by_party",
    "history",
    "is_coordinator_anywhere",
    "last_visit",
    "load_activity",
    "load_member_rows",
    "load_reply_json_rows",
    "load_reply_rows",
    "load_thread_json_rows",
    "load_thread_rows",
    "mark_visited",
    "member_count",
    "member_json_query",
    "member_rows_query",
    "members_by_party",
    "network_name",
    "networks_of",
    "open_network",
    "open_thread",
    "readable_network_ids",
    "record_activity",
    "remove_member",
    "reply_json",
    "reply_json_query",
    "reply_rows_query",
    "require_post",
    "set_archived",
    "set_pinned",
    "stored_texts",
    "text_for",
    "thread_json",
    "thread_json_query",
    "thread_rows_query",
    "update_network",
]
