"""Request bodies the views read field by field (their checks and messages stay theirs), declared here so the
OpenAPI document names each body the way it names every answer."""

from __future__ import annotations

from marshmallow import fields
from marshmallow.validate import Length, OneOf

from cmc.models import ActionStatus, Audience, DocumentKind, NetworkRole, ProtocolStatus
from cmc.schemas.common import Input, values_of


class AudienceInputSchema(Input):
    """Who may read a document."""

    audience = fields.String(required=True, validate=OneOf(values_of(Audience)))
    parties = fields.List(fields.String())


class DocumentUploadSchema(Input):
    """A new document: its first file and its metadata (multipart/form-data)."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})
    title = fields.String(required=True)
    description = fields.String()
    kind = fields.String(validate=OneOf(values_of(DocumentKind)))
    languages = fields.List(fields.String())
    language = fields.String(metadata={"description": "the file's language (ISO 639 code); the first of "
                                                      "languages when left out, added to them when not among them"})
    audience = fields.String(validate=OneOf(values_of(Audience)))
    parties = fields.List(fields.String())
    status = fields.String(validate=OneOf(values_of(ProtocolStatus)))
    note = fields.String()


class VersionUploadSchema(Input):
    """A document's next file (multipart/form-data)."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})
    note = fields.String()
    language = fields.String(metadata={"description": "the file's language (ISO 639 code): a new version of that "
                                                      "language's text, or a new language of the document; the "
                                                      "document's first language when left out"})


class MemberInputSchema(Input):
    """An account to add to a network, or whose role there to change."""

    account_id = fields.Integer(required=True)
    role = fields.String(validate=OneOf(values_of(NetworkRole)))


class ThreadInputSchema(Input):
    """A new thread."""

    title = fields.String(required=True, validate=Length(max=200))
    body = fields.String(required=True, metadata={"description": "Markdown"})


class ReplyInputSchema(Input):
    """A reply in a thread."""

    body = fields.String(required=True, metadata={"description": "Markdown"})


class RevisionInputSchema(Input):
    """The agenda revision a change starts from (publishing the agenda)."""

    revision = fields.Integer(required=True)


class DelegateInputSchema(Input):
    """One person of a delegation."""

    name = fields.String()
    role = fields.String(validate=OneOf(["head", "delegate", "adviser"]))
    title = fields.String()


class RegistrationInputSchema(Input):
    """A party's delegation to a meeting."""

    party = fields.String()
    members = fields.List(fields.Nested(DelegateInputSchema), required=True)


class ActionStatusInputSchema(Input):
    """An action item's new status."""

    status = fields.String(required=True, validate=OneOf(values_of(ActionStatus)))
