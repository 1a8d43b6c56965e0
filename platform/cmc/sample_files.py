"""Small, real files built in memory: a one-page PDF and a minimal Word document.

The benchmark seed (``cmc seed --scale``) stores thousands of them, and the tests upload them; both need
files that the text extractor really reads, not placeholders.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape


def _pdf_string(text: str) -> bytes:
    # Inside a PDF literal string, backslashes and parentheses must be escaped or the page is damaged.
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return escaped.encode("latin-1", errors="replace")


def pdf(text: str = "Hello", *, lines: list[str] | None = None) -> bytes:
    """A small, valid PDF whose page shows ``text`` (or each of ``lines`` on a line of its own)."""
    shown = lines if lines is not None else [text]
    parts = [b"BT /F1 11 Tf 14 TL 72 720 Td"]
    for number, line in enumerate(shown):
        parts.append((b"(" if number == 0 else b"T* (") + _pdf_string(line) + b") Tj")
    parts.append(b"ET")
    stream = b" ".join(parts) if lines is not None else f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    return one_page_pdf(b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream")


def one_page_pdf(contents: bytes) -> bytes:
    """A one-page PDF (Helvetica as F1) whose page content is the stream object ``contents`` (its dictionary,
    ``stream``, the bytes and ``endstream``), with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        contents,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _entry(name: str) -> zipfile.ZipInfo:
    return zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))


def docx(text: str = "Hello", *, paragraphs: list[str] | None = None) -> bytes:
    """A minimal Word document containing ``text`` (or one Word paragraph per item of ``paragraphs``)."""
    if paragraphs is None:
        body = f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"
    else:
        body = "".join(f"<w:p><w:r><w:t>{escape(p)}</w:t></w:r></w:p>" for p in paragraphs)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        # A fixed date in the zip entries (not the current time), so the same text makes the same bytes.
        archive.writestr(_entry("[Content_Types].xml"), '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats'
                         '.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
                         "</Types>")
        archive.writestr(_entry("word/document.xml"), '<?xml version="1.0"?><w:document xmlns:w="http://schemas.'
                         'openxmlformats.org/wordprocessingml/2006/main"><w:body>'
                         f"{body}</w:body></w:document>")
    return out.getvalue()
