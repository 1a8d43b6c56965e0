"""Reading documents: who may read which, the filtered lists, one document, its versions, audited downloads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true
from sqlalchemy.orm import joinedload

from cmc import permissions
from cmc.extensions import db
from cmc.models import (
    Account,
    Audience,
    Document,
    DocumentKind,
    DocumentVersion,
    Membership,
    Network,
    Party,
    ProtocolStatus,
    document_parties,
)
from cmc.services import audit, search
from cmc.services.documents import rows
from cmc.services.documents.validation import LANGUAGE_CODE

SORTS = {"date": (Document.updated_at.desc(), Document.id.desc()), "title": (Document.title, Document.id)}


def storage() -> Any:
    """The app's file storage (local directory in the embedded profile)."""
    return current_app.extensions["cmc_storage"]


def readable_clause(actor: Account) -> ColumnElement[bool]:
    """SQL condition: the documents ``actor`` may read. Deny by default."""
    if not actor.is_active:
        return false()
    if permissions.can(actor, "document.read_all"):
        return true()
    my_networks = select(Membership.network_id).where(Membership.account_id == actor.id)
    named_for_me = select(document_parties.c.document_id).where(document_parties.c.party_id == actor.party_id)
    return or_(
        and_(Document.audience == Audience.NETWORK, Document.network_id.in_(my_networks)),
        Document.audience == Audience.ALL,
        and_(Document.audience == Audience.NAMED,
             or_(Document.id.in_(named_for_me), Document.owner_party_id == actor.party_id)),
    )


def get(actor: Account, document_id: int) -> Document:
    """A document the actor may read; 404 otherwise (recorded as a denied access)."""
    document = db.session.get(Document, document_id)
    permissions.check(document is not None and permissions.can(actor, "document.read", document),
                      action="document.read",
                      target_type="document", target_id=document_id,
                      target_party_id=document.owner_party_id if document else None, hide=True)
    assert document is not None
    return document


def versions(document: Document) -> list[DocumentVersion]:
    """Every version of a document, newest first (the caller has checked access)."""
    return list(db.session.scalars(select(DocumentVersion).where(DocumentVersion.document_id == document.id)
                                   .options(joinedload(DocumentVersion.uploader))
                                   .order_by(DocumentVersion.number.desc())))


def current_by_language(document: Document, every: list[DocumentVersion] | None = None) -> list[DocumentVersion]:
    """The newest file of each language of the document, in the order of its languages (a language without a
    file yet is left out); ``every`` is its versions when the caller has them already."""
    newest: dict[str, DocumentVersion] = {}
    for version in every if every is not None else versions(document):
        if version.language not in newest or version.number > newest[version.language].number:
            newest[version.language] = version
    order = {code: place for place, code in enumerate(document.language_list)}
    return sorted(newest.values(), key=lambda v: (order.get(v.language, len(order)), v.language))


@dataclass
class DocumentFilter:
    """Filters of the documents lists."""

    network: Network | None = None
    kind: str = ""
    language: str = ""
    party: str = ""
    status: str = ""
    query: str = ""
    sort: str = "date"


def list_query(actor: Account, filters: DocumentFilter) -> Select[tuple[Document]]:
    """The documents the actor may read, filtered, sorted, or ranked by relevance when searching."""
    # Every row shows its owning party and, across networks, its network: load them with the documents.
    return _listed(select(Document).options(joinedload(Document.owner_party), joinedload(Document.network)),
                   actor, filters)


def list_rows_query(actor: Account, filters: DocumentFilter) -> Select[Any]:
    """``list_query``'s documents as list lines (``rows.ROW_SELECT``): run it with ``rows.load_rows``."""
    return _listed(rows.ROW_SELECT, actor, filters)


def api_rows_query(actor: Account, filters: DocumentFilter) -> Select[Any]:
    """``list_query``'s documents with every column the API shows (``rows.API_SELECT``): run it with
    ``rows.load_api_rows``."""
    return _listed(rows.API_SELECT, actor, filters)


def _listed(query: Select[Any], actor: Account, filters: DocumentFilter) -> Select[Any]:
    query = query.where(readable_clause(actor))
    if filters.network is not None:
        query = query.where(Document.network_id == filters.network.id)
    if filters.kind in {k.value for k in DocumentKind}:
        query = query.where(Document.kind == DocumentKind(filters.kind))
    if filters.status in {s.value for s in ProtocolStatus}:
        query = query.where(Document.status == ProtocolStatus(filters.status))
    if filters.language and LANGUAGE_CODE.match(filters.language):
        query = query.where(or_(Document.languages == filters.language,
                                Document.languages.like(f"{filters.language};%"),
                                Document.languages.like(f"%;{filters.language}"),
                                Document.languages.like(f"%;{filters.language};%")))
    if filters.party:
        query = query.join(Party, Party.id == Document.owner_party_id).where(Party.code == filters.party.upper())
    if filters.query.strip():
        matched = search.matches(filters.query)
        if matched is None:
            return query.where(false())
        return query.join(matched, matched.c.document_id == Document.id).order_by(matched.c.rank, Document.id)
    return query.order_by(*SORTS.get(filters.sort, SORTS["date"]))


def matched_languages(filters: DocumentFilter, documents: list[Any]) -> dict[int, list[str]]:
    """When searching, the languages whose text matched, for each of ``documents`` (a page of the results)."""
    if not filters.query.strip():
        return {}
    return search.matched_languages(filters.query, [document.id for document in documents])


def open_version(actor: Account, document_id: int, number: int | None = None) -> tuple[Document, DocumentVersion]:
    """The file of one version (the newest when ``number`` is None), for download. Every download is audited."""
    document = get(actor, document_id)
    version = db.session.scalar(select(DocumentVersion).where(
        DocumentVersion.document_id == document.id,
        DocumentVersion.number == (number if number is not None else document.current_version)))
    permissions.check(version is not None, action="document.download", target_type="document",
                      target_id=document_id, hide=True)
    assert version is not None
    audit.record_now(actor, "document.download", target_type="document", target_id=document.id,
                     target_party_id=document.owner_party_id,
                     details={"version": version.number, "sha256": version.sha256})
    return document, version
