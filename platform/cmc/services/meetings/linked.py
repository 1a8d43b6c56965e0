"""The documents an agenda links: the builder's picker (documents the editor may read, found by title words),
the titles shown in place of their numbers, the warning when a registered delegation may not read a linked
document, and whether a version's document pack would hold anything for the reader."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cmc import permissions
from cmc.extensions import db
from cmc.i18n import labels
from cmc.models.account import Account
from cmc.models.document import Document, document_parties
from cmc.models.handling import HandlingCode
from cmc.models.meeting import AgendaVersion, Meeting, Registration, RegistrationStatus
from cmc.models.network import network_parties
from cmc.models.party import Party
from cmc.services import documents, handling
from cmc.services.meetings.access import get, require_manage
from cmc.services.networks import network_name

#: How many documents the picker offers at most (a longer list is a query to refine, not to scroll).
PICKER_LIMIT = 10
#: How much of a query is read: the words of a title, not a document.
MAX_QUERY = 200
MAX_TERMS = 6


@dataclass(frozen=True)
class LinkedDocument:
    """A linked document as a page names it."""

    id: int
    title: str


def _terms(query: str) -> list[str]:
    """The query's words, taken literally: SQL, HTML or LIKE wildcards in them are text to find in a title."""
    return (query or "")[:MAX_QUERY].split()[:MAX_TERMS]


def _like(term: str) -> str:
    """``term`` as a LIKE pattern matching it anywhere, its own ``%``, ``_`` and ``\\`` matching only
    themselves."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def pick(actor: Account, meeting_id: int, query: str) -> list[dict[str, Any]]:
    """Up to ``PICKER_LIMIT`` documents the editor may read whose title holds every word of ``query`` (case
    aside), by title: each with its id, title, network name, kind and languages in the reader's words. Only the
    secretariat links documents (403 otherwise); an unknown meeting is 404. One query, bound parameters only."""
    require_manage(actor, meeting_id, "agenda.edit")
    get(actor, meeting_id)
    terms = _terms(query)
    if not terms:
        return []
    statement = (select(Document).options(joinedload(Document.network))
                 .where(documents.readable_clause(actor),
                        *(Document.title.ilike(_like(term), escape="\\") for term in terms))
                 .order_by(Document.title, Document.id).limit(PICKER_LIMIT))
    return [{"id": d.id, "title": d.title,
             "network": str(network_name(d.network, plain=True)) if d.network else _("No network"),
             "kind": labels.label("document_kind", d.kind),
             "languages": [documents.language_name(code) for code in d.language_list]}
            for d in db.session.scalars(statement)]


def _ids(groups: Iterable[Iterable[int] | None]) -> list[int]:
    """Every id of ``groups``, each once, in order."""
    return list(dict.fromkeys(n for group in groups for n in group or [] if isinstance(n, int)))


def readable_titles(actor: Account, document_ids: Iterable[int]) -> dict[int, LinkedDocument]:
    """The linked documents the actor may read, by id (one query); those missing are not open to them."""
    ids = _ids([document_ids])
    if not ids:
        return {}
    rows = db.session.execute(select(Document.id, Document.title).where(
        Document.id.in_(ids), documents.readable_clause(actor)))
    return {row.id: LinkedDocument(row.id, row.title) for row in rows}


def version_document_ids(version: AgendaVersion | None) -> list[int]:
    """Every document a published version links, each once, in agenda order."""
    return _ids(item.get("document_ids") for item in version.items) if version is not None else []


def pack_holds_documents(actor: Account, version: AgendaVersion | None) -> bool:
    """Whether the version's document pack would hold a file for the actor: a linked document they may read
    that has a file and that its handling code lets them take out (the rule of ``exports.document_pack``: an H2
    document only for its originating party or under a release), asked without opening any file."""
    ids = version_document_ids(version)
    if not ids:
        return False
    readable = select(Document).where(Document.id.in_(ids), Document.current_version > 0,
                                      documents.readable_clause(actor))
    if db.session.scalar(select(readable.where(Document.handling_code != HandlingCode.H2).exists())):
        return True
    return any(handling.may_export(actor, document, "zip") for document in db.session.scalars(readable))


def delegation_warnings(meeting: Meeting) -> dict[int, str]:
    """For each document linked in the draft agenda that some delegation registered to the meeting (not
    declined) may not read, the warning naming those parties ("Not readable by the delegations of Jamaica,
    Haiti."). Decided per party by its audience (``permissions.documents.party_may_read``), with four queries
    whatever the number of documents, delegations or people."""
    ids = _ids(item.document_ids for item in meeting.items)
    if not ids:
        return {}
    parties = db.session.execute(
        select(Party.id, Party.name).join(Registration, Registration.party_id == Party.id)
        .where(Registration.meeting_id == meeting.id, Registration.status != RegistrationStatus.DECLINED)
        .order_by(Party.name)).all()
    if not parties:
        return {}
    linked = list(db.session.scalars(select(Document).where(Document.id.in_(ids))))
    named: dict[int, set[int]] = {}
    for document_id, party_id in db.session.execute(select(document_parties.c.document_id,
                                                           document_parties.c.party_id)
                                                    .where(document_parties.c.document_id.in_(ids))):
        named.setdefault(document_id, set()).add(party_id)
    network_ids = {d.network_id for d in linked if d.network_id is not None}
    in_network: dict[int, set[int]] = {}
    if network_ids:
        for network_id, party_id in db.session.execute(select(network_parties.c.network_id,
                                                              network_parties.c.party_id)
                                                       .where(network_parties.c.network_id.in_(network_ids))):
            in_network.setdefault(network_id, set()).add(party_id)
    warnings: dict[int, str] = {}
    for document in linked:
        left_out = [name for party_id, name in parties if not permissions.documents.party_may_read(
            document, party_id, in_network.get(document.network_id or 0, set()), named.get(document.id, set()))]
        if left_out:
            warnings[document.id] = ngettext("Not readable by the delegation of %(parties)s.",
                                             "Not readable by the delegations of %(parties)s.",
                                             len(left_out), parties=", ".join(left_out))
    return warnings


def builder_documents(actor: Account, meeting: Meeting) -> tuple[dict[int, LinkedDocument], dict[int, str]]:
    """What the builder shows of the draft's linked documents: their titles (those the editor may read) and the
    delegation warnings by document id."""
    titles = readable_titles(actor, _ids(item.document_ids for item in meeting.items))
    return titles, delegation_warnings(meeting)
