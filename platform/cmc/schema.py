"""Which schema revision the database is at, against the revision this code was written for (the Alembic head
of ``migrations/``), and the refusal to serve or write on any other.

Found by the outside review: ``cmc serve`` and gunicorn answered ``/healthz`` 200 on a database one revision
behind the code (then 500 on the alert pages) and on one stamped with a revision the code does not know. So
every entry point that serves or writes asks :func:`require_current_schema` first (the ``cmc`` commands through
``cli.guard_commands``, gunicorn through ``cmc.wsgi``), and ``/healthz`` reports :func:`schema_state` on every
probe, answering 503 when someone changed the schema under a running server.

``create_app`` does not check: ``cmc db upgrade`` builds an app on the very database it is about to migrate, and
the test suite builds its schemas with ``create_all`` (its fixture stamps them with the head, which is what they
are: ``tests/integration/test_migrations.py`` proves that the migrations and the models agree).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class SchemaMismatch(RuntimeError):
    """The database is not at the code's revision; the message says what the operator should run."""


@functools.cache
def script_directory() -> ScriptDirectory:
    """The migrations of this code (``migrations/versions``), parsed once per process."""
    # Parsed once per process (the ten revision files: 25 ms here, the models being imported already); the
    # code cannot change under a running process.
    return ScriptDirectory(str(MIGRATIONS))


def code_heads() -> tuple[str, ...]:
    """The revision(s) this code expects: the head(s) of ``migrations/versions``."""
    return tuple(sorted(script_directory().get_heads()))


@functools.cache
def known_revisions() -> frozenset[str]:
    """Every revision this code has a migration for."""
    return frozenset(script.revision for script in script_directory().walk_revisions())


@dataclass(frozen=True)
class SchemaState:
    """The database's revision(s) against the code's, and what that means.

    ``status`` is ``current`` (the code's head), ``behind`` (an older revision of this code: upgrade),
    ``unknown`` (a revision this code has no migration for: the database was migrated by newer code),
    ``unversioned`` (tables but no revision: not made by ``cmc db upgrade``) or ``empty`` (no tables at all).
    """

    database: tuple[str, ...]
    code: tuple[str, ...]
    status: str

    @property
    def current(self) -> bool:
        """Whether the database is at exactly the code's head."""
        return self.status == "current"

    def message(self) -> str:
        """What is wrong and what to run, for an operator; empty when current."""
        database = ", ".join(self.database) or "none"
        code = ", ".join(self.code)
        messages = {
            "behind": f"The database schema is at revision {database} but this code needs {code}. Back it up "
                      "(`cmc backup DEST`), run `cmc db upgrade`, then start again.",
            "unknown": f"The database schema is at revision {database}, which this code does not know (it needs "
                       f"{code}): the code is older than the database, which newer code has migrated. Deploy the "
                       "newer code, or restore a backup made with this version (`cmc restore SRC`); never serve "
                       "this database with this code.",
            "unversioned": "The database has tables but no schema revision, so it was not made by `cmc db "
                           f"upgrade` and its version cannot be told (this code needs {code}). Restore a backup "
                           "(`cmc restore SRC`) or start from an empty database.",
            "empty": f"The database is empty. Run `cmc db upgrade` to create the schema ({code}), then start again.",
        }
        return messages.get(self.status, "")


def state_of(connection: Connection) -> SchemaState:
    """Compare the revision recorded in the database (``alembic_version``) with the code's head."""
    database = tuple(sorted(MigrationContext.configure(connection).get_current_heads()))
    code = code_heads()
    if database == code:
        status = "current"
    elif not database:
        tables = set(inspect(connection).get_table_names()) - {"alembic_version"}
        status = "unversioned" if tables else "empty"
    elif set(database) <= known_revisions():
        status = "behind"  # history is linear: a known revision that is not the head is an older one
    else:
        status = "unknown"
    return SchemaState(database=database, code=code, status=status)


def schema_state(app: Flask) -> SchemaState:
    """The schema state of ``app``'s database, read on a connection of its own (one small query)."""
    from cmc.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        return state_of(connection)


def require_current_schema(app: Flask) -> SchemaState:
    """Raise :class:`SchemaMismatch` with what to run unless the database is at the code's head."""
    state = schema_state(app)
    if not state.current:
        raise SchemaMismatch(state.message())
    return state
