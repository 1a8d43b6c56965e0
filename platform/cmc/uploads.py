"""Upload checks: size, extension allow-list, the file's own signature, names kept only as metadata.

The request class streams each uploaded file to a temporary file in the storage's ``tmp/`` folder in
chunks (Werkzeug's parser), so memory does not grow with the file, and every such file is removed when
the request ends unless the document service has renamed it into place. When the disk fills up during that
stream, the temporary file is emptied at once and the rest of the body is read and dropped, so that the page
can answer 507 on its own form rather than fail in the middle of parsing.

Zip containers (Word, Excel, PowerPoint, OpenDocument) are opened only by the text extraction child
(``cmc.services.extract``), which also says whether they hold what their type needs: a central directory
of a million entries, or a deflated ``mimetype`` of a gigabyte, is never parsed in the server.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import Request, current_app, g
from flask_babel import gettext as _

from cmc.services.errors import STORAGE_FULL_ERRNOS, ServiceError, ValidationError, storage_full
from cmc.services.extract import TEXT_FORMATS, Extraction, extract_text


class UnsupportedFile(ServiceError, status=415, code="unsupported_file"):
    """The file's type is not on the allow-list, or its content is not what its name says."""


class FileTooLarge(ServiceError, status=413, code="payload_too_large"):
    """The file is over ``MAX_UPLOAD_MB``."""


def too_large_message() -> str:
    """What to tell a person whose file is over the limit."""
    return _("The file is larger than %(n)d MB. Compress it or split it, then upload again.",
             n=int(current_app.config["MAX_UPLOAD_MB"]))


#: extension -> content type sent on download
ALLOWED: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "csv": "text/csv",
    "txt": "text/plain",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}
_ZIP_CONTAINERS = frozenset({"docx", "xlsx", "pptx", "odt", "ods"})
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<script", b"<svg", b"<?xml", b"<body", b"<iframe")


class UploadTempFile(io.FileIO):
    """The temporary file an upload streams into: unbuffered, each chunk written whole, and when the disk is
    full (ENOSPC, EDQUOT, EFBIG) it frees what it holds, says so in ``storage_full`` and drops the rest."""

    def __init__(self, fd: int, path: str) -> None:
        super().__init__(fd, "r+b", closefd=True)
        self.path = path
        self.storage_full = False

    def write(self, data: Any) -> int:
        """Write all of ``data`` (a raw write may take part of it); never raise for a full disk."""
        size = len(memoryview(data))
        if self.storage_full:
            return size
        view = memoryview(data).cast("B")
        try:
            while view:
                view = view[super().write(view) or 0:]
        except OSError as exc:
            if exc.errno not in STORAGE_FULL_ERRNOS:
                raise
            self.storage_full = True
            self.truncate(0)  # give the space back now, not when the body has finished arriving
        return size


class DiscardedUpload(io.RawIOBase):
    """Where an upload goes when not even its temporary file could be created because the disk is full."""

    path = ""
    storage_full = True

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        """Drop ``data``."""
        return len(memoryview(data))

    def seek(self, offset: int, whence: int = 0) -> int:
        """Nothing to move in (the parser rewinds every file part)."""
        return 0

    def readinto(self, buffer: Any) -> int:
        """Nothing to read."""
        return 0


class UploadRequest(Request):
    """Streams file parts to temporary files next to the storage, and remembers them for clean-up."""

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None, content_length: int | None = None) -> IO[bytes]:
        folder = current_app.extensions["cmc_storage"].temp_dir()
        try:
            fd, path = tempfile.mkstemp(prefix="upload-", dir=folder)
        except OSError as exc:
            if exc.errno not in STORAGE_FULL_ERRNOS:
                raise
            return DiscardedUpload()  # type: ignore[return-value]
        handle = UploadTempFile(fd, path)
        # Locked while this request owns it: a sweep (another process starting) skips it, and the lock
        # dies with the process, so what a crash leaves behind is swept.
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        g.setdefault("upload_temp_files", []).append(handle)
        return handle  # type: ignore[return-value]


def remove_request_temp_files(_exc: BaseException | None = None) -> None:
    """Teardown: close and delete the request's temporary upload files that were not kept (an upload that
    was refused, or cut off halfway by the client, leaves nothing behind)."""
    for handle in g.pop("upload_temp_files", []):
        handle.close()
        Path(handle.path).unlink(missing_ok=True)


@dataclass
class CheckedFile:
    """An uploaded file that passed every check, still in its temporary place."""

    temp_path: Path
    original_filename: str
    extension: str
    content_type: str
    size: int
    sha256: str
    #: the file's text, read while checking it (None: not read yet; the document service reads it then)
    extraction: Extraction | None = None


def clean_filename(raw: str | None, extension: str) -> str:
    """The uploader's file name as safe metadata: no folders, no control characters, at most 200 characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.replace('"', "'").strip(" .")
    if len(name) > 200:
        stem, _dot, ext = name.rpartition(".")
        name = stem[: 200 - len(ext) - 1] + "." + ext if ext and len(ext) <= 10 else name[:200]
    return name or f"document.{extension}"


def _signature_ok(extension: str, head: bytes) -> bool:
    """The file's first bytes are what its name says (zip containers: their parts are judged by the child)."""
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension in _ZIP_CONTAINERS:
        return head.startswith(b"PK\x03\x04")
    if extension in ("txt", "csv"):
        if b"\x00" in head:
            return False
        lowered = head.lstrip().lower()
        if lowered.startswith(_HTML_MARKERS):
            return False  # HTML or SVG with a text name: refuse, a browser might run it elsewhere
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the end of the sample is fine; anything else is not text.
            if exc.start < len(head) - 4:
                try:
                    head.decode("cp1252")
                except UnicodeDecodeError:
                    return False
        return True
    return False


def check(storage_file: Any, *, max_bytes: int) -> CheckedFile:
    """Check an uploaded file (a Werkzeug ``FileStorage``), hash it and read its text (in a child process);
    raise a clear error otherwise (507 when the disk filled up while it arrived)."""
    if storage_file is None or not getattr(storage_file, "filename", None):
        raise ValidationError(_("Choose a file to upload."), fields={"file": _("Choose a file to upload.")})
    if getattr(storage_file.stream, "storage_full", False):
        raise storage_full("file")
    raw_name = storage_file.filename or ""
    extension = raw_name.rsplit(".", 1)[-1].lower() if "." in raw_name else ""
    if extension not in ALLOWED or "\x00" in raw_name:
        raise UnsupportedFile(_("This type of file is not accepted. Upload a PDF, Word, Excel, PowerPoint, "
                                "OpenDocument, CSV, text, PNG or JPEG file."),
                              fields={"file": _("This type of file is not accepted.")})
    stream = storage_file.stream
    stream.flush()
    temp_path = Path(getattr(stream, "path", None) or stream.name)  # ours, or any file a caller opened
    size = temp_path.stat().st_size
    if size == 0:
        raise ValidationError(_("The file is empty. Choose the file again."),
                              fields={"file": _("The file is empty.")})
    if size > max_bytes:
        raise FileTooLarge(too_large_message(), fields={"file": _("The file is too large.")})
    digest = hashlib.sha256()
    with open(temp_path, "rb") as handle:
        head = handle.read(8192)
        digest.update(head)
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
            time.sleep(0)  # under gevent, let other requests run between megabytes (50 MB hash: ~100 ms)
    if not _signature_ok(extension, head):
        raise _not_what_it_says(extension)
    extraction = extract_text(temp_path, extension) if extension in TEXT_FORMATS else None
    if extraction is not None and extraction.valid is False:
        raise _not_what_it_says(extension)
    return CheckedFile(temp_path=temp_path, original_filename=clean_filename(raw_name, extension),
                       extension=extension, content_type=ALLOWED[extension], size=size,
                       sha256=digest.hexdigest(), extraction=extraction)


def _not_what_it_says(extension: str) -> UnsupportedFile:
    return UnsupportedFile(_("The file's content does not match its name (.%(ext)s). Save it again in that "
                             "format, then upload it.", ext=extension),
                          fields={"file": _("The content is not a real .%(ext)s file.", ext=extension)})
