"""What every schema module uses: the base class and the error body."""

from __future__ import annotations

import enum
from typing import Any

from marshmallow import EXCLUDE, Schema, fields


class Shape(Schema):
    """Base of the platform's schemas (fields are sent in the order they are declared): an answer holds no
    field its schema does not name, and the document says so (``additionalProperties: false``)."""


class Input(Shape):
    """Base of what clients send: fields the API does not know are ignored, as the views do."""

    class Meta:
        unknown = EXCLUDE


def nullable(field: type[fields.Field], **kwargs: Any) -> fields.Field:
    """A field that may be null (``nullable: true`` in the document)."""
    return field(allow_none=True, **kwargs)


class ErrorDetailSchema(Shape):
    """What went wrong."""

    code = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(keys=fields.String(), values=fields.String(), attribute="fields", data_key="fields",
                          metadata={"description": "Which field broke which rule"})
    confirm_url = fields.String(metadata={"description": "With reauthentication_required: the page where the "
                                          "signed-in person confirms their password before sending again"})
    incident = fields.String(metadata={"description": "With a 500: the id of the incident in the server's log, "
                                       "to give when reporting the problem"})


class ErrorSchema(Shape):
    """Every error of the API: ``{"error": {"code", "message"}}``."""

    error = fields.Nested(ErrorDetailSchema, required=True)


class PersonRefSchema(Shape):
    """Who wrote something."""

    id = fields.Integer()
    name = fields.String()
    party = fields.Function(lambda account: account.party.code, metadata={"type": "string"})


class NetworkRefSchema(Shape):
    """A network, named: its id, address and name (what other shapes embed, or extend, to say which one)."""

    id = fields.Integer()
    slug = fields.String()
    name = fields.String()


class With:
    """``obj`` seen with extra attributes: what a schema that adds fields to an object's own dumps (a thread
    with a page of replies, a token with its secret)."""

    def __init__(self, obj: Any, **extra: Any) -> None:
        self._obj = obj
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._obj, name)


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """The schema of one page of ``item``s: ``{items, page, has_next}`` (dumps a ``cmc.http.pagination.Page``)."""
    return type(name, (Shape,), {
        "__doc__": f"One page of {item.__name__.removesuffix('Schema')}s, and whether a next page exists.",
        "items": fields.List(fields.Nested(item)),
        "page": fields.Integer(attribute="number"),
        "has_next": fields.Boolean(),
    })


def list_of(item: type[Schema], name: str) -> type[Schema]:
    """The schema of a whole list of ``item``s: ``{items}`` (dumps an object with ``items``)."""
    return type(name, (Shape,), {
        "__doc__": f"Every {item.__name__.removesuffix('Schema')} there is to list.",
        "items": fields.List(fields.Nested(item)),
    })


def values_of(choices: type[enum.StrEnum]) -> list[str]:
    """The values of a model's enumeration, in its order: what a field that takes one of them accepts."""
    return [member.value for member in choices]
