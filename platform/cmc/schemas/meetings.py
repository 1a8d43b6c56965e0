"""Meetings, their agenda versions, registrations and action items."""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from marshmallow.validate import Length, OneOf

from cmc.schemas.common import Input, Shape, nullable


def _code(relation: str) -> fields.Function:
    """The code (or slug) of an optional related party (or network), or null."""
    key = "slug" if relation.endswith("network") else "code"
    return fields.Function(lambda obj: getattr(getattr(obj, relation), key) if getattr(obj, relation) else None,
                           metadata={"type": "string", "nullable": True})


def _changes(version: Any) -> list[str]:
    """A version's change list written for the caller (stored structured, so no sentence is frozen in its
    publisher's language)."""
    from cmc.services.meetings import changes_of  # services use these schemas: imported when dumping

    return changes_of(version)


class MeetingSchema(Shape):
    """A meeting."""

    id = fields.Integer()
    title = fields.String()
    kind = fields.String()
    status = fields.String(validate=OneOf(["draft", "published", "in_session", "concluded", "cancelled"]))
    start_date = fields.Date()
    end_date = fields.Date()
    timezone = fields.String()
    venue = fields.String()
    city = fields.String()
    host_party = _code("host_party")
    format = fields.String()
    network = _code("network")
    agenda_revision = fields.Integer()


class AgendaVersionSchema(Shape):
    """A published agenda version."""

    number = fields.Integer()
    published_at = fields.DateTime()
    changes = fields.Function(lambda version: _changes(version), metadata={
        "type": "array", "items": {"type": "string"},
        "description": "What changed since the version before, in the caller's language"})
    items = fields.Raw(metadata={"type": "array", "description": "The agenda as published", "items": {
        "type": "object", "additionalProperties": True, "properties": {
            "day": {"type": "string", "format": "date"}, "start": {"type": "string", "example": "09:30"},
            "end": {"type": "string", "example": "10:30"}, "title": {"type": "string"},
            "session": {"type": "string"}, "kind": {"type": "string"},
            "room": {"type": "string", "description": "Where the item takes place; empty (or absent in versions "
                                                      "published before rooms existed) for the plenary room"}}}})


class RegistrationSchema(Shape):
    """A party's delegation to a meeting."""

    id = fields.Integer()
    party = fields.Function(lambda registration: registration.party.code, metadata={"type": "string"})
    status = fields.String()
    as_observer = fields.Boolean()
    members = fields.Raw(metadata={"type": "array", "items": {"type": "object"}})


class MeetingDetailSchema(MeetingSchema):
    """A meeting read on its own, with its published versions and registrations (dumps ``meeting`` merged
    with ``versions`` and ``registrations``)."""

    versions = fields.List(fields.Nested(AgendaVersionSchema))
    registrations = fields.List(fields.Nested(RegistrationSchema))


class ActionItemSchema(Shape):
    """An action item of a meeting."""

    id = fields.Integer()
    meeting_id = fields.Integer()
    title = fields.String()
    status = fields.String(validate=OneOf(["open", "in_progress", "done"]))
    owner_party = _code("owner_party")
    owner_network = _code("owner_network")
    due_date = nullable(fields.Date)


class AgendaItemInputSchema(Input):
    """A new agenda item."""

    revision = fields.Integer(required=True, metadata={"description": "the agenda_revision the change starts "
                                                                       "from"})
    day = fields.Date(required=True)
    title = fields.String(required=True, validate=Length(max=200))
    start_time = fields.String(metadata={"example": "09:30"})
    end_time = fields.String(metadata={"example": "10:30"})
    kind = fields.String(validate=OneOf(["opening", "session", "panel", "break", "closing"]))
    session = fields.String()
    room = fields.String(validate=Length(max=120), metadata={
        "description": "Where the item takes place; empty for the plenary room. Items in different rooms may "
                       "overlap in time without a warning."})
    presenters = fields.String()
    description = fields.String()
    document_ids = fields.List(fields.Integer())


class AgendaItemAddedSchema(Shape):
    """An agenda item just added."""

    id = fields.Integer()
    agenda_revision = fields.Integer()
