"""Changing what is said about a document: its metadata, and who may read it."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import Account, Document, DocumentVersion
from cmc.models.types import utcnow
from cmc.services import audit, networks, search
from cmc.services.documents.reading import get
from cmc.services.documents.validation import DocumentInput, audience_of, language_name, validate
from cmc.services.errors import ValidationError


def require_change(actor: Account, document: Document, action: str) -> None:
    """Refuse a change to ``document`` unless its network takes changes and the actor may change it."""
    if document.network is not None:
        networks.require_post(actor, document.network, action)
    permissions.require(actor, "document.change", document, action=action, target_type="document",
                        target_id=document.id, target_party_id=document.owner_party_id,
                        message=_("Only the uploader's party, the network's coordinators and the secretariat "
                                  "change this document."))


def update(actor: Account, document_id: int, data: DocumentInput) -> Document:
    """Change title, description, kind, languages and protocol status (the audience has its own action)."""
    with write_transaction():
        document = get(actor, document_id)
        require_change(actor, document, "document.update")
        values = validate(DocumentInput(**{**data.__dict__, "audience": document.audience.value,
                                           "party_codes": [p.code for p in document.named_parties]}))
        values.pop("audience")
        values.pop("named_parties")
        values.pop("marking")  # the marking changes through cmc.services.handling.change (the handling panel)
        kept_languages(document, values["languages"].split(";"))
        before = {"status": str(document.status) if document.status else None, "title": document.title}
        for key, value in values.items():
            setattr(document, key, value)
        document.updated_at = utcnow()
        search.index(document)
        audit.record(actor, "document.update", target_type="document", target_id=document.id,
                     target_party_id=document.owner_party_id,
                     details={"before": before, "after": {"status": str(document.status) if document.status
                                                          else None, "title": document.title}})
    return document


def kept_languages(document: Document, languages: list[str]) -> None:
    """Refuse (422) new ``languages`` that leave out a language the document has a file in."""
    with_files = db.session.scalars(select(DocumentVersion.language).distinct()
                                    .where(DocumentVersion.document_id == document.id))
    missing = [code for code in with_files if code not in languages]
    if missing:
        message = _("The document has a file in %(language)s: keep that language.",
                    language=language_name(missing[0]))
        raise ValidationError(message, fields={"languages": message})


def change_audience(actor: Account, document_id: int, audience: str, party_codes: list[str]) -> Document:
    """Narrow or widen who may read a document (its originating party, or the secretariat). Audited."""
    with write_transaction():
        document = get(actor, document_id)
        permissions.require(actor, "document.audience", document, action="document.audience",
                            target_type="document", target_id=document.id, target_party_id=document.owner_party_id,
                            message=_("Only the party that shared the document changes who may read it."))
        fields: dict[str, str] = {}
        new_audience, named = audience_of(audience, party_codes, fields)
        if fields:
            raise ValidationError(next(iter(fields.values())), fields=fields)
        before = {"audience": str(document.audience), "parties": [p.code for p in document.named_parties]}
        document.audience = new_audience
        document.named_parties = named
        audit.record(actor, "document.audience", target_type="document", target_id=document.id,
                     target_party_id=document.owner_party_id,
                     details={"before": before, "after": {"audience": str(new_audience),
                                                          "parties": [p.code for p in named]}})
    return document
