"""SQLite commits reach the disk before they return (``synchronous=FULL``): a published alert survives a power
cut. The cost is measured by ``tests/perf/sqlite_sync.py`` and written in the README."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from cmc.extensions import db


def test_every_sqlite_connection_runs_with_full_synchronous_in_wal_mode(app, backend):
    if backend != "sqlite":
        pytest.skip("a SQLite setting")
    db.session.remove()
    db.engine.dispose()
    with db.engine.connect() as first, db.engine.connect() as second:  # two pooled connections, each set up
        for connection in (first, second):
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
