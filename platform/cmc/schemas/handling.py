"""Handling codes, the 4x4 evaluation and release requests, as the API shows and takes them."""

from __future__ import annotations

from marshmallow import fields
from marshmallow.validate import Length, OneOf, Range

from cmc.models import Accuracy, HandlingCode, ReleasePurpose, ReleaseStatus, Reliability
from cmc.schemas.common import Input, Shape, nullable, values_of


class HandlingSchema(Shape):
    """How the item may be used and passed on (SIENA's handling codes), and how reliable it is."""

    code = fields.String(attribute="handling_code", validate=OneOf(values_of(HandlingCode)), metadata={
        "description": "H0 use only for preventing and combating crime; H1 not to be disclosed in judicial "
                       "proceedings without the provider's permission; H2 not to be disseminated without the "
                       "provider's permission; H3 other restrictions (see text)"})
    text = fields.String(attribute="handling_text", metadata={"description": "H3's restriction ('' otherwise)"})
    source_reliability = nullable(fields.String, validate=OneOf(values_of(Reliability)), metadata={
        "description": "A no doubt, B mostly reliable, C mostly unreliable, X cannot be assessed; null: not "
                       "evaluated (threads are never evaluated)"})
    info_accuracy = nullable(fields.String, validate=OneOf(values_of(Accuracy)), metadata={
        "description": "1 not in doubt, 2 known personally to the source, 3 corroborated, 4 not corroborated; "
                       "null: not evaluated"})


def handling_field() -> fields.Field:
    """The ``handling`` field of a marked item's schema: the item's ``handling`` (the item itself, see
    ``cmc.models.handling.HandlingMarked``; a list's row object offers the same attributes)."""
    return fields.Nested(HandlingSchema, dump_only=True)


class HandlingInputSchema(Input):
    """A marking sent with a new item or a change of marking. A code outside H0-H3 or an evaluation outside the
    grids is refused (422); H3 needs its text."""

    handling_code = fields.String(validate=OneOf(values_of(HandlingCode)), load_default="H0")
    handling_text = fields.String(validate=Length(max=500), load_default="")
    source_reliability = nullable(fields.String, validate=OneOf(values_of(Reliability)), load_default=None)
    info_accuracy = nullable(fields.String, validate=OneOf(values_of(Accuracy)), load_default=None)


class ReleaseRequestSchema(Shape):
    """A request to release an H2 item, and its decision."""

    id = fields.Integer()
    item_type = fields.String(validate=OneOf(["alert", "document", "thread"]))
    item_id = fields.Integer()
    purpose = fields.String(validate=OneOf(values_of(ReleasePurpose)))
    status = fields.String(validate=OneOf(values_of(ReleaseStatus)))
    origin_party = fields.Function(lambda r: r.origin_party_code, metadata={"type": "string"})
    requester_party = fields.Function(lambda r: r.requester_party_code, metadata={"type": "string"})
    party = fields.Function(lambda r: r.party_code, metadata={
        "type": "string", "description": "the party the release covers"})
    network_id = nullable(fields.Integer, metadata={"description": "for a release into another network"})
    reason = fields.String()
    created_at = fields.DateTime()
    decided_at = nullable(fields.DateTime)
    decision_note = fields.String()
    valid_until = nullable(fields.DateTime)


class ReleaseRequestInputSchema(Input):
    """Asking for a release."""

    purpose = fields.String(required=True, validate=OneOf(values_of(ReleasePurpose)))
    reason = fields.String(required=True, validate=Length(min=1, max=1000))
    network_id = nullable(fields.Integer, load_default=None)
    party = nullable(fields.String, load_default=None, metadata={"description": "a party code, for `party`"})


class ReleaseDecisionInputSchema(Input):
    """Granting or refusing a release."""

    grant = fields.Boolean(required=True)
    note = fields.String(validate=Length(max=1000), load_default="")
    days = fields.Integer(validate=Range(min=1, max=365), load_default=7)
