"""In-process CPU and profile of the main pages: home, a network workspace, the alerts list, an alert, the
documents list and a thread, signed in as the benchmark's member (a plain member of the busiest network).

For finding what a page spends its time on, not for targets (``make bench`` measures those under load). Runs on
the instance the ``CMC_*`` environment names (``CMC_DATABASE_URL``: a database seeded with ``cmc seed --scale``),
through the Flask test client: no server, no network. Per page it prints the CPU per request (the lowest and the
median of ``--batches`` batches of ``--requests`` requests: the lowest is the least disturbed by other processes
on a shared machine), the Python function calls per request (a count, steady from run to run, so it compares
two versions of the code where CPU time is noisy) and the statements sent to the database; ``--profile DIR``
writes each page's cProfile statistics there (``python -m pstats DIR/home.prof``). ``--api`` measures the JSON
API's lists instead (alerts, a network's alerts, members, threads, a thread's replies, documents, a search).

Run: ``CMC_DATABASE_URL=... CMC_SECRET_KEY=... .venv/bin/python -m tests.perf.profile_pages [--profile DIR]``
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import time
from pathlib import Path
from typing import Any

from tests.perf import harness

MEMBER_SQL = """
    SELECT a.email, n.slug, n.id FROM memberships m JOIN accounts a ON a.id = m.account_id
    JOIN parties p ON p.id = a.party_id JOIN networks n ON n.id = m.network_id
    WHERE m.role = 'member' AND a.role = 'delegate' AND a.active AND a.password_hash IS NOT NULL
      AND a.totp_secret IS NULL AND p.status = 'member' AND p.retired_at IS NULL AND n.archived_at IS NULL
      AND n.alerts_enabled AND a.email LIKE '%%@scale.cmc.test'
      AND NOT EXISTS (SELECT 1 FROM memberships c WHERE c.account_id = a.id AND c.role = 'coordinator')
    ORDER BY (SELECT count(*) FROM threads t WHERE t.network_id = n.id) DESC,
             (SELECT count(*) FROM memberships x WHERE x.account_id = a.id) DESC, a.id
    LIMIT 1"""


def _pages(url: str, *, api: bool = False) -> tuple[str, dict[str, str]]:
    """The member's email and the pages (``api``: the API's lists) to measure (paths on the scale data)."""
    with harness.connect(url) as connection:
        row = connection.execute(MEMBER_SQL).fetchone()
        if row is None:
            raise SystemExit("no plain network member in this database: seed it with cmc seed --scale 1")
        email, slug, network_id = row
        alert = connection.execute("SELECT max(id) FROM alerts WHERE network_id = %s AND state = 'published'",
                                   (network_id,)).fetchone()[0]
        thread = connection.execute("SELECT id FROM threads WHERE network_id = %s AND deleted_at IS NULL "
                                    "ORDER BY reply_count DESC, id DESC LIMIT 1", (network_id,)).fetchone()[0]
    if api:
        return email, {"alerts": "/api/v1/alerts", "network alerts": f"/api/v1/alerts?network={slug}",
                       "members": f"/api/v1/networks/{slug}/members", "threads": f"/api/v1/networks/{slug}/threads",
                       "replies": f"/api/v1/threads/{thread}", "documents": "/api/v1/documents",
                       "search": "/api/v1/documents?q=protocol"}
    return email, {"home": "/", "workspace": f"/networks/{slug}", "alerts list": "/alerts",
                   "alert page": f"/alerts/{alert}", "documents": "/documents", "thread": f"/threads/{thread}"}


def _signed_in(app: Any, email: str) -> Any:
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    answer = client.post("/sign-in", data={"email": email, "password": harness.scale_password(),
                                           "csrf_token": token.group(1) if token else ""})
    if answer.status_code != 302:
        raise SystemExit(f"signing in as {email} answered {answer.status_code}")
    return client


def measure(client: Any, engine: Any, path: str, requests: int, batches: int, profile: Path | None) -> str:
    """One page's line: CPU per request (lowest, median), Python calls and statements per request."""
    from sqlalchemy import event

    for _ in range(3):
        answer = client.get(path)
        if answer.status_code != 200:
            raise SystemExit(f"{path} answered {answer.status_code}")
    cpu = []
    for _ in range(batches):
        started = time.process_time()
        for _ in range(requests):
            client.get(path)
        cpu.append((time.process_time() - started) * 1000 / requests)
    cpu.sort()
    statements: list[str] = []
    record = lambda *_args: statements.append("")  # noqa: E731 - one line, one use
    event.listen(engine, "before_cursor_execute", record)
    profiler = cProfile.Profile()
    profiler.enable()
    client.get(path)
    profiler.disable()
    event.remove(engine, "before_cursor_execute", record)
    if profile is not None:
        profiler.dump_stats(profile / f"{path.strip('/').replace('/', '_') or 'home'}.prof")
    calls = pstats.Stats(profiler).total_calls  # type: ignore[attr-defined]
    return (f"CPU/request min {cpu[0]:6.2f} ms, median {cpu[len(cpu) // 2]:6.2f} ms; {calls:,} Python calls; "
            f"{len(statements)} statements; {len(answer.data):,} bytes")


#: Where a function's own time is counted by ``--by-part``: the first pattern its file name contains.
PARTS = (("the database driver (psycopg)", ("/psycopg/",)),
         ("SQLAlchemy (statements, ORM loading)", ("/sqlalchemy/",)),
         ("Jinja and the templates (rendering, escaping)", ("/jinja2/", "/markupsafe/", "/templates/")),
         ("Flask, Werkzeug, Flask-Login, Flask-WTF, Flask-Babel (the request pipeline)",
          ("/flask", "/werkzeug/", "/itsdangerous/", "/babel/", "/wtforms/", "/engineio/", "/limits/")),
         ("the platform's own code (cmc)", ("/cmc/",)),
         ("other libraries (Redis client, marshmallow...)", ("site-packages",)),
         ("Python's standard library and built-ins", ("/lib/python3", "~", "{", "<")))


def by_part(client: Any, path: str, requests: int = 50) -> list[tuple[str, float]]:
    """Where one page's CPU goes: the profiled functions' own CPU time (no double counting) summed by
    :data:`PARTS`, as shares of the total, over ``requests`` requests."""
    for _ in range(3):
        client.get(path)
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    totals: dict[str, float] = {}
    for (filename, _line, _name), (_calls, _primitive, own, _cumulative, _callers) in \
            pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
        part = next((name for name, marks in PARTS if any(mark in filename for mark in marks)), "other")
        totals[part] = totals.get(part, 0.0) + own
    whole = sum(totals.values()) or 1.0
    return sorted(((part, own / whole) for part, own in totals.items()), key=lambda item: -item[1])


def main() -> None:
    """Measure every main page and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--profile", type=Path, default=None, help="write each page's cProfile stats here")
    parser.add_argument("--api", action="store_true", help="the JSON API's lists instead of the pages")
    parser.add_argument("--by-part", action="store_true",
                        help="where each page's CPU goes: driver, SQLAlchemy, Jinja, the Flask pipeline, the platform")
    parser.add_argument("--page", action="append", default=[], metavar="NAME=PATH",
                        help="measure these pages instead ({slug}: the member's network)")
    args = parser.parse_args()
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    email, pages = _pages(os.environ["CMC_DATABASE_URL"], api=args.api)
    if args.page:
        slug = pages["workspace"].rsplit("/", 1)[-1]
        pages = dict(page.replace("{slug}", slug).split("=", 1) for page in args.page)
    from cmc import create_app
    from cmc.extensions import db

    app = create_app()
    with app.app_context():
        engine = db.engine
    client = _signed_in(app, email)
    for name, path in pages.items():
        print(f"{name:<14} {measure(client, engine, path, args.requests, args.batches, args.profile)}", flush=True)
        if args.by_part:
            for part, share in by_part(client, path):
                print(f"    {share:6.1%}  {part}", flush=True)


if __name__ == "__main__":
    main()
