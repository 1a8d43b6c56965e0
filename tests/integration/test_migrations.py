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
