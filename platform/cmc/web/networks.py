"""Network pages: directory, workspace, members, threads and replies."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from cmc import i18n, permissions
from cmc.extensions import db
from cmc.http.access import Access, access
from cmc.http.pagination import paginate
from cmc.models import Reply
from cmc.models.types import parse_id
from cmc.services import alerts, documents, handling, networks, parties
from cmc.services.errors import ConflictError, ValidationError
from cmc.services.networks.threads import handling_filter
from cmc.web import views
from cmc.web.forms import EmptyForm, MemberForm, NetworkForm, PinForm, ReplyForm, ThreadForm, text
from cmc.web.once import once
from cmc.web.views import form_errors

bp = Blueprint("networks", __name__)


@bp.app_template_global("network_name")
def _network_name(network: Any, plain: bool = False) -> Any:
    """Every page names a network through this: in the reader's language, marked ``lang`` when it is not."""
    return networks.network_name(network, plain=plain)


@bp.app_template_global("network_text")
def _network_text(network: Any) -> networks.ShownText:
    """A network's name, description and charter as the reader sees them (``.lang_attr('charter')``...)."""
    return networks.text_for(network)


def _workspace_context(network: Any) -> dict[str, Any]:
    actor = views.actor()
    return {
        "network": network,
        "can_post": permissions.can(actor, "network.post", network),
        "can_moderate": permissions.can(actor, "network.moderate", network),
        "can_manage_members": permissions.can(actor, "network.members.manage_page", network),
        "action_form": EmptyForm(),
    }


@bp.get("/networks")
@access(Access.SIGNED_IN)
def directory() -> Any:
    """Every network: name, description, parties, members, and whether I am in it."""
    actor = views.actor()
    entries = networks.directory(actor, include_archived=permissions.can(actor, "network.read_all"))
    permissions.remember_network_roles(actor, {e.network.id for e in entries})  # the page asks a rule per row
    return render_template("networks/directory.html", entries=entries,
                           can_create=permissions.can(actor, "network.manage"))


@bp.get("/networks/<slug>")
@access(Access.SIGNED_IN)
def workspace(slug: str) -> Any:
    """A network's home: overview, charter, threads, members and latest activity."""
    network = networks.open_network(views.actor(), slug)
    code = handling_filter(request.args.get("handling"))
    page = paginate(networks.thread_rows_query(views.actor(), network, code), per_page=20,
                    load=networks.load_thread_rows)
    activity = networks.load_activity(networks.activity_rows_query(views.actor(), network).limit(8))
    groups = networks.members_by_party(views.actor(), network, limit=40)
    latest_documents = documents.load_rows(documents.list_rows_query(
        views.actor(), documents.DocumentFilter(network=network)).limit(5))
    active_alerts = alerts.load_rows(alerts.list_rows_query(views.actor(), network=network, active=True).limit(5)) \
        if network.alerts_enabled else []
    return render_template("networks/workspace.html", page=page, activity=activity, groups=groups,
                           member_total=networks.member_count(network), latest_documents=latest_documents,
                           active_alerts=active_alerts, handling_code=code.value if code else "",
                           **_workspace_context(network))


@bp.get("/networks/<slug>/activity")
@access(Access.SIGNED_IN)
def activity(slug: str) -> Any:
    """The network's whole activity feed, newest first."""
    network = networks.open_network(views.actor(), slug)
    page = paginate(networks.activity_rows_query(views.actor(), network), per_page=30, load=networks.load_activity)
    return render_template("networks/activity.html", page=page, **_workspace_context(network))


@bp.get("/networks/<slug>/members")
@access(Access.SIGNED_IN)
def members(slug: str) -> Any:
    """Members by party; managers add and remove people here."""
    return _members_page(slug, {})


def _members_page(slug: str, errors: dict[str, str]) -> Any:
    """The members page, with ``errors`` of the add form (answered 422 when there are any)."""
    actor = views.actor()
    network = networks.open_network(actor, slug)
    manageable = permissions.can(actor, "network.members.manage_page", network)
    page = paginate(networks.member_rows_query(actor, network), per_page=100, load=networks.load_member_rows)
    return render_template("networks/members.html", groups=networks.group_by_party(page.items), page=page,
                           candidates=networks.candidates(actor, network) if manageable else [],
                           errors=errors, **_workspace_context(network)), 422 if errors else 200


@bp.post("/networks/<slug>/members")
@access(Access.SIGNED_IN)
@once
def add_member(slug: str) -> Any:
    """Add a person to the network (or change their role)."""
    form = MemberForm()
    account_id = parse_id(form.account_id.data) or 0  # not a number, or none the database holds
    try:
        networks.add_member(views.actor(), slug, account_id, text(form.role, "member"))
    except ValidationError as exc:
        return _members_page(slug, exc.fields or {"account": exc.message})
    flash(_("The member list is updated."), "success")
    return redirect(url_for("networks.members", slug=slug))


@bp.post("/networks/<slug>/members/<int:account_id>/remove")
@access(Access.SIGNED_IN)
def remove_member(slug: str, account_id: int) -> Any:
    """Remove a person from the network; they lose access at once."""
    networks.remove_member(views.actor(), slug, account_id)
    flash(_("The person is removed from the network."), "success")
    return redirect(url_for("networks.members", slug=slug))


def _network_form(network: Any | None) -> NetworkForm:
    form = NetworkForm(obj=network) if request.method == "GET" else NetworkForm()
    form.parties.choices = [SelectChoice(p.code, f"{p.name} ({p.code})")
                            for p in parties.list_parties(include_retired=False)]
    if request.method == "GET":
        if network is not None:
            form.kind.data = network.kind.value
            form.parties.data = [p.code for p in network.parties]
            form.fill_translations(network)
        else:
            form.parties.data = [p.code for p in parties.list_parties(include_retired=False)]
            form.language.data = views.actor().language if i18n.is_available(views.actor().language) else "en"
    return form


def _save_network(network: Any | None) -> Any:
    actor = views.actor()
    form = _network_form(network)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if form.validate_on_submit():
            language = text(form.language, "en")
            data = networks.NetworkInput(slug=form.slug.data or "", name=form.name.data or "",
                                         description=form.description.data or "", charter=form.charter.data or "",
                                         kind=form.kind.data or "", alerts_enabled=bool(form.alerts_enabled.data),
                                         party_codes=list(form.parties.data or []), language=language,
                                         texts=form.translations(language))
            try:
                saved = (networks.create_network(actor, data) if network is None
                         else networks.update_network(actor, network.slug, data))
            except (ValidationError, ConflictError) as exc:
                errors = exc.fields
            else:
                flash(_("%(name)s is saved.", name=networks.text_for(saved).name), "success")
                return redirect(url_for("networks.workspace", slug=saved.slug))
        else:
            errors = form_errors(form)
    original = text(form.language, "en")
    others = {code: name for code, name in i18n.available().items() if code != original}
    return render_template("networks/form.html", form=form, network=network, errors=errors,
                           other_languages=others), 422 if errors else 200


@bp.route("/networks/new", methods=["GET", "POST"])
@access(Access.SECRETARIAT)
@once
def create() -> Any:
    """Create a network or dialogue space."""
    return _save_network(None)


@bp.route("/networks/<slug>/edit", methods=["GET", "POST"])
@access(Access.SECRETARIAT)
def edit(slug: str) -> Any:
    """Edit a network's description, charter, parties and settings."""
    return _save_network(networks.entry(slug))


@bp.post("/networks/<slug>/archive")
@access(Access.SECRETARIAT)
def archive(slug: str) -> Any:
    """Archive a network: it stays readable, nothing changes any more."""
    network = networks.set_archived(views.actor(), slug, True)
    flash(_("%(name)s is archived and now read-only.", name=networks.text_for(network).name), "success")
    return redirect(url_for("networks.workspace", slug=slug))


@bp.post("/networks/<slug>/reopen")
@access(Access.SECRETARIAT)
def reopen(slug: str) -> Any:
    """Reopen an archived network."""
    network = networks.set_archived(views.actor(), slug, False)
    flash(_("%(name)s is open again.", name=networks.text_for(network).name), "success")
    return redirect(url_for("networks.workspace", slug=slug))


@bp.route("/networks/<slug>/threads/new", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
@once
def new_thread(slug: str) -> Any:
    """Start a discussion."""
    actor = views.actor()
    network = networks.open_network(actor, slug)
    form = ThreadForm()
    errors: dict[str, str] = {}
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                thread = networks.create_thread(actor, slug, form.title.data or "", form.body.data or "",
                                                _thread_marking(form))
            except ValidationError as exc:
                errors = exc.fields
            else:
                return redirect(url_for("networks.thread", thread_id=thread.id))
        else:
            errors = form_errors(form)
    elif not permissions.can(actor, "network.post", network):
        return _cannot_post(network)
    return render_template("networks/thread_form.html", form=form, errors=errors, thread=None,
                           **_workspace_context(network)), 422 if errors else 200


def _thread_marking(form: ThreadForm) -> handling.Marking:
    """The handling code the thread form sent (422 naming the field for a bad code, H3 without its text)."""
    return handling.validate(text(form.handling_code, "H0"), text(form.handling_text))


def _cannot_post(network: Any) -> Any:
    if network.archived:
        message = _("This network is archived: it can be read but no longer changed.")
        status = 410
    else:
        message = _("Observers read the network but do not post in it.")
        status = 403
    return render_template("errors/error.html", status=status, title=_("You cannot post here"),
                           message=message), status


@bp.get("/threads/<int:thread_id>")
@access(Access.SIGNED_IN)
def thread(thread_id: int) -> Any:
    """A thread with its replies (paginated) and the reply form."""
    actor = views.actor()
    item = networks.open_thread(actor, thread_id)
    page = paginate(networks.reply_rows_query(item), per_page=50, load=networks.load_reply_rows)
    html = render_template("networks/thread.html", thread=item, page=page,
                           previous_visit=networks.last_visit(actor, item), form=ReplyForm(), errors={},
                           **_workspace_context(item.network))
    # The visit is recorded once the page is made: its commit expires what the page loaded, which the page
    # would otherwise read again (the thread, its network, its author).
    networks.mark_visited(actor, item)
    return html


@bp.post("/threads/<int:thread_id>/replies")
@access(Access.SIGNED_IN)
@once
def reply(thread_id: int) -> Any:
    """Post a reply."""
    actor = views.actor()
    form = ReplyForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            networks.add_reply(actor, thread_id, form.body.data or "")
        except ValidationError as exc:
            errors = exc.fields
        else:
            return redirect(url_for("networks.thread", thread_id=thread_id, page=request.args.get("page"))
                            + "#reply-form")
    else:
        errors = form_errors(form)
    item = networks.open_thread(actor, thread_id)
    page = paginate(networks.reply_rows_query(item), per_page=50, load=networks.load_reply_rows)
    return render_template("networks/thread.html", thread=item, page=page, previous_visit=None, form=form,
                           errors=errors, **_workspace_context(item.network)), 422


@bp.route("/threads/<int:thread_id>/edit", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
def edit_thread(thread_id: int) -> Any:
    """The author edits their thread (history kept)."""
    actor = views.actor()
    item = networks.open_thread(actor, thread_id)
    form = ThreadForm(obj=item) if request.method == "GET" else ThreadForm()
    if request.method == "GET":
        form.handling_code.data = item.handling_code.value
    errors: dict[str, str] = {}
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                networks.edit_thread(actor, thread_id, form.title.data or "", form.body.data or "",
                                     _thread_marking(form))
            except ValidationError as exc:
                errors = exc.fields
            else:
                flash(_("Your changes are saved; the earlier text stays in the history."), "success")
                return redirect(url_for("networks.thread", thread_id=thread_id))
        else:
            errors = form_errors(form)
    return render_template("networks/thread_form.html", form=form, errors=errors, thread=item,
                           **_workspace_context(item.network)), 422 if errors else 200


@bp.post("/threads/<int:thread_id>/delete")
@access(Access.SIGNED_IN)
def delete_thread(thread_id: int) -> Any:
    """Delete a thread (author or coordinator); it is kept for the record."""
    item = networks.delete_thread(views.actor(), thread_id)
    flash(_("The thread is deleted."), "success")
    return redirect(url_for("networks.workspace", slug=item.network.slug))


@bp.post("/threads/<int:thread_id>/pin")
@access(Access.SIGNED_IN)
def pin_thread(thread_id: int) -> Any:
    """Pin or unpin a thread (coordinators)."""
    pinned = text(PinForm().pinned, "1") == "1"
    networks.set_pinned(views.actor(), thread_id, pinned)
    flash(_("The thread is pinned to the top.") if pinned else _("The thread is unpinned."), "success")
    return redirect(url_for("networks.thread", thread_id=thread_id))


@bp.route("/replies/<int:reply_id>/edit", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
def edit_reply(reply_id: int) -> Any:
    """The author edits their reply (history kept)."""
    actor = views.actor()
    history = networks.history(actor, "reply", reply_id)  # also checks the reply is readable
    item = db.session.get(Reply, reply_id)
    assert item is not None
    form = ReplyForm(obj=item) if request.method == "GET" else ReplyForm()
    errors: dict[str, str] = {}
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                networks.edit_reply(actor, reply_id, form.body.data or "")
            except ValidationError as exc:
                errors = exc.fields
            else:
                flash(_("Your reply is updated; the earlier text stays in the history."), "success")
                return redirect(url_for("networks.thread", thread_id=item.thread_id) + f"#reply-{reply_id}")
        else:
            errors = form_errors(form)
    return render_template("networks/reply_form.html", form=form, errors=errors, reply=item, history=history,
                           **_workspace_context(item.thread.network)), 422 if errors else 200


@bp.post("/replies/<int:reply_id>/delete")
@access(Access.SIGNED_IN)
def delete_reply(reply_id: int) -> Any:
    """Delete a reply (author or coordinator)."""
    item = networks.delete_reply(views.actor(), reply_id)
    flash(_("The reply is deleted."), "success")
    return redirect(url_for("networks.thread", thread_id=item.thread_id))


@bp.get("/threads/<int:thread_id>/history")
@access(Access.SIGNED_IN)
def thread_history(thread_id: int) -> Any:
    """Earlier versions of a thread's title and text."""
    actor = views.actor()
    revisions = networks.history(actor, "thread", thread_id)
    item = networks.open_thread(actor, thread_id)
    return render_template("networks/history.html", thread=item, revisions=revisions,
                           **_workspace_context(item.network))

