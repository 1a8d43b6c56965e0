"""Notifications: one as the centre shows it, a page with the unread count, and the "mark read" body."""

from __future__ import annotations

from marshmallow import fields
from marshmallow.validate import OneOf

from cmc.models import NotificationKind
from cmc.schemas.common import Input, Shape, values_of


class NotificationSchema(Shape):
    """One notification, its sentence in the reader's language, and the address that opens it (marks it read)."""

    id = fields.Integer()
    kind = fields.String(validate=OneOf(values_of(NotificationKind)))
    text = fields.String()
    url = fields.Function(lambda obj: f"/notifications/{obj.id}/open", metadata={"type": "string"})
    target = fields.String(attribute="url", metadata={"description": "What it is about (a path on this site)"})
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True, metadata={"nullable": True})
    unread = fields.Boolean()
    alert_id = fields.Integer(allow_none=True, metadata={"nullable": True})
    meeting_id = fields.Integer(allow_none=True, metadata={"nullable": True})


class NotificationPageSchema(Shape):
    """One page of notifications, newest first, and how many are unread in all."""

    items = fields.List(fields.Nested(NotificationSchema))
    page = fields.Integer(attribute="number")
    has_next = fields.Boolean()
    unread = fields.Integer(metadata={"description": "Unread notifications the person may still read"})


class NotificationReadInputSchema(Input):
    """Which notifications to mark read: ``ids``, or ``all``: true."""

    ids = fields.List(fields.Integer(), metadata={"description": "Notification ids"})
    all = fields.Boolean(metadata={"description": "Mark every notification read"})


class NotificationReadSchema(Shape):
    """How many notifications changed, and how many are still unread."""

    marked = fields.Integer()
    unread = fields.Integer()
