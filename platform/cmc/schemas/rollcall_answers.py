"""A party's answer to a roll call, as the API shows and takes it (issue 19)."""

from __future__ import annotations

from marshmallow import fields
from marshmallow.validate import OneOf

from cmc.models import Affected, Quality
from cmc.schemas.common import Input, PersonRefSchema, Shape, nullable, values_of
from cmc.services.rollcalls import questions

_QUALITY = ("estimate: a figure estimated; confirmed: a figure counted. Required with its number; the board adds "
            "estimates and confirmed figures apart")


class AnswerSchema(Shape):
    """One revision of one party's answer (the latest revision is the party's answer)."""

    id = fields.Integer()
    roll_call_id = fields.Integer()
    party = fields.Function(lambda answer: answer.party.code, metadata={"type": "string"})
    party_name = fields.Function(lambda answer: answer.party.name, metadata={"type": "string"})
    revision = fields.Integer(metadata={"description": "1 for the party's first answer, then 2, 3..."})
    author = fields.Nested(PersonRefSchema)
    by_focal_point = fields.Boolean(metadata={"description": "Given by the party's focal point: \"confirmed by "
                                                             "the focal point\""})
    created_at = fields.DateTime()
    status = nullable(fields.String, validate=OneOf(values_of(Affected)))
    displaced = nullable(fields.Integer)
    displaced_quality = nullable(fields.String, validate=OneOf(values_of(Quality)))
    departed = nullable(fields.Integer, metadata={"description": "People who left by sea"})
    departed_quality = nullable(fields.String, validate=OneOf(values_of(Quality)))
    needs = fields.Function(lambda answer: answer.need_list, metadata={
        "type": "array", "items": {"type": "string", "enum": list(questions.NEEDS)}})
    note = fields.String()
    extra = fields.Dict(keys=fields.String(), values=fields.Raw(), metadata={
        "description": "The answers to the network's own questions (q1..q20): a number, a text or true/false"})
    flags = fields.Function(lambda answer: answer.flag_list, metadata={
        "type": "array", "items": {"type": "string"},
        "description": "Figures above the party's population that the author confirmed: flagged on the board"})


class AnswerListSchema(Shape):
    """Answers: the latest of each party (``/answers``) or every revision, oldest first (``/answers/history``)."""

    items = fields.List(fields.Nested(AnswerSchema))


class AnswerHistoryQuerySchema(Input):
    """Which party's revisions."""

    party = fields.String(metadata={"description": "A party code; left out: every party the caller may see "
                                                   "(only their own party for someone who is not a board reader)"})


class AnswerInputSchema(Input):
    """A party's answer, sent by one of its members. Only the roll call's own questions are accepted; the
    required ones must be answered. A figure larger than the party's population is refused with 422
    ``confirmation_required`` unless ``confirm`` is true (then it is kept and flagged)."""

    base_revision = fields.Integer(required=True, metadata={
        "description": "The revision of the party's answer this one replaces (0 for the party's first answer). "
                       "Another member saved since: 409 answer_conflict with their answer in error.current"})
    status = nullable(fields.String, validate=OneOf(values_of(Affected)))
    displaced = nullable(fields.Integer, metadata={"minimum": 0, "maximum": questions.NUMBER_MAX})
    displaced_quality = nullable(fields.String, validate=OneOf(values_of(Quality)), metadata={
        "description": _QUALITY})
    departed = nullable(fields.Integer, metadata={"minimum": 0, "maximum": questions.NUMBER_MAX})
    departed_quality = nullable(fields.String, validate=OneOf(values_of(Quality)), metadata={
        "description": _QUALITY})
    needs = fields.List(fields.String(validate=OneOf(questions.NEEDS)))
    note = fields.String(metadata={"maxLength": 4000})
    extra = fields.Dict(keys=fields.String(), values=fields.Raw(), metadata={
        "description": "Answers to the network's own questions by key (q1..q20)"})
    confirm = fields.Boolean(metadata={"description": "The sender confirms figures above the population"})


class AnswerRefusalDetailSchema(Shape):
    """Why the answer was not kept: answer_conflict (with the answer there now) or roll_call_closed."""

    code = fields.String(required=True)
    message = fields.String(required=True)
    current = fields.Nested(AnswerSchema, metadata={
        "description": "With answer_conflict: the party's answer now (who, when, what); send again with its "
                       "revision as base_revision to replace it"})


class AnswerRefusalSchema(Shape):
    """A 409 of ``PUT /rollcalls/{id}/answer``."""

    error = fields.Nested(AnswerRefusalDetailSchema, required=True)
