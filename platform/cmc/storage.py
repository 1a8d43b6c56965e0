"""File storage behind one small interface: a local directory now, object storage later.

Files arrive as temporary files in the storage's own ``tmp/`` folder (the upload is streamed there by the
request parser), are fsynced, then renamed into place under a generated name: the rename is atomic, so a
crash leaves either the whole file or none. Leftover temporary files are swept when the app starts.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
from pathlib import Path
from typing import BinaryIO, Protocol

log = logging.getLogger("cmc.storage")


class Storage(Protocol):
    """What the document service needs from a place that keeps files."""

    def temp_dir(self) -> Path:
        """Where uploads are streamed before they are kept."""

    def keep(self, temp_path: Path) -> str:
        """Move a complete, fsynced temporary file into place; return its generated key."""

    def open(self, key: str) -> BinaryIO:
        """Open a kept file for reading."""

    def path(self, key: str) -> Path:
        """The local path of a kept file (for sending it)."""

    def discard(self, key: str) -> None:
        """Remove a kept file (only when the database refused to record it)."""


class LocalStorage:
    """Files in a directory outside ``static/``: ``<root>/ab/<key>``, temporary files in ``<root>/tmp``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)

    def temp_dir(self) -> Path:
        """Where uploads are streamed (same filesystem as the files, so the final rename is atomic)."""
        return self.root / "tmp"

    def _target(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError("bad storage key")
        return self.root / key[:2] / key

    def keep(self, temp_path: Path) -> str:
        """fsync the file, rename it into place, fsync the directory; return the key."""
        key = secrets.token_hex(20)
        target = self._target(key)
        target.parent.mkdir(exist_ok=True)
        with open(temp_path, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temp_path, target)
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return key

    def open(self, key: str) -> BinaryIO:
        """Open a kept file."""
        return open(self._target(key), "rb")

    def path(self, key: str) -> Path:
        """The local path of a kept file."""
        return self._target(key)

    def discard(self, key: str) -> None:
        """Remove a kept file whose database row was not written."""
        self._target(key).unlink(missing_ok=True)

    def sweep_temp(self) -> int:
        """Delete temporary files left by a crash or an aborted upload; return how many.

        A file still being written holds an exclusive lock (see ``cmc.uploads``): it is skipped, so any
        process may sweep at any time without harming an upload in flight.
        """
        removed = 0
        for leftover in self.temp_dir().glob("upload-*"):
            try:
                with open(leftover, "rb") as handle:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    leftover.unlink()
                removed += 1
            except (BlockingIOError, FileNotFoundError):  # in use by an upload, or gone already
                continue
        if removed:
            log.info("swept %d leftover temporary upload file(s)", removed)
        return removed
