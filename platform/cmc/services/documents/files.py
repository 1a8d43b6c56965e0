"""The files behind document versions: the version row, keeping the file until the row commits, a full disk,
the file's text and the audit line of a new version. Shared by the use cases of ``writing``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select

from cmc.extensions import db
from cmc.models import Account, Document, DocumentVersion
from cmc.models.types import utcnow
from cmc.services import audit, handling
from cmc.services.documents.reading import storage
from cmc.services.errors import is_storage_full, storage_full
from cmc.services.extract import Extraction, extract_text
from cmc.uploads import CheckedFile


def new_version_row(document: Document, actor: Account, checked: CheckedFile, note: str, text_status: str,
                    kept: list[str], language: str, restored_from: int | None = None,
                    marking: handling.Marking | None = None) -> DocumentVersion:
    """Keep the checked file and add it as the document's next version, in ``language`` (inside the write
    transaction); a language the document did not have yet is added to its languages. The version carries
    ``marking`` (the document's own when None), and the document takes it: its marking is its current
    version's."""
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
                              text_status=text_status, language=language)
    chosen = marking if marking is not None else handling.marking_of(document)
    handling.mark(version, chosen)
    handling.mark(document, chosen)
    db.session.add(version)
    if language not in document.language_list:
        document.languages = ";".join([*document.language_list, language])
    document.current_version = number
    document.updated_at = utcnow()
    return version


def record_version(actor: Account, action: str, document: Document, version: DocumentVersion,
                   text_status: str) -> None:
    """The audit line of an uploaded version: its number, checksum, size and whether its text was read."""
    audit.record(actor, action, target_type="document", target_id=document.id,
                 target_party_id=document.owner_party_id,
                 details={"version": version.number, "sha256": version.sha256, "size": version.size,
                          "text": text_status, "language": version.language,
                          "handling_code": version.handling_code.value})


@contextmanager
def kept_until_committed() -> Iterator[list[str]]:
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
def full_disk_answers_507() -> Iterator[None]:
    """A full disk (ENOSPC, EDQUOT, EFBIG) inside the block becomes ``StorageFull``: 507, a plain message."""
    try:
        yield
    except OSError as exc:
        if is_storage_full(exc):
            raise storage_full() from exc
        raise


def text_of(checked: CheckedFile) -> Extraction:
    """The file's text: read while it was checked, else now (in a child process, outside any transaction)."""
    return checked.extraction or extract_text(checked.temp_path, checked.extension)
