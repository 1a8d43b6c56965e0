"""Search: p95 of 100 realistic queries over the scale-1 corpus (20,000 documents) through the platform's search,
against a bare PostgreSQL full-text query on the same rows with the same tsvector and tsquery.

Figures for the same queries (the service and the bare query run back to back for each of the 100):

* **search service** (the target): ``cmc.services.search.matches(q)`` in-process, as the documents page uses it, the
  first 25 by rank (``ORDER BY rank LIMIT 25``) through SQLAlchemy;
* **document list query**: what the search results page runs, ``documents.list_query`` (the matches joined with
  the documents the member may read), first page of 26 rows, on the first ``HTTP_QUERIES`` queries;
* **bare query**: the same ``search_vector @@ plainto_tsquery('simple', q)`` on the stored, GIN-indexed tsvector
  column, with ``ts_rank``, ``ORDER BY rank LIMIT 25``, sent by psycopg directly.

A fourth figure is the HTTP search results page (``/documents?q=...``) through the real page processes
(gunicorn, ``deploy/gunicorn-pages.conf.py``), one request at a time, on the first ``HTTP_QUERIES`` queries.

Queries: 70 single words and 30 two-word queries drawn with a fixed seed from the words of 400 documents of the
corpus (four letters or more, common English function words left out), spread evenly over the frequency ranks,
so rare and common words both appear.

Target: search service p95 <= 2x the bare query's p95.

Run: ``.venv/bin/python -m tests.perf.bench_search`` (writes ``tests/perf/results/search.json``).
"""

from __future__ import annotations

import os
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

from tests.perf import harness
from tests.perf.harness import Instance, Row, percentile, ratio_row

NAME = "search"
TITLE = "Search p95 over 20,000 documents against a bare PostgreSQL full-text query"
QUERIES = 100
HTTP_QUERIES = int(os.environ.get("CMC_BENCH_SEARCH_HTTP_QUERIES", "20"))
TARGET = 2.0
SEED = 20261128
STOP_WORDS = frozenset({
    "about", "above", "after", "again", "against", "also", "among", "been", "before", "being", "below", "between",
    "both", "could", "does", "doing", "down", "during", "each", "from", "further", "have", "having", "here",
    "into", "just", "more", "most", "other", "over", "same", "should", "some", "such", "than", "that", "their",
    "them", "then", "there", "these", "they", "this", "those", "through", "under", "until", "very", "were", "what",
    "when", "where", "which", "while", "will", "with", "would", "your", "ours", "yours"
})

BARE_SQL = (
    "SELECT document_id, -ts_rank(search_vector, q) AS rank FROM document_texts, plainto_tsquery('simple', %s) AS q"
    " WHERE search_vector @@ q ORDER BY rank, document_id LIMIT 25"
)


def corpus_queries(instance: Instance) -> list[str]:
    """100 queries from the corpus's own words: 70 single words and 30 pairs of words from one document."""
    rows = instance.query("SELECT title || ' ' || description || ' ' || body FROM document_texts "
                          "ORDER BY document_id LIMIT 400")
    documents = [[w for w in re.findall(r"[^\W\d_]{4,}", text.lower()) if w not in STOP_WORDS] for (text,) in rows]
    frequency = Counter(w for words in documents for w in set(words))
    ranked = [w for w, _n in frequency.most_common()]
    rng = random.Random(SEED)
    singles = [ranked[int(i * len(ranked) / 70)] for i in range(70)]  # evenly over the frequency ranks
    pairs = []
    while len(pairs) < QUERIES - len(singles):
        words = rng.choice(documents)
        if len(set(words)) >= 2:
            first, second = rng.sample(sorted(set(words)), 2)
            pairs.append(f"{first} {second}")
    queries = singles + pairs
    rng.shuffle(queries)
    return queries


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds taken by ``function()``, and what it returned."""
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def main() -> None:
    """Build the queries, time the three in-process figures and the HTTP page, write the result."""
    instance = harness.prepare_instance(scale=1)
    member = harness.pick_member(instance)
    queries = corpus_queries(instance)
    app = instance.create_app()
    from sqlalchemy import select

    from cmc.extensions import db
    from cmc.models import Account
    from cmc.services import documents, search

    service_s: list[float] = []
    listing_s: list[float] = []
    bare_s: list[float] = []
    matched: list[int] = []
    mismatches = 0
    started = time.monotonic()
    with app.app_context(), harness.connect(instance.database_url) as bare:
        actor = db.session.get(Account, member.account_id)
        assert actor is not None

        def service(q: str) -> list[int]:
            found = search.matches(q)
            assert found is not None
            statement = select(found.c.document_id, found.c.rank).order_by(found.c.rank, found.c.document_id)
            return [row[0] for row in db.session.execute(statement.limit(25))]

        def listing(q: str) -> int:
            query = documents.list_query(actor, documents.DocumentFilter(query=q)).limit(26)
            return len(db.session.scalars(query).all())

        def bare_query(q: str) -> list[int]:
            return [row[0] for row in bare.execute(BARE_SQL, (" ".join(search.words(q)),)).fetchall()]

        for q in queries[:5]:  # warm the caches and the connections
            service(q)
            bare_query(q)
        for n, q in enumerate(queries):  # which side goes first alternates, so neither always finds warm pages
            if n % 2:
                seconds, service_ids = timed(lambda q=q: service(q))
                service_s.append(seconds)
            seconds, bare_ids = timed(lambda q=q: bare_query(q))
            bare_s.append(seconds)
            if not n % 2:
                seconds, service_ids = timed(lambda q=q: service(q))
                service_s.append(seconds)
            mismatches += service_ids != bare_ids
            count = bare.execute("SELECT count(*) FROM document_texts WHERE search_vector @@ "
                                 "plainto_tsquery('simple', %s)", (" ".join(search.words(q)),)).fetchone()[0]
            matched.append(count)
        for q in queries[:HTTP_QUERIES]:
            listing_s.append(timed(lambda q=q: listing(q))[0])
        db.session.remove()
    in_process_s = time.monotonic() - started
    print(f"  {len(queries)} queries in process in {in_process_s:.0f} s; matches per query: median "
          f"{harness.median(matched):.0f}, max {max(matched)}", flush=True)

    http_ms: list[float] = []
    with harness.running_pages(instance, log_name="search-pages.log") as server:
        session = harness.sign_in(server.base_url, member.email, instance.password)
        harness.check_page(server.url(f"/documents?q={quote_plus(queries[0])}"), session)
        for q in queries[:HTTP_QUERIES]:
            seconds, answer = timed(lambda q=q: harness.fetch(server.url(f"/documents?q={quote_plus(q)}"),
                                                             cookie=session.cookie))
            if answer.status != 200:
                raise RuntimeError(f"/documents?q={q} answered {answer.status}")
            http_ms.append(seconds * 1000)

    bare_p95 = percentile(bare_s, 95) * 1000
    bare_http_p95 = percentile(bare_s[:HTTP_QUERIES], 95) * 1000
    rows: list[Row] = [
        ratio_row(f"search service p95 ({len(queries)} queries, top 25 by rank)", percentile(service_s, 95) * 1000,
                  "ms", bare_p95, at_most=TARGET),
        ratio_row(f"document list query with the reading rule p95 (the results page's query; first {HTTP_QUERIES})",
                  percentile(listing_s, 95) * 1000, "ms", bare_http_p95),
        ratio_row(f"HTTP search results page p95 (first {HTTP_QUERIES} queries, one at a time)",
                  percentile(http_ms, 95), "ms", bare_http_p95),
        harness.info_row("bare PostgreSQL query p50", percentile(bare_s, 50) * 1000, "ms"),
        harness.info_row("search service p50", percentile(service_s, 50) * 1000, "ms"),
        harness.info_row("documents matched per query (median)", int(harness.median(matched)), "documents"),
    ]
    notes: list[str] = []
    service_p95 = percentile(service_s, 95) * 1000
    if service_p95 > TARGET * bare_p95:
        notes.append(f"Target missed: the search service's p95 is {service_p95:.0f} ms, {service_p95 / bare_p95:.1f}x "
                     f"the bare query's {bare_p95:.0f} ms (target <= {TARGET:g}x).")
    if mismatches:
        notes.append(f"{mismatches} of {len(queries)} queries returned different top-25 documents from the service "
                     "and the bare query (ties in rank ordered differently would explain a few).")
    if bare_p95 > 100:
        notes.append(f"Both sides are slow in absolute terms (bare p95 {bare_p95:.0f} ms): ranking reads the stored "
                     "tsvector of every matching document, and a common word matches thousands of the 20,000.")
    notes.append("The list query's and the HTTP page's ratios are against the bare query's p95 over the same "
                 f"first {HTTP_QUERIES} queries; the page adds the "
                 "reading rule, the session, the navigation's alert counts and rendering.")
    setup = (f"{harness.machine_description()}. Dataset: {instance.dataset} in {instance.name} (20,000 documents "
             f"with small real texts, indexed by the platform's own indexing). {len(queries)} queries from the "
             f"corpus (seed {SEED}); each query runs bare (psycopg) and through the search service (in-process "
             f"SQLAlchemy), alternately first, after 5 warm-up queries; the document list query runs in-process "
             f"for the member "
             f"{member.email} on the first {HTTP_QUERIES}. HTTP: gunicorn -c deploy/gunicorn-pages.conf.py "
             f"-w {harness.default_workers()} (sync), one "
             f"request at a time from Python, first {HTTP_QUERIES} queries. In-process part took "
             f"{in_process_s:.0f} s.")
    harness.write_result(NAME, TITLE, setup, rows, notes)


if __name__ == "__main__":
    main()
