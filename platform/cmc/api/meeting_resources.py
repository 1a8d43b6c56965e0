"""Meeting endpoints of the API; ``@operation`` declares each one's OpenAPI operation."""

from __future__ import annotations

from datetime import date, time
from types import SimpleNamespace
from typing import Any

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user

from cmc.api import BadRequestBody, bp, json_body
from cmc.api.spec import operation
from cmc.extensions import db
from cmc.http.access import Access
from cmc.http.pagination import paginate
from cmc.models import Account
from cmc.models.types import parse_id
from cmc.schemas import (
    ActionItemListSchema,
    ActionItemSchema,
    AgendaItemAddedSchema,
    AgendaItemInputSchema,
    AgendaVersionSchema,
    MeetingDetailSchema,
    MeetingPageSchema,
    RegistrationSchema,
)
from cmc.schemas.bodies import ActionStatusInputSchema, RegistrationInputSchema, RevisionInputSchema
from cmc.schemas.common import With
from cmc.schemas.queries import PageQuerySchema
from cmc.services import meetings


def _actor() -> Account:
    return current_user._get_current_object()


@bp.get("/meetings")
@operation(Access.SIGNED_IN, summary="Meetings I may see, newest first (20 a page)", tags=["meetings"],
           query=PageQuerySchema, answers={200: ("One page of meetings", MeetingPageSchema)})
def list_meetings() -> Any:
    """Meetings I may see."""
    page = paginate(meetings.visible_query(_actor()), per_page=20)
    return jsonify(MeetingPageSchema().dump(page))


@bp.get("/meetings/<int:meeting_id>")
@operation(Access.SIGNED_IN, summary="A meeting, its published agenda versions and its delegations", tags=["meetings"],
           answers={200: ("The meeting", MeetingDetailSchema)})
def get_meeting(meeting_id: int) -> Any:
    """One meeting with its agenda versions and delegations."""
    meeting = meetings.get(_actor(), meeting_id)
    return jsonify(MeetingDetailSchema().dump(With(meeting, versions=meetings.versions(meeting),
                                                   registrations=meetings.registrations(meeting))))


def _item_input(data: dict[str, Any]) -> meetings.ItemInput:
    try:
        day = date.fromisoformat(data["day"]) if isinstance(data.get("day"), str) else None
        start = time.fromisoformat(data["start_time"]) if data.get("start_time") else None
        end = time.fromisoformat(data["end_time"]) if data.get("end_time") else None
    except (ValueError, TypeError) as exc:
        raise BadRequestBody(_("day is YYYY-MM-DD; times are HH:MM."), fields={"day": "format"}) from exc
    ids = data.get("document_ids", [])
    if not isinstance(ids, list) or not all(isinstance(i, int) and parse_id(i) for i in ids):
        raise BadRequestBody(_("document_ids must be a list of document numbers."), fields={"document_ids": "type"})
    texts = {k: data.get(k, "") for k in ("title", "session", "room", "description", "kind", "presenters")}
    if not all(isinstance(v, str) for v in texts.values()):
        raise BadRequestBody(_("Text fields must be strings."), fields={"title": "type"})
    return meetings.ItemInput(day=day, start_time=start, end_time=end, document_ids=ids,
                              title=texts["title"], session=texts["session"], description=texts["description"],
                              kind=texts["kind"] or "session", presenters=texts["presenters"], room=texts["room"])


def _revision(data: dict[str, Any]) -> int:
    revision = data.get("revision")
    if not isinstance(revision, int) or isinstance(revision, bool):
        raise BadRequestBody(_("revision (the agenda_revision you started from) is required."),
                             fields={"revision": "required"})
    return revision


@bp.post("/meetings/<int:meeting_id>/items")
@operation(Access.SIGNED_IN,
           summary="Add an item to the draft agenda (secretariat); 409 when the agenda changed since `revision`",
           tags=["meetings"], body=AgendaItemInputSchema, errors=(409,),
           answers={201: ("Added; the new agenda_revision is returned", AgendaItemAddedSchema)})
def add_agenda_item(meeting_id: int) -> Any:
    """Add an agenda item."""
    data = json_body()
    added = meetings.add_item(_actor(), meeting_id, _item_input(data), _revision(data))
    body = AgendaItemAddedSchema().dump({"id": added.id, "agenda_revision": added.meeting.agenda_revision})
    return jsonify(body), 201


@bp.post("/meetings/<int:meeting_id>/publish")
@operation(Access.SIGNED_IN, summary="Publish the draft agenda as the next version (secretariat)", tags=["meetings"],
           body=RevisionInputSchema, errors=(409,), answers={201: ("The new version", AgendaVersionSchema)})
def publish_agenda(meeting_id: int) -> Any:
    """Publish the agenda."""
    version = meetings.publish_agenda(_actor(), meeting_id, _revision(json_body()))
    return jsonify(AgendaVersionSchema().dump(version)), 201


@bp.post("/meetings/<int:meeting_id>/registrations")
@operation(Access.SIGNED_IN, summary="Register my party's delegation (focal points; the secretariat for any party)",
           tags=["meetings"], body=RegistrationInputSchema, errors=(409,),
           answers={201: ("The registration", RegistrationSchema)})
def register_delegation(meeting_id: int) -> Any:
    """Register a delegation."""
    data = json_body()
    members = data.get("members")
    if not isinstance(members, list) or not all(isinstance(m, dict) for m in members):
        raise BadRequestBody(_("members must be a list of people."), fields={"members": "type"})
    party = data.get("party") or _actor().party.code
    if not isinstance(party, str):
        raise BadRequestBody(_("party must be a party code."), fields={"party": "type"})
    registration = meetings.register(_actor(), meeting_id, party, members)
    return jsonify(RegistrationSchema().dump(registration)), 201


@bp.get("/action-items")
@operation(Access.SIGNED_IN, summary="Open action items owned by my party or my networks, soonest due first",
           tags=["meetings"], answers={200: ("Action items", ActionItemListSchema)})
def list_action_items() -> Any:
    """My open action items."""
    actions = db.session.scalars(meetings.actions_for(_actor()).limit(200))
    return jsonify(ActionItemListSchema().dump(SimpleNamespace(items=actions)))


@bp.put("/action-items/<int:action_id>/status")
@operation(Access.SIGNED_IN,
           summary="Set an action item's status (its owner's focal point or coordinator, or the secretariat)",
           tags=["meetings"], body=ActionStatusInputSchema, answers={200: ("The action item", ActionItemSchema)})
def set_action_item_status(action_id: int) -> Any:
    """Move an action item along."""
    status = json_body().get("status")
    if not isinstance(status, str):
        raise BadRequestBody(_("status is required."), fields={"status": "required"})
    return jsonify(ActionItemSchema().dump(meetings.set_action_status(_actor(), action_id, status)))
