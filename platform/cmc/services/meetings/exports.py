"""A meeting taken elsewhere: a printable PDF agenda, and the ZIP of the documents an agenda version links that
the reader may read (its calendar, iCalendar, is ``calendar``)."""

from __future__ import annotations

import io
import zipfile

from flask_babel import gettext as _
from flask_babel import ngettext

from cmc import permissions
from cmc.extensions import db
from cmc.models.account import Account
from cmc.models.document import Document
from cmc.models.meeting import AgendaVersion, Meeting
from cmc.services import documents
from cmc.services.text import xml_safe


def agenda_pdf(meeting: Meeting, version: AgendaVersion, html: str) -> bytes:
    """The printable A4 agenda of one version (the HTML comes from a template; WeasyPrint lays it out).
    Characters XML forbids are replaced first: a lone surrogate in a stored title cannot even be encoded."""
    # Imported on use: WeasyPrint is slow to import and only this export needs it.
    from weasyprint import HTML

    return HTML(string=xml_safe(html), base_url=None).write_pdf()


def document_pack(actor: Account, meeting: Meeting, version: AgendaVersion) -> tuple[bytes, int, int]:
    """A ZIP of the documents linked in a version that the actor may read, in agenda order.

    Returns the archive, how many files it holds and how many were left out (not readable by the actor)."""
    buffer = io.BytesIO()
    added = skipped = 0
    seen: set[int] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, item in enumerate(version.items, start=1):
            for document_id in item.get("document_ids", []) or []:
                if document_id in seen:
                    continue
                seen.add(document_id)
                document = db.session.get(Document, document_id)
                if (document is None or not permissions.can(actor, "document.read", document)
                        or not document.current_version):
                    skipped += 1
                    continue
                _doc, file_version = documents.open_version(actor, document_id, None)
                safe_title = "".join(ch if ch.isalnum() or ch in " -_" else "_" for ch in document.title)[:60]
                name = f"{number:02d} {safe_title} (v{file_version.number}).{file_version.extension}"
                archive.write(documents.storage().path(file_version.storage_key), arcname=name)
                added += 1
        # The reader's language: the archive is made for the person who asked for it.
        archive.writestr("README.txt", "\n".join((
            meeting.title, _("Agenda version %(n)d", n=version.number),
            ngettext("%(num)d document, in agenda order.", "%(num)d documents, in agenda order.", added),
            ngettext("%(num)d document left out (not open to you).", "%(num)d documents left out (not open to you).",
                     skipped), "")))
    return buffer.getvalue(), added, skipped
