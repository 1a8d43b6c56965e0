"""Networks, their members, threads and replies."""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from marshmallow.validate import Length, OneOf

from cmc.models import HandlingCode
from cmc.schemas.bodies import ThreadInputSchema
from cmc.schemas.common import PersonRefSchema, Shape, values_of
from cmc.schemas.handling import handling_field

ROLES = ["coordinator", "member"]
TEXT_FIELDS = ("name", "description", "charter")


def _texts(entry: Any) -> dict[str, dict[str, str]]:
    from cmc.services.networks import stored_texts  # services use these schemas: imported when dumping

    return stored_texts(entry.network)


class NetworkSchema(Shape):
    """A network's directory entry; dumps an object with ``network``, ``my_role`` and (in the directory)
    ``party_count`` and ``member_count``."""

    slug = fields.String(attribute="network.slug")
    name = fields.String(attribute="network.name")
    description = fields.String(attribute="network.description")
    kind = fields.String(attribute="network.kind",
                         validate=OneOf(["thematic_network", "technical_network", "dialogue_space"]))
    language = fields.String(attribute="network.language",
                             metadata={"description": "The language of name, description and charter"})
    alerts_enabled = fields.Boolean(attribute="network.alerts_enabled")
    archived = fields.Boolean(attribute="network.archived")
    my_role = fields.Function(lambda entry: str(entry.my_role) if entry.my_role else None,
                              metadata={"type": "string", "enum": [*ROLES, None], "nullable": True})
    party_count = fields.Integer()
    member_count = fields.Integer()


class NetworkDetailSchema(NetworkSchema):
    """A network read on its own (members only), with its charter and parties."""

    charter = fields.String(attribute="network.charter")
    texts = fields.Function(_texts, metadata={
        "type": "object", "description": "The network's name, description and charter (Markdown) by language, "
                                         "its own language included; a language without a text is absent",
        "additionalProperties": {"type": "object", "additionalProperties": False, "required": list(TEXT_FIELDS),
                                 "properties": {f: {"type": "string"} for f in TEXT_FIELDS}}})
    parties = fields.Function(lambda entry: [party.code for party in entry.network.parties],
                              metadata={"type": "array", "items": {"type": "string"}})


class MemberSchema(Shape):
    """A member of a network."""

    account_id = fields.Integer()
    name = fields.String()
    party = fields.String()
    role = fields.String(validate=OneOf(ROLES))


class MemberAddedSchema(Shape):
    """A membership just given."""

    account_id = fields.Integer()
    role = fields.String(validate=OneOf(ROLES))


class ThreadSchema(Shape):
    """A discussion thread."""

    id = fields.Integer()
    network = fields.Function(lambda thread: thread.network.slug, metadata={"type": "string"})
    network_id = fields.Integer()
    title = fields.String()
    body = fields.String()
    body_html = fields.String(metadata={"description": "Rendered Markdown, sanitised"})
    author = fields.Nested(PersonRefSchema)
    created_at = fields.DateTime()
    edited = fields.Function(lambda thread: thread.edited_at is not None, metadata={"type": "boolean"})
    pinned = fields.Function(lambda thread: thread.pinned_at is not None, metadata={"type": "boolean"})
    reply_count = fields.Integer()
    last_activity_at = fields.DateTime()
    handling = handling_field()
    restricted = fields.Function(lambda thread: bool(getattr(thread, "restricted", False)), metadata={
        "type": "boolean", "description": "an H2 thread its originator has not released to the caller: listed "
                                          "as a placeholder, without title or text"})


class ThreadCreateInputSchema(ThreadInputSchema):
    """A new thread with its handling code (H0 by default; H3 needs its restriction text; threads are not
    evaluated)."""

    handling_code = fields.String(validate=OneOf(values_of(HandlingCode)), load_default="H0")
    handling_text = fields.String(validate=Length(max=500), load_default="")


class ReplySchema(Shape):
    """A reply (a deleted reply keeps its place, not its text)."""

    id = fields.Integer()
    thread_id = fields.Integer()
    body = fields.Function(lambda reply: "" if reply.deleted_at is not None else reply.body,
                           metadata={"type": "string"})
    body_html = fields.Function(lambda reply: "" if reply.deleted_at is not None else reply.body_html,
                                metadata={"type": "string"})
    deleted = fields.Function(lambda reply: reply.deleted_at is not None, metadata={"type": "boolean"})
    author = fields.Nested(PersonRefSchema)
    created_at = fields.DateTime()
    edited = fields.Function(lambda reply: reply.edited_at is not None, metadata={"type": "boolean"})


class ThreadWithRepliesSchema(ThreadSchema):
    """A thread read on its own, with one page of its replies (dumps ``{"thread", "replies", "page",
    "has_next"}``)."""

    replies = fields.List(fields.Nested(ReplySchema))
    page = fields.Integer()
    has_next = fields.Boolean()
