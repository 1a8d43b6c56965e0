"""The network gate: a route whose path names a network, or something that lives in one, answers 404 to
anyone who may not see that network, before its view runs.

Services check again (they serve the CLI and sockets too), but a view may read its body, check a content
type or look a target up before calling them; each of those could answer differently for a real target and
a made-up one, telling a stranger which members, threads or documents exist. Deciding first, from the path
alone, makes every answer to a stranger the same 404 (``tests/integration/test_non_member_writes.py`` walks
every write route to prove it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request
from flask_login import current_user

from cmc import permissions
from cmc.extensions import db
from cmc.models import (
    ActionItem,
    AgendaItem,
    Alert,
    Document,
    Meeting,
    Network,
    Registration,
    Reply,
    Thread,
)
from cmc.services import networks


def _network(slug: str) -> Network | None:
    return networks.by_slug(slug)  # the view asks again: the session keeps it


def _get(model: type[Any], ident: Any) -> Any:
    """``session.get`` that keeps what it found for the rest of the request: the identity map holds objects
    weakly, so without this the view would read the same row again by its key."""
    found = db.session.get(model, ident)
    if found is not None:
        db.session.info.setdefault("cmc.scope_objects", []).append(found)
    return found


def _meeting_of(meeting_id: int | None) -> Meeting | None:
    return _get(Meeting, meeting_id) if meeting_id is not None else None


def _sees_meeting(actor: Any, meeting: Meeting | None) -> bool:
    return meeting is not None and permissions.can(actor, "meeting.read", meeting)


def _sees_network(actor: Any, network: Network | None) -> bool:
    return network is not None and permissions.can(actor, "network.see", network)


#: Path argument -> the kind of thing it names, and whether the actor may see the network (or the meeting, the
#: document) it is in. A path argument that names nothing in a network (an account, a version) is not listed.
SCOPES: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {
    "slug": ("network", lambda actor, slug: _sees_network(actor, _network(slug))),
    "thread_id": ("thread", lambda actor, ident: _sees_network(
        actor, getattr(_get(Thread, ident), "network", None))),
    "reply_id": ("reply", lambda actor, ident: _sees_network(
        actor, getattr(getattr(_get(Reply, ident), "thread", None), "network", None))),
    "alert_id": ("alert", lambda actor, ident: _sees_network(
        actor, getattr(_get(Alert, ident), "network", None))),
    "document_id": ("document", lambda actor, ident: (document := _get(Document, ident)) is not None
                    and permissions.can(actor, "document.read", document)),
    "meeting_id": ("meeting", lambda actor, ident: _sees_meeting(actor, _meeting_of(ident))),
    "item_id": ("agenda_item", lambda actor, ident: _sees_meeting(
        actor, _meeting_of(getattr(_get(AgendaItem, ident), "meeting_id", None)))),
    "action_id": ("action", lambda actor, ident: _sees_meeting(
        actor, _meeting_of(getattr(_get(ActionItem, ident), "meeting_id", None)))),
    "registration_id": ("registration", lambda actor, ident: _sees_meeting(
        actor, _meeting_of(getattr(_get(Registration, ident), "meeting_id", None)))),
}


def require_network_scope() -> None:
    """Refuse (404, audited as a denied read) when a path argument names something the signed-in person
    may not see. Called by the gate in ``cmc.web`` for routes past their route rule."""
    if not request.view_args or not current_user.is_authenticated:
        return
    actor = current_user._get_current_object()
    for name, value in request.view_args.items():
        scope = SCOPES.get(name)
        if scope is not None and not scope[1](actor, value):
            permissions.check(False, action=f"{scope[0]}.read", target_type=scope[0], target_id=value,
                              hide=True)
