"""Documents and their versions."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_dump
from marshmallow.validate import OneOf

from cmc.schemas.bodies import DocumentUploadSchema, VersionUploadSchema
from cmc.schemas.common import Shape, nullable
from cmc.schemas.handling import HandlingInputSchema, handling_field

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
    handling = handling_field()


#: What a list shows of an H2 document the caller may not take out through the API.
PLACEHOLDER_FIELDS = ("id", "network", "handling", "restricted")


class DocumentSchema(Shape):
    """A document's metadata; ``versions`` when read on its own. Its ``handling`` is its current version's.

    In a list, an H2 document the caller's party may not take out (not its originator, no release covering it)
    is a placeholder: ``id``, ``network``, ``handling`` and ``restricted: true`` only (no title, no
    description); reading it (``GET /documents/{id}``) or its files answers 403 ``handling_restricted``."""

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
    handling = handling_field()
    restricted = fields.Function(lambda document: bool(getattr(document, "restricted", False)), metadata={
        "type": "boolean", "description": "true: an H2 document the caller may not take out; listed as a "
                                          "placeholder (id, network, handling) without its title or description"})

    @post_dump
    def _placeholder(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        """A restricted document keeps only what says it exists and why it is withheld."""
        if data.get("restricted"):
            return {key: data[key] for key in PLACEHOLDER_FIELDS if key in data}
        return data


class DocumentWithVersionsSchema(DocumentSchema):
    """A document read on its own, with every version (dumps ``document`` merged with ``versions``)."""

    versions = fields.List(fields.Nested(DocumentVersionSchema))
    current_by_language = fields.List(fields.Nested(DocumentVersionSchema), metadata={
        "description": "the newest file of each language, in the order of the document's languages"})


class MarkedUploadSchema(DocumentUploadSchema, HandlingInputSchema):
    """A new document with its marking (multipart/form-data): the handling code (H0 when left out; H3 needs
    ``handling_text``) and the 4x4 evaluation (left out: not evaluated). A code outside H0-H3 or an evaluation
    outside the grids: 422."""


class MarkedVersionUploadSchema(VersionUploadSchema, HandlingInputSchema):
    """A document's next file with its marking (multipart/form-data): left out, the version takes the
    document's current marking; a marking that lowers it (anything but the same or a stricter code) is the
    originating party's alone (403)."""
