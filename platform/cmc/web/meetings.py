"""Meeting pages: the list, the meeting, the agenda builder, published versions, registration, iCalendar."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from cmc import permissions
from cmc.extensions import db
from cmc.http.access import Access, access
from cmc.http.pagination import paginate
from cmc.models import Account, Decision, ItemKind, MeetingFormat, MeetingKind, MeetingStatus, Minutes
from cmc.services import meetings, networks, parties
from cmc.services.errors import ConflictError, ValidationError
from cmc.web.forms import EmptyForm, text
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
from cmc.web.once import once

bp = Blueprint("meetings", __name__)


def _actor() -> Account:
    return current_user._get_current_object()


def _choices() -> dict[str, Any]:
    return {"kinds": [k.value for k in MeetingKind], "formats": [f.value for f in MeetingFormat],
            "statuses": [s.value for s in MeetingStatus], "item_kinds": [k.value for k in ItemKind],
            "all_parties": parties.list_parties(include_retired=False), "csrf_form": EmptyForm()}


@bp.get("/meetings")
@access(Access.SIGNED_IN)
def index() -> Any:
    """Meetings I may see, newest first."""
    page = paginate(meetings.visible_query(_actor()), per_page=20)
    return render_template("meetings/index.html", page=page, can_manage=permissions.can(_actor(), "meeting.manage"))


def _meeting_form(meeting_id: int | None) -> Any:
    actor = _actor()
    meeting = meetings.get(actor, meeting_id) if meeting_id else None
    errors: dict[str, str] = {}
    form = MeetingForm()
    if form.is_submitted():
        network_slug = text(form.network)
        network_id = networks.entry(network_slug).id if network_slug else None
        try:
            saved = meetings.save_meeting(actor, form.to_input(network_id), meeting_id)
        except ValidationError as exc:
            errors = exc.fields
        else:
            flash(_("The meeting is saved."), "success")
            return redirect(url_for("meetings.show", meeting_id=saved.id))
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
    actor = _actor()
    meeting = meetings.get(actor, meeting_id)
    all_versions = meetings.versions(meeting)
    delegations = meetings.registrations(meeting)
    mine = next((r for r in delegations if r.party_id == actor.party_id), None)
    actions = meetings.actions_of(meeting)
    current = all_versions[0] if all_versions else None
    return render_template("meetings/show.html", meeting=meeting, versions=all_versions, current=current,
                           unpublished=bool(current) and meetings.snapshot(meeting) != current.items,
                           registrations=delegations, mine=mine,
                           minutes=db.session.get(Minutes, meeting.id), actions=actions,
                           can_update_action=meetings.updatable_actions(actor, actions),
                           decisions=list(db.session.scalars(select(Decision).where(Decision.meeting_id == meeting.id)
                                                             .order_by(Decision.id))),
                           network_choices=[e.network for e in networks.directory(actor)],
                           can_manage=permissions.can(actor, "meeting.manage"),
                           can_register=permissions.can(actor, "meeting.register"),
                           **_choices())


@bp.get("/meetings/<int:meeting_id>/agenda/<int:number>")
@access(Access.SIGNED_IN)
def version(meeting_id: int, number: int) -> Any:
    """One published agenda version, with what changed since the one before."""
    meeting, agenda = meetings.get_version(_actor(), meeting_id, number)
    return render_template("meetings/version.html", meeting=meeting, agenda=agenda,
                           latest=meetings.versions(meeting)[0].number)


@bp.get("/meetings/<int:meeting_id>/agenda/<int:number>.ics")
@access(Access.SIGNED_IN)
def ics(meeting_id: int, number: int) -> Any:
    """The meeting and the sessions of one agenda version as iCalendar."""
    meeting, agenda = meetings.get_version(_actor(), meeting_id, number)
    return Response(meetings.to_ics(meeting, agenda), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="meeting-{meeting.id}-v{number}.ics"'})


@bp.get("/meetings/<int:meeting_id>/agenda/<int:number>.pdf")
@access(Access.SIGNED_IN)
def pdf(meeting_id: int, number: int) -> Any:
    """The printable A4 agenda of one version (meeting, version and date on every page)."""
    meeting, agenda = meetings.get_version(_actor(), meeting_id, number)
    # The running header is a CSS string: keep only characters that need no escaping there.
    header_title = "".join(ch for ch in meeting.title if ch not in '"\\<>&\'')[:90]
    html = render_template("meetings/print.html", meeting=meeting, agenda=agenda, header_title=header_title)
    return Response(meetings.agenda_pdf(meeting, agenda, html), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="agenda-{meeting.id}-v{number}.pdf"'})


@bp.get("/meetings/<int:meeting_id>/agenda/<int:number>.zip")
@access(Access.SIGNED_IN)
def pack(meeting_id: int, number: int) -> Any:
    """The documents of one agenda version that I may read, in agenda order, as a ZIP."""
    meeting, agenda = meetings.get_version(_actor(), meeting_id, number)
    data, _added, _skipped = meetings.document_pack(_actor(), meeting, agenda)
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="documents-{meeting.id}-v{number}.zip"'})


@bp.get("/meetings/<int:meeting_id>/agenda")
@access(Access.SECRETARIAT)
def builder(meeting_id: int) -> Any:
    """The agenda builder: items by day, moved with buttons, edited in place, published as a version."""
    meeting = meetings.get(_actor(), meeting_id)
    return _builder(meeting, {}, 200)


def _builder(meeting: Any, errors: dict[str, str], status: int, form: ItemForm | None = None) -> Any:
    days: dict[date, list[Any]] = {}
    for item in sorted(meeting.items, key=lambda i: (i.day, i.position, i.id)):
        days.setdefault(item.day, []).append(item)
    meeting_days = [meeting.start_date + timedelta(days=n)
                    for n in range((meeting.end_date - meeting.start_date).days + 1)]
    return render_template("meetings/builder.html", meeting=meeting, days=days, meeting_days=meeting_days,
                           carried=meetings.open_actions_before(meeting),
                           warnings=meetings.overlaps(meeting), errors=errors,
                           form=(form or ItemForm(formdata=None, data={"kind": "session"})).with_days(meeting_days),
                           versions=meetings.versions(meeting), **_choices()), status


def _agenda_action(meeting_id: int, action: Any, success: str, anchor: str = "", form: ItemForm | None = None) -> Any:
    try:
        action()
    except ConflictError as exc:
        flash(exc.message, "danger")
        db.session.rollback()
        return _builder(meetings.get(_actor(), meeting_id), {}, 409)
    except ValidationError as exc:
        db.session.rollback()
        return _builder(meetings.get(_actor(), meeting_id), exc.fields, 422, form)
    flash(success, "success")
    return redirect(url_for("meetings.builder", meeting_id=meeting_id) + anchor)


@bp.post("/meetings/<int:meeting_id>/items")
@access(Access.SECRETARIAT)
@once
def add_item(meeting_id: int) -> Any:
    """Add an agenda item."""
    form = ItemForm()
    return _agenda_action(meeting_id, lambda: meetings.add_item(_actor(), meeting_id, form.to_input(),
                                                                form.base_revision()),
                          _("The item is added."), form=form)


@bp.post("/meetings/<int:meeting_id>/items/<int:item_id>")
@access(Access.SECRETARIAT)
def update_item(meeting_id: int, item_id: int) -> Any:
    """Change an agenda item."""
    form = ItemForm()
    return _agenda_action(meeting_id, lambda: meetings.update_item(_actor(), item_id, form.to_input(),
                                                                   form.base_revision()),
                          _("The item is saved."), form=form)


@bp.post("/meetings/<int:meeting_id>/items/<int:item_id>/move")
@access(Access.SECRETARIAT)
def move_item(meeting_id: int, item_id: int) -> Any:
    """Move an item up or down (the keyboard twin of drag and drop)."""
    form = MoveForm()
    direction = -1 if form.direction.data == "up" else 1
    # Back to the moved item, so the next keyboard move starts where this one ended.
    return _agenda_action(meeting_id, lambda: meetings.move_item(_actor(), item_id, direction, form.base_revision()),
                          _("The item is moved."), anchor=f"#item-{item_id}")


@bp.post("/meetings/<int:meeting_id>/items/<int:item_id>/delete")
@access(Access.SECRETARIAT)
def delete_item(meeting_id: int, item_id: int) -> Any:
    """Remove an item from the draft agenda."""
    form = RevisionForm()
    return _agenda_action(meeting_id, lambda: meetings.remove_item(_actor(), item_id, form.base_revision()),
                          _("The item is removed."))


@bp.post("/meetings/<int:meeting_id>/publish")
@access(Access.SECRETARIAT)
@once
def publish(meeting_id: int) -> Any:
    """Publish the draft agenda as the next version."""
    try:
        agenda = meetings.publish_agenda(_actor(), meeting_id, RevisionForm().base_revision())
    except (ConflictError, ValidationError) as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _builder(meetings.get(_actor(), meeting_id), exc.fields, exc.status)
    flash(_("Version %(n)d of the agenda is published.", n=agenda.number), "success")
    return redirect(url_for("meetings.version", meeting_id=meeting_id, number=agenda.number))


@bp.post("/meetings/<int:meeting_id>/register")
@access(Access.SIGNED_IN)
@once
def register(meeting_id: int) -> Any:
    """A focal point registers their delegation (head, delegates, advisers)."""
    form = RegisterForm()
    party = form.party.data or _actor().party.code
    try:
        meetings.register(_actor(), meeting_id, party, form.members())
    except (ValidationError, ConflictError) as exc:
        flash(exc.message, "danger")
    else:
        flash(_("The delegation is registered; the secretariat will confirm it."), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting_id) + "#delegations")


@bp.post("/meetings/registrations/<int:registration_id>/decide")
@access(Access.SECRETARIAT)
def decide(registration_id: int) -> Any:
    """Confirm or decline a delegation."""
    registration = meetings.decide_registration(_actor(), registration_id, DecideForm().decision.data == "confirm")
    return redirect(url_for("meetings.show", meeting_id=registration.meeting_id) + "#delegations")


@bp.post("/meetings/<int:meeting_id>/minutes")
@access(Access.SECRETARIAT)
@once
def minutes(meeting_id: int) -> Any:
    """Save the minutes (earlier text kept); "final" locks them."""
    try:
        form = MinutesForm()
        meetings.save_minutes(_actor(), meeting_id, text(form.body), final=form.final.data == "1")
    except (ValidationError, ConflictError) as exc:
        flash(exc.message, "danger")
    else:
        flash(_("The minutes are saved."), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting_id) + "#minutes")


@bp.post("/meetings/<int:meeting_id>/decisions")
@access(Access.SECRETARIAT)
@once
def decision(meeting_id: int) -> Any:
    """Record a decision."""
    try:
        meetings.add_decision(_actor(), meeting_id, text(DecisionForm().decision))
    except ValidationError as exc:
        flash(exc.message, "danger")
    return redirect(url_for("meetings.show", meeting_id=meeting_id) + "#decisions")


@bp.post("/meetings/<int:meeting_id>/actions")
@access(Access.SECRETARIAT)
@once
def action(meeting_id: int) -> Any:
    """Add an action item with its owner and due date."""
    try:
        form = ActionForm()
        meetings.add_action(_actor(), meeting_id, text(form.action_title), owner_party=text(form.owner_party),
                            owner_network=text(form.owner_network), due=parse_date(text(form.due_date)))
    except ValidationError as exc:
        flash(exc.message, "danger")
    return redirect(url_for("meetings.show", meeting_id=meeting_id) + "#actions")


@bp.post("/meetings/actions/<int:action_id>/status")
@access(Access.SIGNED_IN)
def action_status(action_id: int) -> Any:
    """Move an action item along (its owner's focal point or coordinator, or the secretariat)."""
    form = ActionStatusForm()
    updated = meetings.set_action_status(_actor(), action_id, text(form.status))
    flash(_("The action item is updated."), "success")
    return redirect("/" if form.back.data == "/" else
                    url_for("meetings.show", meeting_id=updated.meeting_id) + "#actions")


@bp.post("/meetings/<int:meeting_id>/carry-forward")
@access(Access.SECRETARIAT)
@once
def carry_forward(meeting_id: int) -> Any:
    """Add the open action items of earlier meetings as a section of this agenda."""
    form = RevisionForm()
    return _agenda_action(meeting_id, lambda: meetings.carry_forward(_actor(), meeting_id, form.base_revision()),
                          _("The open action items are on the agenda."))


@bp.post("/meetings/<int:meeting_id>/reorder")
@access(Access.SECRETARIAT)
def reorder(meeting_id: int) -> Any:
    """One day's new order, as drag and drop sends it (the move buttons do the same one step at a time)."""
    form = ReorderForm()
    day = parse_date(text(form.day))
    return _agenda_action(meeting_id, lambda: meetings.reorder_day(_actor(), meeting_id, day or date.min,
                                                                    form.item_ids(), form.base_revision()),
                          _("The new order is saved."))


@bp.post("/meetings/registrations/<int:registration_id>/attendance")
@access(Access.SECRETARIAT)
def attendance(registration_id: int) -> Any:
    """Mark who of a delegation attended."""
    registration = meetings.mark_attendance(_actor(), registration_id, AttendanceForm().positions())
    flash(_("Attendance is saved."), "success")
    return redirect(url_for("meetings.show", meeting_id=registration.meeting_id) + "#delegations")
