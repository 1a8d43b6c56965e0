"""Sending a stored file: the same headers whether a page or the API asks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from flask import Response, send_file, stream_with_context

from cmc.services import documents

#: The download of a file must never run as a page: the browser gets an attachment it cannot sniff, and a
#: sandboxing policy in case it is ever opened in a tab.
DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


def send_version(document: Any, version: Any) -> Any:
    """The file as an attachment with its original name (RFC 6266 filename*), nosniff and a sandbox CSP."""
    response = send_file(documents.storage().path(version.storage_key), mimetype=version.content_type,
                         as_attachment=True, download_name=version.original_filename, max_age=0, etag=False,
                         conditional=False)
    # RFC 6266: an ASCII fallback that is never empty (a Cyrillic name would become ".pdf"), and the real
    # name in filename*.
    ascii_name = version.original_filename.encode("ascii", "ignore").decode().strip(" .")
    stem = ascii_name.rsplit(".", 1)[0] if "." in ascii_name else ascii_name
    fallback = ascii_name if stem.strip(" ._-") else f"document-{document.id}-v{version.number}.{version.extension}"
    fallback = fallback.replace('"', "'").replace("\\", "_")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{fallback}"; filename*=UTF-8\'\'{quote(version.original_filename, safe="")}')
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Document-SHA256"] = version.sha256
    return response


def streamed_csv(lines: Iterator[str], name: str) -> Response:
    """A CSV download streamed from ``lines`` as ``<name>-<UTC stamp>.csv``. The first line is taken before
    the answer starts: the generator's permission checks and its audit row run while an error can still be
    answered as a page, not in the middle of a download."""
    first = next(lines)

    def chained() -> Iterator[str]:
        yield first
        yield from lines

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return Response(stream_with_context(chained()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}-{stamp}.csv"'})
