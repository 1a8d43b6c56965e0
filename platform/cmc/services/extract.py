"""Plain text out of uploaded files, for search: PDF, Word, Excel, PowerPoint, OpenDocument, text and CSV.

Every file is read by ``extract_worker`` in a child process, never in the server: the server is gevent (one
OS thread serves every page and socket), so a parse in-process would stall all of them. The child runs
under limits (``EXTRACT_*`` settings: unpacked size, compression ratio, zip entries, seconds, memory) and is
killed at its deadline; the request waits for it cooperatively (gevent patches ``subprocess``, ``time.sleep``
and the pipes), so pages and sockets keep answering meanwhile. At most ``EXTRACT_WORKERS`` children run at
once per instance folder, across every server process (a lock file per slot): a flood of hostile uploads
queues instead of forking the machine to death, and one that waits too long gets no text.

A file over a limit, damaged, or not read in time is still stored, without text: search then finds it by
its title and description, and the person is told so (``notice``).

Extraction happens inside the upload request, before the write transaction, not after the commit: search
finds the words as soon as the upload answers, the answer can say whether the text was indexed, and there
is no queue whose jobs a restart could lose. The price is that the uploader waits for the child (at most
``EXTRACT_TIMEOUT_SECONDS`` plus a wait for a free slot); nobody else does.
"""

from __future__ import annotations

import fcntl
import json
import logging
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from cmc.services import extract_worker
from cmc.services.extract_worker import MAX_CHARS, Limits, collapse_spaces

__all__ = ["MAX_CHARS", "TEXT_FORMATS", "Extraction", "Limits", "collapse_spaces", "extract_text",
           "limits_from_config", "notice", "read_trusted", "run_confined"]

log = logging.getLogger("cmc.extract")

WORKER = Path(extract_worker.__file__).resolve()
#: Formats whose words are indexed; images have none, so no child is started for them.
TEXT_FORMATS = frozenset(extract_worker.READERS)
#: How often a request waiting for a free slot looks again.
SLOT_POLL_SECONDS = 0.05
#: The environment of the child: nothing of the server's (no secrets, no database address).
CHILD_ENV = {"LC_ALL": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8"}


@dataclass(frozen=True)
class Extraction:
    """What was read: ``status`` (``indexed``, ``none`` when the file has no words, ``unreadable``, ``busy``
    when no slot was free in time, ``limit:size|ratio|entries|time|memory``), the text, and for zip
    containers whether they hold what their type needs (``valid``: None when not judged)."""

    status: str
    text: str = ""
    valid: bool | None = None

    @property
    def indexed(self) -> bool:
        """Whether search finds the file's words (or it has none to find)."""
        return self.status in ("indexed", "none")


def limits_from_config(config: Any) -> Limits:
    """The extraction limits of an app's configuration."""
    return Limits(max_bytes=int(config["EXTRACT_MAX_UNPACKED_MB"]) * 1024 * 1024,
                  max_ratio=float(config["EXTRACT_MAX_RATIO"]), max_entries=int(config["EXTRACT_MAX_ENTRIES"]),
                  seconds=float(config["EXTRACT_TIMEOUT_SECONDS"]),
                  memory_bytes=int(config["EXTRACT_MAX_MEMORY_MB"]) * 1024 * 1024)


def extract_text(path: Path, extension: str) -> Extraction:
    """Read ``path`` in a confined child process within the app's limits; never raises for a bad file."""
    if extension not in TEXT_FORMATS:
        return Extraction("none")
    config = current_app.config
    limits = limits_from_config(config)
    slots = Path(current_app.instance_path) / "extract-slots"
    with _slot(slots, int(config["EXTRACT_WORKERS"]), wait=limits.seconds) as free:
        if not free:
            log.warning("no extraction slot free within %.0f s; a .%s upload is stored without text",
                        limits.seconds, extension)
            return Extraction("busy")
        return run_confined(path, extension, limits)


def read_trusted(path: Path, extension: str, limits: Limits) -> Extraction:
    """Read a file this platform made itself (the benchmark seed), in this process: no child, same text."""
    outcome = extract_worker.read(str(path), extension, limits)
    return Extraction(outcome.status, outcome.text, outcome.valid)


def run_confined(path: Path, extension: str, limits: Limits) -> Extraction:
    """Read ``path`` in a child process confined to ``limits``, killed at ``limits.seconds`` (no slot taken:
    ``extract_text`` takes one first)."""
    started = time.monotonic()
    try:
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and script, arguments are not a shell line
            [sys.executable, "-P", str(WORKER), str(path), extension, limits.to_json()],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=CHILD_ENV,
            close_fds=True)
    except OSError:  # no process could be started (out of processes or memory): store the file without text
        log.warning("could not start a text extraction process", exc_info=True)
        return Extraction("busy")
    try:
        out, err = child.communicate(timeout=limits.seconds)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        log.warning("text extraction of a .%s upload stopped at its %.0f s limit", extension, limits.seconds)
        return Extraction("limit:time")
    except BaseException:  # the request itself is being torn down (a killed greenlet): leave no child behind
        child.kill()
        child.wait()
        raise
    if child.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return Extraction("limit:time")
    header, _newline, body = out.partition(b"\n")
    try:
        verdict = json.loads(header)
    except ValueError:
        log.warning("text extraction of a .%s upload failed (exit %s): %s", extension, child.returncode,
                    err.decode(errors="replace")[-500:])
        return Extraction("unreadable")
    status = str(verdict["status"])
    # A hostile or damaged upload is worth a line in the log; a normal one is not.
    log.log(logging.DEBUG if status in ("indexed", "none") else logging.WARNING,
            "text of a .%s upload: %s, %d bytes of text in %.0f ms", extension, status, len(body),
            (time.monotonic() - started) * 1000)
    return Extraction(status, body.decode("utf-8", errors="replace"), verdict.get("valid"))


@contextmanager
def _slot(folder: Path, count: int, wait: float) -> Iterator[bool]:
    """Hold one of ``count`` extraction slots (an exclusive lock on a slot file) while the block runs; yields
    False when none came free within ``wait`` seconds. The lock dies with the process that held it."""
    deadline = time.monotonic() + wait
    try:
        folder.mkdir(exist_ok=True)
    except OSError:
        log.warning("cannot create %s; text extraction is off until it can", folder, exc_info=True)
        yield False
        return
    while True:
        for number in range(max(count, 1)):
            try:
                handle = open(folder / f"slot-{number}", "a+b")  # noqa: SIM115 - closed below
            except OSError:
                continue
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            try:
                yield True
            finally:
                handle.close()  # releases the lock
            return
        if time.monotonic() >= deadline:
            yield False
            return
        time.sleep(SLOT_POLL_SECONDS)  # gevent's sleep in the server: other requests run meanwhile


def notice(status: str | None) -> str | None:
    """What to tell a person about a stored file's text: None when its words are searchable (or it has none)."""
    if status in (None, "indexed", "none"):
        return None
    config = current_app.config
    reasons = {
        "limit:size": _("it unpacks to more than %(n)d MB", n=int(config["EXTRACT_MAX_UNPACKED_MB"])),
        "limit:ratio": _("it is compressed more than %(n)d times over, as a decompression bomb is",
                         n=int(config["EXTRACT_MAX_RATIO"])),
        "limit:entries": _("it holds more than %(n)d parts", n=int(config["EXTRACT_MAX_ENTRIES"])),
        "limit:time": _("reading it took longer than %(n)d seconds", n=int(config["EXTRACT_TIMEOUT_SECONDS"])),
        "limit:memory": _("reading it needed more than %(n)d MB of memory", n=int(config["EXTRACT_MAX_MEMORY_MB"])),
        "busy": _("the server was busy reading other files"),
    }
    reason = reasons.get(status, _("it could not be read (the file may be damaged)"))
    return _("The file is stored, but its text is not indexed: %(reason)s. Search finds it by its title and "
             "description only.", reason=reason)
