# ruff: noqa: S608 - every statement is built from constants of this module; values are bound parameters
"""The throughput reference of the page benchmark: a bare Flask app that runs the same four indexed queries each of
the platform's pages runs for its content, on the same database, and renders them with one small Jinja string.

No Flask-Login, no server-side session lookup, no CSRF, no Babel, no permission checks, no templates on disk:
what is left is Flask, psycopg, PostgreSQL and Jinja, i.e. the floor a page of this shape cannot go below on this
machine. It is served by gunicorn with the platform's page configuration (``deploy/gunicorn-pages.conf.py``,
same worker count) by :func:`tests.perf.harness.running_gunicorn`, e.g.::

    CMC_REF_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/cmc_bench_s1 CMC_REF_ACCOUNT_ID=12 \\
    CMC_REF_PARTY_ID=3 CMC_REF_NETWORK_ID=3 gunicorn -c deploy/gunicorn-pages.conf.py tests.perf.reference_app:app

The person and network the queries are for come from the environment (the same account the platform benchmark
signs in as). The SQL is the SQL the platform's services emit for those pages (captured from SQLAlchemy; keep it in step
when a service's query changes), with the same filters, joins, orderings and limits, without the extra statements
that load what each row shows (alert infos, network, party):

* ``/`` (home): recent activity in my networks (15), active alerts my party has not acknowledged (10), upcoming
  meetings (5), open action items (10).
* ``/alerts``: active alerts (100), the first history page (26), and the navigation's two figures: the count of
  unacknowledged active alerts and the newest alert id.
* ``/networks/<slug>`` (workspace): the first page of threads with my last visit (21), the network's activity (8),
  members by party (40), the latest documents I may read (5).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from typing import Any

import psycopg
from flask import Flask, abort, render_template_string

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head><body>
<h1>{{ title }}</h1>{% for name, rows in sections %}<section><h2>{{ name }} ({{ rows|length }})</h2><ul>
{% for row in rows %}<li>{% for value in row %}{{ value }}{% if not loop.last %} &middot; {% endif %}{% endfor %}</li>
{% endfor %}</ul></section>{% endfor %}</body></html>"""

READABLE_ALERT = ("alerts.state = 'published' AND alerts.network_id IN "
                  "(SELECT memberships.network_id FROM memberships WHERE memberships.account_id = %(account)s)")
ACTIVE_ALERT = "alerts.active_until > %(now)s"
NOT_ACKNOWLEDGED = ("NOT (EXISTS (SELECT * FROM alert_receipts WHERE alert_receipts.alert_id = alerts.id "
                    "AND alert_receipts.party_id = %(party)s AND alert_receipts.acknowledged_at IS NOT NULL))")
MY_NETWORKS = "(SELECT memberships.network_id FROM memberships WHERE memberships.account_id = %(account)s)"
ALERT_COLUMNS = ("alerts.id, alerts.network_id, alerts.identifier, alerts.author_id, alerts.party_id, alerts.state, "
                 "alerts.status, alerts.msg_type, alerts.references_id, alerts.restriction, alerts.note, "
                 "alerts.review_comment, alerts.idempotency_key, alerts.ack_within_minutes, alerts.created_at, "
                 "alerts.published_at, alerts.approved_by_id, alerts.superseded_by_id, alerts.cancelled_at, "
                 "alerts.active_until, alerts.overdue_notified_at")

HOME = (
    ("Latest activity",
     "SELECT activities.id, activities.verb, activities.summary, activities.at FROM activities "
     f"WHERE activities.network_id IN {MY_NETWORKS} ORDER BY activities.id DESC LIMIT 15"),
    ("Alerts waiting for my party",
     f"SELECT {ALERT_COLUMNS} FROM alerts WHERE {READABLE_ALERT} AND {ACTIVE_ALERT} AND {NOT_ACKNOWLEDGED} "
     "ORDER BY alerts.id DESC LIMIT 10"),
    ("Upcoming meetings",
     "SELECT meetings.id, meetings.title, meetings.start_date, meetings.end_date, meetings.city FROM meetings "
     "WHERE meetings.status != 'draft' AND (meetings.network_id IS NULL OR meetings.network_id IN "
     f"{MY_NETWORKS}) AND meetings.end_date >= %(today)s ORDER BY meetings.start_date, meetings.id "
     "LIMIT 5"),
    ("Open actions",
     "SELECT action_items.id, action_items.title, action_items.due_date, action_items.status FROM action_items "
     "WHERE action_items.status != 'done' AND (action_items.owner_party_id = %(party)s OR "
     f"action_items.owner_network_id IN {MY_NETWORKS}) ORDER BY action_items.due_date IS NULL, "
     "action_items.due_date, action_items.id LIMIT 10"),
)

ALERTS = (
    ("Active alerts",
     f"SELECT {ALERT_COLUMNS} FROM alerts WHERE {READABLE_ALERT} AND {ACTIVE_ALERT} "
     "ORDER BY alerts.id DESC LIMIT 100"),
    ("History",
     f"SELECT {ALERT_COLUMNS} FROM alerts WHERE {READABLE_ALERT} AND NOT ({ACTIVE_ALERT}) "
     "ORDER BY alerts.id DESC LIMIT 26 OFFSET 0"),
    ("Waiting",
     f"SELECT count(*) FROM alerts WHERE {READABLE_ALERT} AND {ACTIVE_ALERT} AND {NOT_ACKNOWLEDGED}"),
    ("Newest", f"SELECT alerts.id FROM alerts WHERE {READABLE_ALERT} ORDER BY alerts.id DESC LIMIT 1"),
)

WORKSPACE = (
    ("Threads",
     "SELECT threads.id, threads.title, threads.body_html, threads.last_activity_at, threads.reply_count, "
     "threads.pinned_at, thread_visits.seen_at FROM threads LEFT OUTER JOIN thread_visits ON "
     "thread_visits.thread_id = threads.id AND thread_visits.account_id = %(account)s "
     "WHERE threads.network_id = %(network)s AND threads.deleted_at IS NULL "
     "ORDER BY threads.pinned_at IS NULL, threads.pinned_at DESC, threads.last_activity_at DESC, threads.id DESC "
     "LIMIT 21 OFFSET 0"),
    ("Activity",
     "SELECT activities.id, activities.verb, activities.summary, activities.at FROM activities "
     "WHERE activities.network_id = %(network)s ORDER BY activities.id DESC LIMIT 8"),
    ("Members",
     "SELECT accounts.id, accounts.name, accounts.title, memberships.role, parties.code, parties.name "
     "FROM accounts JOIN memberships ON memberships.account_id = accounts.id "
     "JOIN parties ON parties.id = accounts.party_id WHERE memberships.network_id = %(network)s "
     "ORDER BY parties.name, accounts.name, accounts.id LIMIT 40"),
    ("Latest documents",
     "SELECT documents.id, documents.title, documents.kind, documents.updated_at FROM documents "
     f"WHERE (documents.audience = 'network' AND documents.network_id IN {MY_NETWORKS} "
     "OR documents.audience = 'all' OR documents.audience = 'named' AND (documents.id IN "
     "(SELECT document_parties.document_id FROM document_parties WHERE document_parties.party_id = %(party)s) "
     "OR documents.owner_party_id = %(party)s)) AND documents.network_id = %(network)s "
     "ORDER BY documents.updated_at DESC, documents.id DESC LIMIT 5"),
)

app = Flask(__name__)
_connection: dict[str, psycopg.Connection[Any]] = {}


def _db() -> psycopg.Connection[Any]:
    """One connection per worker process (a sync worker serves one request at a time), opened after the fork."""
    connection = _connection.get("db")
    if connection is None or connection.closed:
        url = os.environ["CMC_REF_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        connection = psycopg.connect(url, autocommit=True)
        _connection["db"] = connection
    return connection


def _params() -> dict[str, Any]:
    return {"account": int(os.environ["CMC_REF_ACCOUNT_ID"]), "party": int(os.environ["CMC_REF_PARTY_ID"]),
            "network": int(os.environ["CMC_REF_NETWORK_ID"]),
            "now": datetime.now(UTC).replace(tzinfo=None), "today": date.today()}


def _render(title: str, queries: tuple[tuple[str, str], ...]) -> str:
    params = _params()
    connection = _db()
    sections = [(name, connection.execute(sql, params).fetchall()) for name, sql in queries]  # type: ignore[arg-type]
    return render_template_string(PAGE, title=title, sections=sections)


@app.get("/")
def home() -> str:
    """Home: the four queries of the platform's home page."""
    return _render("Home", HOME)


@app.get("/alerts")
def alerts() -> str:
    """The alerts list: active, history, and the navigation's two figures."""
    return _render("Alerts", ALERTS)


@app.get("/networks/<slug>")
def workspace(slug: str) -> str:
    """A network's workspace (the network itself comes from the environment, like the person)."""
    if not slug:
        abort(404)
    return _render(f"Network {slug}", WORKSPACE)


@app.get("/healthz")
def healthz() -> dict[str, str]:
    """Ready when the database answers."""
    _db().execute("SELECT 1")
    return {"database": "ok"}
