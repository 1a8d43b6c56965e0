""""Who read what we shared" in the API: one line of the report, a page of them, and the report's filters."""

from __future__ import annotations

from marshmallow import fields
from marshmallow.validate import Length, OneOf, Range

from cmc.models import Outcome
from cmc.schemas.common import Input, Shape, nullable, page_of, values_of
from cmc.services.handling.report import ACTIONS, ITEM_TYPES, KINDS


class SharedReportRowSchema(Shape):
    """One use of an item the party originated, as the audit trail recorded it."""

    id = fields.Integer(metadata={"description": "The audit trail row"})
    at = fields.DateTime()
    person = fields.String(metadata={"description": "Who (their e-mail address when the row was written)"})
    party = fields.String(metadata={"description": "Their party's code"})
    kind = fields.String(validate=OneOf(list(KINDS)))
    action = fields.String(validate=OneOf(list(ACTIONS)))
    what = fields.String(metadata={"description": "The action in the caller's language"})
    item_type = fields.String(metadata={"description": "alert, document or thread"})
    item_id = fields.String()
    title = nullable(fields.String, metadata={"description": "The item's title or headline; null when the item "
                                                             "is gone or the caller may not read it"})
    handling_code = nullable(fields.String, metadata={"description": "The item's handling code at the time, "
                                                                     "when the row recorded it"})
    outcome = fields.String(validate=OneOf(values_of(Outcome)))


SharedReportPageSchema = page_of(SharedReportRowSchema, "SharedReportPageSchema")


class SharedReportQuerySchema(Input):
    """Filters of the report (own people are left out unless include_own)."""

    reader = fields.String(validate=Length(max=12), metadata={"description": "the reader's party code"})
    person = fields.String(validate=Length(max=100), metadata={"description": "part of the person's e-mail"})
    kind = fields.String(validate=OneOf(list(KINDS)))
    item_type = fields.String(validate=OneOf(list(ITEM_TYPES)))
    item_id = fields.Integer(validate=Range(min=1, max=2**31 - 1))
    date_from = fields.Date(metadata={"description": "first day (UTC), YYYY-MM-DD"})
    date_to = fields.Date(metadata={"description": "last day (UTC), YYYY-MM-DD"})
    include_own = fields.Boolean(metadata={"description": "include the party's own people"})
    outcome = fields.String(validate=OneOf(values_of(Outcome)))
    page = fields.Integer(validate=Range(min=1))
