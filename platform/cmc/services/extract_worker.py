"""Text extraction of one untrusted file, run in a process of its own (``cmc.services.extract`` starts it).

Run as ``python -P extract_worker.py PATH EXTENSION LIMITS_JSON``: it confines itself first (address space,
CPU seconds, no files written), then reads the file and prints one JSON line (``status`` and, for zip
containers, ``valid``: whether the parts its type needs are there) followed by the text, whitespace collapsed.

Standard library only (pypdf is imported for PDFs), and nothing of ``cmc``: the child never imports Flask,
never sees the server's settings, and starts in about 20 ms (PDFs: about 150 ms with pypdf). ``-P`` keeps
this folder off ``sys.path``, so that sibling modules cannot shadow a library.

Why a process: parsing is CPU work, and the server is gevent, one OS thread for every page and socket. A
122 KB ``.docx`` whose XML unpacks to 49 MB held that thread for 5-12 s and took ~675 MB with ElementTree's
tree. Here the XML is never a tree: expat is fed 64 KB at a time and only character data is kept (49 MB
parse in ~0.3 s, memory flat), and whatever a file does, the limits below bound it and the parent kills
the process at its wall-clock deadline.
"""

from __future__ import annotations

import json
import os
import pyexpat
import re
import resource
import struct
import sys
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import IO, Any

MAX_CHARS = 2_000_000  # enough for any report; bounds the index and the time spent
MAX_PDF_PAGES = 500
#: Below this many unpacked bytes an entry's compression ratio is not judged: a few KB of repeated markup
#: legitimately compresses 200 times and costs nothing to read.
RATIO_FLOOR = 1024 * 1024
READ_CHUNK = 64 * 1024
_SPACES = re.compile(r"\s+")
_SLICE = 64 * 1024

#: What a zip-based office file must hold to be what its name says, and the parts whose text is indexed.
OOXML_PART = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
ODF_MIME = {"odt": b"application/vnd.oasis.opendocument.text",
            "ods": b"application/vnd.oasis.opendocument.spreadsheet"}
_SLIDE = re.compile(r"^ppt/slides/slide(\d+)\.xml$")
#: Elements after which words are separated: paragraphs, headings, cells, breaks and tabs of Word, Excel,
#: PowerPoint and OpenDocument. Runs (``w:r``, ``text:span``) join without a space: a word split across two
#: runs stays one word.
_BREAKS = frozenset({"p", "h", "tab", "br", "cr", "s", "line-break", "si", "tc", "table-cell", "list-item"})


@dataclass(frozen=True)
class Limits:
    """What one extraction may use. ``max_bytes``: total unpacked bytes read (zip entries; each PDF stream);
    ``max_ratio``: unpacked / packed size of a zip entry; ``max_entries``: entries of a zip; ``seconds``:
    wall clock (the parent kills at it) and CPU; ``memory_bytes``: address space of this process."""

    max_bytes: int
    max_ratio: float
    max_entries: int
    seconds: float
    memory_bytes: int

    def to_json(self) -> str:
        """The limits as the worker's command-line argument."""
        return json.dumps(asdict(self))


class OverLimit(Exception):
    """A limit was reached; ``limit`` names it (size, ratio, entries)."""

    def __init__(self, limit: str) -> None:
        super().__init__(limit)
        self.limit = limit


class Refused(Exception):
    """The XML declares a DTD or an entity: an office file never does, a hostile one might."""


@dataclass
class Outcome:
    """What the worker found: ``status`` is ``indexed``, ``none`` (no words), ``unreadable`` or
    ``limit:<name>``; ``valid`` is False when a zip container lacks what its type needs (None: not judged)."""

    status: str
    text: str = ""
    valid: bool | None = None


# --- whitespace -------------------------------------------------------------------------------------------

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


def storable(text: str) -> str:
    """Text every database stores: no NUL (PostgreSQL refuses it) and no lone surrogate (not UTF-8)."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", " ")


# --- zip containers ---------------------------------------------------------------------------------------

def zip_entry_count(handle: IO[bytes]) -> int | None:
    """The number of entries the zip's end record declares (zip64 too), read from its last 64 KB without
    parsing the central directory; None when there is no end record."""
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    tail_length = min(size, 22 + 65535)
    handle.seek(size - tail_length)
    tail = handle.read(tail_length)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    entries = struct.unpack_from("<H", tail, at + 10)[0]
    if entries != 0xFFFF or at < 20 or tail[at - 20:at - 16] != b"PK\x06\x07":
        return int(entries)
    record_offset = struct.unpack_from("<Q", tail, at - 12)[0]  # the zip64 end record
    handle.seek(record_offset)
    record = handle.read(56)
    if len(record) < 56 or record[:4] != b"PK\x06\x06":
        return None
    return int(struct.unpack_from("<Q", record, 32)[0])


def _valid_container(archive: zipfile.ZipFile, extension: str) -> bool:
    names = set(archive.namelist())
    if extension in OOXML_PART:
        return "[Content_Types].xml" in names and any(n.startswith(OOXML_PART[extension]) for n in names)
    if "mimetype" not in names:
        return False
    with archive.open("mimetype") as member:  # at most 100 bytes: a deflated "mimetype" may be a bomb too
        return member.read(100).strip() == ODF_MIME[extension]


def _text_parts(archive: zipfile.ZipFile, extension: str) -> list[zipfile.ZipInfo]:
    names = {info.filename: info for info in archive.infolist()}
    if extension == "docx":
        wanted = ["word/document.xml"]
    elif extension == "xlsx":
        wanted = ["xl/sharedStrings.xml"]
    elif extension == "pptx":
        slides = [(int(m.group(1)), name) for name in names if (m := _SLIDE.match(name))]
        wanted = [name for _number, name in sorted(slides)]
    else:
        wanted = ["content.xml"]
    return [names[name] for name in wanted if name in names]


def _check_declared(parts: Iterable[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse on the sizes the archive declares, before unpacking a byte."""
    total = 0
    for info in parts:
        total += info.file_size
        if total > limits.max_bytes:
            raise OverLimit("size")
        if info.file_size > RATIO_FLOOR and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise OverLimit("ratio")


def office_text(path: str, extension: str, limits: Limits) -> Outcome:
    """The words of a Word, Excel, PowerPoint or OpenDocument file, read within ``limits``."""
    with open(path, "rb") as handle:
        declared = zip_entry_count(handle)
        if declared is not None and declared > limits.max_entries:
            return Outcome("limit:entries")
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, ValueError, EOFError):
            return Outcome("none", valid=False)
        with archive:
            if len(archive.infolist()) > limits.max_entries:  # the end record may lie
                return Outcome("limit:entries")
            if not _valid_container(archive, extension):
                return Outcome("none", valid=False)
            parts = _text_parts(archive, extension)
            _check_declared(parts, limits)
            text = _parts_text(archive, parts, limits)
    return Outcome("indexed" if text else "none", text, valid=True)


def _parts_text(archive: zipfile.ZipFile, parts: list[zipfile.ZipInfo], limits: Limits) -> str:
    collected = _Collector()
    unpacked = 0
    for info in parts:
        entry_bytes = 0
        with archive.open(info) as member:
            parser = _xml_parser(collected)
            while chunk := member.read(READ_CHUNK):
                entry_bytes += len(chunk)
                unpacked += len(chunk)
                # The declared sizes were checked, and zipfile returns no more than they say; counted anyway,
                # so that the limits hold whatever the reader below does.
                if unpacked > limits.max_bytes:
                    raise OverLimit("size")
                if entry_bytes > RATIO_FLOOR and entry_bytes > limits.max_ratio * max(info.compress_size, 1):
                    raise OverLimit("ratio")
                parser.Parse(chunk, False)
                if collected.total >= MAX_CHARS:
                    return collected.text()
            parser.Parse(b"", True)
        collected.end(" p")  # parts (slides) are separated as paragraphs are
    return collected.text()


class _Collector:
    """Character data of the parsed XML, with a space after each paragraph-like element.

    Small pieces are joined into a chunk every ``BATCH`` pieces: two million one-letter runs would otherwise
    be two million string objects (about 120 MB); joined, they are the 2 MB of text they say.
    """

    BATCH = 4096

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.pieces: list[str] = []
        self.total = 0
        self.spaced = True  # whether what is kept ends with a separating space

    def add(self, data: str) -> None:
        self.pieces.append(data)
        self.total += len(data)
        self.spaced = False
        if len(self.pieces) >= self.BATCH:
            self.chunks.append("".join(self.pieces))
            self.pieces.clear()

    def end(self, name: str) -> None:
        # One space after a paragraph-like element, none after an empty one: a million empty paragraphs must
        # not count as a million characters of text (they would end the reading before any word).
        if not self.spaced and name.rpartition(" ")[2] in _BREAKS:
            self.add(" ")
            self.spaced = True

    def text(self) -> str:
        return "".join(self.chunks) + "".join(self.pieces)


def _refuse(*_args: Any) -> None:
    raise Refused("the XML declares a DTD or an entity")


def _xml_parser(collected: _Collector) -> Any:
    """An expat parser that keeps only character data and refuses any DTD or entity (so none is expanded,
    nothing external is read, and no network is touched)."""
    parser = pyexpat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.CharacterDataHandler = collected.add
    parser.EndElementHandler = collected.end
    parser.buffer_text = True
    parser.buffer_size = READ_CHUNK
    return parser


# --- PDF and plain text -----------------------------------------------------------------------------------

def pdf_text(path: str, limits: Limits) -> Outcome:
    """The words of a PDF's first MAX_PDF_PAGES pages; every stream unpacks to at most ``max_bytes``."""
    import pypdf
    from pypdf.errors import LimitReachedError

    cap = limits.max_bytes
    pypdf.overwrite_configuration(
        maximum_declared_stream_length=cap, array_based_stream_maximum_output_length=cap,
        jbig2_maximum_output_length=cap, lzw_maximum_output_length=cap, run_length_maximum_output_length=cap,
        zlib_maximum_output_length=cap, brotli_maximum_output_length=cap, image_maximum_buffer_size=cap,
        stream_decoding_work_maximum_length=cap, jbig2dec_binary=None, disable_legacy_handling=True)
    try:
        reader = pypdf.PdfReader(path)
        parts: list[str] = []
        total = 0
        for page in reader.pages[:MAX_PDF_PAGES]:
            chunk = page.extract_text() or ""
            parts.append(chunk)
            total += len(chunk)
            if total > MAX_CHARS:
                break
    except LimitReachedError:
        return Outcome("limit:size")
    text = " ".join(parts)
    return Outcome("indexed" if text.strip() else "none", text)


def plain_text(path: str) -> Outcome:
    """A text or CSV file's words (only what gets indexed is read: a large upload is never read whole)."""
    with open(path, "rb") as handle:
        raw = handle.read(MAX_CHARS * 2)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of what was read is fine; anything else is cp1252.
        text = raw[:exc.start].decode("utf-8") if exc.start >= len(raw) - 4 else raw.decode("cp1252", "replace")
    return Outcome("indexed" if text.strip() else "none", text)


READERS: dict[str, Callable[[str, str, Limits], Outcome]] = {
    **{ext: office_text for ext in (*OOXML_PART, *ODF_MIME)},
    "pdf": lambda path, _ext, limits: pdf_text(path, limits),
    "txt": lambda path, _ext, _limits: plain_text(path),
    "csv": lambda path, _ext, _limits: plain_text(path),
}


def read(path: str, extension: str, limits: Limits) -> Outcome:
    """Read one file within ``limits``, in this process (the worker's body; trusted callers use it directly)."""
    reader = READERS.get(extension)
    if reader is None:
        return Outcome("none")
    try:
        outcome = reader(path, extension, limits)
    except OverLimit as exc:
        return Outcome(f"limit:{exc.limit}")
    except MemoryError:
        return Outcome("limit:memory")
    except Exception:  # a damaged or hostile file is not searchable; which error it raised does not matter
        return Outcome("unreadable")
    outcome.text = storable(collapse_spaces(outcome.text))
    if outcome.status == "indexed" and not outcome.text:
        outcome.status = "none"
    return outcome


# --- the process ------------------------------------------------------------------------------------------

def confine(limits: Limits) -> None:
    """Limit this process: address space, CPU seconds (SIGXCPU past them), no files written, no core dump;
    and yield the CPU to the server (nice 10), whose pages and sockets must answer first."""
    os.nice(10)
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    cpu = int(limits.seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main(argv: list[str]) -> int:
    """``PATH EXTENSION LIMITS_JSON``: confine, read, print the JSON header line and the text."""
    path, extension, raw_limits = argv[1:4]
    limits = Limits(**json.loads(raw_limits))
    confine(limits)
    outcome = read(path, extension, limits)
    header = json.dumps({"status": outcome.status, "valid": outcome.valid}).encode()
    sys.stdout.buffer.write(header + b"\n" + outcome.text.encode("utf-8"))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
