"""A meeting taken elsewhere: a printable PDF agenda, and the ZIP of the documents an agenda version links that
the reader may read (its calendar, iCalendar, is ``calendar``)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from cmc import permissions
from cmc.extensions import db
from cmc.i18n.labels import label
from cmc.models import HandlingCode, Outcome
from cmc.models.account import Account
from cmc.models.document import Document
from cmc.models.meeting import AgendaVersion, Meeting
from cmc.services import audit, documents, handling
from cmc.services.documents.reading import STRICTNESS
from cmc.services.errors import HandlingRestricted
from cmc.services.text import xml_safe


def agenda_pdf(meeting: Meeting, version: AgendaVersion, html: str) -> bytes:
    """The printable A4 agenda of one version (the HTML comes from a template; WeasyPrint lays it out).
    Characters XML forbids are replaced first: a lone surrogate in a stored title cannot even be encoded."""
    # Imported on use: WeasyPrint is slow to import and only this export needs it.
    from weasyprint import HTML

    return HTML(string=xml_safe(html), base_url=None).write_pdf()


def document_pack(actor: Account, meeting: Meeting, version: AgendaVersion) -> tuple[bytes, int, int]:
    """A ZIP of the documents linked in a version that the actor may read and take out, in agenda order, with
    a ``MANIFEST.txt`` in the actor's language: each file with its handling code and statement (H1's warning,
    H3's restriction), each document left out for its code with the reason ("left out: H2, restricted by
    Jamaica"). An H2 file goes in only for its originating party or under a release (audited and notified);
    unreadable documents are counted, never named.

    Returns the archive, how many files it holds and how many were left out (unreadable or restricted)."""
    buffer = io.BytesIO()
    added = skipped = 0
    files: list[str] = []
    withheld: list[str] = []
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
                try:
                    _doc, file_version = documents.open_version(actor, document_id, None, path="zip")
                except HandlingRestricted as refused:  # left out, and recorded as a refused export
                    audit.record_now(actor, refused.action, target_type=refused.target_type,
                                     target_id=refused.target_id, target_party_id=refused.target_party_id,
                                     outcome=Outcome.DENIED, details={"meeting": meeting.id, **refused.audit_details})
                    skipped += 1
                    withheld.append(_("%(title)s: left out: H2, restricted by %(party)s",
                                      title=document.title, party=handling.origin_name(document)))
                    continue
                safe_title = "".join(ch if ch.isalnum() or ch in " -_" else "_" for ch in document.title)[:60]
                name = f"{number:02d} {safe_title} (v{file_version.number}).{file_version.extension}"
                archive.write(documents.storage().path(file_version.storage_key), arcname=name)
                marked = documents.export_marking(document, file_version)
                files.append(f"{name}\n    {handling.statement(marked, handling.origin_name(document))}")
                added += 1
        archive.writestr("MANIFEST.txt", _manifest(meeting, version, files, withheld, skipped))
    return buffer.getvalue(), added, skipped


def _manifest(meeting: Meeting, version: AgendaVersion, files: list[str], withheld: list[str], skipped: int) -> str:
    """The archive's manifest, in the reader's language (the archive is made for the person who asked)."""
    unreadable = skipped - len(withheld)
    lines = [meeting.title, _("Agenda version %(n)d", n=version.number), "",
             ngettext("%(num)d document, in agenda order.", "%(num)d documents, in agenda order.", len(files)),
             *files]
    if withheld:
        lines += ["", _("Left out for their handling code (read them on the platform, or ask their originator "
                        "for a release):"), *(f"- {line}" for line in withheld)]
    if unreadable:
        lines += ["", ngettext("%(num)d document left out (not open to you).",
                               "%(num)d documents left out (not open to you).", unreadable)]
    return "\n".join([*lines, ""])


def printed_documents(actor: Account, version: AgendaVersion) -> list[tuple[int, Document]]:
    """The documents linked in a version that the actor may read, with their item's number, in agenda order
    (the printed agenda lists each with its handling tag; an unreadable one is not named)."""
    found: list[tuple[int, Document]] = []
    seen: set[int] = set()
    for number, item in enumerate(version.items, start=1):
        for document_id in item.get("document_ids", []) or []:
            document = db.session.get(Document, document_id) if document_id not in seen else None
            seen.add(document_id)
            if document is not None and permissions.can(actor, "document.read", document):
                found.append((number, document))
    return found


def strictest(linked: list[tuple[int, Document]]) -> Document | None:
    """The linked document with the most restrictive code (H2, then H3, then H1), None when all are H0: the
    printed agenda's header and footer state its code and statement."""
    marked = [document for _number, document in linked if document.handling_code != HandlingCode.H0]
    return max(marked, key=lambda document: STRICTNESS[document.handling_code], default=None)


def print_marking(actor: Account, version: AgendaVersion) -> dict[str, Any]:
    """What the printed agenda says of its linked documents: ``linked_documents`` (number, document) and, when
    one is H1-H3, ``handling_header`` (the strictest code) and ``handling_footer`` (its statement)."""
    linked = printed_documents(actor, version)
    top = strictest(linked)
    if top is None:
        return {"linked_documents": linked, "handling_header": "", "handling_footer": ""}
    return {"linked_documents": linked, "handling_header": str(label("handling", top.handling_code.value)),
            "handling_footer": handling.statement(top, handling.origin_name(top))}
