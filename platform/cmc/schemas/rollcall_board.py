"""Shapes of a roll call's board in the API (``GET /rollcalls/<id>/board``) and of a reminder."""

from __future__ import annotations

from marshmallow import fields

from cmc.schemas.common import Input, Shape, nullable


class TotalSchema(Shape):
    """One number added over the parties' latest answers, estimates and confirmed figures apart."""

    estimate = fields.Integer(required=True)
    confirmed = fields.Integer(required=True)


class TotalsSchema(Shape):
    """The board's totals."""

    displaced = fields.Nested(TotalSchema, required=True)
    departed = fields.Nested(TotalSchema, required=True, metadata={"description": "People who left by sea"})


class FocalPointSchema(Shape):
    """A focal point of an asked party (whom the organiser may write to)."""

    name = fields.String(required=True)
    email = fields.String(required=True)


class BoardPartySchema(Shape):
    """One asked party on the board: its latest answer (nulls while it has not answered)."""

    code = fields.String(required=True)
    name = fields.String(required=True)
    answered = fields.Boolean(required=True)
    status = nullable(fields.String, required=True, metadata={
        "description": "not_affected, affected_coping or assistance_needed"})
    displaced = nullable(fields.Integer, required=True)
    displaced_quality = nullable(fields.String, required=True, metadata={"description": "estimate or confirmed"})
    departed = nullable(fields.Integer, required=True)
    departed_quality = nullable(fields.String, required=True, metadata={"description": "estimate or confirmed"})
    needs = fields.List(fields.String(), required=True)
    flags = fields.List(fields.String(), required=True, metadata={
        "description": "The numbers the party confirmed although they look implausible"})
    by_focal_point = fields.Boolean(required=True, metadata={"description": "Confirmed by the focal point"})
    answered_at = nullable(fields.DateTime, required=True)
    revision = fields.Integer(required=True, metadata={"description": "The answer's revision (0: none)"})
    last_reminded_at = nullable(fields.DateTime, required=True)
    focal_points = fields.List(fields.Nested(FocalPointSchema), required=True)


class BoardSchema(Shape):
    """A roll call's board: counts over the latest answers, totals, needs, and the parties (those that have
    not answered first)."""

    id = fields.Integer(required=True)
    state = fields.String(required=True, metadata={"description": "open or closed"})
    deadline = fields.DateTime(required=True)
    asked = fields.Integer(required=True)
    answered = fields.Integer(required=True)
    affected = fields.Integer(required=True)
    assistance_needed = fields.Integer(required=True)
    totals = fields.Nested(TotalsSchema, required=True)
    needs = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                        metadata={"description": "How many parties ticked each need"})
    parties = fields.List(fields.Nested(BoardPartySchema), required=True)


class RemindInputSchema(Input):
    """Which parties to remind (all those not yet answered when left out)."""

    parties = fields.List(fields.String(), metadata={"description": "Party codes; only those that have not "
                                                     "answered are reminded"})


class RemindedSchema(Shape):
    """What a reminder did: ``sent`` false when the parties were reminded less than a minute ago."""

    sent = fields.Boolean(required=True)
    parties = fields.List(fields.String(), required=True, metadata={"description": "The parties reminded"})
    recipients = fields.Integer(required=True, metadata={"description": "How many people were written to"})
