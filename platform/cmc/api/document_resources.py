"""Document endpoints of the API; ``@operation`` declares each one's OpenAPI operation."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from cmc.api import BadRequestBody, UnsupportedMediaType, bp, json_body, network_filter
from cmc.api.spec import binary, form, operation
from cmc.http.access import Access
from cmc.http.files import send_version
from cmc.http.pagination import paginate
from cmc.models import Account, Document
from cmc.schemas import DocumentPageSchema, DocumentSchema, DocumentVersionSchema, DocumentWithVersionsSchema
from cmc.schemas.bodies import AudienceInputSchema
from cmc.schemas.common import With
from cmc.schemas.documents import MarkedUploadSchema, MarkedVersionUploadSchema
from cmc.schemas.queries import DocumentQuerySchema
from cmc.services import documents, handling, idempotency, networks
from cmc.uploads import check


def _actor() -> Account:
    return current_user._get_current_object()


def document_json(document: Document, *, with_versions: bool = False) -> dict[str, Any]:
    """A document's metadata as the API shows it; with every version when read on its own."""
    if with_versions:
        every = documents.versions(document)
        return DocumentWithVersionsSchema().dump(With(document, versions=every,
                                                      current_by_language=documents.current_by_language(document,
                                                                                                        every)))
    return DocumentSchema().dump(document)


def _multipart_input() -> documents.DocumentInput:
    if not request.content_type or not request.content_type.startswith("multipart/form-data"):
        raise UnsupportedMediaType(_("Send the file as multipart/form-data with a part named file."))
    form = request.form
    # ``language`` alone is the older way to give the languages ("es" or "es,en"), the file's being the first.
    languages = form.getlist("languages") or [code for code in form.get("language", "en").split(",")]
    file_language = form.get("language", "") if form.getlist("languages") else ""
    return documents.DocumentInput(title=form.get("title", ""), description=form.get("description", ""),
                                   kind=form.get("kind", "report"), languages=languages, language=file_language,
                                   audience=form.get("audience", "network"), party_codes=form.getlist("parties"),
                                   status=form.get("status", ""), note=form.get("note", ""),
                                   **{name: form.get(name, default) for name, default in MARKING_FIELDS.items()})


#: The marking's parts of an upload, with what leaving each out means (H0, no restriction, not evaluated).
MARKING_FIELDS = {"handling_code": "H0", "handling_text": "", "source_reliability": "", "info_accuracy": ""}


def _version_marking() -> handling.Marking | None:
    """The marking a new version's upload asks for; None when it sends none (the document's current one)."""
    form = request.form
    if not any(name in form for name in MARKING_FIELDS):
        return None
    return handling.validate(*(form.get(name, default) for name, default in MARKING_FIELDS.items()))


def _checked_file() -> Any:
    return check(request.files.get("file"), max_bytes=current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024)


@bp.get("/documents")
@operation(Access.SIGNED_IN, summary="List or search the documents I may read (25 a page)", tags=["documents"],
           description="An H2 document my party may not take out (not its originator, no release covering it) is "
                       "listed as a placeholder: id, network, handling and restricted: true, without its title or "
                       "description.",
           query=DocumentQuerySchema, errors=(404,), answers={200: ("One page of documents", DocumentPageSchema)})
def list_documents() -> Any:
    """Documents I may read."""
    args = request.args
    filters = documents.DocumentFilter(network=network_filter(), kind=args.get("kind", ""),
                                       language=args.get("language", ""), party=args.get("party", "")[:12],
                                       status=args.get("status", ""), query=args.get("q", "")[:200],
                                       sort=args.get("sort", "date"), handling=args.get("handling", "")[:2])
    actor = _actor()
    page = paginate(documents.api_rows_query(actor, filters), per_page=25,
                    load=lambda statement: documents.mark_restricted(actor, documents.load_api_rows(statement)))
    return jsonify(DocumentPageSchema().dump(page))


@bp.post("/networks/<slug>/documents")
@operation(Access.SIGNED_IN,
           summary="Upload a document into a network (multipart); version 1. Idempotency-Key makes retries safe",
           description="The file's text is read for search within limits (unpacked size, compression ratio, parts, "
                       "time, memory); a file over one is stored without text, and versions[0].text says so. The "
                       "same Idempotency-Key with the same upload answers the document made the first time (200); "
                       "with a different upload, 422. Keys are kept for 7 days.",
           tags=["documents"], body=form(MarkedUploadSchema), idempotent=True, errors=(410, 413, 507),
           answers={200: ("The document made earlier with the same Idempotency-Key", DocumentWithVersionsSchema),
                    201: ("The document", DocumentWithVersionsSchema)})
def upload_document(slug: str) -> Any:
    """Upload a document."""
    data = _multipart_input()
    networks.open_network(_actor(), slug)  # a non-member learns nothing, not even whether the file was fine
    key = idempotency.clean_key(request.headers.get("Idempotency-Key"))
    replayed = key is not None and idempotency.find(_actor().id, "document.upload", key) is not None
    document = documents.upload(_actor(), slug, data, _checked_file(), idempotency_key=key)
    return jsonify(document_json(document, with_versions=True)), 200 if replayed else 201


@bp.get("/documents/<int:document_id>")
@operation(Access.SIGNED_IN, summary="A document's metadata, every version, and the current file of each language",
           description="An H2 document my party may not take out answers 403 handling_restricted (it may be read "
                       "on the platform; its originator may release it).",
           tags=["documents"], errors=(403,),
           answers={200: ("The document", DocumentWithVersionsSchema)})
def get_document(document_id: int) -> Any:
    """A document and its versions."""
    document = documents.get(_actor(), document_id)
    handling.require_export(_actor(), document, "api")
    return jsonify(document_json(document, with_versions=True))


@bp.post("/documents/<int:document_id>/versions")
@operation(Access.SIGNED_IN, summary="Upload a new file as version n+1 (multipart). Idempotency-Key makes retries safe",
           description="As for a new document: text read within limits (text says whether it is indexed); the same "
                       "Idempotency-Key with the same file and note answers the version made the first time (200).",
           tags=["documents"], body=form(MarkedVersionUploadSchema), idempotent=True, errors=(403, 413, 507),
           answers={200: ("The version made earlier with the same Idempotency-Key", DocumentVersionSchema),
                    201: ("The new version", DocumentVersionSchema)})
def upload_version(document_id: int) -> Any:
    """Upload a new version."""
    if not request.content_type or not request.content_type.startswith("multipart/form-data"):
        raise UnsupportedMediaType(_("Send the file as multipart/form-data with a part named file."))
    documents.get(_actor(), document_id)
    marking = _version_marking()
    key = idempotency.clean_key(request.headers.get("Idempotency-Key"))
    replayed = key is not None and idempotency.find(_actor().id, "document.version", key) is not None
    version = documents.add_version(_actor(), document_id, _checked_file(), request.form.get("note", ""),
                                    language=request.form.get("language", ""), idempotency_key=key,
                                    marking=marking)
    return jsonify(DocumentVersionSchema().dump(version)), 200 if replayed else 201


@bp.get("/documents/<int:document_id>/versions/<int:number>/download")
@operation(Access.SIGNED_IN, summary="The file of one version, as an attachment (audited, with its handling code)",
           description="The file of an H2 version or document my party may not take out answers 403 "
                       "handling_restricted (judged by the stricter of the version's and the document's codes).",
           tags=["documents"], errors=(403,),
           answers={200: ("The file; X-Document-SHA256 carries its hash", binary("application/octet-stream"))})
def download_version(document_id: int, number: int) -> Any:
    """Download a version."""
    document, version = documents.open_version(_actor(), document_id, number, path="api")
    return send_version(document, version)


@bp.put("/documents/<int:document_id>/audience")
@operation(Access.SIGNED_IN, summary="Narrow or widen the audience (the originating party, or the secretariat)",
           tags=["documents"], body=AudienceInputSchema, answers={200: ("The document", DocumentSchema)})
def set_audience(document_id: int) -> Any:
    """Change who may read a document."""
    data = json_body()
    audience = data.get("audience")
    parties = data.get("parties", [])
    if not isinstance(audience, str) or not isinstance(parties, list):
        raise BadRequestBody(_("audience must be a string and parties a list of party codes."),
                             fields={"audience": "required"})
    document = documents.change_audience(_actor(), document_id, audience, [str(p) for p in parties])
    return jsonify(document_json(document))
