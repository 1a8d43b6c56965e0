"""Document pages: the network's documents, search across everything readable, upload, versions, download."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from cmc import permissions
from cmc.models import Account, Audience, DocumentKind, ProtocolStatus
from cmc.services import documents, networks, parties
from cmc.services.errors import ServiceError, StorageFull, ValidationError
from cmc.services.extract import notice
from cmc.uploads import check
from cmc.web.access import Access, access
from cmc.web.forms import EmptyForm
from cmc.web.once import once
from cmc.web.pagination import paginate

bp = Blueprint("documents", __name__)

LANGUAGES = {"en": "English", "es": "Español", "fr": "Français", "nl": "Nederlands", "pap": "Papiamento",
             "ht": "Kreyòl"}
#: The download of a file must never run as a page: the browser gets an attachment it cannot sniff, and a
#: sandboxing policy in case it is ever opened in a tab.
DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


KIND_LABELS = {"report": _l("Report"), "protocol": _l("Protocol"), "presentation": _l("Presentation"),
               "statement": _l("Statement"), "minutes": _l("Minutes"), "statistics": _l("Statistics"),
               "other": _l("Other")}
STATUS_LABELS = {"draft": _l("Draft"), "under_review": _l("Under review"), "adopted": _l("Adopted")}
AUDIENCE_LABELS = {"network": _l("Members of the network"), "all": _l("All CMC parties"),
                   "named": _l("Named parties and the secretariat")}


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {"kind_labels": KIND_LABELS, "status_labels": STATUS_LABELS, "audience_labels": AUDIENCE_LABELS}


def _actor() -> Account:
    return current_user._get_current_object()


def _filters(network: Any = None) -> documents.DocumentFilter:
    args = request.args
    return documents.DocumentFilter(network=network, kind=args.get("kind", ""), language=args.get("language", ""),
                                    party=args.get("party", "")[:12], status=args.get("status", ""),
                                    query=args.get("q", "")[:200], sort=args.get("sort", "date"))


def _choices() -> dict[str, Any]:
    return {"kinds": [k.value for k in DocumentKind], "statuses": [s.value for s in ProtocolStatus],
            "languages": LANGUAGES, "audiences": [a.value for a in Audience],
            "all_parties": parties.list_parties(include_retired=False)}


def _input_from_form() -> documents.DocumentInput:
    form = request.form
    return documents.DocumentInput(title=form.get("title", ""), description=form.get("description", ""),
                                   kind=form.get("kind", "report"), languages=form.getlist("languages"),
                                   audience=form.get("audience", "network"), party_codes=form.getlist("parties"),
                                   status=form.get("status", ""), note=form.get("note", ""))


@bp.get("/documents")
@access(Access.SIGNED_IN)
def index() -> Any:
    """Search and browse every document the person may read."""
    filters = _filters()
    page = paginate(documents.list_query(_actor(), filters), per_page=25)
    return render_template("documents/index.html", page=page, filters=filters, network=None, **_choices())


@bp.get("/networks/<slug>/documents")
@access(Access.SIGNED_IN)
def network_documents(slug: str) -> Any:
    """A network's documents: filter by kind, language, party and status; sort by date or title."""
    network = networks.open_network(_actor(), slug)
    filters = _filters(network)
    page = paginate(documents.list_query(_actor(), filters), per_page=25)
    return render_template("documents/index.html", page=page, filters=filters, network=network,
                           can_upload=permissions.can(_actor(), "network.post", network), **_choices())


@bp.route("/networks/<slug>/documents/new", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
@once
def upload(slug: str) -> Any:
    """Upload a document (the browser shows progress; without JavaScript the form still works)."""
    actor = _actor()
    network = networks.open_network(actor, slug)
    errors: dict[str, str] = {}
    status = 200
    message = ""
    if request.method == "POST":
        try:
            checked = check(request.files.get("file"), max_bytes=current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024)
            document = documents.upload(actor, slug, _input_from_form(), checked)
        except ServiceError as exc:
            if isinstance(exc, (ValidationError, StorageFull)) or exc.fields:
                errors, status, message = exc.fields or {"file": exc.message}, exc.status, exc.message
            else:
                raise
        else:
            flash(_("“%(title)s” is uploaded.", title=document.title), "success")
            if request.headers.get("X-Requested-With") == "fetch":
                return {"location": url_for("documents.show", document_id=document.id)}, 201
            return redirect(url_for("documents.show", document_id=document.id))
        if request.headers.get("X-Requested-With") == "fetch":
            return {"error": {"code": "validation_failed", "message": message, "fields": errors}}, status
    elif not permissions.can(actor, "network.post", network):
        networks.require_post(actor, network, "document.upload")
    return render_template("documents/upload.html", network=network, errors=errors, form=request.form,
                           max_mb=current_app.config["MAX_UPLOAD_MB"], csrf_form=EmptyForm(),
                           **_choices()), status


def _show_page(actor: Account, document_id: int, errors: dict[str, str], status: int = 200) -> Any:
    """The document page, with ``errors`` on its forms."""
    document = documents.get(actor, document_id)
    versions = documents.versions(document)
    current = next((v for v in versions if v.number == document.current_version), None)
    return render_template("documents/show.html", document=document, versions=versions,
                           can_change=permissions.can(actor, "document.change", document),
                           can_change_audience=permissions.can(actor, "document.audience", document),
                           network=document.network, errors=errors, csrf_form=EmptyForm(),
                           text_notice=notice(current.text_status) if current is not None else None,
                           max_mb=current_app.config["MAX_UPLOAD_MB"], **_choices()), status


@bp.get("/documents/<int:document_id>")
@access(Access.SIGNED_IN)
def show(document_id: int) -> Any:
    """A document: what it is, who may read it, every version, and the forms to change it."""
    return _show_page(_actor(), document_id, {})


@bp.post("/documents/<int:document_id>/versions")
@access(Access.SIGNED_IN)
@once
def new_version(document_id: int) -> Any:
    """Upload a new file as the next version."""
    actor = _actor()
    try:
        checked = check(request.files.get("file"), max_bytes=current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024)
        version = documents.add_version(actor, document_id, checked, request.form.get("note", ""))
    except ServiceError as exc:
        if not exc.fields and not isinstance(exc, StorageFull):
            raise
        fields = exc.fields or {"file": exc.message}
        if request.headers.get("X-Requested-With") == "fetch":
            return {"error": {"code": exc.code, "message": exc.message, "fields": fields}}, exc.status
        return _show_page(actor, document_id, fields, exc.status)
    flash(_("Version %(n)d is uploaded.", n=version.number), "success")
    if request.headers.get("X-Requested-With") == "fetch":
        return {"location": url_for("documents.show", document_id=document_id)}, 201
    return redirect(url_for("documents.show", document_id=document_id))


@bp.post("/documents/<int:document_id>/versions/<int:number>/restore")
@access(Access.SIGNED_IN)
@once
def restore(document_id: int, number: int) -> Any:
    """Make an earlier version the newest (as a new version)."""
    version = documents.restore(_actor(), document_id, number)
    flash(_("Version %(old)d is restored as version %(new)d.", old=number, new=version.number), "success")
    return redirect(url_for("documents.show", document_id=document_id))


@bp.post("/documents/<int:document_id>/details")
@access(Access.SIGNED_IN)
def update(document_id: int) -> Any:
    """Save title, description, kind, languages and protocol status."""
    actor = _actor()
    try:
        documents.update(actor, document_id, _input_from_form())
    except ValidationError as exc:
        return _show_page(actor, document_id, exc.fields, 422)
    flash(_("The details are saved."), "success")
    return redirect(url_for("documents.show", document_id=document_id))


@bp.post("/documents/<int:document_id>/audience")
@access(Access.SIGNED_IN)
def audience(document_id: int) -> Any:
    """Narrow or widen who may read the document."""
    actor = _actor()
    try:
        documents.change_audience(actor, document_id, request.form.get("audience", ""),
                                  request.form.getlist("parties"))
    except ValidationError as exc:
        return _show_page(actor, document_id, exc.fields, 422)
    flash(_("Who may read the document is updated."), "success")
    return redirect(url_for("documents.show", document_id=document_id))


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


@bp.get("/documents/<int:document_id>/versions/<int:number>/download")
@access(Access.SIGNED_IN)
def download(document_id: int, number: int) -> Any:
    """Download one version (audited)."""
    document, version = documents.open_version(_actor(), document_id, number)
    return send_version(document, version)
