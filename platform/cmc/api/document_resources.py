"""Document endpoints of the API. Each docstring's YAML after ``---`` is its OpenAPI operation."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from cmc.api import BadRequestBody, UnsupportedMediaType, bp, json_body
from cmc.http.access import Access, access
from cmc.http.files import send_version
from cmc.http.pagination import paginate
from cmc.models import Account, Document
from cmc.schemas import DocumentPageSchema, DocumentSchema, DocumentVersionSchema, DocumentWithVersionsSchema
from cmc.schemas.common import With
from cmc.services import documents, idempotency, networks
from cmc.uploads import check


def _actor() -> Account:
    return current_user._get_current_object()


def document_json(document: Document, *, with_versions: bool = False) -> dict[str, Any]:
    """A document's metadata as the API shows it; with every version when read on its own."""
    if with_versions:
        return DocumentWithVersionsSchema().dump(With(document, versions=documents.versions(document)))
    return DocumentSchema().dump(document)


def _multipart_input() -> documents.DocumentInput:
    if not request.content_type or not request.content_type.startswith("multipart/form-data"):
        raise UnsupportedMediaType(_("Send the file as multipart/form-data with a part named file."))
    form = request.form
    languages = form.getlist("languages") or [code for code in form.get("language", "en").split(",")]
    return documents.DocumentInput(title=form.get("title", ""), description=form.get("description", ""),
                                   kind=form.get("kind", "report"), languages=languages,
                                   audience=form.get("audience", "network"), party_codes=form.getlist("parties"),
                                   status=form.get("status", ""), note=form.get("note", ""))


def _checked_file() -> Any:
    return check(request.files.get("file"), max_bytes=current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024)


@bp.get("/documents")
@access(Access.SIGNED_IN)
def list_documents() -> Any:
    """Documents I may read.
    ---
    get:
      summary: List or search the documents I may read (25 a page)
      tags: [documents]
      parameters:
        - {name: q, in: query, schema: {type: string}, description: words to find in title, description and text}
        - {name: network, in: query, schema: {type: string}}
        - {name: kind, in: query, schema: {type: string}}
        - {name: language, in: query, schema: {type: string}}
        - {name: party, in: query, schema: {type: string}}
        - {name: status, in: query, schema: {type: string}}
        - {name: sort, in: query, schema: {type: string, enum: [date, title]}}
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
      responses:
        200:
          description: One page of documents
          content:
            application/json:
              schema: {$ref: '#/components/schemas/DocumentPage'}
        401: {$ref: '#/components/responses/Unauthenticated'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    args = request.args
    network = networks.open_network(_actor(), args["network"]) if args.get("network") else None
    filters = documents.DocumentFilter(network=network, kind=args.get("kind", ""), language=args.get("language", ""),
                                       party=args.get("party", "")[:12], status=args.get("status", ""),
                                       query=args.get("q", "")[:200], sort=args.get("sort", "date"))
    page = paginate(documents.list_query(_actor(), filters), per_page=25)
    return jsonify(DocumentPageSchema().dump(page))


@bp.post("/networks/<slug>/documents")
@access(Access.SIGNED_IN)
def upload_document(slug: str) -> Any:
    """Upload a document.
    ---
    post:
      summary: Upload a document into a network (multipart); version 1. Idempotency-Key makes retries safe
      description: >-
        The file's text is read for search within limits (unpacked size, compression ratio, parts, time,
        memory); a file over one is stored without text, and versions[0].text says so. The same
        Idempotency-Key with the same upload answers the document made the first time (200); with a
        different upload, 422. Keys are kept for 7 days.
      tags: [documents]
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}}
        - {name: Idempotency-Key, in: header, schema: {type: string, maxLength: 80}}
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [file, title]
              properties:
                file: {type: string, format: binary}
                title: {type: string}
                description: {type: string}
                kind: {type: string, enum: [report, protocol, presentation, statement, minutes, statistics, other]}
                languages: {type: array, items: {type: string}}
                audience: {type: string, enum: [network, all, named]}
                parties: {type: array, items: {type: string}}
                status: {type: string, enum: [draft, under_review, adopted]}
                note: {type: string}
      responses:
        200:
          description: The document made earlier with the same Idempotency-Key
          content:
            application/json:
              schema: {$ref: '#/components/schemas/DocumentWithVersions'}
        201:
          description: The document
          content:
            application/json:
              schema: {$ref: '#/components/schemas/DocumentWithVersions'}
        401: {$ref: '#/components/responses/Unauthenticated'}
        403: {$ref: '#/components/responses/Forbidden'}
        404: {$ref: '#/components/responses/NotFound'}
        410: {$ref: '#/components/responses/Gone'}
        413: {$ref: '#/components/responses/PayloadTooLarge'}
        415: {$ref: '#/components/responses/UnsupportedMediaType'}
        422: {$ref: '#/components/responses/ValidationFailed'}
        507: {$ref: '#/components/responses/InsufficientStorage'}
    """
    data = _multipart_input()
    networks.open_network(_actor(), slug)  # a non-member learns nothing, not even whether the file was fine
    key = idempotency.clean_key(request.headers.get("Idempotency-Key"))
    replayed = key is not None and idempotency.find(_actor().id, "document.upload", key) is not None
    document = documents.upload(_actor(), slug, data, _checked_file(), idempotency_key=key)
    return jsonify(document_json(document, with_versions=True)), 200 if replayed else 201


@bp.get("/documents/<int:document_id>")
@access(Access.SIGNED_IN)
def get_document(document_id: int) -> Any:
    """A document and its versions.
    ---
    get:
      summary: A document's metadata and every version
      tags: [documents]
      parameters:
        - {name: document_id, in: path, required: true, schema: {type: integer}}
      responses:
        200:
          description: The document
          content:
            application/json:
              schema: {$ref: '#/components/schemas/DocumentWithVersions'}
        401: {$ref: '#/components/responses/Unauthenticated'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    return jsonify(document_json(documents.get(_actor(), document_id), with_versions=True))


@bp.post("/documents/<int:document_id>/versions")
@access(Access.SIGNED_IN)
def upload_version(document_id: int) -> Any:
    """Upload a new version.
    ---
    post:
      summary: Upload a new file as version n+1 (multipart). Idempotency-Key makes retries safe
      description: >-
        As for a new document: text read within limits (text says whether it is indexed); the same
        Idempotency-Key with the same file and note answers the version made the first time (200).
      tags: [documents]
      parameters:
        - {name: document_id, in: path, required: true, schema: {type: integer}}
        - {name: Idempotency-Key, in: header, schema: {type: string, maxLength: 80}}
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [file]
              properties:
                file: {type: string, format: binary}
                note: {type: string}
      responses:
        200:
          description: The version made earlier with the same Idempotency-Key
          content:
            application/json:
              schema: {$ref: '#/components/schemas/DocumentVersion'}
        201:
          description: The new version
          content:
            application/json:
              schema: {$ref: '#/components/schemas/DocumentVersion'}
        401: {$ref: '#/components/responses/Unauthenticated'}
        403: {$ref: '#/components/responses/Forbidden'}
        404: {$ref: '#/components/responses/NotFound'}
        413: {$ref: '#/components/responses/PayloadTooLarge'}
        415: {$ref: '#/components/responses/UnsupportedMediaType'}
        422: {$ref: '#/components/responses/ValidationFailed'}
        507: {$ref: '#/components/responses/InsufficientStorage'}
    """
    if not request.content_type or not request.content_type.startswith("multipart/form-data"):
        raise UnsupportedMediaType(_("Send the file as multipart/form-data with a part named file."))
    documents.get(_actor(), document_id)
    key = idempotency.clean_key(request.headers.get("Idempotency-Key"))
    replayed = key is not None and idempotency.find(_actor().id, "document.version", key) is not None
    version = documents.add_version(_actor(), document_id, _checked_file(), request.form.get("note", ""),
                                    idempotency_key=key)
    return jsonify(DocumentVersionSchema().dump(version)), 200 if replayed else 201


@bp.get("/documents/<int:document_id>/versions/<int:number>/download")
@access(Access.SIGNED_IN)
def download_version(document_id: int, number: int) -> Any:
    """Download a version.
    ---
    get:
      summary: The file of one version, as an attachment (audited)
      tags: [documents]
      parameters:
        - {name: document_id, in: path, required: true, schema: {type: integer}}
        - {name: number, in: path, required: true, schema: {type: integer}}
      responses:
        200:
          description: The file; X-Document-SHA256 carries its hash
          content:
            application/octet-stream:
              schema: {type: string, format: binary}
        401: {$ref: '#/components/responses/Unauthenticated'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    document, version = documents.open_version(_actor(), document_id, number)
    return send_version(document, version)


@bp.put("/documents/<int:document_id>/audience")
@access(Access.SIGNED_IN)
def set_audience(document_id: int) -> Any:
    """Change who may read a document.
    ---
    put:
      summary: Narrow or widen the audience (the originating party, or the secretariat)
      tags: [documents]
      parameters:
        - {name: document_id, in: path, required: true, schema: {type: integer}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [audience]
              properties:
                audience: {type: string, enum: [network, all, named]}
                parties: {type: array, items: {type: string}}
      responses:
        200:
          description: The document
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Document'}
        400: {$ref: '#/components/responses/BadRequest'}
        401: {$ref: '#/components/responses/Unauthenticated'}
        403: {$ref: '#/components/responses/Forbidden'}
        404: {$ref: '#/components/responses/NotFound'}
        415: {$ref: '#/components/responses/UnsupportedMediaType'}
        422: {$ref: '#/components/responses/ValidationFailed'}
    """
    data = json_body()
    audience = data.get("audience")
    parties = data.get("parties", [])
    if not isinstance(audience, str) or not isinstance(parties, list):
        raise BadRequestBody(_("audience must be a string and parties a list of party codes."),
                             fields={"audience": "required"})
    document = documents.change_audience(_actor(), document_id, audience, [str(p) for p in parties])
    return jsonify(document_json(document))
