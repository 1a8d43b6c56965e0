"""Documents and their versions."""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from marshmallow.validate import OneOf

from cmc.schemas.common import Shape, nullable

TEXT_STATUSES = ["indexed", "none", "unreadable", "busy", "limit:size", "limit:ratio", "limit:entries",
                 "limit:time", "limit:memory", None]


def _text(version: Any) -> dict[str, Any]:
    from cmc.services.extract import notice  # services use these schemas: imported when dumping

    message = notice(version.text_status)
    return {"indexed": None if version.text_status is None else message is None, "status": version.text_status,
            "message": message}


class TextIndexSchema(Shape):
    """Whether search finds the words inside a file. A file over a text-extraction limit (unpacked size,
    compression ratio, parts, time, memory) is stored without text: search then finds the document by its
    title and description only."""

    indexed = nullable(fields.Boolean, metadata={"description": "null for versions stored before this was "
                                                                "recorded"})
    status = nullable(fields.String, validate=OneOf(TEXT_STATUSES))
    message = nullable(fields.String, metadata={"description": "what to tell a person when the text is not "
                                                               "indexed"})


class UploaderSchema(Shape):
    """Who uploaded a version."""

    id = fields.Integer()
    name = fields.String()


class DocumentVersionSchema(Shape):
    """One version's metadata."""

    number = fields.Integer()
    filename = fields.String(attribute="original_filename")
    size = fields.Integer()
    sha256 = fields.String()
    content_type = fields.String()
    note = fields.String()
    uploader = fields.Nested(UploaderSchema)
    created_at = fields.DateTime()
    restored_from = nullable(fields.Integer)
    language = fields.String(metadata={"description": "the language of this file's text (ISO 639 code), one of "
                                                      "the document's languages"})
    text = fields.Function(_text, metadata={"allOf": [{"$ref": "#/components/schemas/TextIndex"}]})


class DocumentSchema(Shape):
    """A document's metadata; ``versions`` when read on its own."""

    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    kind = fields.String()
    status = fields.Function(lambda document: str(document.status) if document.status else None,
                             metadata={"type": "string", "nullable": True})
    languages = fields.List(fields.String(), attribute="language_list")
    audience = fields.String(validate=OneOf(["network", "all", "named"]))
    named_parties = fields.Function(lambda document: [party.code for party in document.named_parties],
                                    metadata={"type": "array", "items": {"type": "string"}})
    owner_party = fields.Function(lambda document: document.owner_party.code, metadata={"type": "string"})
    network = fields.Function(lambda document: document.network.slug if document.network else None,
                              metadata={"type": "string", "nullable": True})
    current_version = fields.Integer()
    updated_at = fields.DateTime()


class DocumentWithVersionsSchema(DocumentSchema):
    """A document read on its own, with every version (dumps ``document`` merged with ``versions``)."""

    versions = fields.List(fields.Nested(DocumentVersionSchema))
    current_by_language = fields.List(fields.Nested(DocumentVersionSchema), metadata={
        "description": "the newest file of each language, in the order of the document's languages"})
