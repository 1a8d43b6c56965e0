"""The fixed costs of a page: reads of a safe request run without a transaction (its writes still commit, all
or nothing), a connection that died between two requests is replaced without an error page, and the session,
its account and the second-factor state are read in one statement."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select, update

from cmc.database import read_without_transaction, write_transaction
from cmc.extensions import db
from cmc.models import Account, AuditEvent, AuthSession, Membership, NetworkRole
from cmc.models.types import utcnow
from cmc.services import documents
from cmc.uploads import CheckedFile
from tests.conftest import MEMBER_NETWORK, POSTGRES_URL, csrf_from


class Statements:
    """What the app sends to the database while the block runs: statements, and the transactions begun on
    connections that are not autocommit (on SQLite the platform's own BEGIN is a statement too)."""

    def __init__(self, app: Flask) -> None:
        with app.app_context():
            self.engine = db.engine
        self.sql: list[str] = []
        self.begun: list[str] = []

    def _statement(self, connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        self.sql.append(" ".join(statement.split()))

    def _begin(self, connection: Any) -> None:
        if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            self.begun.append("BEGIN")

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "begin", self._begin)
        return self

    def __exit__(self, *_exc: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "begin", self._begin)

    def transactions(self, backend: str) -> int:
        """Transactions the database saw."""
        if backend == "sqlite":
            return sum(1 for s in self.sql if s.startswith("BEGIN"))
        return len(self.begun)


def test_a_page_reads_without_a_transaction(app, backend, signed_in, network_member, sign_in):
    client = app.test_client()
    sign_in(client, network_member)
    client.get("/")  # the session's "last seen" was just written at sign-in: no touch on the next pages
    for path in ("/", "/alerts", f"/networks/{MEMBER_NETWORK}"):
        with Statements(app) as seen:
            assert client.get(path).status_code == 200
        assert seen.sql, path
        assert seen.transactions(backend) == 0, (path, seen.sql[:3])


def test_a_post_still_writes_in_one_transaction(app, backend, network_member, sign_in):
    client = app.test_client()
    sign_in(client, network_member)
    page = client.get("/settings/").get_data(as_text=True)
    with Statements(app) as seen:
        answer = client.post("/settings/profile", data={"csrf_token": csrf_from(page), "name": "Ana",
                                                        "language": "fr", "timezone": "America/Jamaica"})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    assert seen.transactions(backend) >= 1
    assert db.session.get(Account, network_member.id).language == "fr"


def test_writes_of_a_get_are_committed(app, backend, network_member, sign_in):
    """A GET that writes (the session's "last seen", the audit of an alert read) commits what it wrote."""
    client = app.test_client()
    sign_in(client, network_member)
    long_ago = utcnow() - timedelta(minutes=5)
    db.session.execute(update(AuthSession).values(last_seen_at=long_ago))
    db.session.commit()
    with Statements(app) as seen:
        assert client.get("/").status_code == 200
    assert seen.transactions(backend) == 1  # the touch, and only the touch
    db.session.expire_all()
    assert db.session.scalar(select(AuthSession.last_seen_at)) > long_ago + timedelta(minutes=4)
    denied_before = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    assert client.get("/admin/").status_code in (403, 404)  # a denial is audited by the GET itself
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == denied_before + 1


def test_a_write_outside_write_transaction_is_refused_during_a_safe_request(app, network_member):
    member_id = network_member.id
    with app.test_request_context("/", method="GET"):
        read_without_transaction()
        with pytest.raises(RuntimeError, match="write_transaction"):
            db.session.execute(update(Account).where(Account.id == member_id).values(title="changed"))
        db.session.rollback()
        with write_transaction():
            db.session.execute(update(Account).where(Account.id == member_id).values(title="kept"))
        assert db.session.scalar(select(Account.title).where(Account.id == member_id)) == "kept"
        db.session.remove()
    db.session.expire_all()
    assert db.session.get(Account, member_id).title == "kept"


def test_a_failed_write_of_a_get_leaves_nothing(app, network_member):
    """write_transaction inside a safe request is still all or nothing."""
    member_id = network_member.id
    with app.test_request_context("/", method="GET"):
        read_without_transaction()
        with pytest.raises(ZeroDivisionError), write_transaction():
            db.session.execute(update(Account).where(Account.id == member_id).values(title="half"))
            raise ZeroDivisionError
        db.session.remove()
    db.session.expire_all()
    assert db.session.get(Account, member_id).title != "half"


def test_session_account_and_second_factor_in_one_statement(app, network_member, make_account, sign_in):
    client = app.test_client()
    sign_in(client, network_member)
    client.get("/")
    with Statements(app) as seen:
        assert client.get("/settings/").status_code == 200
    before_view = [s for s in seen.sql if "auth_sessions" in s or "memberships.role" in s
                   or s.startswith("SELECT accounts.")]
    assert len(before_view) == 1, before_view
    # A coordinator without a second factor is still sent to enrol: the flag the statement read is used.
    db.session.execute(update(Membership).where(Membership.account_id == network_member.id)
                       .values(role=NetworkRole.COORDINATOR))
    db.session.commit()
    answer = client.get("/alerts")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/settings/security")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_dead_connection_between_two_requests_is_replaced(app, backend, network_member, sign_in, method):
    if backend != "postgres":
        pytest.skip("terminating backends is PostgreSQL's")
    client = app.test_client()
    sign_in(client, network_member)
    assert client.get("/alerts").status_code == 200
    db.session.remove()
    import psycopg

    # A connection of its own, outside the pool: the pooled ones are the ones to kill.
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        killed = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()
    assert killed is not None and killed[0] >= 1
    if method == "GET":
        answer = client.get("/alerts")
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    else:
        # Failing in the gate (the session's statement), before the view: answered once more as well.
        answer = client.post("/sign-out", data={"csrf_token": "wrong"})
        assert answer.status_code == 400  # the CSRF refusal, not a 500
    assert client.get("/").status_code == 200


def test_the_pool_does_not_ping(app, backend):
    with app.app_context():
        pool = db.engine.pool
    assert not getattr(pool, "_pre_ping", False)
    if backend == "postgres":
        assert pool._recycle == 1800


def test_a_network_page_reads_its_network_and_the_roles_once(app, network_member, sign_in):
    """The gate and the view both ask for the network and the reader's role in it: the network is read once
    (by its slug), the role comes with the session's statement (no membership query of its own)."""
    client = app.test_client()
    sign_in(client, network_member)
    client.get("/")
    for path in (f"/networks/{MEMBER_NETWORK}", f"/networks/{MEMBER_NETWORK}/alerts",
                 f"/networks/{MEMBER_NETWORK}/members"):
        with Statements(app) as seen:
            assert client.get(path).status_code == 200, path
        by_slug = [s for s in seen.sql if s.startswith("SELECT networks.") and "networks.slug =" in s]
        assert len(by_slug) == 1, (path, by_slug)
        assert not [s for s in seen.sql if s.startswith("SELECT memberships.role FROM memberships")], path


def test_roles_read_with_the_session_follow_a_removal_at_the_next_request(app, network_member, sign_in):
    client = app.test_client()
    sign_in(client, network_member)
    assert client.get(f"/networks/{MEMBER_NETWORK}").status_code == 200
    db.session.execute(db.delete(Membership).where(Membership.account_id == network_member.id))
    db.session.commit()
    assert client.get(f"/networks/{MEMBER_NETWORK}").status_code == 404
    assert client.get(f"/networks/{MEMBER_NETWORK}/alerts").status_code == 404


def test_what_the_gate_read_is_not_read_again_by_the_view(app, network_member, sign_in):
    """The gate holds what it looked up (the identity map alone keeps objects weakly): the view of a document
    reads the document once."""
    content = b"%PDF-1.4 route report"
    temp = Path(app.config["UPLOAD_DIR"], "tmp", "upload-route-report")
    temp.parent.mkdir(parents=True, exist_ok=True)
    temp.write_bytes(content)
    checked = CheckedFile(temp_path=temp, original_filename="route-report.pdf", extension="pdf",
                          content_type="application/pdf", size=len(content), sha256=hashlib.sha256(content).hexdigest())
    document = documents.upload(network_member, MEMBER_NETWORK, documents.DocumentInput(title="Route report"),
                                checked)
    path = f"/documents/{document.id}"  # read here: the test's own session must not count below
    client = app.test_client()
    sign_in(client, network_member)
    client.get(path)
    with Statements(app) as seen:
        assert client.get(path).status_code == 200
    reads = [s for s in seen.sql if s.startswith("SELECT documents.") and "documents.id =" in s]
    assert len(reads) == 1, "\n".join(s[:90] for s in seen.sql)
