"""The restore drill: back up a real instance, restore it into an empty one, and find every document hash
and the audit chain intact. A backup with a changed file is refused before anything is touched."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from cmc import create_app
from cmc.extensions import db
from cmc.models import DocumentVersion
from cmc.services import audit, audit_checkpoint, backup, documents, networks, seed
from cmc.services.auth import find_account_by_email
from cmc.uploads import CheckedFile
from tests.conftest import POSTGRES_URL
from tests.files import docx, pdf
from tests.live_server import fresh_postgres_database


def _app(tmp_path: Path, name: str, database_url: str | None = None):
    config = {"TESTING": True, "SKIP_INSTANCE_CONFIG": True, "INSTANCE_PATH": str(tmp_path / name),
              "SECRET_KEY": "k" * 40, "SOCKETIO_ASYNC_MODE": "threading"}
    if database_url:
        config["DATABASE_URL"] = database_url
    return create_app(config)


@pytest.fixture
def databases(backend: str) -> Iterator[tuple[str | None, str | None]]:
    """The source and target databases of a drill: two SQLite files in their instance folders, or two fresh
    PostgreSQL databases (pg_dump and pg_restore then do the work)."""
    if backend != "postgres":
        yield None, None
        return
    with fresh_postgres_database(POSTGRES_URL) as source, fresh_postgres_database(POSTGRES_URL) as target:
        yield source, target


def _upload(app, account, title: str, content: bytes, extension: str) -> None:
    temp = Path(app.config["UPLOAD_DIR"], "tmp", f"upload-{hashlib.sha256(content).hexdigest()[:8]}")
    temp.write_bytes(content)
    checked = CheckedFile(temp_path=temp, original_filename=f"{title}.{extension}", extension=extension,
                          content_type="application/octet-stream", size=len(content),
                          sha256=hashlib.sha256(content).hexdigest())
    documents.upload(account, "migrant-smuggling", documents.DocumentInput(title=title), checked)


def test_restore_drill(tmp_path, backend, databases):
    source_url, target_url = databases
    source = _app(tmp_path, "source", source_url)
    with source.app_context():
        from flask_migrate import upgrade

        upgrade()
        seed.seed(demo=True, living=False)  # the drill uploads its own files and counts them
        member = find_account_by_email("delegate.tt@cmc.demo")
        assert networks.open_network(member, "migrant-smuggling")
        _upload(source, member, "Routes", pdf("Routes report"), "pdf")
        _upload(source, member, "Figures", docx("Figures"), "docx")
        expected = {v.storage_key: v.sha256 for v in db.session.scalars(select(DocumentVersion))}
        manifest = backup.backup(tmp_path / "backup")
        assert manifest["database"] == ("postgresql" if backend == "postgres" else "sqlite")
        assert len(manifest["files"]) == 3
        db.session.remove()
        db.engine.dispose()

    target = _app(tmp_path, "target", target_url)
    with target.app_context():
        backup.restore(tmp_path / "backup")
        versions = db.session.scalars(select(DocumentVersion)).all()
        assert {v.storage_key: v.sha256 for v in versions} == expected
        for version in versions:
            stored = documents.storage().path(version.storage_key)
            assert hashlib.sha256(stored.read_bytes()).hexdigest() == version.sha256
        report = audit.verify_chain()
        assert report.ok and report.rows >= 10  # seed, demo accounts, two uploads
        # The manifest's checkpoint is the head of exactly what was saved: the restored trail ends there.
        checkpoint = audit_checkpoint.load(str(tmp_path / "backup"))
        assert checkpoint.rows == report.rows and audit.verify_chain(checkpoint=checkpoint).ok
        with pytest.raises(backup.BackupError, match=r"already (has tables|holds files)"):
            backup.restore(tmp_path / "backup")  # never over a live instance
        db.session.remove()
        db.engine.dispose()


def test_a_changed_backup_is_refused_before_anything_is_restored(tmp_path):
    source = _app(tmp_path, "source")
    with source.app_context():
        from flask_migrate import upgrade

        upgrade()
        seed.seed()
        backup.backup(tmp_path / "backup")
        with pytest.raises(backup.BackupError, match="not empty"):
            backup.backup(tmp_path / "backup")
        db.session.remove()
        db.engine.dispose()
    database = tmp_path / "backup" / "database.sqlite"
    database.write_bytes(database.read_bytes() + b"tampered")
    target = _app(tmp_path, "target")
    with target.app_context():
        with pytest.raises(backup.BackupError, match="does not match"):
            backup.restore(tmp_path / "backup")
        from sqlalchemy import inspect

        assert inspect(db.engine).get_table_names() == []  # nothing was touched
        db.session.remove()
        db.engine.dispose()
