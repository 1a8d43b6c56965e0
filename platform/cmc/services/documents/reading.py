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
    DocumentText,
    DocumentVersion,
    HandlingCode,
    Membership,
    Network,
    Party,
    ProtocolStatus,
    document_parties,
)
from cmc.services import audit, handling, search
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
    handling: str = ""  # a handling code (H0-H3); anything else filters nothing


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
    if filters.handling.upper() in {c.value for c in HandlingCode}:
        query = query.where(Document.handling_code == HandlingCode(filters.handling.upper()))
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


def record_view(actor: Account, document: Document, **details: Any) -> None:
    """Audit a reader's view of a document as ``document.read`` against its owning party (its "who read what
    we shared" report lists views). Called once the page is drawn: the commit expires what the page read."""
    audit.record_now(actor, "document.read", target_type="document", target_id=document.id,
                     target_party_id=document.owner_party_id,
                     details={"handling_code": document.handling_code.value, **details})


def find_version(actor: Account, document_id: int, number: int | None = None) -> tuple[Document, DocumentVersion]:
    """A readable document and one of its versions (the newest when ``number`` is None); 404 otherwise."""
    document = get(actor, document_id)
    version = db.session.scalar(select(DocumentVersion).where(
        DocumentVersion.document_id == document.id,
        DocumentVersion.number == (number if number is not None else document.current_version)))
    permissions.check(version is not None, action="document.download", target_type="document",
                      target_id=document_id, hide=True)
    assert version is not None
    return document, version


#: How much each code restricts, to name the stricter of two (H1 and H3 are not comparable: H3's stated
#: restriction is taken as the stricter, to be shown rather than hidden).
STRICTNESS = {HandlingCode.H0: 0, HandlingCode.H1: 1, HandlingCode.H3: 2, HandlingCode.H2: 3}


def export_marking(document: Document, version: DocumentVersion) -> Document | DocumentVersion:
    """Whose marking a version's file leaves with: the stricter of the version's and the document's (an old
    version marked H2 stays H2 after the document was lowered)."""
    if STRICTNESS[version.handling_code] > STRICTNESS[document.handling_code]:
        return version
    return document


def require_file_export(actor: Account, document: Document, version: DocumentVersion, path: str, *,
                        network_id: int | None = None) -> None:
    """``handling.require_export`` on a version's file, judged by the stricter of the two markings. When only
    the version is H2, the guard judges a stand-in of the document carrying the version's marking (never
    added to the session): the rule reads the code, the originating party and the releases of the document."""
    marked = export_marking(document, version)
    item = document
    if marked is version and version.handling_code == HandlingCode.H2:
        item = Document(id=document.id, owner_party_id=document.owner_party_id, uploader_id=document.uploader_id,
                        network_id=document.network_id, title=document.title, audience=document.audience)
        handling.mark(item, handling.marking_of(version))
    handling.require_export(actor, item, path, network_id=network_id)


def open_version(actor: Account, document_id: int, number: int | None = None, *,
                 path: str = "download") -> tuple[Document, DocumentVersion]:
    """The file of one version (the newest when ``number`` is None), for download by ``path`` (``download``,
    ``api``, ``zip``). An H2 file leaves only for its originating party or under a release
    (``HandlingRestricted`` otherwise, audited as denied). Every download is audited, with its handling code."""
    document, version = find_version(actor, document_id, number)
    require_file_export(actor, document, version, path)
    audit.record_now(actor, "document.download", target_type="document", target_id=document.id,
                     target_party_id=document.owner_party_id,
                     details={"version": version.number, "sha256": version.sha256,
                              "handling_code": export_marking(document, version).handling_code.value,
                              **({} if path == "download" else {"export": path})})
    return document, version


def text_body(document: Document, language: str) -> str:
    """The text extracted from the document's current file in ``language`` ("" when none was read)."""
    return db.session.scalar(select(DocumentText.body).where(DocumentText.document_id == document.id,
                                                             DocumentText.language == language)) or ""


def text_languages(document: Document) -> list[str]:
    """The languages in which text was read from the document's current files (for "read the text here")."""
    return list(db.session.scalars(select(DocumentText.language).where(
        DocumentText.document_id == document.id, DocumentText.body != "").order_by(DocumentText.language)))


def mark_restricted(actor: Account, found: list[rows.ApiDocumentRow], path: str = "api") -> list[rows.ApiDocumentRow]:
    """Flag the H2 documents of a list that the actor may not take out by ``path`` (the API lists them as
    placeholders); one statement more when the list holds H2 documents."""
    others = {row.id: row for row in found if row.handling_code == HandlingCode.H2}
    if others:
        for document in db.session.scalars(select(Document).where(Document.id.in_(list(others)))):
            others[document.id].restricted = not handling.may_export(actor, document, path)
    return found
