"""Documents: upload, versions, restore, audience, search and audited downloads.

One module a job: ``reading`` (who reads what, lists, downloads; ``rows``: lists as rows), ``validation``
(what the uploader says), ``writing`` (upload, new versions, restore), ``files`` (the file behind a version),
``editing`` (metadata and audience), ``forwarding`` (sharing a document in another network). Callers keep using
``services.documents.<name>``: the names are re-exported here.
"""

from __future__ import annotations

from cmc.services.documents.editing import change_audience, update
from cmc.services.documents.forwarding import forward, targets
from cmc.services.documents.reading import (
    SORTS,
    DocumentFilter,
    api_rows_query,
    current_by_language,
    export_marking,
    find_version,
    get,
    list_query,
    list_rows_query,
    mark_restricted,
    matched_languages,
    open_version,
    readable_clause,
    record_view,
    storage,
    text_body,
    text_languages,
    versions,
)
from cmc.services.documents.rows import ApiDocumentRow, DocumentRow, load_api_rows, load_rows
from cmc.services.documents.validation import DOCUMENT_LANGUAGES, DocumentInput, language_name
from cmc.services.documents.writing import add_version, restore, upload

__all__ = [
    "DOCUMENT_LANGUAGES",
    "SORTS",
    "ApiDocumentRow",
    "DocumentFilter",
    "DocumentInput",
    "DocumentRow",
    "add_version",
    "api_rows_query",
    "change_audience",
    "current_by_language",
    "export_marking",
    "find_version",
    "forward",
    "get",
    "language_name",
    "list_query",
    "list_rows_query",
    "load_api_rows",
    "load_rows",
    "mark_restricted",
    "matched_languages",
    "open_version",
    "readable_clause",
    "record_view",
    "restore",
    "storage",
    "targets",
    "text_body",
    "text_languages",
    "update",
    "upload",
    "versions",
]
