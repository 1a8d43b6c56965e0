"""Migrations build the schema on SQLite and PostgreSQL, match the models, and go back down cleanly."""

from __future__ import annotations

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError, SAWarning

from cmc.extensions import db
from cmc.models.document import FTS_OBJECTS


def _fts_object(change) -> bool:
    # ("remove_index", Index) names the object second; ("remove_column", schema, table, Column) last.
    if not isinstance(change, tuple) or len(change) < 2:
        return False
    candidates = (change[1], change[-1])
    return any((getattr(obj, "name", "") or "").startswith(FTS_OBJECTS) for obj in candidates)


def _empty(app):
    db.session.remove()
    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _party_account_network(conn, now):
    """The rows every alert written by hand in these tests needs: party 1, its account 1, network 1."""
    conn.execute(text("INSERT INTO parties (id, code, name, kind, status, languages, founding) "
                      "VALUES (1, 'JM', 'Jamaica', 'state', 'member', 'en', false)"))
    conn.execute(text("INSERT INTO accounts (id, email, name, title, party_id, role, active, language, timezone, "
                      "created_at) VALUES (1, 'c@gov.jm', 'C', '', 1, 'delegate', true, 'en', 'UTC', :now)"),
                 {"now": now})
    conn.execute(text("INSERT INTO networks (id, slug, name, description, charter, kind, alerts_enabled, "
                      "created_at) VALUES (1, 'ms', 'MS', '', '', 'thematic_network', true, :now)"), {"now": now})


def test_upgrade_matches_the_models_and_downgrades(app):
    _empty(app)
    upgrade()
    with db.engine.connect() as conn, warnings.catch_warnings():
        # Alembic cannot reflect SQLite expression indexes and says so; the index is checked below.
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", SAWarning)
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    # The full-text search objects are made by hand-written DDL on purpose; the search tests cover them.
    diff = [d for d in diff if not _fts_object(d)]
    assert diff == [], f"models and migrations differ: {diff}"
    with db.engine.connect() as conn:
        # The case-insensitive unique email index exists: a second "same" email is refused.
        conn.execute(text("INSERT INTO parties (code, name, kind, status, languages, founding) "
                          "VALUES ('JM', 'Jamaica', 'state', 'member', 'en', false)"))
        party_id = conn.execute(text("SELECT id FROM parties")).scalar()
        insert = text("INSERT INTO accounts (email, name, title, party_id, role, active, language, timezone, "
                      "created_at) VALUES (:e, 'A', '', :p, 'delegate', true, 'en', 'UTC', CURRENT_TIMESTAMP)")
        conn.execute(insert, {"e": "Ana@Gov.jm", "p": party_id})
        with pytest.raises(IntegrityError):
            conn.execute(insert, {"e": "ana@gov.JM", "p": party_id})
        conn.rollback()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    db.create_all()  # leave the schema the fixture expects


def test_0008_backfills_active_until_from_the_alerts_already_there(app):
    """Alerts written before 0008 get the right ``active_until``: their earliest expiry, 9999-12-31 without one,
    and a past moment when superseded, cancelled or a Cancel message."""
    from datetime import UTC, datetime, timedelta

    from cmc.models.alert import NEVER

    _empty(app)
    upgrade(revision="0007_minutes")
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    soon, earlier = now + timedelta(days=2), now + timedelta(days=1)
    with db.engine.begin() as conn:
        _party_account_network(conn, now)
        alert = text("INSERT INTO alerts (id, network_id, identifier, author_id, party_id, state, status, msg_type, "
                     "restriction, note, review_comment, ack_within_minutes, created_at, published_at, "
                     "superseded_by_id, cancelled_at) VALUES (:id, 1, :ident, 1, 1, 'published', 'Actual', :kind, "
                     "'', '', '', 60, :at, :at, :superseded, :cancelled)")
        rows = [(1, "Alert", None, None), (2, "Alert", None, None), (3, "Alert", 4, None), (4, "Update", None, None),
                (5, "Alert", 6, now), (6, "Cancel", None, None)]
        for ident, kind, superseded, cancelled in rows:
            conn.execute(alert, {"id": ident, "ident": f"a{ident}", "kind": kind, "at": now - timedelta(hours=ident),
                                 "superseded": superseded, "cancelled": cancelled})
        info = text("INSERT INTO alert_infos (alert_id, language, category, event, urgency, severity, certainty, "
                    "headline, description, instruction, expires, area_desc, geocodes, circle, polygon) VALUES "
                    "(:alert, 'en', 'Security', 'e', 'Expected', 'Minor', 'Likely', 'h', '', '', :expires, '', "
                    "'[]', '', '')")
        for alert_id, expires in [(1, soon), (1, earlier), (2, None), (3, soon), (4, soon), (5, None), (6, None)]:
            conn.execute(info, {"alert": alert_id, "expires": expires})
    upgrade()
    with db.engine.connect() as conn:
        found = dict(conn.execute(text("SELECT id, active_until FROM alerts ORDER BY id")).all())
    as_naive = {k: (v if isinstance(v, datetime) else datetime.fromisoformat(v)).replace(tzinfo=None)
                for k, v in found.items()}
    assert as_naive[1] == earlier  # the earliest of its infos' expiries
    assert as_naive[2] == NEVER.replace(tzinfo=None)  # no expiry
    assert as_naive[4] == soon  # the current update
    assert as_naive[3] <= now and as_naive[5] <= now and as_naive[6] <= now  # superseded, cancelled, a Cancel
    # Rebuilding a table on SQLite (a batch migration) must not cascade into the rows that refer to it.
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alert_infos")).scalar() == 7
    db.session.remove()
    downgrade(revision="base")
    db.create_all()  # leave the schema the fixture expects


def test_0013_keeps_the_first_block_of_a_language_current_and_builds_its_index(app):
    """Two blocks of one language written before 0013: the first stays current, the second becomes history, and
    the index that keeps one current block per language is built (it refused the upgrade before)."""
    from datetime import UTC, datetime

    _empty(app)
    upgrade(revision="0012_account_timezone_confirmed")
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    with db.engine.begin() as conn:
        _party_account_network(conn, now)
        conn.execute(text("INSERT INTO alerts (id, network_id, identifier, author_id, party_id, state, status, "
                          "msg_type, restriction, note, review_comment, ack_within_minutes, created_at, published_at, "
                          "active_until) VALUES (1, 1, 'a1', 1, 1, 'published', 'Actual', 'Alert', '', '', '', 60, "
                          ":now, :now, :now)"), {"now": now})
        for language in ("en", "en", "fr"):
            conn.execute(text("INSERT INTO alert_infos (alert_id, language, category, event, urgency, severity, "
                              "certainty, headline, description, instruction, area_desc, geocodes, circle, polygon) "
                              "VALUES (1, :language, 'Security', 'e', 'Expected', 'Minor', 'Likely', 'h', '', '', '', "
                              "'[]', '', '')"), {"language": language})
    upgrade()
    with db.engine.connect() as conn:
        blocks = conn.execute(text("SELECT language, replaced_at IS NULL FROM alert_infos ORDER BY id")).all()
    assert [(language, bool(current)) for language, current in blocks] == [("en", True), ("en", False), ("fr", True)]
    with db.engine.begin() as conn, pytest.raises(IntegrityError):
        conn.execute(text("UPDATE alert_infos SET replaced_at = NULL"))
    db.session.remove()
    downgrade(revision="base")
    db.create_all()  # leave the schema the fixture expects
