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
_SLICE = 64 * 1024


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
    return collapse_spaces(text)


def collapse_spaces(text: str) -> str:
    """``text`` with every run of whitespace made one space, cut to MAX_CHARS and stripped.

    Done a slice at a time: one ``re.sub`` over megabytes of text holds a million small pieces at once (about
    50 MB more for a large text upload, measured by the upload benchmark), a slice holds a few thousand.
    """
    pieces: list[str] = []
    total = 0
    after_space = False  # whether what is kept so far ends with a space
    for start in range(0, len(text), _SLICE):
        piece = _SPACES.sub(" ", text[start:start + _SLICE])
        if after_space and piece.startswith(" "):
            piece = piece[1:]  # a run of whitespace across the cut
        if piece:
            pieces.append(piece)
            total += len(piece)
            after_space = piece.endswith(" ")
        if total > MAX_CHARS:
            break
    return "".join(pieces)[:MAX_CHARS].strip()


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
