"""Growth with the alert history: SQL statements per request and page time for every main page, on two datasets
that differ only in the number of alerts (``cmc seed --scale 1 --alerts 1000`` and ``cmc seed --scale 1``, i.e.
1,000 and 100,000 alerts; the generator draws every other part of the data from its own random stream, so
accounts, networks, threads, documents and meetings are identical).

Each page is requested in-process through the Flask test client, signed in as the same plain member of the biggest
network on both datasets. Statements are counted with a SQLAlchemy ``before_cursor_execute`` listener on one
request after a first, warming request (some pages record a first visit); the page time is the median of
``CMC_BENCH_GROWTH_REQUESTS`` (default 30) requests per page, alternating between the two datasets.

Targets: the same number of statements at both sizes; page time at 100,000 alerts <= 1.2x the time at 1,000.

Run: ``.venv/bin/python -m tests.perf.bench_growth`` (writes ``tests/perf/results/growth.json``).
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from tests.perf import harness
from tests.perf.harness import Instance, Member, Row, ratio_row

NAME = "growth"
TITLE = "Statements per request and page time: 1,000 against 100,000 alerts"
SMALL_ALERTS = 1_000
REQUESTS = int(os.environ.get("CMC_BENCH_GROWTH_REQUESTS", "30"))
#: Fewer requests (but at least MIN_REQUESTS) when a page is slow: about this many seconds per page, both sizes.
PAGE_BUDGET_S = float(os.environ.get("CMC_BENCH_GROWTH_PAGE_SECONDS", "4"))
MIN_REQUESTS = 10
TIME_TARGET = 1.2  # x the time at the small size


@dataclass
class Side:
    """One dataset with its in-process app, signed-in test client and statement log."""

    instance: Instance
    member: Member
    app: Any
    client: Any
    statements: list[str] = field(default_factory=list)
    paths: dict[str, str] = field(default_factory=dict)


def _open(instance: Instance, email: str | None = None) -> Side:
    """Build the app on ``instance``, count its statements, and sign the member in through the real form."""
    member = harness.pick_member(instance)
    if email is not None and member.email != email:
        raise RuntimeError(f"the two datasets pick different members ({email} and {member.email}): they are not "
                           "the same data apart from the alerts")
    app = instance.create_app()
    from cmc.extensions import db

    side = Side(instance=instance, member=member, app=app, client=app.test_client())
    with app.app_context():
        engine = db.engine

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        side.statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    form = side.client.get("/sign-in")
    token = harness.csrf_token(form.get_data(as_text=True))
    answer = side.client.post("/sign-in", data={"email": member.email, "password": instance.password,
                                                "csrf_token": token})
    if answer.status_code != 302 or "/sign-in" in answer.headers.get("Location", ""):
        raise RuntimeError(f"signing in as {member.email} on {instance.name} failed ({answer.status_code})")
    side.paths = _paths(instance, member)
    return side


def _paths(instance: Instance, member: Member) -> dict[str, str]:
    """The main pages, with ids chosen the same way on both datasets."""
    net = member.network_id
    thread = instance.query("SELECT id FROM threads WHERE network_id = %s AND deleted_at IS NULL "
                            "ORDER BY reply_count DESC, id LIMIT 1", (net,))[0][0]
    document = instance.query("SELECT id FROM documents WHERE network_id = %s AND audience IN ('network', 'all') "
                              "ORDER BY updated_at DESC, id DESC LIMIT 1", (net,))[0][0]
    title = instance.query("SELECT title FROM documents WHERE id = %s", (document,))[0][0]
    word = max(re.findall(r"[A-Za-z]{5,}", title) or ["migration"], key=len).lower()
    alert = instance.query("SELECT id FROM alerts WHERE network_id = %s AND state = 'published' "
                           "ORDER BY id DESC LIMIT 1", (net,))[0][0]
    meeting = instance.query(
        "SELECT id FROM meetings WHERE status != 'draft' AND (network_id IS NULL OR network_id IN "
        "(SELECT network_id FROM memberships WHERE account_id = %s)) ORDER BY start_date DESC, id DESC LIMIT 1",
        (member.account_id,))[0][0]
    slug = member.network_slug
    return {
        "home": "/",
        "networks directory": "/networks",
        "network workspace": f"/networks/{slug}",
        "network members": f"/networks/{slug}/members",
        "network activity": f"/networks/{slug}/activity",
        "thread": f"/threads/{thread}",
        "documents list": "/documents",
        "network documents": f"/networks/{slug}/documents",
        "document page": f"/documents/{document}",
        "search results": f"/documents?q={word}",
        "alerts list": "/alerts",
        "network alerts": f"/networks/{slug}/alerts",
        "alert page": f"/alerts/{alert}",
        "meetings list": "/meetings",
        "meeting page": f"/meetings/{meeting}",
        "settings": "/settings/",
    }


def _get(side: Side, path: str) -> tuple[int, float, list[str]]:
    """One request: status, seconds, the statements it ran."""
    side.statements.clear()
    started = time.perf_counter()
    answer = side.client.get(path)
    elapsed = time.perf_counter() - started
    if answer.status_code != 200:
        raise RuntimeError(f"{path} on {side.instance.name} answered {answer.status_code} "
                           f"({answer.headers.get('Location')})")
    return answer.status_code, elapsed, list(side.statements)


def _shape(statement: str) -> str:
    """A statement reduced to its first 90 characters, for naming the repeated ones."""
    return " ".join(statement.split())[:90]


def main() -> None:
    """Prepare both datasets, count and time every page on both, write the result."""
    small_instance = harness.prepare_instance(scale=1, alerts=SMALL_ALERTS)
    big_instance = harness.prepare_instance(scale=1)
    small = _open(small_instance)
    big = _open(big_instance, small.member.email)
    counts = {s.instance.name: s.instance.query("SELECT count(*) FROM alerts")[0][0] for s in (small, big)}
    rows: list[Row] = []
    notes: list[str] = []
    details: list[str] = []
    started = time.monotonic()
    requests_made: list[int] = []
    for label, small_path in small.paths.items():
        big_path = big.paths[label]
        _get(small, small_path)  # the first visit may write (a thread visit, an alert opened)
        _get(big, big_path)
        _status, _t, small_statements = _get(small, small_path)
        _status, _t, big_statements = _get(big, big_path)
        small_times: list[float] = []
        big_times: list[float] = []
        page_started = time.monotonic()
        for n in range(REQUESTS):
            if n >= MIN_REQUESTS and time.monotonic() - page_started > PAGE_BUDGET_S:
                break
            small_times.append(_get(small, small_path)[1])
            big_times.append(_get(big, big_path)[1])
        requests_made.append(len(small_times))
        small_ms, big_ms = harness.median(small_times) * 1000, harness.median(big_times) * 1000
        same = len(small_statements) == len(big_statements)
        rows.append(Row(figure=f"{label}: SQL statements per request", value=len(big_statements), unit="statements",
                        reference=len(small_statements),
                        ratio=round(len(big_statements) / len(small_statements), 2) if small_statements else None,
                        target="same as at 1,000 alerts", met=same))
        rows.append(ratio_row(f"{label}: page time (median)", big_ms, "ms", small_ms, at_most=TIME_TARGET))
        repeated = [(shape, n) for shape, n in Counter(_shape(s) for s in big_statements).most_common(3) if n > 3]
        line = (f"  {label:<20} {small_path:<32} statements {len(small_statements):>4} -> {len(big_statements):>4}"
                f"   median {small_ms:7.1f} -> {big_ms:7.1f} ms ({big_ms / small_ms:.2f}x, {len(small_times)} "
                "requests each)")
        print(line, flush=True)
        if not same:
            before, after = Counter(_shape(x) for x in small_statements), Counter(_shape(x) for x in big_statements)
            changed = [f"{before[shape]}x -> {after[shape]}x \"{shape}...\""
                       for shape in sorted(set(before) | set(after)) if before[shape] != after[shape]]
            notes.append(f"Target missed: {label} ({small_path}) runs {len(small_statements)} statements at 1,000 "
                         f"alerts and {len(big_statements)} at 100,000; the statements whose count changes: "
                         + "; ".join(changed) + ". A statement repeated once per row shown is a lazy load per row "
                         "(N+1): its count follows how many rows the page lists, which differs between the datasets.")
        if repeated:
            details.append(f"{label}: " + "; ".join(f"{n}x \"{shape}...\"" for shape, n in repeated))
        if big_ms > TIME_TARGET * small_ms:
            notes.append(f"Target missed: {label} takes {big_ms:.0f} ms at 100,000 alerts against {small_ms:.0f} ms "
                         f"at 1,000 ({big_ms / small_ms:.1f}x, target <= {TIME_TARGET}x).")
    if details:
        notes.append("Statements repeated more than three times in one request (one query per row listed, a constant "
                     "per page, not growth): " + " | ".join(details) + ".")
    active = {s.instance.name: s.instance.query(
        "SELECT count(*) FROM alerts WHERE state = 'published' AND active_until > now() AT TIME ZONE 'utc'")[0][0]
        for s in (small, big)}
    notes.append("Every page shows the navigation's count of unacknowledged active alerts and the newest alert id "
                 "(the alerts context processor), so every page runs queries over the alerts table. The alert "
                 f"lists show up to 100 active alerts: {active[small.instance.name]:,} are active at 1,000 alerts and "
                 f"{active[big.instance.name]:,} at 100,000, so those pages render more rows at the larger size.")
    setup = (f"{harness.machine_description()}. Datasets: PostgreSQL databases {small.instance.name} "
             f"({counts[small.instance.name]:,} alerts) and {big.instance.name} "
             f"({counts[big.instance.name]:,} alerts), "
             f"both cmc seed --scale 1 (27 parties, 1,000 accounts, 8 networks, 10,000 threads, 20,000 documents, "
             f"300 meetings). In-process Flask test client signed in as {small.member.email} (a plain member of "
             f"{small.member.network_slug}); statements counted with a before_cursor_execute listener on the second "
             f"request of each page; page time = median of {min(requests_made)}-{max(requests_made)} requests per page "
             f"and dataset (up to {REQUESTS}, fewer when a page is slow), alternating between the datasets. "
             f"Measuring took {time.monotonic() - started:.0f} s.")
    harness.write_result(NAME, TITLE, setup, rows, notes)


if __name__ == "__main__":
    main()
