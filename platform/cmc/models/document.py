"""Documents shared in networks (and later meetings): metadata, audience, and every version's file."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DDL, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cmc.extensions import db
from cmc.models.account import Account
from cmc.models.handling import Evaluated, HandlingMarked
from cmc.models.network import Network
from cmc.models.party import Party, party_link_table
from cmc.models.types import UTCDateTime, str_enum, utcnow


class DocumentKind(enum.StrEnum):
    """What a document is."""

    REPORT = "report"
    PROTOCOL = "protocol"
    PRESENTATION = "presentation"
    STATEMENT = "statement"
    MINUTES = "minutes"
    STATISTICS = "statistics"
    OTHER = "other"


class Audience(enum.StrEnum):
    """Who may read a document."""

    NETWORK = "network"  # members of its network (the default)
    ALL = "all"  # every account of every CMC party
    NAMED = "named"  # named parties, plus the owning party and the secretariat


class ProtocolStatus(enum.StrEnum):
    """Where a protocol stands."""

    DRAFT = "draft"
    UNDER_REVIEW = "under_review"
    ADOPTED = "adopted"


document_parties = party_link_table("document_parties", "document_id", "documents")


class Document(HandlingMarked, Evaluated, db.Model):
    """A shared document; its content lives in its versions."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_network_updated", "network_id", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), default=None)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind), default=DocumentKind.REPORT)
    languages: Mapped[str] = mapped_column(String(40), default="en")  # ';'-separated ISO 639 codes
    audience: Mapped[Audience] = mapped_column(str_enum(Audience), default=Audience.NETWORK)
    status: Mapped[ProtocolStatus | None] = mapped_column(str_enum(ProtocolStatus), default=None)
    owner_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    current_version: Mapped[int] = mapped_column(default=0)

    network: Mapped[Network | None] = relationship()
    owner_party: Mapped[Party] = relationship()
    uploader: Mapped[Account] = relationship()
    named_parties: Mapped[list[Party]] = relationship(secondary=document_parties, order_by=Party.name)

    @property
    def language_list(self) -> list[str]:
        """The document's languages."""
        return [code for code in self.languages.split(";") if code]


class DocumentVersion(HandlingMarked, Evaluated, db.Model):
    """One uploaded file of a document. Versions are never changed or removed."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number", name="uq_document_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    uploader_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(120))
    extension: Mapped[str] = mapped_column(String(10))
    original_filename: Mapped[str] = mapped_column(String(255))
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    restored_from: Mapped[int | None] = mapped_column(default=None)
    #: what became of the file's text (cmc.services.extract): indexed, none, unreadable, busy or
    #: limit:<name>; None for versions stored before it was recorded
    text_status: Mapped[str | None] = mapped_column(String(20), default=None)
    #: the language of this file's text (one of the document's languages): each language keeps its own line of
    #: versions, and the document page shows the newest file of each side by side
    language: Mapped[str] = mapped_column(String(3), default="en")

    uploader: Mapped[Account] = relationship()


class DocumentText(db.Model):
    """The searchable text of one language of a document: title, description and the words of that language's
    current file. ``id`` is the FTS5 rowid on SQLite (an INTEGER PRIMARY KEY: VACUUM keeps it)."""

    __tablename__ = "document_texts"
    __table_args__ = (UniqueConstraint("document_id", "language", name="uq_document_text_language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(3), default="en")
    title: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")


# Full-text search: an FTS5 table on SQLite (rowid = document_texts.id; no stemming: unicode61 folds case and
# accents only); on PostgreSQL a stored generated tsvector column with a GIN index (ranking reads the stored
# vector: an expression index alone finds the matches, but ts_rank would recompute every matching document's
# vector, ~1 s for a common word over 20,000 documents). Each row is stemmed with its language's text search
# configuration ('simple' for a language PostgreSQL has none for, such as pap or ht), chosen by a CASE on the
# row's language: a generated column must be immutable, which to_tsvector with a constant configuration is.
# Created with the table, so that migrations and the tests' create_all build the same thing.
FTS_OBJECTS = ("document_fts", "ix_document_texts_search", "search_vector", "ix_document_texts_vector")
#: PostgreSQL's text search configuration for each document language; any other language uses 'simple'.
TEXT_SEARCH_CONFIGS = {"en": "english", "es": "spanish", "fr": "french", "nl": "dutch"}
_TEXT = "coalesce(title, '') || ' ' || coalesce(description, '') || ' ' || coalesce(body, '')"
SEARCH_VECTOR_SQL = ("CASE language " + " ".join(f"WHEN '{code}' THEN to_tsvector('{config}'::regconfig, {_TEXT})"
                                                  for code, config in TEXT_SEARCH_CONFIGS.items())
                     + f" ELSE to_tsvector('simple'::regconfig, {_TEXT}) END")
SQLITE_FTS = DDL(
    "CREATE VIRTUAL TABLE IF NOT EXISTS document_fts USING fts5("
    "title, description, body, tokenize = 'unicode61 remove_diacritics 2')"
)
POSTGRES_VECTOR = DDL(
    f"ALTER TABLE document_texts ADD COLUMN IF NOT EXISTS search_vector tsvector "
    f"GENERATED ALWAYS AS ({SEARCH_VECTOR_SQL}) STORED"
)
POSTGRES_FTS = DDL("CREATE INDEX IF NOT EXISTS ix_document_texts_vector ON document_texts USING gin (search_vector)")
event.listen(DocumentText.__table__, "after_create", SQLITE_FTS.execute_if(dialect="sqlite"))
event.listen(DocumentText.__table__, "after_create", POSTGRES_VECTOR.execute_if(dialect="postgresql"))
event.listen(DocumentText.__table__, "after_create", POSTGRES_FTS.execute_if(dialect="postgresql"))
event.listen(DocumentText.__table__, "after_drop",
             DDL("DROP TABLE IF EXISTS document_fts").execute_if(dialect="sqlite"))
