"""Notification endpoints of the API: my notifications (a page, with the unread count) and marking them read."""

from __future__ import annotations

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
from cmc.schemas import NotificationPageSchema, NotificationReadInputSchema, NotificationReadSchema
from cmc.schemas.common import With
from cmc.schemas.queries import PageQuerySchema
from cmc.services import notifications


def _actor() -> Account:
    return current_user._get_current_object()


@bp.get("/notifications")
@operation(Access.SIGNED_IN, summary="My notifications, newest first (25 a page), and the unread count",
           tags=["notifications"], query=PageQuerySchema,
           answers={200: ("One page of notifications", NotificationPageSchema)})
def list_notifications() -> Any:
    """My notifications; those of things I can no longer read are left out."""
    actor = _actor()
    page = paginate(notifications.list_query(actor), per_page=25,
                    load=lambda query: notifications.load(actor, list(db.session.scalars(query))))
    return jsonify(NotificationPageSchema().dump(With(page, unread=notifications.unread_count(actor))))


@bp.post("/notifications/read")
@operation(Access.SIGNED_IN, summary="Mark my notifications read: the ids given, or all",
           tags=["notifications"], body=NotificationReadInputSchema,
           answers={200: ("How many were marked", NotificationReadSchema)})
def mark_notifications_read() -> Any:
    """Mark read (``{"ids": [..]}`` or ``{"all": true}``); ids of others' notifications change nothing."""
    data = json_body()
    actor = _actor()
    if data.get("all") is True and "ids" not in data:
        marked = notifications.mark_read(actor)
    else:
        raw = data.get("ids")
        if not isinstance(raw, list) or not raw or len(raw) > 500:
            raise BadRequestBody(_("Send ids (a list of up to 500 notification numbers) or all: true."),
                                 fields={"ids": "type"})
        ids = [parse_id(value) for value in raw]
        if any(value is None or isinstance(raw_value, bool) for value, raw_value in zip(ids, raw, strict=True)):
            raise BadRequestBody(_("Send ids (a list of up to 500 notification numbers) or all: true."),
                                 fields={"ids": "type"})
        marked = notifications.mark_read(actor, [value for value in ids if value is not None])
    return jsonify(NotificationReadSchema().dump({"marked": marked, "unread": notifications.unread_count(actor)}))
