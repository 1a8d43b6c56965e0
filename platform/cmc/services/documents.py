"""Documents: upload, versions, restore, audience, search and audited downloads."""

from __future__ import annotations

import fcntl
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from cmc import permissions
from cmc.database import write_transaction
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
from cmc.models.types import utcnow
from cmc.services import audit, idempotency, networks, search, text
from cmc.services.errors import ValidationError, is_storage_full, storage_full
from cmc.services.extract import Extraction, extract_text
from cmc.uploads import CheckedFile

_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
SORTS = {"date": (Document.updated_at.desc(), Document.id.desc()), "title": (Document.title, Document.id)}


def storage() -> Any:
    """The app's file storage (local directory in the embedded profile)."""
    return current_app.extensions["cmc_storage"]


# --- who may do what ---------------------------------------------------------------------------------

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


# --- reading -----------------------------------------------------------------------------------------

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
    query = select(Document).where(readable_clause(actor)).options(joinedload(Document.owner_party),
                                                                   joinedload(Document.network))
    if filters.network is not None:
        query = query.where(Document.network_id == filters.network.id)
    if filters.kind in {k.value for k in DocumentKind}:
        query = query.where(Document.kind == DocumentKind(filters.kind))
    if filters.status in {s.value for s in ProtocolStatus}:
        query = query.where(Document.status == ProtocolStatus(filters.status))
    if filters.language and _LANGUAGE.match(filters.language):
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


# --- writing -----------------------------------------------------------------------------------------

@dataclass
class DocumentInput:
    """What the uploader says about a document."""

    title: str
    description: str = ""
    kind: str = DocumentKind.REPORT.value
    languages: list[str] = field(default_factory=lambda: ["en"])
    audience: str = Audience.NETWORK.value
    party_codes: list[str] = field(default_factory=list)
    status: str = ""
    note: str = ""


def _validate(data: DocumentInput) -> dict[str, Any]:
    fields = text.field_errors(title=data.title, description=data.description, note=data.note)
    title = " ".join(data.title.split())
    if not title:
        fields["title"] = _("Give the document a title.")
    elif len(title) > 200:
        fields["title"] = _("Keep the title to 200 characters or fewer.")
    if len(data.description) > 5000:
        fields["description"] = _("Keep the description under 5,000 characters.")
    if data.kind not in {k.value for k in DocumentKind}:
        fields["kind"] = _("Choose what kind of document this is.")
    languages = [code.strip().lower() for code in data.languages if code.strip()]
    if not languages or not all(_LANGUAGE.match(code) for code in languages):
        fields["languages"] = _("Choose at least one language.")
    status = None
    if data.kind == DocumentKind.PROTOCOL.value:
        if data.status not in {s.value for s in ProtocolStatus}:
            fields["status"] = _("Say whether the protocol is a draft, under review or adopted.")
        else:
            status = ProtocolStatus(data.status)
    if len(data.note) > 500:
        fields["note"] = _("Keep the note under 500 characters.")
    audience, named = _audience(data.audience, data.party_codes, fields)
    if fields:
        raise ValidationError(next(iter(fields.values())), fields=fields)
    return {"title": title, "description": data.description.strip(), "kind": DocumentKind(data.kind),
            "languages": ";".join(dict.fromkeys(languages)), "status": status, "audience": audience,
            "named_parties": named}


def _audience(value: str, codes: list[str], fields: dict[str, str]) -> tuple[Audience, list[Party]]:
    if value not in {a.value for a in Audience}:
        fields["audience"] = _("Choose who may read the document.")
        return Audience.NETWORK, []
    audience = Audience(value)
    if audience != Audience.NAMED:
        return audience, []
    wanted = {c.strip().upper() for c in codes if c.strip()}
    named = list(db.session.scalars(select(Party).where(Party.code.in_(wanted)))) if wanted else []
    if not wanted or len(named) != len(wanted):
        fields["parties"] = _("Name the parties that may read it.")
    return audience, named


def _add_version(document: Document, actor: Account, checked: CheckedFile, note: str, text_status: str,
                 kept: list[str], restored_from: int | None = None) -> DocumentVersion:
    # The next number is read inside the write transaction: BEGIN IMMEDIATE on SQLite, a row lock on
    # PostgreSQL, so two simultaneous uploads get n+1 and n+2 and neither is lost.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Document.id).where(Document.id == document.id).with_for_update())
    number = (db.session.scalar(select(func.max(DocumentVersion.number))
                                .where(DocumentVersion.document_id == document.id)) or 0) + 1
    kept.append(storage().keep(checked.temp_path))
    version = DocumentVersion(document_id=document.id, number=number, uploader_id=actor.id, size=checked.size,
                              sha256=checked.sha256, content_type=checked.content_type,
                              extension=checked.extension, original_filename=checked.original_filename,
                              storage_key=kept[-1], note=note.strip()[:500], restored_from=restored_from,
                              text_status=text_status)
    db.session.add(version)
    document.current_version = number
    document.updated_at = utcnow()
    return version


@contextmanager
def _kept_until_committed() -> Iterator[list[str]]:
    """The storage keys of files kept inside the block; removed again when the block fails (the row that
    would name them was not written, so the file must not stay either)."""
    kept: list[str] = []
    try:
        yield kept
    except BaseException:
        for key in kept:
            storage().discard(key)
        raise


@contextmanager
def _full_disk_answers_507() -> Iterator[None]:
    """A full disk (ENOSPC, EDQUOT, EFBIG) inside the block becomes ``StorageFull``: 507, a plain message."""
    try:
        yield
    except OSError as exc:
        if is_storage_full(exc):
            raise storage_full() from exc
        raise


def _text_of(checked: CheckedFile) -> Extraction:
    """The file's text: read while it was checked, else now (in a child process, outside any transaction)."""
    return checked.extraction or extract_text(checked.temp_path, checked.extension)


def upload(actor: Account, slug: str, data: DocumentInput, checked: CheckedFile, *,
           idempotency_key: str | None = None) -> Document:
    """Create a document with its first version: the file is renamed into place, then the row committed.

    With an ``idempotency_key`` that this account already used for the same upload, the document made then is
    returned and nothing new is stored (the same key with another upload: 422). Two requests racing with one
    key make one document: the key's unique row is written in the same transaction.
    """
    digest = idempotency.fingerprint("document.upload", slug, data.__dict__, checked.sha256,
                                     checked.original_filename)
    earlier = idempotency.replay(actor.id, "document.upload", idempotency_key, digest)
    if earlier is not None:
        return get(actor, earlier.target_id or 0)
    values = _validate(data)
    extracted = _text_of(checked)  # before the write lock: it can take seconds
    try:
        with _kept_until_committed() as kept, write_transaction():
            remembered = (idempotency.remember(actor.id, "document.upload", idempotency_key, digest)
                          if idempotency_key else None)
            network = networks.entry(slug)
            networks.require_post(actor, network, "document.upload")
            named = values.pop("named_parties")
            document = Document(network_id=network.id, owner_party_id=actor.party_id, uploader_id=actor.id,
                                **values)
            document.named_parties = named
            db.session.add(document)
            db.session.flush()
            if remembered is not None:
                remembered.target_id = document.id
            version = _add_version(document, actor, checked, data.note, extracted.status, kept)
            search.index(document, extracted.text)
            audit.record(actor, "document.upload", target_type="document", target_id=document.id,
                         target_party_id=document.owner_party_id,
                         details={"version": version.number, "sha256": version.sha256, "size": version.size,
                                  "text": extracted.status})
            networks.record_activity(network.id, actor, "document.new", "document", document.id, document.title)
    except IntegrityError as exc:
        if not idempotency.is_key_conflict(exc):
            raise
        db.session.rollback()  # the same key raced in from a retried request, and won: answer what it made
        return upload(actor, slug, data, checked, idempotency_key=idempotency_key)
    return document


def add_version(actor: Account, document_id: int, checked: CheckedFile, note: str = "", *,
                idempotency_key: str | None = None) -> DocumentVersion:
    """Upload a new file as version n+1 (``idempotency_key``: as for ``upload``, per document)."""
    text.check(note=note)
    digest = idempotency.fingerprint("document.version", document_id, note, checked.sha256,
                                     checked.original_filename)
    earlier = idempotency.replay(actor.id, "document.version", idempotency_key, digest)
    if earlier is not None:
        get(actor, document_id)
        version = db.session.get(DocumentVersion, earlier.target_id or 0)
        assert version is not None
        return version
    extracted = _text_of(checked)
    try:
        with _kept_until_committed() as kept, write_transaction():
            remembered = (idempotency.remember(actor.id, "document.version", idempotency_key, digest)
                          if idempotency_key else None)
            document = get(actor, document_id)
            _require_change(actor, document, "document.version")
            version = _add_version(document, actor, checked, note, extracted.status, kept)
            search.index(document, extracted.text)
            audit.record(actor, "document.version", target_type="document", target_id=document.id,
                         target_party_id=document.owner_party_id,
                         details={"version": version.number, "sha256": version.sha256, "size": version.size,
                                  "text": extracted.status})
            if remembered is not None:
                db.session.flush()
                remembered.target_id = version.id
    except IntegrityError as exc:
        if not idempotency.is_key_conflict(exc):
            raise
        db.session.rollback()
        return add_version(actor, document_id, checked, note, idempotency_key=idempotency_key)
    return version


def restore(actor: Account, document_id: int, number: int) -> DocumentVersion:
    """Make an earlier version the newest again, as a new version (history is never rewritten)."""
    document = get(actor, document_id)
    old = db.session.scalar(select(DocumentVersion).where(DocumentVersion.document_id == document.id,
                                                          DocumentVersion.number == number))
    permissions.check(old is not None, action="document.restore", target_type="document",
                      target_id=document_id, hide=True)
    assert old is not None
    _require_change(actor, document, "document.restore")
    with _full_disk_answers_507():
        handle = tempfile.NamedTemporaryFile(prefix="upload-", dir=storage().temp_dir(), delete=False)  # noqa: SIM115
    # Locked until we are done (closing releases it): a sweep by another process skips it.
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        with _full_disk_answers_507(), storage().open(old.storage_key) as source:
            shutil.copyfileobj(source, handle, 1024 * 1024)
            handle.flush()
        checked = CheckedFile(temp_path=Path(handle.name), original_filename=old.original_filename,
                              extension=old.extension, content_type=old.content_type, size=old.size,
                              sha256=old.sha256)
        extracted = _text_of(checked)
        with _kept_until_committed() as kept, write_transaction():
            document = get(actor, document_id)
            version = _add_version(document, actor, checked, _("Restored from version %(n)d", n=number),
                                   extracted.status, kept, restored_from=number)
            search.index(document, extracted.text)
            audit.record(actor, "document.restore", target_type="document", target_id=document.id,
                         target_party_id=document.owner_party_id,
                         details={"from": number, "version": version.number})
    finally:
        with suppress(OSError):  # a buffer the full disk refused is dropped with the file
            handle.close()
        Path(handle.name).unlink(missing_ok=True)  # gone already when it was kept
    return version


def _require_change(actor: Account, document: Document, action: str) -> None:
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
        _require_change(actor, document, "document.update")
        values = _validate(DocumentInput(**{**data.__dict__, "audience": document.audience.value,
                                            "party_codes": [p.code for p in document.named_parties]}))
        values.pop("audience")
        values.pop("named_parties")
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


def change_audience(actor: Account, document_id: int, audience: str, party_codes: list[str]) -> Document:
    """Narrow or widen who may read a document (its originating party, or the secretariat). Audited."""
    with write_transaction():
        document = get(actor, document_id)
        permissions.require(actor, "document.audience", document, action="document.audience",
                            target_type="document", target_id=document.id, target_party_id=document.owner_party_id,
                            message=_("Only the party that shared the document changes who may read it."))
        fields: dict[str, str] = {}
        new_audience, named = _audience(audience, party_codes, fields)
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
