"""One search service over two engines: SQLite FTS5 (embedded) and PostgreSQL full-text search (production).

Callers get a SQL selectable of ``(document_id, rank)`` and combine it with the readable-documents rule,
so results never include what the person may not read. User input is never SQL and never FTS syntax:
it is cut into words, and each word is quoted.
"""

from __future__ import annotations

import logging
import re

from sqlalchemy import Float, Integer, Subquery, text
from sqlalchemy.exc import DBAPIError

from cmc.database import off_the_loop
from cmc.extensions import db
from cmc.models import Document, DocumentText

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 12
TSVECTOR_TOO_LONG = "54000"  # SQLSTATE program_limit_exceeded: "string is too long for tsvector"
log = logging.getLogger("cmc.search")


def words(query: str) -> list[str]:
    """The words of a search query (punctuation, quotes and operators dropped)."""
    return _WORD.findall(query or "")[:MAX_WORDS]


def index(document: Document, body: str | None = None) -> None:
    """(Re)index a document's title, description and, when given, its text (inside the caller's transaction)."""
    if db.session.get_bind().dialect.name == "postgresql":
        _store_fitting_tsvector(document, body)
        return
    row = _write_row(document, body)
    if db.session.get_bind().dialect.name == "sqlite":
        params = {"id": document.id, "t": row.title, "d": row.description, "b": row.body}
        connection = db.session.connection()

        def write_fts() -> None:
            connection.execute(text("DELETE FROM document_fts WHERE rowid = :id"), params)
            connection.execute(text("INSERT INTO document_fts (rowid, title, description, body) "
                                    "VALUES (:id, :t, :d, :b)"), params)

        off_the_loop(write_fts)  # FTS5 over megabytes of text takes up to half a second


def _write_row(document: Document, body: str | None) -> DocumentText:
    """The document's search row with its title, description and (when given) text, flushed."""
    row = db.session.get(DocumentText, document.id)
    if row is None:
        row = DocumentText(document_id=document.id, body=body or "")
        db.session.add(row)
    elif body is not None:
        row.body = body
    row.title, row.description = document.title, document.description
    db.session.flush()
    return row


def _store_fitting_tsvector(document: Document, body: str | None) -> None:
    """Write the row on PostgreSQL, cutting ``body`` until its stored tsvector fits the 1 MB a tsvector may
    hold: 240,000 distinct words (a register of case numbers, 1.9 MB of text) make a 3.4 MB vector, and the
    insert failed with "string is too long for tsvector" (a 500 for the upload). Each try is a savepoint,
    whose rollback forgets the row's changes: they are made again inside the next one."""
    while True:
        try:
            with db.session.begin_nested():
                _write_row(document, body)
            return
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) != TSVECTOR_TOO_LONG or not body:
                raise
            log.warning("document %s: its text makes a tsvector over 1 MB; indexing the first %d of %d "
                        "characters", document.id, len(body) // 2, len(body))
            body = body[:len(body) // 2]


def matches(query: str) -> Subquery | None:
    """``(document_id, rank)`` of every document matching all words of ``query`` (best first: lower rank),
    or None when the query has no words."""
    terms = words(query)
    if not terms:
        return None
    if db.session.get_bind().dialect.name == "sqlite":
        fts_query = " ".join('"' + term.replace('"', "") + '"' for term in terms)
        statement = text("SELECT rowid AS document_id, bm25(document_fts) AS rank FROM document_fts "
                         "WHERE document_fts MATCH :q").bindparams(q=fts_query)
    else:
        # The stored, GIN-indexed search_vector column (models/document.py): found by the index, ranked
        # without recomputing any document's vector.
        statement = text(
            "SELECT document_id, -ts_rank(search_vector, q) AS rank "
            "FROM document_texts, plainto_tsquery('simple', :q) AS q WHERE search_vector @@ q"
        ).bindparams(q=" ".join(terms))
    return statement.columns(document_id=Integer, rank=Float).subquery("matches")
