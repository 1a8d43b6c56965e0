"""One search service over two engines: SQLite FTS5 (embedded) and PostgreSQL full-text search (production).

Callers get a SQL selectable of ``(document_id, rank)`` and combine it with the readable-documents rule,
so results never include what the person may not read. User input is never SQL and never FTS syntax:
it is cut into words, and each word is quoted.
"""

from __future__ import annotations

import logging
import re

from sqlalchemy import Float, Integer, String, Subquery, bindparam, select, text
from sqlalchemy.exc import DBAPIError

from cmc.database import off_the_loop
from cmc.extensions import db
from cmc.models import Document, DocumentText
from cmc.models.document import TEXT_SEARCH_CONFIGS

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 12
TSVECTOR_TOO_LONG = "54000"  # SQLSTATE program_limit_exceeded: "string is too long for tsvector"
log = logging.getLogger("cmc.search")


def words(query: str) -> list[str]:
    """The words of a search query (punctuation, quotes and operators dropped)."""
    return _WORD.findall(query or "")[:MAX_WORDS]


def index(document: Document, body: str | None = None, language: str | None = None) -> None:
    """(Re)index a document inside the caller's transaction: the search row of ``language`` (the document's
    first when None) gets ``body`` when given; every row of the document gets its title and description."""
    language = language or (document.language_list or ["en"])[0]
    if db.session.get_bind().dialect.name == "postgresql":
        _store_fitting_tsvector(document, body, language)
        _write_others(document, language)
        return
    rows = [_write_row(document, body, language), *_write_others(document, language)]
    if db.session.get_bind().dialect.name == "sqlite":
        params = [{"id": row.id, "t": row.title, "d": row.description, "b": row.body} for row in rows]
        connection = db.session.connection()

        def write_fts() -> None:
            for one in params:
                connection.execute(text("DELETE FROM document_fts WHERE rowid = :id"), one)
                connection.execute(text("INSERT INTO document_fts (rowid, title, description, body) "
                                        "VALUES (:id, :t, :d, :b)"), one)

        off_the_loop(write_fts)  # FTS5 over megabytes of text takes up to half a second


def _write_row(document: Document, body: str | None, language: str) -> DocumentText:
    """The search row of one language of the document, with its title, description and (when given) text,
    flushed."""
    row = db.session.scalar(select(DocumentText).where(DocumentText.document_id == document.id,
                                                       DocumentText.language == language))
    if row is None:
        row = DocumentText(document_id=document.id, language=language, body=body or "")
        db.session.add(row)
    elif body is not None:
        row.body = body
    row.title, row.description = document.title, document.description
    db.session.flush()
    return row


def _write_others(document: Document, language: str) -> list[DocumentText]:
    """The document's other languages' rows, with its current title and description (their texts unchanged)."""
    rows = list(db.session.scalars(select(DocumentText).where(DocumentText.document_id == document.id,
                                                              DocumentText.language != language)))
    for row in rows:
        row.title, row.description = document.title, document.description
    db.session.flush()
    return rows


def _store_fitting_tsvector(document: Document, body: str | None, language: str) -> None:
    """Write the row on PostgreSQL, cutting ``body`` until its stored tsvector fits the 1 MB a tsvector may
    hold: 240,000 distinct words (a register of case numbers, 1.9 MB of text) make a 3.4 MB vector, and the
    insert failed with "string is too long for tsvector" (a 500 for the upload). Each try is a savepoint,
    whose rollback forgets the row's changes: they are made again inside the next one."""
    while True:
        try:
            with db.session.begin_nested():
                _write_row(document, body, language)
            return
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) != TSVECTOR_TOO_LONG or not body:
                raise
            log.warning("document %s: its text makes a tsvector over 1 MB; indexing the first %d of %d "
                        "characters", document.id, len(body) // 2, len(body))
            body = body[:len(body) // 2]


def _statement(query: str) -> tuple[str, dict[str, str]] | None:
    """SQL selecting ``(document_id, language, rank)`` of every search row matching all words of ``query``."""
    terms = words(query)
    if not terms:
        return None
    if db.session.get_bind().dialect.name == "sqlite":
        # No stemming on SQLite: FTS5's unicode61 folds case and accents only (stemming is PostgreSQL's).
        fts_query = " ".join('"' + term.replace('"', "") + '"' for term in terms)
        return ("SELECT t.document_id AS document_id, t.language AS language, f.rank AS rank "
                "FROM document_fts AS f JOIN document_texts AS t ON t.id = f.rowid "
                "WHERE document_fts MATCH :q", {"q": fts_query})
    # Each row's vector is stemmed in its own language (models/document.py), and we do not know which language
    # the query is in: it is stemmed by every configuration and the tsqueries are ORed ('migrantes' finds the
    # Spanish 'migrante'; each configuration's words are ANDed). The distinct tsqueries are merged first, in a
    # statement of their own, and the search gets the result as a constant: most configurations stem a query
    # alike, and five copies ORed made PostgreSQL guess a quarter of the rows would match and read the whole
    # table (124 ms against 16 ms through the GIN index on the benchmark's 20,000 texts).
    merged = _merged_tsquery(" ".join(terms))
    if merged is None:  # only stop words in every language and no word at all in 'simple': nothing matches
        return ("SELECT CAST(NULL AS integer) AS document_id, CAST(NULL AS text) AS language, "
                "CAST(NULL AS real) AS rank WHERE false", {})
    sql = ("SELECT document_id, language, -ts_rank(search_vector, query.q) AS rank "
           "FROM document_texts, CAST(:q AS tsquery) AS query(q) WHERE search_vector @@ query.q")
    return sql, {"q": merged}


_CONFIGS = [*dict.fromkeys(TEXT_SEARCH_CONFIGS.values()), "simple"]
_MERGE = text(
    "SELECT string_agg(DISTINCT '(' || q::text || ')', ' | ') FROM "
    "(SELECT plainto_tsquery(CAST(config AS regconfig), :words) AS q FROM unnest(CAST(:configs AS text[])) AS config)"
    " AS stemmed WHERE numnode(q) > 0")


def _merged_tsquery(words_: str) -> str | None:
    """The query stemmed by every configuration, identical results once, ORed (tsquery text), or None."""
    return db.session.execute(_MERGE, {"words": words_, "configs": _CONFIGS}).scalar()


def matches(query: str) -> Subquery | None:
    """``(document_id, rank)`` of every document matching all words of ``query`` in one of its languages (best
    first: lower rank), or None when the query has no words."""
    found = _statement(query)
    if found is None:
        return None
    sql, params = found
    statement = text(f"SELECT document_id, min(rank) AS rank FROM ({sql}) AS rows "  # noqa: S608 (ours)
                     "GROUP BY document_id")
    return statement.bindparams(**params).columns(document_id=Integer, rank=Float).subquery("matches")


def matched_languages(query: str, document_ids: list[int]) -> dict[int, list[str]]:
    """For each of ``document_ids``, the languages whose text matches ``query`` (best match first)."""
    found = _statement(query)
    if found is None or not document_ids:
        return {}
    sql, params = found
    statement = (text(f"SELECT document_id, language FROM ({sql}) AS rows WHERE document_id IN :ids "  # noqa: S608
                      "ORDER BY rank, language")
                 .bindparams(bindparam("ids", value=list(document_ids), expanding=True), **params)
                 .columns(document_id=Integer, language=String))
    result: dict[int, list[str]] = {}
    for document_id, language in db.session.execute(statement):
        result.setdefault(document_id, []).append(language)
    return result
