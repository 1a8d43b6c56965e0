"""Uploading documents: the first version, each new version, and restoring an earlier one as the newest."""

from __future__ import annotations

import fcntl
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import Account, Document, DocumentVersion
from cmc.services import audit, handling, idempotency, networks, search, text
from cmc.services.documents.editing import require_change
from cmc.services.documents.files import (
    full_disk_answers_507,
    kept_until_committed,
    new_version_row,
    record_version,
    text_of,
)
from cmc.services.documents.reading import get, storage
from cmc.services.documents.validation import (
    LANGUAGES_MAX,
    LATER_DEFAULTS,
    DocumentInput,
    file_language,
    validate,
)
from cmc.services.errors import ValidationError
from cmc.uploads import CheckedFile


def upload(actor: Account, slug: str, data: DocumentInput, checked: CheckedFile, *,
           idempotency_key: str | None = None) -> Document:
    """Create a document with its first version: the file is renamed into place, then the row committed.

    With an ``idempotency_key`` that this account already used for the same upload, the document made then is
    returned and nothing new is stored (the same key with another upload: 422). Two requests racing with one
    key make one document: the key's unique row is written in the same transaction.
    """
    # Digests of uploads made before a field existed stay the same: a field at its default is left out.
    said = {k: v for k, v in data.__dict__.items() if k not in LATER_DEFAULTS or v != LATER_DEFAULTS[k]}
    digest = idempotency.fingerprint("document.upload", slug, said, checked.sha256,
                                     checked.original_filename)
    earlier = idempotency.replay(actor.id, "document.upload", idempotency_key, digest)
    if earlier is not None:
        return get(actor, earlier.target_id or 0)
    values = validate(data)
    extracted = text_of(checked)  # before the write lock: it can take seconds
    try:
        with kept_until_committed() as kept, write_transaction():
            remembered = (idempotency.remember(actor.id, "document.upload", idempotency_key, digest)
                          if idempotency_key else None)
            network = networks.entry(slug)
            networks.require_post(actor, network, "document.upload")
            named = values.pop("named_parties")
            marking = values.pop("marking")
            document = Document(network_id=network.id, owner_party_id=actor.party_id, uploader_id=actor.id,
                                **values)
            document.named_parties = named
            db.session.add(document)
            db.session.flush()
            if remembered is not None:
                remembered.target_id = document.id
            version = new_version_row(document, actor, checked, data.note, extracted.status, kept,
                                      file_language(document.language_list, data.language), marking=marking)
            search.index(document, extracted.text, version.language)
            record_version(actor, "document.upload", document, version, extracted.status)
            networks.record_activity(network.id, actor, "document.new", "document", document.id, document.title)
    except IntegrityError as exc:
        if not idempotency.is_key_conflict(exc):
            raise
        db.session.rollback()  # the same key raced in from a retried request, and won: answer what it made
        return upload(actor, slug, data, checked, idempotency_key=idempotency_key)
    return document


def add_version(actor: Account, document_id: int, checked: CheckedFile, note: str = "", *,
                language: str = "", idempotency_key: str | None = None,
                marking: handling.Marking | None = None) -> DocumentVersion:
    """Upload a new file as version n+1, in ``language`` (the document's first when empty; a language the
    document did not have yet is added to it; an unknown code: 422, nothing stored). ``idempotency_key``: as for
    ``upload``, per document. The version carries ``marking`` (the document's current one when None); a
    marking that is not a raise of the current one needs ``handling.lower`` (403, nothing stored)."""
    text.check(note=note)
    digest = idempotency.fingerprint("document.version", document_id, note, checked.sha256,
                                     checked.original_filename, *([language] if language else []),
                                     *([marking.as_dict()] if marking is not None else []))
    earlier = idempotency.replay(actor.id, "document.version", idempotency_key, digest)
    if earlier is not None:
        get(actor, document_id)
        version = db.session.get(DocumentVersion, earlier.target_id or 0)
        assert version is not None
        return version
    extracted = text_of(checked)
    try:
        with kept_until_committed() as kept, write_transaction():
            remembered = (idempotency.remember(actor.id, "document.version", idempotency_key, digest)
                          if idempotency_key else None)
            document = get(actor, document_id)
            require_change(actor, document, "document.version")
            require_marking(actor, document, marking, "document.version")
            chosen = file_language(document.language_list, language)
            if len(";".join(dict.fromkeys([*document.language_list, chosen]))) > LANGUAGES_MAX:
                raise ValidationError(_("Choose fewer languages."), fields={"language": _("Choose fewer languages.")})
            version = new_version_row(document, actor, checked, note, extracted.status, kept, chosen,
                                      marking=marking)
            search.index(document, extracted.text, chosen)
            record_version(actor, "document.version", document, version, extracted.status)
            if remembered is not None:
                db.session.flush()
                remembered.target_id = version.id
    except IntegrityError as exc:
        if not idempotency.is_key_conflict(exc):
            raise
        db.session.rollback()
        return add_version(actor, document_id, checked, note, language=language, idempotency_key=idempotency_key,
                           marking=marking)
    return version


def require_marking(actor: Account, document: Document, marking: handling.Marking | None, action: str) -> None:
    """Refuse (403) a new version's ``marking`` that lowers the document's current one (anything but the same
    marking or a raise) unless the actor may lower it: the originating party's author or focal point."""
    current = handling.marking_of(document)
    if marking is None or marking == current or handling.is_raise(current, marking):
        return
    permissions.require(actor, "handling.lower", document, action=action, target_type="document",
                        target_id=document.id, target_party_id=document.owner_party_id,
                        message=_("Only the originating party (the author or its focal point) may lower the "
                                  "handling code or change the evaluation."))


def restored_marking(actor: Account, document: Document, old: DocumentVersion) -> handling.Marking:
    """The marking of a restored version: the old version's when the restorer may lower the document's or it
    is a raise (an old version marked H2 stays H2); the document's current marking otherwise."""
    current, earlier = handling.marking_of(document), handling.marking_of(old)
    if handling.is_raise(current, earlier) or permissions.can(actor, "handling.lower", document):
        return earlier
    return current


@contextmanager
def copy_of(version: DocumentVersion) -> Iterator[CheckedFile]:
    """A temporary copy of a version's file, as a checked upload (kept under a new storage key by the caller);
    removed when the block ends (gone already when it was kept)."""
    with full_disk_answers_507():
        handle = tempfile.NamedTemporaryFile(prefix="upload-", dir=storage().temp_dir(), delete=False)  # noqa: SIM115
    # Locked until we are done (closing releases it): a sweep by another process skips it.
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        with full_disk_answers_507(), storage().open(version.storage_key) as source:
            shutil.copyfileobj(source, handle, 1024 * 1024)
            handle.flush()
        yield CheckedFile(temp_path=Path(handle.name), original_filename=version.original_filename,
                          extension=version.extension, content_type=version.content_type, size=version.size,
                          sha256=version.sha256)
    finally:
        with suppress(OSError):
            handle.close()
        Path(handle.name).unlink(missing_ok=True)


def restore(actor: Account, document_id: int, number: int) -> DocumentVersion:
    """Make an earlier version the newest again, as a new version (history is never rewritten)."""
    document = get(actor, document_id)
    old = db.session.scalar(select(DocumentVersion).where(DocumentVersion.document_id == document.id,
                                                          DocumentVersion.number == number))
    permissions.check(old is not None, action="document.restore", target_type="document",
                      target_id=document_id, hide=True)
    assert old is not None
    require_change(actor, document, "document.restore")
    with copy_of(old) as checked:
        extracted = text_of(checked)
        with kept_until_committed() as kept, write_transaction():
            document = get(actor, document_id)
            # The restored file keeps its language: it becomes that language's current text again.
            version = new_version_row(document, actor, checked, _("Restored from version %(n)d", n=number),
                                      extracted.status, kept, old.language, restored_from=number,
                                      marking=restored_marking(actor, document, old))
            search.index(document, extracted.text, old.language)
            audit.record(actor, "document.restore", target_type="document", target_id=document.id,
                         target_party_id=document.owner_party_id,
                         details={"from": number, "version": version.number})
    return version
