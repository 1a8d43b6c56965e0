"""The audit trail detects truncation: deleting the newest rows leaves a well-linked chain, which only a checkpoint
of its head kept outside the table shows. Checkpoints come from the application log, the checkpoint file of the
instance, a backup's manifest, or ``HASH:COUNT``; a clean trail passes; on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from cmc.extensions import db
from cmc.models import AuditEvent
from cmc.services import audit, audit_checkpoint
from tests import cmc_fork
from tests.live_server import ROOT, LiveServer, cmc_executable, migrated_instance

#: Its servers and commands run on the live database of the run (SQLite, or PostgreSQL under make test-postgres).
pytestmark = pytest.mark.live_database


def _trail(count: int) -> None:
    for number in range(count):
        audit.record_now(None, "test.event", actor_label="tests", details={"n": number})


def _delete_newest(count: int) -> None:
    ids = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(count)).all()
    db.session.commit()
    with db.engine.begin() as connection:  # as an intruder with database access would, around the services
        connection.execute(AuditEvent.__table__.delete().where(AuditEvent.__table__.c.id.in_(ids)))


def test_deleting_the_newest_rows_is_reported_against_a_checkpoint(app) -> None:
    _trail(10)
    checkpoint = audit_checkpoint.write("test")
    assert checkpoint is not None and checkpoint.rows == 10
    _delete_newest(3)
    assert audit.verify_chain().ok  # the chain alone cannot tell: what it holds is perfectly linked
    report = audit.verify_chain(checkpoint=checkpoint)
    assert not report.ok and report.missing == 3 and report.rows == 7
    assert "3 row(s) missing" in report.reason and f"head row id {checkpoint.head_id}" in report.reason


def test_a_clean_trail_passes_its_checkpoint_and_may_grow_after_it(app) -> None:
    _trail(5)
    checkpoint = audit_checkpoint.write("test")
    assert checkpoint is not None
    assert audit.verify_chain(checkpoint=checkpoint).ok
    _trail(4)
    report = audit.verify_chain(checkpoint=checkpoint)
    assert report.ok and report.rows == 9


def test_rows_deleted_then_others_written_are_still_reported(app, backend: str) -> None:
    _trail(10)
    checkpoint = audit_checkpoint.write("test")
    assert checkpoint is not None
    _delete_newest(3)
    _trail(5)  # the platform goes on writing: 12 rows, more than the checkpoint counted
    report = audit.verify_chain(checkpoint=checkpoint)
    assert not report.ok
    if backend == "postgres":  # ids never come back: exactly which rows are gone
        assert report.missing == 3 and "5 row(s) were written after them" in report.reason
    else:  # SQLite gives the deleted last ids to the next rows: the head's position holds another row
        assert report.rewritten and "rows were deleted and others written in their place" in report.reason
    # Without the head's id (HASH:COUNT only), the row at the checkpoint's position is not its head.
    bare = audit.verify_chain(checkpoint=audit_checkpoint.load(checkpoint.token))
    assert not bare.ok and bare.rewritten and "the trail was rewritten" in bare.reason


def test_cmc_audit_verify_takes_the_checkpoint_file_a_backup_or_hash_count(app, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    _trail(6)
    backup = runner.invoke(args=["backup", str(tmp_path / "backup")])
    assert backup.exit_code == 0, backup.output
    token = backup.output.strip().splitlines()[-1].rsplit(" ", 1)[-1]
    assert token == audit_checkpoint.load(str(tmp_path / "backup")).token
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0  # the backup's checkpoint, from the file
    _delete_newest(2)
    for source in ([], ["--checkpoint", str(tmp_path / "backup")],
                   ["--checkpoint", str(tmp_path / "backup" / "manifest.json")], ["--checkpoint", token]):
        result = runner.invoke(args=["audit", "verify", *source])
        assert result.exit_code == 1, (source, result.output)
        # HASH:COUNT has no head id, so it can only say "at least" (rows may have been written after the cut).
        assert "Audit trail CUT SHORT: " in result.output and "2 row(s) missing" in result.output, result.output


def test_a_source_without_a_checkpoint_is_refused(app, tmp_path: Path) -> None:
    (tmp_path / "some.log").write_text("nothing here\n")
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--checkpoint", str(tmp_path / "some.log")])
    assert result.exit_code == 2 and "holds no 'audit checkpoint HASH:COUNT' line" in result.output


def test_the_housekeeping_step_records_a_moved_head_and_reports_a_removed_one(app, caplog) -> None:
    _trail(4)
    first = audit_checkpoint.check_and_write(None, "start-up")
    assert first is not None and first.rows == 4
    lines = audit_checkpoint.default_file().read_text().count("\n")
    assert audit_checkpoint.check_and_write(first, "periodic").token == first.token  # type: ignore[union-attr]
    assert audit_checkpoint.default_file().read_text().count("\n") == lines  # head unchanged: nothing written
    _trail(2)
    second = audit_checkpoint.check_and_write(first, "periodic")
    assert second is not None and second.rows == 6
    assert audit_checkpoint.last_recorded().token == second.token  # type: ignore[union-attr]
    _delete_newest(2)
    with caplog.at_level("ERROR", logger="cmc.audit"):
        audit_checkpoint.check_and_write(second, "periodic")
    assert "2 row(s) up to it are missing" in caplog.text and "Run `cmc audit verify`" in caplog.text


# --------------------------------------------------------------------------------------------- live

@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    """A migrated, seeded instance (not started) on SQLite or a fresh PostgreSQL database."""
    with migrated_instance(tmp_path / "instance", seed=True) as live:
        yield live


def _delete_newest_live(server: LiveServer, count: int) -> None:
    statement = "DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events ORDER BY id DESC LIMIT {})"
    url = server.env.get("CMC_DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(statement.format(int(count)))  # type: ignore[arg-type]
    else:
        with sqlite3.connect(server.instance_path / "cmc.db") as connection:
            connection.execute(statement.format(int(count)))


def test_the_servers_log_anchors_the_head_and_a_restart_reports_the_cut(server: LiveServer, tmp_path: Path) -> None:
    """Checkpoint from a real server's log (its start-up line); found again by the server's next start."""
    server.start()
    server.stop()
    log_copy = tmp_path / "shipped.log"  # what a log collector kept, off the machine
    log_copy.write_text(server.output())
    assert "audit checkpoint " in log_copy.read_text()
    _delete_newest_live(server, 1)
    verify = cmc_fork.run(cmc_executable(), ["audit", "verify", "--checkpoint", str(log_copy)], env=server.env,
                          cwd=ROOT, input_text=None, timeout=60)
    assert verify.returncode == 1 and "Audit trail CUT SHORT: 1 row(s) missing" in verify.stderr, verify.stderr
    mark = server.log_mark()
    server.start()
    problems = server.problems_since(mark)
    assert problems and "1 row(s) up to it are missing" in problems, server.output()[-2000:]


def test_the_checkpoint_file_is_not_in_the_database(app) -> None:
    _trail(2)
    audit_checkpoint.write("test")
    path = audit_checkpoint.default_file()
    assert path.parent == Path(app.instance_path) and "audit checkpoint " in path.read_text()
    assert db.session.execute(text("SELECT count(*) FROM audit_events")).scalar() == 2
