"""Upload checks: size, extension allow-list, the file's own signature, names kept only as metadata.

The request class streams each uploaded file to a temporary file in the storage's ``tmp/`` folder in
chunks (Werkzeug's parser), so memory does not grow with the file, and every such file is removed when
the request ends unless the document service has renamed it into place.
"""

from __future__ import annotations

import fcntl
import hashlib
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import Request, current_app, g
from flask_babel import gettext as _

from cmc.services.errors import ServiceError, ValidationError


class UnsupportedFile(ServiceError):
    """The file's type is not on the allow-list, or its content is not what its name says."""

    status = 415
    code = "unsupported_file"


class FileTooLarge(ServiceError):
    """The file is over ``MAX_UPLOAD_MB``."""

    status = 413
    code = "payload_too_large"


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
_OOXML_PART = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
_ODF_MIME = {"odt": b"application/vnd.oasis.opendocument.text",
             "ods": b"application/vnd.oasis.opendocument.spreadsheet"}
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<script", b"<svg", b"<?xml", b"<body", b"<iframe")


class UploadRequest(Request):
    """Streams file parts to temporary files next to the storage, and remembers them for clean-up."""

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None, content_length: int | None = None) -> IO[bytes]:
        folder = current_app.extensions["cmc_storage"].temp_dir()
        handle = tempfile.NamedTemporaryFile(prefix="upload-", dir=folder, delete=False)  # noqa: SIM115
        # Locked while this request owns it: a sweep (another process starting) skips it, and the lock
        # dies with the process, so what a crash leaves behind is swept.
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        g.setdefault("upload_temp_files", []).append(handle)
        return handle


def remove_request_temp_files(_exc: BaseException | None = None) -> None:
    """Teardown: close and delete the request's temporary upload files that were not kept (an upload that
    was refused, or cut off halfway by the client, leaves nothing behind)."""
    for handle in g.pop("upload_temp_files", []):
        handle.close()
        Path(handle.name).unlink(missing_ok=True)


@dataclass
class CheckedFile:
    """An uploaded file that passed every check, still in its temporary place."""

    temp_path: Path
    original_filename: str
    extension: str
    content_type: str
    size: int
    sha256: str


def clean_filename(raw: str | None, extension: str) -> str:
    """The uploader's file name as safe metadata: no folders, no control characters, at most 200 characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.replace('"', "'").strip(" .")
    if len(name) > 200:
        stem, _dot, ext = name.rpartition(".")
        name = stem[: 200 - len(ext) - 1] + "." + ext if ext and len(ext) <= 10 else name[:200]
    return name or f"document.{extension}"


def _signature_ok(extension: str, path: Path, head: bytes) -> bool:
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension in _OOXML_PART or extension in _ODF_MIME:
        if not head.startswith(b"PK\x03\x04") or not zipfile.is_zipfile(path):
            return False
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if extension in _OOXML_PART:
                return "[Content_Types].xml" in names and any(n.startswith(_OOXML_PART[extension]) for n in names)
            return "mimetype" in names and archive.read("mimetype").strip() == _ODF_MIME[extension]
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
    """Check an uploaded file (a Werkzeug ``FileStorage``) and hash it; raise a clear error otherwise."""
    if storage_file is None or not getattr(storage_file, "filename", None):
        raise ValidationError(_("Choose a file to upload."), fields={"file": _("Choose a file to upload.")})
    raw_name = storage_file.filename or ""
    extension = raw_name.rsplit(".", 1)[-1].lower() if "." in raw_name else ""
    if extension not in ALLOWED or "\x00" in raw_name:
        raise UnsupportedFile(_("This type of file is not accepted. Upload a PDF, Word, Excel, PowerPoint, "
                                "OpenDocument, CSV, text, PNG or JPEG file."),
                              fields={"file": _("This type of file is not accepted.")})
    stream = storage_file.stream
    stream.flush()
    temp_path = Path(stream.name)
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
    if not _signature_ok(extension, temp_path, head):
        raise UnsupportedFile(_("The file's content does not match its name (.%(ext)s). Save it again in that "
                                "format, then upload it.", ext=extension),
                              fields={"file": _("The content is not a real .%(ext)s file.", ext=extension)})
    return CheckedFile(temp_path=temp_path, original_filename=clean_filename(raw_name, extension),
                       extension=extension, content_type=ALLOWED[extension], size=size,
                       sha256=digest.hexdigest())
