"""Plain text out of uploaded files, for search: PDF (pypdf, pure Python), DOCX and ODT (their XML),
TXT and CSV. Anything that fails to parse simply yields no text: search then finds the title only."""

from __future__ import annotations

import logging
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

log = logging.getLogger("cmc.extract")

MAX_CHARS = 2_000_000  # enough for any report; bounds the index and the time spent
MAX_PDF_PAGES = 500
_SPACES = re.compile(r"\s+")


def extract_text(path: Path, extension: str) -> str:
    """The words of the file, whitespace collapsed, or '' when the format has none or cannot be read."""
    try:
        if extension == "pdf":
            text = _pdf(path)
        elif extension in ("docx", "odt"):
            text = _office_xml(path, "word/document.xml" if extension == "docx" else "content.xml")
        elif extension in ("txt", "csv"):
            with path.open("rb") as handle:  # only what gets indexed: a large upload is never read whole
                raw = handle.read(MAX_CHARS * 2)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("cp1252", errors="replace")
        else:
            return ""
    except Exception:  # a damaged or hostile file must not break the upload; it just is not searchable
        log.warning("could not extract text from a .%s upload", extension, exc_info=True)
        return ""
    return _SPACES.sub(" ", text)[:MAX_CHARS].strip()


def _pdf(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    parts: list[str] = []
    total = 0
    for page in reader.pages[:MAX_PDF_PAGES]:
        chunk = page.extract_text() or ""
        parts.append(chunk)
        total += len(chunk)
        if total > MAX_CHARS:
            break
    return " ".join(parts)


def _office_xml(path: Path, member: str) -> str:
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
        if info.file_size > 50 * 1024 * 1024:  # a zip bomb does not get unpacked
            return ""
        data = archive.read(member)
    # ElementTree does not expand external entities; Office XML has none we need.
    root = ElementTree.fromstring(data)  # noqa: S314 - stdlib parser, no external entities or DTD fetches
    return " ".join(t for t in root.itertext() if t.strip())
