"""Real files of every accepted kind, built in memory for the upload tests (PDF and DOCX come from
``cmc.sample_files``, which the benchmark seed uses too), and hostile ones: zip and PDF bombs, built
without ever holding what they unpack to."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from cmc.sample_files import docx, one_page_pdf, pdf

__all__ = [
    "HTML",
    "PNG",
    "SVG",
    "docx",
    "docx_with_xml",
    "hostile_docx",
    "many_parts",
    "ods",
    "odt",
    "odt_bomb",
    "pdf",
    "pdf_with_stream",
    "pptx",
    "xlsx",
    "zip_bomb",
]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


# --- office files of every extracted kind, and hostile ones ------------------------------------------------

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
TEXT_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"')
CONTENT_TYPES = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="xml" ContentType="application/xml"/></Types>')
ODF_MIME = {"odt": "application/vnd.oasis.opendocument.text", "ods": "application/vnd.oasis.opendocument.spreadsheet"}


def _zip(entries: dict[str, bytes | str], *, stored: tuple[str, ...] = ("mimetype",)) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


def odt(paragraphs: list[str]) -> bytes:
    """An OpenDocument text with one paragraph per item."""
    body = "".join(f"<text:p>{escape(p)}</text:p>" for p in paragraphs)
    return _zip({"mimetype": ODF_MIME["odt"], "content.xml": f'<?xml version="1.0"?><office:document-content '
                 f"{TEXT_NS}><office:body><office:text>{body}</office:text></office:body></office:document-content>"})


def ods(cells: list[str]) -> bytes:
    """An OpenDocument spreadsheet with one cell per item."""
    row = "".join(f"<table:table-cell><text:p>{escape(c)}</text:p></table:table-cell>" for c in cells)
    return _zip({"mimetype": ODF_MIME["ods"], "content.xml": f'<?xml version="1.0"?><office:document-content '
                 f"{TEXT_NS}><office:body><office:spreadsheet><table:table><table:table-row>{row}"
                 "</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"})


def xlsx(strings: list[str]) -> bytes:
    """A workbook whose shared strings are ``strings``."""
    items = "".join(f"<si><t>{escape(t)}</t></si>" for t in strings)
    return _zip({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": "<workbook/>",
                 "xl/sharedStrings.xml": '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                         f"{items}</sst>"})


def pptx(slides: list[str]) -> bytes:
    """A presentation with one slide per item (slide 10 after slide 9)."""
    entries: dict[str, bytes | str] = {"[Content_Types].xml": CONTENT_TYPES}
    for number, text in enumerate(slides, start=1):
        entries[f"ppt/slides/slide{number}.xml"] = (
            '<p:sld xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
            'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><p:txBody><a:p><a:r>'
            f"<a:t>{escape(text)}</a:t></a:r></a:p></p:txBody></p:sld>")
    return _zip(entries)


def docx_with_xml(document_xml: str) -> bytes:
    """A Word document whose ``word/document.xml`` is exactly ``document_xml``."""
    return _zip({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": document_xml})


def many_parts(extension: str, count: int) -> bytes:
    """A Word document (or workbook, presentation) padded with ``count`` empty parts."""
    base = {"docx": ("word/document.xml", f"<w:document {W}><w:body/></w:document>"),
            "xlsx": ("xl/workbook.xml", "<workbook/>"), "pptx": ("ppt/presentation.xml", "<p/>")}[extension]
    entries: dict[str, bytes | str] = {"[Content_Types].xml": CONTENT_TYPES, base[0]: base[1]}
    entries.update({f"customXml/item{n}.xml": b"" for n in range(count)})
    return _zip(entries)


def _raw_deflate(data: bytes) -> bytes:
    """``data`` deflated as independent blocks ending on a byte boundary (a full flush, not the final
    block): such pieces can be concatenated, and repeated, into one valid deflate stream."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def zip_bomb(target: BinaryIO, members: dict[str, bytes], bomb_name: str, head: bytes, block: bytes,
             repeat: int, tail: bytes) -> int:
    """Write to ``target`` a zip holding ``members`` (stored) and ``bomb_name``: ``head + block * repeat +
    tail``, deflated, without ever building it: ``block`` is deflated once and its compressed form repeated
    (1 GB of XML is about 3 MB of zip, written in about half a second, most of it the CRC). Returns the
    bomb's unpacked size. Sizes must stay under 4 GB (no zip64)."""
    pieces = [_raw_deflate(head), _raw_deflate(block), _raw_deflate(tail), b"\x03\x00"]  # last: final block
    unpacked = len(head) + len(block) * repeat + len(tail)
    packed = len(pieces[0]) + len(pieces[1]) * repeat + len(pieces[2]) + len(pieces[3])
    crc = zlib.crc32(head)
    for _ in range(repeat):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    entries: list[tuple[bytes, int, int, int, int, int]] = []  # name, method, crc, packed, unpacked, offset

    def local_header(name: bytes, method: int, crc32: int, csize: int, usize: int) -> None:
        entries.append((name, method, crc32, csize, usize, target.tell()))
        target.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0x5021, crc32, csize, usize,
                                 len(name), 0) + name)

    for name, data in members.items():
        local_header(name.encode(), 0, zlib.crc32(data), len(data), len(data))
        target.write(data)
    local_header(bomb_name.encode(), 8, crc, packed, unpacked)
    target.write(pieces[0])
    for _ in range(repeat):
        target.write(pieces[1])
    target.write(pieces[2] + pieces[3])
    directory_at = target.tell()
    for name, method, crc32, csize, usize, offset in entries:
        target.write(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, method, 0, 0x5021, crc32, csize, usize,
                                 len(name), 0, 0, 0, 0, 0, offset) + name)
    directory_size = target.tell() - directory_at
    target.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), directory_size,
                             directory_at, 0))
    return unpacked


def hostile_docx(target: BinaryIO, megabytes: int = 49) -> int:
    """The issue's ``.docx``: about 130 KB whose ``word/document.xml`` unpacks to ``megabytes`` MB."""
    block = (b"<w:p><w:r><w:t>" + b"A" * 1000 + b"</w:t></w:r></w:p>") * 1000  # 1 MB: deflates 1:~400
    head = f'<?xml version="1.0"?><w:document {W}><w:body>'.encode()
    return zip_bomb(target, {"[Content_Types].xml": CONTENT_TYPES.encode()}, "word/document.xml", head, block,
                    megabytes * 1024 * 1024 // len(block), b"</w:body></w:document>")


def odt_bomb(target: BinaryIO, megabytes: int = 1024) -> int:
    """An OpenDocument text whose ``content.xml`` unpacks to ``megabytes`` MB of empty paragraphs (1 GB: about
    3 MB of file): all markup and no words, so a reader without limits parses every byte."""
    block = b"<text:p><text:span/></text:p>" * 36_000
    head = f'<?xml version="1.0"?><office:document-content {TEXT_NS}><office:body><office:text>'.encode()
    return zip_bomb(target, {"mimetype": ODF_MIME["odt"].encode()}, "content.xml", head, block,
                    megabytes * 1024 * 1024 // len(block), b"</office:text></office:body></office:document-content>")


def _zlib_repeated(block: bytes, repeat: int) -> bytes:
    """``block * repeat`` as a zlib stream, without building it (see ``zip_bomb``)."""
    piece = _raw_deflate(block)
    adler = 1
    for _ in range(repeat):
        adler = zlib.adler32(block, adler)
    return b"\x78\xda" + piece * repeat + b"\x03\x00" + struct.pack(">L", adler)


def pdf_with_stream(block: bytes, repeat: int = 1) -> bytes:
    """A one-page PDF whose content stream is ``block * repeat``, deflated (a PDF bomb when it is huge:
    200 MB of stream in about 200 KB)."""
    packed = _zlib_repeated(block, repeat)
    return one_page_pdf(b"<< /Length " + str(len(packed)).encode() + b" /Filter /FlateDecode >>\nstream\n" + packed
                        + b"\nendstream")


def multipart(fields: dict[str, str], content: bytes, filename: str = "annex.pdf") -> dict[str, Any]:
    """``client.post(path, **multipart(fields, content))``: a multipart body with ``fields`` and a file part,
    built here as one bytes object (the test client spools bodies over 500 KB to a temporary file it never
    closes, which the warnings-as-errors setting turns into a failure)."""
    boundary = "cmc-test-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    return {"data": b"".join(parts) + f"--{boundary}--\r\n".encode(),
            "content_type": f"multipart/form-data; boundary={boundary}"}
