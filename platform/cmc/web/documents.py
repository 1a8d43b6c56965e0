"""Document pages: the network's documents, search across everything readable, upload, versions, download."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cmc import permissions
from cmc.http.access import Access, access
from cmc.http.errors import audit_denied
from cmc.http.files import send_version
from cmc.http.pagination import paginate
from cmc.models import Account, Audience, DocumentKind, HandlingCode, ProtocolStatus
from cmc.services import documents, networks, parties
from cmc.services.errors import HandlingRestricted, ServiceError, StorageFull, ValidationError
from cmc.services.extract import notice
from cmc.uploads import check
from cmc.web.document_forms import LANGUAGES, AudienceForm, DocumentForm, ForwardForm, VersionForm
from cmc.web.forms import EmptyForm
from cmc.web.once import once

bp = Blueprint("documents", __name__)


def _actor() -> Account:
    return current_user._get_current_object()


def _filters(network: Any = None) -> documents.DocumentFilter:
    args = request.args
    return documents.DocumentFilter(network=network, kind=args.get("kind", ""), language=args.get("language", ""),
                                    party=args.get("party", "")[:12], status=args.get("status", ""),
                                    query=args.get("q", "")[:200], sort=args.get("sort", "date"),
                                    handling=args.get("handling", "")[:2])


def _choices() -> dict[str, Any]:
    return {"kinds": [k.value for k in DocumentKind], "statuses": [s.value for s in ProtocolStatus],
            "languages": LANGUAGES, "language_name": documents.language_name, "audiences": [a.value for a in Audience],
            "all_parties": parties.list_parties(include_retired=False),
            "handling_codes": [c.value for c in HandlingCode]}


def _matched(filters: documents.DocumentFilter, found: list[Any]) -> dict[int, list[str]]:
    """When searching, the names (in the reader's language) of the languages each listed document matched in."""
    return {document_id: [documents.language_name(code) for code in codes]
            for document_id, codes in documents.matched_languages(filters, found).items()}


@bp.get("/documents")
@access(Access.SIGNED_IN)
def index() -> Any:
    """Search and browse every document the person may read."""
    filters = _filters()
    page = paginate(documents.list_rows_query(_actor(), filters), per_page=25, load=documents.load_rows)
    return render_template("documents/index.html", page=page, filters=filters, network=None,
                           matched=_matched(filters, page.items), **_choices())


@bp.get("/networks/<slug>/documents")
@access(Access.SIGNED_IN)
def network_documents(slug: str) -> Any:
    """A network's documents: filter by kind, language, party and status; sort by date or title."""
    network = networks.open_network(_actor(), slug)
    filters = _filters(network)
    page = paginate(documents.list_rows_query(_actor(), filters), per_page=25, load=documents.load_rows)
    return render_template("documents/index.html", page=page, filters=filters, network=network,
                           matched=_matched(filters, page.items),
                           can_upload=permissions.can(_actor(), "network.post", network), **_choices())


@bp.route("/networks/<slug>/documents/new", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
@once
def upload(slug: str) -> Any:
    """Upload a document (the browser shows progress; without JavaScript the form still works)."""
    actor = _actor()
    network = networks.open_network(actor, slug)
    form = DocumentForm().with_parties(parties.list_parties(include_retired=False)).with_file_languages()
    errors: dict[str, str] = {}
    status = 200
    message = ""
    if form.is_submitted():
        try:
            checked = check(form.file.data, max_bytes=current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024)
            document = documents.upload(actor, slug, form.to_input(), checked)
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
    return render_template("documents/upload.html", network=network, errors=errors, form=form,
                           max_mb=current_app.config["MAX_UPLOAD_MB"]), status


def _show_page(actor: Account, document_id: int, errors: dict[str, str], status: int = 200,
               sent: Any = None, *, viewed: bool = False) -> Any:
    """The document page, with ``errors`` on its forms; ``sent`` is the form that was sent (drawn as sent), the
    others are drawn from the document. ``viewed``: a reader opened it (audited as ``document.read``)."""
    document = documents.get(actor, document_id)
    versions = documents.versions(document)
    by_language = documents.current_by_language(document, versions)
    current = next((v for v in versions if v.number == document.current_version), None)
    all_parties = parties.list_parties(include_retired=False)
    stored = {"title": document.title, "description": document.description, "kind": document.kind.value,
              "status": document.status.value if document.status else "", "languages": document.language_list,
              "audience": document.audience.value, "parties": [p.code for p in document.named_parties]}
    targets = documents.targets(actor, document)
    forms = {"version_form": VersionForm(formdata=None).with_languages(document).with_marking(document),
             "details_form": DocumentForm(formdata=None, data=stored).with_parties(all_parties),
             "audience_form": AudienceForm(formdata=None, data=stored).with_parties(all_parties),
             "forward_form": ForwardForm(formdata=None).with_networks(targets)}
    for name, form in forms.items():
        if sent is not None and type(sent) is type(form):
            forms[name] = _redrawn(sent, document, all_parties, targets)
    page = render_template("documents/show.html", document=document, versions=versions, by_language=by_language,
                           language_names=LANGUAGES, language_name=documents.language_name,
                           can_change=permissions.can(actor, "document.change", document),
                           can_change_audience=permissions.can(actor, "document.audience", document),
                           network=document.network, errors=errors, csrf_form=EmptyForm(), **forms,
                           can_forward=bool(targets), text_languages=documents.text_languages(document),
                           text_notice=notice(current.text_status) if current is not None else None,
                           max_mb=current_app.config["MAX_UPLOAD_MB"])
    if viewed:
        documents.record_view(actor, document)
    return page, status


def _redrawn(sent: Any, document: Any, all_parties: list[Any], targets: list[Any]) -> Any:
    """A form that was sent, drawn again as sent (with its choices)."""
    if isinstance(sent, AudienceForm):
        return sent.with_parties(all_parties)
    if isinstance(sent, ForwardForm):
        return sent.with_networks(targets)
    return sent.with_languages(document)


@bp.get("/documents/<int:document_id>")
@access(Access.SIGNED_IN)
def show(document_id: int) -> Any:
    """A document: what it is, who may read it, every version, and the forms to change it."""
    return _show_page(_actor(), document_id, {}, viewed=True)


@bp.post("/documents/<int:document_id>/versions")
@access(Access.SIGNED_IN)
@once
def new_version(document_id: int) -> Any:
    """Upload a new file as the next version."""
    actor = _actor()
    form = VersionForm()
    try:
        checked = check(form.file.data, max_bytes=current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024)
        marking = form.marking()
        version = documents.add_version(actor, document_id, checked, form.note.data or "",
                                        language=form.language.data or "", marking=marking)
    except ServiceError as exc:
        if not exc.fields and not isinstance(exc, StorageFull):
            raise
        fields = exc.fields or {"file": exc.message}
        if request.headers.get("X-Requested-With") == "fetch":
            return {"error": {"code": exc.code, "message": exc.message, "fields": fields}}, exc.status
        return _show_page(actor, document_id, fields, exc.status, form)
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
    form = DocumentForm()
    try:
        documents.update(actor, document_id, form.to_input())
    except ValidationError as exc:
        return _show_page(actor, document_id, exc.fields, 422, form)
    flash(_("The details are saved."), "success")
    return redirect(url_for("documents.show", document_id=document_id))


@bp.post("/documents/<int:document_id>/audience")
@access(Access.SIGNED_IN)
def audience(document_id: int) -> Any:
    """Narrow or widen who may read the document."""
    actor = _actor()
    form = AudienceForm()
    try:
        documents.change_audience(actor, document_id, form.audience.data if form.audience.raw_data else "",
                                  list(form.parties.data or []))
    except ValidationError as exc:
        return _show_page(actor, document_id, exc.fields, 422, form)
    flash(_("Who may read the document is updated."), "success")
    return redirect(url_for("documents.show", document_id=document_id))


@bp.get("/documents/<int:document_id>/versions/<int:number>/download")
@access(Access.SIGNED_IN)
def download(document_id: int, number: int) -> Any:
    """Download one version (audited, with its handling code). A reader of the document's audience opens its
    file whatever the code: that is how the audience its originator chose reads it; what H2 guards is taking it
    beyond (the API, the agenda ZIP, sharing into another network)."""
    document, version = documents.open_version(_actor(), document_id, number)
    return send_version(document, version)


@bp.get("/documents/<int:document_id>/text/<language>")
@access(Access.SIGNED_IN)
def text(document_id: int, language: str) -> Any:
    """The text read from the document's current file in ``language``, to read on the platform (a few
    kilobytes where the file may weigh megabytes: what a slow link can open). Audited as a view."""
    actor = _actor()
    document = documents.get(actor, document_id)
    body = documents.text_body(document, language[:3])
    if not body:
        abort(404)
    page = render_template("documents/text.html", document=document, body=body, language=language[:3],
                           language_name=documents.language_name, network=document.network)
    documents.record_view(actor, document, text=language[:3])
    return page


@bp.post("/documents/<int:document_id>/forward")
@access(Access.SIGNED_IN)
@once
def forward(document_id: int) -> Any:
    """Share the document in another network (a copy there; the originating party stays the owner)."""
    actor = _actor()
    form = ForwardForm()
    try:
        copy = documents.forward(actor, document_id, form.network.data or "")
    except ValidationError as exc:
        return _show_page(actor, document_id, exc.fields, 422, form)
    except HandlingRestricted as exc:
        audit_denied(exc)
        return _show_page(actor, document_id, {"network": exc.message}, 403, form)
    flash(_("“%(title)s” is shared in %(network)s.", title=copy.title,
            network=networks.network_name(copy.network, plain=True)), "success")
    return redirect(url_for("documents.show", document_id=copy.id))
