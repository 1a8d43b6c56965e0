"""Checkpoints of the audit trail's head, kept outside the table they protect.

The hash chain shows an edited row or one removed from the middle, but deleting the newest rows leaves a shorter
chain that is perfectly linked. A checkpoint records the head: how many rows the trail held, and the hash (and
id) of the last one, written as ``HASH:COUNT``. It goes to the application log (``audit checkpoint HASH:COUNT``,
which a log collector keeps off this machine), to ``instance/audit-checkpoints`` (one line per checkpoint) and
into every backup's manifest. ``cmc audit verify`` compares the trail with the last checkpoint it is given (or
finds in that file): fewer rows than the checkpoint, or another row at its position, is reported with the number
of rows missing.

Checkpoints are written at start-up and every few minutes while the head moves (the housekeeping loop of
``cmc serve`` and of the realtime processes), by every backup, by every ``cmc audit verify`` that passes, and
after a restore.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from cmc.models import AuditEvent

log = logging.getLogger("cmc.audit")

FILE_NAME = "audit-checkpoints"
#: How often the housekeeping loop writes a checkpoint while the head moves (seconds). Rows written since the
#: last checkpoint can be removed unseen, so this is the window; each costs one count of the trail (a
#: 1,000,000-row trail: see the measurement in ``take_on``).
INTERVAL_SECONDS = 300.0
#: ``audit checkpoint HASH:COUNT`` in a log line, a checkpoint file line or a pasted text.
PATTERN = re.compile(r"audit checkpoint (?P<hash>[0-9a-f]{64}):(?P<rows>[1-9]\d*)(?: \(head row id (?P<id>\d+))?")
_BARE = re.compile(r"^\s*(?P<hash>[0-9a-f]{64}):(?P<rows>\d+)\s*$")
_STAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d")  # the time of a log or checkpoint line


class CheckpointError(ValueError):
    """A checkpoint source that cannot be read; the message says what was expected."""


@dataclass(frozen=True)
class Checkpoint:
    """The head of the trail at one moment: ``rows`` rows, the last with ``head_hash`` (and ``head_id``)."""

    rows: int
    head_hash: str
    head_id: int | None = None
    at: str = ""
    source: str = ""

    @property
    def token(self) -> str:
        """``HASH:COUNT``, what ``cmc audit verify --checkpoint`` takes."""
        return f"{self.head_hash}:{self.rows}"

    def describe(self) -> str:
        """A short description for messages: the token, the head id, when and where from."""
        parts = [f"{self.head_hash[:12]}...:{self.rows}"]
        if self.head_id is not None:
            parts.append(f"head row id {self.head_id}")
        if self.at:
            parts.append(f"taken {self.at}")
        if self.source:
            parts.append(f"from {self.source}")
        return ", ".join(parts)

    def manifest_entry(self) -> dict[str, Any]:
        """What a backup's manifest holds."""
        return {"checkpoint": self.token, "head_id": self.head_id, "rows": self.rows, "at": self.at}


def take_on(connection: Connection) -> Checkpoint | None:
    """The checkpoint of the trail as ``connection`` sees it; None when the trail is empty.

    Count and last id come from one statement, so they agree even while rows are appended (PostgreSQL's read
    committed gives each statement its own snapshot). Measured on this machine (two shared cores) for a
    1,000,000-row table: 105-112 ms on PostgreSQL, 165-240 ms on SQLite; so once per start-up, backup, verify
    and five minutes of activity, never per write.
    """
    table = AuditEvent.__table__
    rows, head_id = connection.execute(select(func.count(), func.max(table.c.id))).one()
    if not rows:
        return None
    head_hash = connection.execute(select(table.c.row_hash).where(table.c.id == head_id)).scalar_one()
    return Checkpoint(rows=int(rows), head_hash=head_hash, head_id=int(head_id),
                      at=datetime.now(UTC).isoformat(timespec="seconds"))


def take() -> Checkpoint | None:
    """The checkpoint of the application's database now."""
    from cmc.extensions import db

    with db.engine.connect() as connection:
        return take_on(connection)


def default_file() -> Path:
    """``instance/audit-checkpoints``: outside the database, read by ``cmc audit verify`` by default."""
    return Path(current_app.instance_path) / FILE_NAME


def line_of(checkpoint: Checkpoint, reason: str) -> str:
    """The text of a checkpoint, the same in the log and in the file."""
    return f"audit checkpoint {checkpoint.token} (head row id {checkpoint.head_id}; {reason})"


def record(checkpoint: Checkpoint, reason: str) -> None:
    """Write ``checkpoint`` to the application log and append it to the checkpoint file.

    One ``write`` of one line on a file opened for appending, so several processes can share the file.
    """
    log.info("%s", line_of(checkpoint, reason))
    line = f"{checkpoint.at} {line_of(checkpoint, reason)}\n".encode()
    descriptor = os.open(default_file(), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line)
    finally:
        os.close(descriptor)


def write(reason: str) -> Checkpoint | None:
    """Take a checkpoint of the trail now and record it (nothing for an empty trail)."""
    checkpoint = take()
    if checkpoint is not None:
        record(checkpoint, reason)
    return checkpoint


def set_aside() -> Path | None:
    """Rename the checkpoint file out of the way (a restore replaces the database it described); return the
    new name, or None when there was none."""
    path = default_file()
    if not path.exists():
        return None
    aside = path.with_name(f"{FILE_NAME}.before-restore-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}")
    path.rename(aside)
    return aside


def last_recorded() -> Checkpoint | None:
    """The newest checkpoint of the default file, if there is one."""
    path = default_file()
    return _last_in_file(path) if path.is_file() else None


def load(source: str) -> Checkpoint:
    """A checkpoint from what an operator has: ``HASH:COUNT``, a backup folder or its ``manifest.json``, the
    checkpoint file, or a log file (its last ``audit checkpoint`` line)."""
    bare = _BARE.match(source)
    if bare and int(bare["rows"]) > 0:
        return Checkpoint(rows=int(bare["rows"]), head_hash=bare["hash"], source="the command line")
    path = Path(source)
    if path.is_dir():
        path = path / "manifest.json"
    if not path.is_file():
        raise CheckpointError(f"{source} is neither HASH:COUNT nor a readable file or backup folder")
    if path.name == "manifest.json":
        return _from_manifest(path)
    found = _last_in_file(path)
    if found is None:
        raise CheckpointError(f"{path} holds no 'audit checkpoint HASH:COUNT' line")
    return found


def _from_manifest(path: Path) -> Checkpoint:
    try:
        entry = json.loads(path.read_text())["audit_checkpoint"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"{path} holds no audit checkpoint (a backup made before checkpoints?)") from exc
    match = _BARE.match(str(entry.get("checkpoint", "")))
    if match is None or int(match["rows"]) < 1:
        raise CheckpointError(f"the audit checkpoint of {path} is not HASH:COUNT")
    return Checkpoint(rows=int(match["rows"]), head_hash=match["hash"], head_id=entry.get("head_id"),
                      at=str(entry.get("at", "")), source=str(path))


def _last_in_file(path: Path, block: int = 1 << 20) -> Checkpoint | None:
    """The last checkpoint line of a (possibly large) log or checkpoint file, read from its end."""
    size = path.stat().st_size
    span = block
    with open(path, "rb") as handle:
        while True:
            start = max(0, size - span)
            handle.seek(start)
            text = handle.read(size - start).decode("utf-8", errors="replace")
            matches = list(PATTERN.finditer(text))
            if matches:
                last = matches[-1]
                stamp = _STAMP.search(text, text.rfind("\n", 0, last.start()) + 1, last.start())
                return Checkpoint(rows=int(last["rows"]), head_hash=last["hash"],
                                  head_id=int(last["id"]) if last["id"] else None,
                                  at=stamp.group(0) if stamp else "", source=str(path))
            if start == 0:
                return None
            span *= 4


def head_problem(previous: Checkpoint) -> str | None:
    """Whether the row ``previous`` recorded as the head is still there, unchanged; a description of what is
    missing when not (the cheap check of the housekeeping loop; ``cmc audit verify`` does the full one)."""
    from cmc.extensions import db

    if previous.head_id is None:
        return None
    table = AuditEvent.__table__
    with db.engine.connect() as connection:
        found = connection.execute(select(table.c.row_hash).where(table.c.id == previous.head_id)).scalar()
        if found == previous.head_hash:
            return None
        upto = connection.execute(select(func.count()).where(table.c.id <= previous.head_id)).scalar_one()
    return (f"the audit trail's head recorded by the checkpoint {previous.describe()} is "
            f"{'gone' if found is None else 'changed'}: {previous.rows - upto} row(s) up to it are missing. "
            "Run `cmc audit verify`.")


def check_and_write(previous: Checkpoint | None, reason: str) -> Checkpoint | None:
    """The housekeeping step: log an error when the head ``previous`` recorded is gone, then record a
    checkpoint if the head has moved since (always at start-up); return the newest checkpoint."""
    if previous is not None:
        problem = head_problem(previous)
        if problem:
            log.error("%s", problem)
    current = take()
    if current is None:
        return previous
    if previous is None or current.head_hash != previous.head_hash or reason == "start-up":
        record(current, reason)
    return current
