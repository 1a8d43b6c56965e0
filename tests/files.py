"""Real files of every accepted kind, built in memory for the upload tests (PDF and DOCX come from
``cmc.sample_files``, which the benchmark seed uses too)."""

from __future__ import annotations

from cmc.sample_files import docx, pdf

__all__ = ["HTML", "PNG", "SVG", "docx", "pdf"]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
