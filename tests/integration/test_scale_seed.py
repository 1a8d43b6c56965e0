"""``cmc seed --scale N``: the benchmark data generator, run for real as a subprocess against the test's
database (SQLite, and PostgreSQL when ``CMC_TEST_DATABASE_URL`` is set)."""

from __future__ import annotations

import hashlib
import os
import random
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, current_app
from sqlalchemy import func, select

from cmc.devtools import scale_seed
from cmc.extensions import db
from cmc.models import (
    Account,
    AgendaItem,
    AgendaVersion,
    Alert,
    AlertInfo,
    AlertReceipt,
    AlertState,
    Document,
    DocumentText,
    DocumentVersion,
    Meeting,
    Membership,
    MsgType,
    Network,
    NetworkRole,
    Party,
    Reply,
    Thread,
)
from cmc.services import audit, markup, search
from cmc.services import documents as document_service
from cmc.services.extract import extract_text, limits_from_config, read_trusted
from cmc.services.passwords import verify_password
from tests import cmc_fork

CMC = str(Path(sys.executable).with_name("cmc"))
SCALE = "0.005"  # 5 accounts, 3 networks, 50 threads, 100 documents, 500 alerts, 2 meetings


@pytest.fixture
def cmc(app: Flask):
    """Run ``cmc`` in a subprocess on the test app's own database and upload folder."""
    env = {**os.environ, "CMC_INSTANCE_PATH": app.instance_path, "CMC_SECRET_KEY": secrets.token_urlsafe(40),
           "CMC_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "CMC_UPLOAD_DIR": app.config["UPLOAD_DIR"]}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        db.session.remove()  # no open transaction of ours while the command writes
        return cmc_fork.run(CMC, list(args), env=env, cwd=Path.cwd(), input_text=None, timeout=120)

    return run


def count(model: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def table_counts() -> dict[str, int]:
    return {table.name: int(db.session.scalar(select(func.count()).select_from(table)) or 0)
            for table in db.metadata.sorted_tables}


def test_scale_seed_fills_an_empty_database(app, cmc):
    result = cmc("seed", "--scale", SCALE)
    assert result.returncode == 0, result.stderr
    assert "Scale seed 0.005 done" in result.stdout
    assert scale_seed.SCALE_PASSWORD in result.stdout and "member0001@scale.cmc.test" in result.stdout

    expected = scale_seed.plan(float(SCALE))
    assert count(Party) == 27
    assert count(Account) == expected.accounts == 5
    assert count(Network) == expected.networks == 3
    assert count(Thread) == expected.threads == 50
    assert count(Document) == expected.documents == 100
    assert count(DocumentText) == 100
    assert count(Alert) == count(AlertInfo) == expected.alerts == 500
    assert count(Meeting) == expected.meetings == 2
    assert count(AgendaItem) > 0 and count(Reply) > 0

    # Every account is in the big network; member0001 is a plain member everywhere and signs in with the password.
    big = db.session.scalar(select(Network).where(Network.slug == scale_seed.BIG_NETWORK))
    assert db.session.scalar(select(func.count()).select_from(Membership).where(Membership.network_id == big.id)) == 5
    first = db.session.scalar(select(Account).where(Account.email == scale_seed.email_of(1)))
    assert first is not None and first.totp_secret is None
    assert verify_password(first.password_hash, scale_seed.SCALE_PASSWORD)
    roles = set(db.session.scalars(select(Membership.role).where(Membership.account_id == first.id)))
    assert roles == {NetworkRole.MEMBER}
    assert db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.account_id == first.id)) == 3
    coordinators = db.session.scalars(select(Account).join(Membership, Membership.account_id == Account.id)
                                      .where(Membership.role == NetworkRole.COORDINATOR)).all()
    assert coordinators and all(a.totp_secret == scale_seed.SCALE_TOTP_SECRET for a in coordinators)

    # Acknowledgements: two to six parties per published alert, by accounts of that party.
    published = db.session.scalar(select(func.count()).select_from(Alert).where(
        Alert.state == AlertState.PUBLISHED))
    receipts = db.session.execute(select(AlertReceipt.alert_id, AlertReceipt.party_id, Account.party_id)
                                  .join(Account, Account.id == AlertReceipt.acknowledged_by_id)).all()
    per_alert: dict[int, int] = {}
    for alert_id, party_id, acker_party in receipts:
        assert party_id == acker_party
        per_alert[alert_id] = per_alert.get(alert_id, 0) + 1
    assert len(per_alert) == published and all(2 <= n <= 6 for n in per_alert.values())
    # About three years of alerts, and no storm of overdue reminders waiting to happen.
    times = db.session.execute(select(func.min(Alert.published_at), func.max(Alert.published_at))).one()
    assert (times[1] - times[0]).days > 2 * 365
    assert db.session.scalar(select(func.count()).select_from(Alert).where(
        Alert.state == AlertState.PUBLISHED, Alert.overdue_notified_at.is_(None))) <= 1
    # Updates and cancellations point at earlier alerts of their network.
    for alert in db.session.scalars(select(Alert).where(Alert.msg_type != MsgType.ALERT)):
        assert alert.references is not None and alert.references.id < alert.id
        assert alert.references.network_id == alert.network_id
        assert alert.references.superseded_by_id is not None

    # Published agendas are frozen exactly as the meetings service would snapshot them.
    from cmc.services import meetings

    for version in db.session.scalars(select(AgendaVersion)):
        meeting = db.session.get(Meeting, version.meeting_id)
        assert meetings.snapshot(meeting) == version.items

    report = audit.verify_chain()
    assert report.ok and report.rows >= 3
    verify = cmc("audit", "verify")
    assert verify.returncode == 0 and "intact" in verify.stdout


def test_documents_are_real_files_hashed_and_searchable(app, cmc):
    assert cmc("seed", "--scale", SCALE).returncode == 0
    storage = app.extensions["cmc_storage"]
    versions = db.session.scalars(select(DocumentVersion)).all()
    assert len(versions) >= 100
    assert {v.extension for v in versions} <= {"txt", "pdf", "docx"} and "txt" in {v.extension for v in versions}
    for version in versions:
        data = storage.path(version.storage_key).read_bytes()
        assert hashlib.sha256(data).hexdigest() == version.sha256
        assert len(data) == version.size
        assert version.storage_key[:2] == storage.path(version.storage_key).parent.name

    # The index holds the current version's words, exactly as the upload path extracts them: the same reader
    # in this process for every document, and the upload's child process for one file of each kind.
    documents = db.session.scalars(select(Document).order_by(Document.id)).all()
    limits = limits_from_config(current_app.config)
    by_kind = {}
    for document in documents:
        current = next(v for v in versions if v.document_id == document.id and v.number == document.current_version)
        row = db.session.get(DocumentText, document.id)
        assert row.title == document.title and row.description == document.description
        assert row.body == read_trusted(storage.path(current.storage_key), current.extension, limits).text
        assert current.text_status == "indexed"
        by_kind.setdefault(current.extension, (current, row.body))
    for current, body in by_kind.values():
        assert extract_text(storage.path(current.storage_key), current.extension).text == body

    # A word that is only in one document's file finds that document, and only it, through the real search.
    pick = random.Random(7).choice(documents)
    token = f"SD{pick.id:06d}"
    assert token.lower() not in (pick.title + pick.description).lower()
    matched = search.matches(token)
    assert matched is not None
    assert list(db.session.scalars(select(matched.c.document_id))) == [pick.id]
    # And through the documents list of member0001, who is in every network.
    member = db.session.scalar(select(Account).where(Account.email == scale_seed.email_of(1)))
    found = db.session.scalars(document_service.list_query(
        member, document_service.DocumentFilter(query=token))).all()
    assert pick in found or pick.audience.value == "named"

    # Bodies stored as HTML are what the Markdown renderer makes of them.
    for thread in db.session.scalars(select(Thread).limit(20)):
        assert thread.body_html == markup.render(thread.body)
    for reply in db.session.scalars(select(Reply).limit(20)):
        assert reply.body_html == markup.render(reply.body)


def test_refuses_a_bad_scale_and_changes_nothing(app, cmc):
    before = table_counts()
    for value in ("0", "-1", "nan"):
        result = cmc("seed", "--scale", value)
        assert result.returncode != 0, value
        assert "greater than 0" in result.stderr
    lone = cmc("seed", "--alerts", "10")
    assert lone.returncode != 0 and "--alerts needs --scale" in lone.stderr
    assert table_counts() == before


def test_refuses_a_database_with_more_than_the_normal_seed(app, cmc):
    assert cmc("seed").returncode == 0  # a freshly seeded database is fine ...
    assert cmc("seed", "--demo").returncode == 0  # ... but not one with accounts in it
    before = table_counts()
    uploads = sorted(Path(app.config["UPLOAD_DIR"]).rglob("*"))
    result = cmc("seed", "--scale", SCALE)
    assert result.returncode == 2
    assert "more than the normal seed" in result.stderr and "accounts" in result.stderr
    assert table_counts() == before
    assert sorted(Path(app.config["UPLOAD_DIR"]).rglob("*")) == uploads


def test_runs_on_a_freshly_seeded_database_and_only_once(app, cmc):
    assert cmc("seed").returncode == 0
    first = cmc("seed", "--scale", SCALE, "--alerts", "7")
    assert first.returncode == 0, first.stderr
    assert count(Alert) == 7 and count(Party) == 27 and count(Document) == 100
    again = cmc("seed", "--scale", SCALE)
    assert again.returncode == 2 and "more than the normal seed" in again.stderr
    assert count(Alert) == 7


def _fingerprint() -> dict[str, Any]:
    """What must be the same on every run (timestamps and ids of the storage aside)."""
    return {
        "accounts": db.session.execute(select(Account.email, Account.name, Account.party_id, Account.role)
                                       .order_by(Account.id)).all(),
        "threads": db.session.execute(select(Thread.title, Thread.body, Thread.reply_count).order_by(Thread.id)).all(),
        "files": db.session.execute(select(DocumentVersion.sha256, DocumentVersion.storage_key)
                                    .order_by(DocumentVersion.id)).all(),
        "alerts": db.session.execute(select(Alert.identifier, Alert.msg_type, Alert.references_id)
                                     .order_by(Alert.id)).all(),
    }


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_same_data_on_every_run_and_alerts_change_alone(app, cmc, tmp_path):
    assert cmc("seed", "--scale", SCALE).returncode == 0
    first = _fingerprint()
    app.extensions["cmc_storage"].root.rename(tmp_path / "uploads-first")  # the second run gets its own folder

    db.session.remove()
    db.drop_all()
    db.create_all()
    assert cmc("seed", "--scale", SCALE).returncode == 0
    assert _fingerprint() == first

    db.session.remove()
    db.drop_all()
    db.create_all()
    app.extensions["cmc_storage"].root.rename(tmp_path / "uploads-second")
    assert cmc("seed", "--scale", SCALE, "--alerts", "40").returncode == 0
    fewer_alerts = _fingerprint()
    assert len(fewer_alerts["alerts"]) == 40
    assert {k: v for k, v in fewer_alerts.items() if k != "alerts"} == {
        k: v for k, v in first.items() if k != "alerts"}
