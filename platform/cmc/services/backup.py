"""Backups that restore: the database (SQLite's online backup API, or pg_dump) and the uploads, with a
manifest of SHA-256 sums that the restore checks before it touches anything, and a checkpoint of the audit
trail's head in the saved database (``audit_checkpoint``) that ``cmc audit verify --checkpoint`` and the restore
compare the trail with."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from cmc.extensions import db
from cmc.services import audit_checkpoint

MANIFEST = "manifest.json"


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message says why."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env(url: Any) -> tuple[list[str], dict[str, str]]:
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = url.password
    return args, env


def backup(destination: str | os.PathLike[str]) -> dict[str, Any]:
    """Write a backup into an empty or new folder; return its manifest."""
    target = Path(destination)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty; choose a new folder")
    target.mkdir(parents=True, exist_ok=True)
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        database_file = target / "database.sqlite"
        source = sqlite3.connect(url.database or "")
        try:
            with sqlite3.connect(database_file) as copy:
                source.backup(copy)  # consistent even while the platform writes
        finally:
            source.close()
        checkpoint = _checkpoint_of_copy(database_file)
        kind = "sqlite"
    else:
        database_file = target / "database.pgdump"
        checkpoint = _pg_dump(url, database_file)
        kind = "postgresql"
    uploads_source = Path(current_app.config["UPLOAD_DIR"])
    files: dict[str, str] = {database_file.name: _sha256(database_file)}
    for path in sorted(uploads_source.rglob("*")):
        if path.is_file() and path.parent.name != "tmp":
            relative = path.relative_to(uploads_source)
            copy_to = target / "uploads" / relative
            copy_to.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy_to)
            files[f"uploads/{relative.as_posix()}"] = _sha256(copy_to)
    manifest: dict[str, Any] = {"created_at": datetime.now(UTC).isoformat(), "database": kind, "files": files}
    if checkpoint is not None:
        manifest["audit_checkpoint"] = checkpoint.manifest_entry()
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    if checkpoint is not None:
        audit_checkpoint.record(checkpoint, f"backup {target}")
    return manifest


def _checkpoint_of_copy(database_file: Path) -> audit_checkpoint.Checkpoint | None:
    """The audit trail's head in the SQLite copy itself, so the manifest describes exactly what was saved."""
    engine = create_engine(f"sqlite:///{database_file}")
    try:
        with engine.connect() as connection:
            return audit_checkpoint.take_on(connection)
    finally:
        engine.dispose()


def _pg_dump(url: Any, database_file: Path) -> audit_checkpoint.Checkpoint | None:
    """``pg_dump`` of the snapshot in which the audit checkpoint is taken: the dump and the manifest's
    checkpoint describe the same instant however many rows are written meanwhile."""
    args, env = _pg_env(url)
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            checkpoint = audit_checkpoint.take_on(connection)
            subprocess.run(["pg_dump", *args, "-Fc", f"--snapshot={snapshot}", "-f", str(database_file),  # noqa: S603,S607
                            url.database or ""], env=env, check=True, capture_output=True, timeout=3600)
    return checkpoint


def verify(source: str | os.PathLike[str]) -> dict[str, Any]:
    """Check every file of a backup against its manifest; raise ``BackupError`` naming the first mismatch."""
    folder = Path(source)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} has no readable {MANIFEST}") from exc
    for name, expected in manifest["files"].items():
        path = folder / name
        if not path.is_file() or _sha256(path) != expected:
            raise BackupError(f"{name} is missing or does not match its SHA-256 in the manifest")
    return dict(manifest)


def restore(source: str | os.PathLike[str]) -> dict[str, Any]:
    """Restore a verified backup into this instance, which must be empty (no tables, no uploads)."""
    manifest = verify(source)
    folder = Path(source)
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    uploads = Path(current_app.config["UPLOAD_DIR"])
    if any(p.is_file() for p in uploads.rglob("*") if p.parent.name != "tmp"):
        raise BackupError(f"{uploads} already holds files; restore into an empty instance")
    from sqlalchemy import inspect

    if inspect(db.engine).get_table_names():
        raise BackupError("the database already has tables; restore into an empty database")
    db.session.remove()
    db.engine.dispose()
    if manifest["database"] == "sqlite":
        if url.get_backend_name() != "sqlite":
            raise BackupError("this backup is of SQLite; the instance uses PostgreSQL")
        with sqlite3.connect(folder / "database.sqlite") as backup_db, sqlite3.connect(url.database or "") as live:
            backup_db.backup(live)
    else:
        if url.get_backend_name() == "sqlite":
            raise BackupError("this backup is of PostgreSQL; the instance uses SQLite")
        args, env = _pg_env(url)
        subprocess.run(["pg_restore", *args, "--no-owner", "-d", url.database or "",  # noqa: S603,S607
                        str(folder / "database.pgdump")], env=env, check=True, capture_output=True, timeout=3600)
    for name in manifest["files"]:
        if name.startswith("uploads/"):
            target = uploads / name.removeprefix("uploads/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(folder / name, target)
    audit_checkpoint.set_aside()  # its checkpoints describe the database this restore replaced
    return manifest
