"""Roll calls and their templates, as the API shows and takes them (issue 19: starting, the list, templates).

Other parts of the roll call API (answers, the board, closing) add their schemas beside these."""

from __future__ import annotations

from marshmallow import fields
from marshmallow.validate import Length, OneOf

from cmc.models import HandlingCode, RollCallState
from cmc.schemas.common import Input, Shape, list_of, nullable, values_of


class QuestionSchema(Shape):
    """One question, in the order asked."""

    key = fields.String(metadata={"description": "status, displaced, departed, needs, note (the standard "
                                                 "questions, added up on the board) or q1..q20 (a network's own)"})
    kind = fields.String(metadata={"description": "status, number, needs, text (standard); count, text, yesno "
                                                  "(own)"})
    required = fields.Boolean()
    label = fields.String(metadata={"description": "the wording in the reader's language (an own question: as "
                                                   "written, in `language`)"})
    language = fields.String()
    options = fields.List(fields.String(), metadata={"description": "the choices offered (status, needs)"})


class QuestionInputSchema(Input):
    """A question sent in a template or a roll call (checked by the one validation of question lists)."""

    key = fields.String(required=True)
    required = fields.Boolean()
    kind = fields.String(validate=OneOf(["count", "text", "yesno"]))
    label = fields.String(validate=Length(max=200))
    language = fields.String(validate=OneOf(["en", "es", "fr", "nl"]))
    options = fields.List(fields.String())


class RollCallHandlingSchema(Shape):
    """The handling code the organiser set, and the statement the exports print."""

    code = fields.String(validate=OneOf(values_of(HandlingCode)))
    text = fields.String(metadata={"description": "H3's restriction ('' otherwise)"})
    statement = fields.String()


class RollCallLinksSchema(Shape):
    """Pages of the roll call."""

    board = fields.String(metadata={"description": "the board (absolute URL)"})
    answer = fields.String(metadata={"description": "the answer page of the reader's party (absolute URL)"})


class RollCallSchema(Shape):
    """A roll call."""

    id = fields.Integer()
    network = fields.String(metadata={"description": "the network's slug"})
    title = fields.String()
    instructions = fields.String()
    language = fields.String(metadata={"description": "the language of title and instructions"})
    state = fields.String(validate=OneOf(values_of(RollCallState)))
    started_at = fields.DateTime()
    deadline = fields.DateTime()
    closed_at = nullable(fields.DateTime)
    organiser = fields.String(metadata={"description": "the organiser's name"})
    organiser_party = fields.String(metadata={"description": "the organiser's party code"})
    alert_id = nullable(fields.Integer, metadata={"description": "the alert it was started from"})
    previous_id = nullable(fields.Integer, metadata={"description": "the roll call this one follows up"})
    parties = fields.List(fields.String(), metadata={"description": "the codes of the parties asked"})
    questions = fields.List(fields.Nested(QuestionSchema))
    handling = fields.Nested(RollCallHandlingSchema)
    links = fields.Nested(RollCallLinksSchema)
    answered = fields.Integer(metadata={"description": "how many asked parties have answered"})
    asked = fields.Integer()
    must_answer = fields.Boolean(metadata={"description": "the reader's party is asked, has not answered yet, "
                                                          "and answers are taken"})


RollCallListSchema = list_of(RollCallSchema, "RollCallListSchema")


class RollCallQuerySchema(Input):
    """Filters of the roll call list."""

    network = fields.String(metadata={"description": "a network's slug"})
    state = fields.String(validate=OneOf(values_of(RollCallState)))


class RollCallInputSchema(Input):
    """A roll call to start. ``parties`` left out: the network's member parties. ``questions`` left out: the
    template's (``template_id``, else the platform's standard questions)."""

    network = fields.String(required=True, metadata={"description": "the network's slug"})
    title = fields.String(required=True, validate=Length(min=1, max=200))
    deadline = fields.String(required=True, metadata={
        "format": "date-time", "description": "ISO 8601 with a zone; 15 minutes to 30 days ahead"})
    parties = fields.List(fields.String(), metadata={"description": "codes of member parties of the network"})
    template_id = nullable(fields.Integer)
    questions = fields.List(fields.Nested(QuestionInputSchema))
    alert_id = nullable(fields.Integer)
    previous_id = nullable(fields.Integer)
    instructions = fields.String(validate=Length(max=4000))
    handling_code = fields.String(validate=OneOf(values_of(HandlingCode)))
    handling_text = fields.String(validate=Length(max=500))


class TemplateSchema(Shape):
    """A question template (``network`` null: the platform's standard template, read only)."""

    id = fields.Integer()
    network = nullable(fields.String, metadata={"description": "the network's slug; null for the platform's"})
    name = fields.String(metadata={"description": "the name as stored (what a PUT changes)"})
    label = fields.String(metadata={"description": "the name to show: the platform's standard template's in the "
                                                   "reader's language, a network's own as its people wrote it"})
    questions = fields.List(fields.Nested(QuestionSchema))
    updated_at = fields.DateTime()


TemplateListSchema = list_of(TemplateSchema, "TemplateListSchema")


class TemplateInputSchema(Input):
    """A template to save: its name and at least one question."""

    name = fields.String(required=True, validate=Length(min=1, max=120))
    questions = fields.List(fields.Nested(QuestionInputSchema), required=True)
