"""The query strings the API reads, declared for the OpenAPI document (each field is one query parameter).

The views read ``request.args`` themselves; these schemas say what a client may send (the alert list refuses
a filter value that is not one of its choices with 400).
"""

from __future__ import annotations

from marshmallow import fields
from marshmallow.validate import OneOf, Range

from cmc.models import CapStatus, HandlingCode
from cmc.schemas.alerts import SEVERITIES
from cmc.schemas.common import Input, values_of


def _page() -> fields.Integer:
    """Which page of a paginated answer: declared last in each schema, as the document lists it."""
    return fields.Integer(validate=Range(min=1))


class PageQuerySchema(Input):
    """Which page of a paginated answer."""

    page = _page()


class AlertQuerySchema(Input):
    """Filters of the alert list."""

    network = fields.String()
    active = fields.String(validate=OneOf(["true", "false", "1", "0", "active", "expired", "cancelled", "all"]),
                           metadata={"description": "true or active: current alerts; false: every alert no longer "
                                                    "current; expired: ended or updated, not cancelled; cancelled; "
                                                    "all (the default)"})
    waiting = fields.Boolean(metadata={"description": "only current alerts my party has not acknowledged"})
    severity = fields.String(validate=OneOf(SEVERITIES))
    status = fields.String(validate=OneOf(values_of(CapStatus)))
    since = fields.DateTime()
    handling = fields.String(validate=OneOf(values_of(HandlingCode)),
                             metadata={"description": "only alerts with this handling code"})
    page = _page()


class DocumentQuerySchema(Input):
    """Search words and filters of the document list."""

    q = fields.String(metadata={"description": "words to find in title, description and text"})
    network = fields.String()
    kind = fields.String()
    language = fields.String()
    party = fields.String()
    status = fields.String()
    handling = fields.String(validate=OneOf(values_of(HandlingCode)), metadata={
        "description": "only documents marked with this handling code (H0-H3)"})
    sort = fields.String(validate=OneOf(["date", "title"]))
    page = _page()


class ThreadQuerySchema(Input):
    """The filter of a network's thread list."""

    handling = fields.String(validate=OneOf(values_of(HandlingCode)),
                             metadata={"description": "only threads marked with this handling code"})
    page = _page()
