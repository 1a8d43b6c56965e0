"""Document lists as rows: the columns a list line shows (title, kind, status, audience, languages, version,
date, owner party's code, network), without building a ``Document`` per line. ``reading.list_rows_query``
applies the same conditions as ``list_query`` (which the API keeps using) to :data:`ROW_SELECT`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from cmc.extensions import db
from cmc.models import Audience, Document, DocumentKind, Network, Party, ProtocolStatus
from cmc.services.listing import PartyCode, attach_networks

#: The owner party, aliased: a list filtered by party joins ``Party`` itself.
_OWNER = aliased(Party, name="owner_party")
#: A list line's columns (built once; lists add their conditions, order and window).
ROW_SELECT = select(Document.id, Document.title, Document.kind, Document.status, Document.audience,
                    Document.languages, Document.current_version, Document.updated_at, Document.network_id,
                    _OWNER.code).join(_OWNER, _OWNER.id == Document.owner_party_id)


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
    network: Network | None = None

    @property
    def language_list(self) -> list[str]:
        """The document's languages, as ``Document.language_list``."""
        return [code for code in self.languages.split(";") if code]


def load_rows(statement: Select[Any]) -> list[DocumentRow]:
    """The lines of a statement built on :data:`ROW_SELECT`, with their networks (one or two more statements)."""
    rows = [DocumentRow(*r[:9], owner_party=PartyCode(r[9])) for r in db.session.execute(statement)]
    attach_networks(rows)
    return rows
