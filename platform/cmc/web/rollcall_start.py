"""Roll call pages: the list, starting one (from an alert, as a follow-up), a network's templates (issue 19;
views on ``cmc.web.rollcalls.bp``). Thin: a form, a service, a page; the services decide and name what is
wrong, the page shows it beside the field (422)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from cmc.http.access import Access, access
from cmc.models import RollCall, RollCallTemplate
from cmc.services import rollcalls
from cmc.services.alerts.access import get as get_alert
from cmc.services.errors import ValidationError
from cmc.services.networks.directory import open_network
from cmc.services.rollcalls import questions, starting
from cmc.services.rollcalls import templates as templates_service
from cmc.web import views
from cmc.web.forms import text
from cmc.web.once import once
from cmc.web.rollcall_forms import StartForm, form_data, local_input, template_form_class, to_questions
from cmc.web.rollcalls import bp
from cmc.web.views import form_errors

#: The error summary links to these element ids (the checkbox group's fieldset is "parties").
FIELD_IDS = {"template_id": "template_id", "questions": "template_id", "alert_id": "title", "previous_id": "title"}


@bp.app_template_global("rollcalls_started_from")
def rollcalls_started_from(alert: Any) -> list[RollCall]:
    """The roll calls started from ``alert`` that the reader may read (the alert page's partial)."""
    return rollcalls.started_from(views.actor(), alert)


@bp.get("/rollcalls")
@access(Access.SIGNED_IN)
def index() -> Any:
    """The roll calls I see (of my networks, and those asking my party), newest first."""
    actor = views.actor()
    slug = request.args.get("network", "").strip()
    network = open_network(actor, slug) if slug else None
    state = request.args.get("state", "").strip()
    state = state if state in ("open", "closed") else ""
    lines = rollcalls.visible_roll_calls(actor, network, state or None)
    startable = starting.startable_networks(actor)
    if network is not None:
        startable = [n for n in startable if n.id == network.id]
    return render_template("rollcalls/index.html", lines=lines, network=network, state=state, startable=startable)


def _template_previews(templates: list[RollCallTemplate],
                       previous: RollCall | None) -> dict[str, list[dict[str, Any]]]:
    """Each template's questions, by the select's value, as the page previews them."""
    previews = {str(t.id): t.questions for t in templates}
    if previous is not None:
        previews["previous"] = previous.questions
    return previews


@bp.route("/networks/<slug>/rollcalls/new", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
@once
def start(slug: str) -> Any:
    """Start a roll call: a title, a deadline in my zone, the parties (the map picks them too), the questions
    from a template, instructions and the handling code."""
    actor = views.actor()
    network = starting.open_for_start(actor, slug)
    templates = rollcalls.templates_for(actor, network)
    previous = None
    defaults = starting.StartInput()
    if request.args.get("previous"):
        previous, defaults = rollcalls.follow_up_defaults(actor, request.args["previous"])
        if previous.network_id != network.id:
            abort(404)
    alert_id = defaults.alert_id
    if request.args.get("alert"):
        alert = get_alert(actor, _int(request.args["alert"]), audit_read=False)
        if alert.network_id != network.id:
            abort(404)
        alert_id = alert.id
    members = starting.member_parties(network)
    form = StartForm()
    errors: dict[str, str] = {}
    if form.is_submitted():
        form.with_choices(members, templates, previous is not None)
        if form.validate():
            data = form.to_input(previous.questions if previous else None)
            data.alert_id, data.previous_id = alert_id, previous.id if previous else None
            try:
                roll_call = rollcalls.start(actor, slug, data)
            except ValidationError as exc:
                errors = {FIELD_IDS.get(name, name): message for name, message in exc.fields.items()} \
                    or {"title": exc.message}
            else:
                flash(_("The roll call is started: the parties asked are told now."), "success")
                # The board's page (``rollcalls.board``) is another module's: its address is the contract.
                return redirect(f"/rollcalls/{roll_call.id}")
        else:
            errors = form_errors(form)
    else:
        form = StartForm(formdata=None, data={
            "title": defaults.title, "parties": defaults.parties or [p.code for p in members],
            "template_id": "previous" if previous else str(templates[0].id),
            "instructions": defaults.instructions, "handling_code": defaults.handling_code,
            "handling_text": defaults.handling_text, "deadline": local_input(None)})
        form.with_choices(members, templates, previous is not None)
    return render_template("rollcalls/start.html", form=form, errors=errors, network=network, alert_id=alert_id,
                           previous=previous, members=members, previews=_template_previews(templates, previous),
                           questions=questions), 422 if errors else 200


def _int(raw: str) -> int:
    value = raw.strip()
    if not value.isdigit() or len(value) > 12:
        abort(404)
    return int(value)


@bp.route("/networks/<slug>/rollcall-templates", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
@once
def templates(slug: str) -> Any:
    """The network's templates; the form below makes a new one (or a copy of one: ``?copy=<id>``)."""
    return _templates_page(slug, None)


@bp.route("/networks/<slug>/rollcall-templates/<int:template_id>", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
def template(slug: str, template_id: int) -> Any:
    """Edit one of the network's templates."""
    return _templates_page(slug, template_id)


@bp.post("/networks/<slug>/rollcall-templates/<int:template_id>/archive")
@access(Access.SIGNED_IN)
def archive_template(slug: str, template_id: int) -> Any:
    """Archive one of the network's templates (roll calls started from it keep their questions)."""
    actor = views.actor()
    network = templates_service.open_for_edit(actor, slug)
    rollcalls.archive_template(actor, network, template_id)
    flash(_("The template is archived."), "success")
    return redirect(url_for("rollcalls.templates", slug=slug))


def _templates_page(slug: str, template_id: int | None) -> Any:
    actor = views.actor()
    network = templates_service.open_for_edit(actor, slug)
    listed = rollcalls.templates_for(actor, network)
    editing = templates_service.own_template(network, template_id) if template_id is not None else None
    form_class = template_form_class()
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = form_class()
        if form.validate():
            try:
                saved = rollcalls.save_template(actor, network, name=text(form.name), questions_=to_questions(form),
                                                template_id=template_id)
            except ValidationError as exc:
                errors = {("ask_status" if name == "questions" else name): message
                          for name, message in exc.fields.items()} or {"name": exc.message}
            else:
                flash(_("The template “%(name)s” is saved.", name=saved.name), "success")
                return redirect(url_for("rollcalls.templates", slug=slug))
        else:
            errors = form_errors(form)
    else:
        source = editing
        if source is None and request.args.get("copy"):
            source = templates_service.template_in(network, request.args["copy"])
        if source is not None:
            name = source.name if editing is not None else _("Copy of %(name)s", name=source.label)
            form = form_class(formdata=None, data=form_data(source.questions, name))
        else:
            form = form_class(formdata=None, data=form_data(questions.default_questions(), ""))
    form.needs_options.choices = [SelectChoice(key, questions.need_word(key)) for key in questions.NEEDS]
    return render_template("rollcalls/templates.html", form=form, errors=errors, network=network, listed=listed,
                           editing=editing, questions=questions, own_rows=range(1, 4)), 422 if errors else 200
