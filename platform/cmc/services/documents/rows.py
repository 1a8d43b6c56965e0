"""Document lists as rows: the columns a list line shows (title, kind, status, audience, languages, version,
date, owner party's code, network), without building a ``Document`` per line. ``reading.list_rows_query``
applies the same conditions as ``list_query`` to :data:`ROW_SELECT`; ``reading.api_rows_query`` to
:data:`API_SELECT`, every column of ``DocumentSchema`` (the API's list and search), which :func:`load_api_rows`
completes with the named parties in one statement more."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import aliased

from cmc.extensions import db
from cmc.models import (
    Accuracy,
    Audience,
    Document,
    DocumentKind,
    HandlingCode,
    Network,
    Party,
    ProtocolStatus,
    Reliability,
)
from cmc.models.document import document_parties
from cmc.services.listing import PartyCode, attach_networks

#: The owner party, aliased: a list filtered by party joins ``Party`` itself.
_OWNER = aliased(Party, name="owner_party")
#: A list line's columns (built once; lists add their conditions, order and window).
#: The marking's columns, last on both lines (a row offers them as ``Document`` does, for ``tag`` and
#: ``handling_field``).
_MARKING = (Document.handling_code, Document.handling_text, Document.source_reliability, Document.info_accuracy)
ROW_SELECT = select(Document.id, Document.title, Document.kind, Document.status, Document.audience,
                    Document.languages, Document.current_version, Document.updated_at, Document.network_id,
                    _OWNER.code, *_MARKING).join(_OWNER, _OWNER.id == Document.owner_party_id)
#: The network, aliased and outer-joined for its slug (a document may belong to none).
_NETWORK = aliased(Network, name="document_network")
#: The API's line: every column ``DocumentSchema`` shows (built once; lists add conditions, order and window).
API_SELECT = select(Document.id, Document.title, Document.description, Document.kind, Document.status,
                    Document.languages, Document.audience, Document.current_version, Document.updated_at,
                    _OWNER.code, _NETWORK.slug, *_MARKING) \
    .join(_OWNER, _OWNER.id == Document.owner_party_id).outerjoin(_NETWORK, _NETWORK.id == Document.network_id)
#: The named parties of the listed documents, in the order of ``Document.named_parties``.
_NAMED = select(document_parties.c.document_id, Party.code).join(Party, Party.id == document_parties.c.party_id) \
    .where(document_parties.c.document_id.in_(bindparam("ids", expanding=True))).order_by(Party.name, Party.id)


@dataclass(slots=True)
class DocumentRow:
    """One line of a document list, with the attributes the templates read, named as on ``Document``."""

    id: int
    title: str
    kind: DocumentKind
    status: ProtocolStatus | None
    audience: Audience
    languages: str
    current_version: int
    updated_at: datetime
    network_id: int | None
    owner_party: PartyCode
    handling_code: HandlingCode = HandlingCode.H0
    handling_text: str = ""
    source_reliability: Reliability | None = None
    info_accuracy: Accuracy | None = None
    network: Network | None = None

    @property
    def handling(self) -> DocumentRow:
        """The row as the ``handling`` field reads it (as ``Document.handling``)."""
        return self

    @property
    def language_list(self) -> list[str]:
        """The document's languages, as ``Document.language_list``."""
        return [code for code in self.languages.split(";") if code]


def load_rows(statement: Select[Any]) -> list[DocumentRow]:
    """The lines of a statement built on :data:`ROW_SELECT`, with their networks (one or two more statements)."""
    rows = [DocumentRow(*r[:9], PartyCode(r[9]), *r[10:14]) for r in db.session.execute(statement)]
    attach_networks(rows)
    return rows


@dataclass(frozen=True, slots=True)
class NetworkSlug:
    """A document's network as ``DocumentSchema`` names it (``document.network.slug``)."""

    slug: str


@dataclass(slots=True)
class ApiDocumentRow:
    """A document of the API's list, with the attributes ``DocumentSchema`` reads, named as on ``Document``."""

    id: int
    title: str
    description: str
    kind: DocumentKind
    status: ProtocolStatus | None
    languages: str
    audience: Audience
    current_version: int
    updated_at: datetime
    owner_party: PartyCode
    network: NetworkSlug | None
    handling_code: HandlingCode = HandlingCode.H0
    handling_text: str = ""
    source_reliability: Reliability | None = None
    info_accuracy: Accuracy | None = None
    named_parties: list[PartyCode] = field(default_factory=list)
    #: an H2 document the reader may not take out through the API: listed as a placeholder (``DocumentSchema``)
    restricted: bool = False

    @property
    def handling(self) -> ApiDocumentRow:
        """The row as the ``handling`` field reads it (as ``Document.handling``)."""
        return self

    @property
    def language_list(self) -> list[str]:
        """The document's languages, as ``Document.language_list``."""
        return [code for code in self.languages.split(";") if code]


def load_api_rows(statement: Select[Any]) -> list[ApiDocumentRow]:
    """The documents of a statement built on :data:`API_SELECT`, with their named parties (one statement more)."""
    rows = [ApiDocumentRow(*r[:9], PartyCode(r[9]), NetworkSlug(r[10]) if r[10] is not None else None, *r[11:15])
            for r in db.session.execute(statement)]
    if rows:
        by_id = {row.id: row for row in rows}
        for document_id, code in db.session.execute(_NAMED, {"ids": list(by_id)}):
            by_id[document_id].named_parties.append(PartyCode(code))
    return rows
