"""Meeting pages: the list, the meeting, the agenda builder, published versions, registration, iCalendar."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from cmc import permissions
from cmc.extensions import db
from cmc.http.access import Access, access
from cmc.http.pagination import paginate
from cmc.models import ActionItem
from cmc.services import meetings, networks, parties
from cmc.services.errors import ConflictError, ValidationError
from cmc.services.meetings.exports import print_marking
from cmc.web import views
from cmc.web.forms import text
from cmc.web.meeting_forms import (
    ActionForm,
    ActionStatusForm,
    AttendanceForm,
    DecideForm,
    DecisionForm,
    ItemForm,
    MeetingForm,
    MinutesForm,
    MoveForm,
    RegisterForm,
    ReorderForm,
    RevisionForm,
    parse_date,
)
from cmc.web.meeting_page import builder_page, refused, show_page
from cmc.web.meeting_times import MeetingClock, css_string, printable_agenda
from cmc.web.once import once
from cmc.web.timetable import page_context
from cmc.web.views import form_errors

bp = Blueprint("meetings", __name__)


@bp.get("/meetings")
@access(Access.SIGNED_IN)
def index() -> Any:
    """Meetings I may see, newest first."""
    page = paginate(meetings.visible_query(views.actor()), per_page=20)
    return render_template("meetings/index.html", page=page,
                           can_manage=permissions.can(views.actor(), "meeting.manage"))


def _meeting_form(meeting_id: int | None) -> Any:
    actor = views.actor()
    meeting = meetings.get(actor, meeting_id) if meeting_id else None
    errors: dict[str, str] = {}
    form = MeetingForm()
    if form.validate_on_submit():
        network_slug = text(form.network)
        network_id = networks.entry(network_slug).id if network_slug else None
        try:
            saved = meetings.save_meeting(actor, form.to_input(network_id), meeting_id)
        except ValidationError as exc:
            errors = exc.fields
        else:
            flash(_("The meeting is saved."), "success")
            return redirect(url_for("meetings.show", meeting_id=saved.id))
    elif form.is_submitted():
        errors = form_errors(form)
    elif meeting is not None:
        form = MeetingForm(formdata=None, data={
            "title": meeting.title, "kind": meeting.kind.value, "start_date": meeting.start_date.isoformat(),
            "end_date": meeting.end_date.isoformat(), "timezone": meeting.timezone, "venue": meeting.venue,
            "city": meeting.city, "host_party": meeting.host_party.code if meeting.host_party else "",
            "format": meeting.format.value, "link": meeting.link, "description": meeting.description,
            "status": meeting.status.value, "network": meeting.network.slug if meeting.network else ""})
    else:
        form = MeetingForm(formdata=None, data={"timezone": "America/Port_of_Spain", "status": "draft"})
    networks_shown = [e.network for e in networks.directory(actor)]
    form.with_choices(parties.list_parties(include_retired=False), networks_shown)
    return render_template("meetings/form.html", form=form, errors=errors, meeting=meeting), \
        422 if errors else 200


@bp.route("/meetings/new", methods=["GET", "POST"])
@access(Access.SECRETARIAT)
@once
def create() -> Any:
    """Create a meeting (a draft that only the secretariat sees)."""
    return _meeting_form(None)


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@access(Access.SECRETARIAT)
def edit(meeting_id: int) -> Any:
    """Edit a meeting's details and status."""
    return _meeting_form(meeting_id)


@bp.get("/meetings/<int:meeting_id>")
@access(Access.SIGNED_IN)
def show(meeting_id: int) -> Any:
    """A meeting: its state, the current agenda version, its versions and the delegations."""
    return show_page(meeting_id)


@bp.get("/meetings/<int:meeting_id>/agenda/<int:number>")
@access(Access.SIGNED_IN)
def version(meeting_id: int, number: int) -> Any:
    """One published agenda version, with what changed since the one before."""
    actor = views.actor()
    meeting, agenda = meetings.get_version(actor, meeting_id, number)
    clock = MeetingClock(meeting)
    return render_template("meetings/version.html", meeting=meeting, agenda=agenda, clock=clock,
                           latest=meetings.versions(meeting)[0].number, changes=meetings.changes_of(agenda),
                           linked=meetings.readable_titles(actor, meetings.version_document_ids(agenda)),
                           pack=meetings.pack_holds_documents(actor, agenda),
                           **page_context(meeting, clock, agenda.items, request.args.get("view")))


@bp.get("/meetings/<int:meeting_id>/agenda/<int:number>/notice")
@access(Access.SIGNED_IN)
def notice(meeting_id: int, number: int) -> Any:
    """The live notice of a newly published version, in the reader's language, for a page of the meeting to
    show (404 to anyone who may not read the meeting)."""
    meeting, agenda = meetings.get_version(views.actor(), meeting_id, number)
    return render_template("meetings/_notice.html", meeting=meeting, agenda=agenda,
                           changes=meetings.changes_of(agenda))


@bp.get("/meetings/<int:meeting_id>/documents/search")
@access(Access.SECRETARIAT)
def document_search(meeting_id: int) -> Any:
    """The builder's document picker: up to ten documents the editor may read whose title holds the words of
    ``q``, as JSON."""
    found = meetings.pick(views.actor(), meeting_id, request.args.get("q", ""))
    return jsonify({"documents": found})


@bp.get("/meetings/<int:meeting_id>/agenda/<int:number>.ics")
@access(Access.SIGNED_IN)
def ics(meeting_id: int, number: int) -> Any:
    """The meeting and the sessions of one agenda version as iCalendar."""
    meeting, agenda = meetings.get_version(views.actor(), meeting_id, number)
    return Response(meetings.to_ics(meeting, agenda), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="meeting-{meeting.id}-v{number}.ics"'})


@bp.get("/meetings/<int:meeting_id>/agenda/<int:number>.pdf")
@access(Access.SIGNED_IN)
def pdf(meeting_id: int, number: int) -> Any:
    """The printable A4 agenda of one version (meeting, version and date on every page): a list, or with
    ``?layout=timetable`` a landscape timetable per day."""
    meeting, agenda = meetings.get_version(views.actor(), meeting_id, number)
    layout = "timetable" if request.args.get("layout") == "timetable" else "list"
    # The linked documents with their tags; the strictest code among them on every page's header and footer.
    marking = print_marking(views.actor(), agenda)
    html = printable_agenda(meeting, agenda, layout, linked_documents=marking["linked_documents"],
                            handling_header=css_string(marking["handling_header"]),
                            handling_footer=css_string(marking["handling_footer"]))
    name = f"agenda-{meeting.id}-v{number}" + ("-timetable" if layout == "timetable" else "")
    return Response(meetings.agenda_pdf(meeting, agenda, html), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'})


@bp.get("/meetings/<int:meeting_id>/agenda/<int:number>.zip")
@access(Access.SIGNED_IN)
def pack(meeting_id: int, number: int) -> Any:
    """The documents of one agenda version that I may read and take out, in agenda order, as a ZIP with its
    manifest (H2 documents my party may not take out are left out, and the manifest says why)."""
    meeting, agenda = meetings.get_version(views.actor(), meeting_id, number)
    if not meetings.pack_holds_documents(views.actor(), agenda):
        abort(404)  # nothing the reader may open: no empty archive (the pages offer none either)
    data, added, _skipped = meetings.document_pack(views.actor(), meeting, agenda)
    if not added:
        abort(404)  # every file it would hold is restricted by its handling code: no archive of a manifest alone
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="documents-{meeting.id}-v{number}.zip"'})


@bp.get("/meetings/<int:meeting_id>/agenda")
@access(Access.SECRETARIAT)
def builder(meeting_id: int) -> Any:
    """The agenda builder: items by day, moved with buttons, edited in place, published as a version."""
    meeting = meetings.get(views.actor(), meeting_id)
    return builder_page(meeting, {}, 200)


def _agenda_action(meeting_id: int, action: Any, success: str, anchor: str = "", form: ItemForm | None = None,
                   item_id: int | None = None) -> Any:
    if form is not None and not form.validate_on_submit():
        return builder_page(meetings.get(views.actor(), meeting_id), form_errors(form), 422, form, item_id)
    try:
        action()
    except ConflictError as exc:
        flash(exc.message, "danger")
        db.session.rollback()
        return builder_page(meetings.get(views.actor(), meeting_id), {}, 409)
    except ValidationError as exc:
        db.session.rollback()
        return builder_page(meetings.get(views.actor(), meeting_id), exc.fields, 422, form, item_id)
    flash(success, "success")
    return redirect(url_for("meetings.builder", meeting_id=meeting_id) + anchor)


@bp.post("/meetings/<int:meeting_id>/items")
@access(Access.SECRETARIAT)
@once
def add_item(meeting_id: int) -> Any:
    """Add an agenda item."""
    form = ItemForm()
    return _agenda_action(meeting_id, lambda: meetings.add_item(views.actor(), meeting_id, form.to_input(),
                                                                form.base_revision()),
                          _("The item is added."), form=form)


@bp.post("/meetings/<int:meeting_id>/items/<int:item_id>")
@access(Access.SECRETARIAT)
def update_item(meeting_id: int, item_id: int) -> Any:
    """Change an agenda item (its edit form in the builder)."""
    form = ItemForm()
    change = lambda: meetings.update_item(views.actor(), item_id, form.to_input(), form.base_revision())  # noqa: E731
    return _agenda_action(meeting_id, change, _("The item is saved."), form=form, item_id=item_id)


@bp.post("/meetings/<int:meeting_id>/items/<int:item_id>/move")
@access(Access.SECRETARIAT)
def move_item(meeting_id: int, item_id: int) -> Any:
    """Move an item up or down (the keyboard twin of drag and drop)."""
    form = MoveForm()
    direction = -1 if form.direction.data == "up" else 1
    # Back to the moved item, so the next keyboard move starts where this one ended.
    return _agenda_action(meeting_id, lambda: meetings.move_item(views.actor(), item_id, direction,
                                                                 form.base_revision()),
                          _("The item is moved."), anchor=f"#item-{item_id}")


@bp.post("/meetings/<int:meeting_id>/items/<int:item_id>/delete")
@access(Access.SECRETARIAT)
def delete_item(meeting_id: int, item_id: int) -> Any:
    """Remove an item from the draft agenda."""
    form = RevisionForm()
    return _agenda_action(meeting_id, lambda: meetings.remove_item(views.actor(), item_id, form.base_revision()),
                          _("The item is removed."))


@bp.post("/meetings/<int:meeting_id>/publish")
@access(Access.SECRETARIAT)
@once
def publish(meeting_id: int) -> Any:
    """Publish the draft agenda as the next version."""
    try:
        agenda = meetings.publish_agenda(views.actor(), meeting_id, RevisionForm().base_revision())
    except (ConflictError, ValidationError) as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return builder_page(meetings.get(views.actor(), meeting_id), exc.fields, exc.status)
    flash(_("Version %(n)d of the agenda is published.", n=agenda.number), "success")
    return redirect(url_for("meetings.version", meeting_id=meeting_id, number=agenda.number))


def _record(meeting_id: int, form: Any, anchor: str, save: Any, success: str = "") -> Any:
    """Send a form of the meeting page to its service (``save``); a refused one is drawn in the page."""
    if not form.validate_on_submit():
        return refused(meeting_id, form, form_errors(form), anchor)
    try:
        save()
    except (ValidationError, ConflictError) as exc:
        return refused(meeting_id, form, exc.fields, anchor, exc.message)
    if success:
        flash(success, "success")
    return redirect(url_for("meetings.show", meeting_id=meeting_id) + anchor)


@bp.post("/meetings/<int:meeting_id>/register")
@access(Access.SIGNED_IN)
@once
def register(meeting_id: int) -> Any:
    """A focal point registers their delegation (head, delegates, advisers)."""
    form = RegisterForm()
    return _record(meeting_id, form, "#delegations", lambda: meetings.register(
        views.actor(), meeting_id, form.party.data or views.actor().party.code, form.members()),
        _("The delegation is registered; the secretariat will confirm it."))


@bp.post("/meetings/registrations/<int:registration_id>/decide")
@access(Access.SECRETARIAT)
def decide(registration_id: int) -> Any:
    """Confirm or decline a delegation."""
    form = DecideForm()
    if not form.validate_on_submit():  # only a hand-made request sends another button
        raise ValidationError(_("Confirm or decline the delegation."), fields=form_errors(form))
    registration = meetings.decide_registration(views.actor(), registration_id, form.decision.data == "confirm")
    return redirect(url_for("meetings.show", meeting_id=registration.meeting_id) + "#delegations")


@bp.post("/meetings/<int:meeting_id>/minutes")
@access(Access.SECRETARIAT)
@once
def minutes(meeting_id: int) -> Any:
    """Save the minutes (earlier text kept); "final" locks them."""
    form = MinutesForm()
    return _record(meeting_id, form, "#minutes", lambda: meetings.save_minutes(
        views.actor(), meeting_id, text(form.body), final=bool(form.final.data)), _("The minutes are saved."))


@bp.post("/meetings/<int:meeting_id>/decisions")
@access(Access.SECRETARIAT)
@once
def decision(meeting_id: int) -> Any:
    """Record a decision."""
    form = DecisionForm()
    return _record(meeting_id, form, "#decisions",
                   lambda: meetings.add_decision(views.actor(), meeting_id, text(form.decision)))


@bp.post("/meetings/<int:meeting_id>/actions")
@access(Access.SECRETARIAT)
@once
def action(meeting_id: int) -> Any:
    """Add an action item with its owner and due date."""
    form = ActionForm()
    return _record(meeting_id, form, "#actions", lambda: meetings.add_action(
        views.actor(), meeting_id, text(form.action_title), owner_party=text(form.owner_party),
        owner_network=text(form.owner_network), due=parse_date(text(form.due_date))))


@bp.post("/meetings/actions/<int:action_id>/status")
@access(Access.SIGNED_IN)
def action_status(action_id: int) -> Any:
    """Move an action item along (its owner's focal point or coordinator, or the secretariat)."""
    form = ActionStatusForm()
    if not form.validate_on_submit():
        # The service refuses it too, before it looks the item up; the page is drawn only for one who may read.
        item = db.session.get(ActionItem, action_id)
        if item is None or not permissions.can(views.actor(), "meeting.action.update", item):
            raise ValidationError(_("Choose open, in progress or done."), fields=form_errors(form))
        return show_page(item.meeting_id, form, form_errors(form, {"status": f"status-{action_id}"}), action_id)
    updated = meetings.set_action_status(views.actor(), action_id, text(form.status))
    flash(_("The action item is updated."), "success")
    return redirect("/" if form.back.data == "/" else
                    url_for("meetings.show", meeting_id=updated.meeting_id) + "#actions")


@bp.post("/meetings/<int:meeting_id>/carry-forward")
@access(Access.SECRETARIAT)
@once
def carry_forward(meeting_id: int) -> Any:
    """Add the open action items of earlier meetings as a section of this agenda."""
    form = RevisionForm()
    return _agenda_action(meeting_id, lambda: meetings.carry_forward(views.actor(), meeting_id, form.base_revision()),
                          _("The open action items are on the agenda."))


@bp.post("/meetings/<int:meeting_id>/reorder")
@access(Access.SECRETARIAT)
def reorder(meeting_id: int) -> Any:
    """One day's new order, as drag and drop sends it (the move buttons do the same one step at a time)."""
    form = ReorderForm()
    day = parse_date(text(form.day))
    return _agenda_action(meeting_id, lambda: meetings.reorder_day(views.actor(), meeting_id, day or date.min,
                                                                    form.item_ids(), form.base_revision()),
                          _("The new order is saved."))


@bp.post("/meetings/registrations/<int:registration_id>/attendance")
@access(Access.SECRETARIAT)
def attendance(registration_id: int) -> Any:
    """Mark who of a delegation attended."""
    registration = meetings.mark_attendance(views.actor(), registration_id, AttendanceForm().positions())
    flash(_("Attendance is saved."), "success")
    return redirect(url_for("meetings.show", meeting_id=registration.meeting_id) + "#delegations")
