"""Meeting pages: the list, the meeting, the agenda builder, published versions, registration, iCalendar."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from cmc import permissions
from cmc.extensions import db
from cmc.models import Account, Decision, ItemKind, MeetingFormat, MeetingKind, MeetingStatus, Minutes
from cmc.models.types import parse_id
from cmc.services import meetings, networks, parties
from cmc.services.errors import ConflictError, ValidationError
from cmc.web.access import Access, access
from cmc.web.forms import EmptyForm
from cmc.web.once import once
from cmc.web.pagination import paginate

bp = Blueprint("meetings", __name__)


def _actor() -> Account:
    return current_user._get_current_object()


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _time(raw: str | None) -> time | None:
    try:
        return time.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _revision() -> int:
    try:
        return int(request.form.get("revision", "-1"))
    except ValueError:
        return -1


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
    form: Any = request.form
    if request.method == "POST":
        network_slug = request.form.get("network", "")
        network_id = networks.entry(network_slug).id if network_slug else None
        data = meetings.MeetingInput(
            title=form.get("title", ""), kind=form.get("kind", ""), start_date=_date(form.get("start_date")),
            end_date=_date(form.get("end_date")), timezone=form.get("timezone", ""), venue=form.get("venue", ""),
            city=form.get("city", ""), host_party=form.get("host_party", ""), format=form.get("format", ""),
            link=form.get("link", ""), network_id=network_id, description=form.get("description", ""),
            status=form.get("status", "draft"))
        try:
            saved = meetings.save_meeting(actor, data, meeting_id)
        except ValidationError as exc:
            errors = exc.fields
        else:
            flash(_("The meeting is saved."), "success")
            return redirect(url_for("meetings.show", meeting_id=saved.id))
    elif meeting is not None:
        form = {"title": meeting.title, "kind": meeting.kind.value, "start_date": meeting.start_date.isoformat(),
                "end_date": meeting.end_date.isoformat(), "timezone": meeting.timezone, "venue": meeting.venue,
                "city": meeting.city, "host_party": meeting.host_party.code if meeting.host_party else "",
                "format": meeting.format.value, "link": meeting.link, "description": meeting.description,
                "status": meeting.status.value, "network": meeting.network.slug if meeting.network else ""}
    else:
        form = {"timezone": "America/Port_of_Spain", "status": "draft"}
    entries = networks.directory(actor)
    return render_template("meetings/form.html", form=form, errors=errors, meeting=meeting,
                           networks=[e.network for e in entries], **_choices()), 422 if errors else 200


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


def _builder(meeting: Any, errors: dict[str, str], status: int, form: Any = None) -> Any:
    days: dict[date, list[Any]] = {}
    for item in sorted(meeting.items, key=lambda i: (i.day, i.position, i.id)):
        days.setdefault(item.day, []).append(item)
    meeting_days = [meeting.start_date + timedelta(days=n)
                    for n in range((meeting.end_date - meeting.start_date).days + 1)]
    return render_template("meetings/builder.html", meeting=meeting, days=days, meeting_days=meeting_days,
                           carried=meetings.open_actions_before(meeting),
                           warnings=meetings.overlaps(meeting), errors=errors, form=form or {},
                           versions=meetings.versions(meeting), **_choices()), status


def _item_input() -> meetings.ItemInput:
    form = request.form
    ids = [n for x in form.get("document_ids", "").replace(",", " ").split() if (n := parse_id(x))]
    return meetings.ItemInput(day=_date(form.get("day")), title=form.get("title", ""),
                              start_time=_time(form.get("start_time")), end_time=_time(form.get("end_time")),
                              session=form.get("session", ""), description=form.get("description", ""),
                              kind=form.get("kind", "session"), presenters=form.get("presenters", ""),
                              document_ids=ids)


def _agenda_action(meeting_id: int, action: Any, success: str, anchor: str = "") -> Any:
    try:
        action()
    except ConflictError as exc:
        flash(exc.message, "danger")
        db.session.rollback()
        return _builder(meetings.get(_actor(), meeting_id), {}, 409)
    except ValidationError as exc:
        db.session.rollback()
        return _builder(meetings.get(_actor(), meeting_id), exc.fields, 422, request.form)
    flash(success, "success")
    return redirect(url_for("meetings.builder", meeting_id=meeting_id) + anchor)


@bp.post("/meetings/<int:meeting_id>/items")
@access(Access.SECRETARIAT)
@once
def add_item(meeting_id: int) -> Any:
    """Add an agenda item."""
    return _agenda_action(meeting_id, lambda: meetings.add_item(_actor(), meeting_id, _item_input(), _revision()),
                          _("The item is added."))


@bp.post("/meetings/<int:meeting_id>/items/<int:item_id>")
@access(Access.SECRETARIAT)
def update_item(meeting_id: int, item_id: int) -> Any:
    """Change an agenda item."""
    return _agenda_action(meeting_id, lambda: meetings.update_item(_actor(), item_id, _item_input(), _revision()),
                          _("The item is saved."))


@bp.post("/meetings/<int:meeting_id>/items/<int:item_id>/move")
@access(Access.SECRETARIAT)
def move_item(meeting_id: int, item_id: int) -> Any:
    """Move an item up or down (the keyboard twin of drag and drop)."""
    direction = -1 if request.form.get("direction") == "up" else 1
    # Back to the moved item, so the next keyboard move starts where this one ended.
    return _agenda_action(meeting_id, lambda: meetings.move_item(_actor(), item_id, direction, _revision()),
                          _("The item is moved."), anchor=f"#item-{item_id}")


@bp.post("/meetings/<int:meeting_id>/items/<int:item_id>/delete")
@access(Access.SECRETARIAT)
def delete_item(meeting_id: int, item_id: int) -> Any:
    """Remove an item from the draft agenda."""
    return _agenda_action(meeting_id, lambda: meetings.remove_item(_actor(), item_id, _revision()),
                          _("The item is removed."))


@bp.post("/meetings/<int:meeting_id>/publish")
@access(Access.SECRETARIAT)
@once
def publish(meeting_id: int) -> Any:
    """Publish the draft agenda as the next version."""
    try:
        agenda = meetings.publish_agenda(_actor(), meeting_id, _revision())
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
    form = request.form
    members = [{"name": name, "role": role, "title": title} for name, role, title in
               zip(form.getlist("name"), form.getlist("role"), form.getlist("member_title"), strict=False)]
    party = form.get("party") or _actor().party.code
    try:
        meetings.register(_actor(), meeting_id, party, members)
    except (ValidationError, ConflictError) as exc:
        flash(exc.message, "danger")
    else:
        flash(_("The delegation is registered; the secretariat will confirm it."), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting_id) + "#delegations")


@bp.post("/meetings/registrations/<int:registration_id>/decide")
@access(Access.SECRETARIAT)
def decide(registration_id: int) -> Any:
    """Confirm or decline a delegation."""
    registration = meetings.decide_registration(_actor(), registration_id, request.form.get("decision") == "confirm")
    return redirect(url_for("meetings.show", meeting_id=registration.meeting_id) + "#delegations")


@bp.post("/meetings/<int:meeting_id>/minutes")
@access(Access.SECRETARIAT)
@once
def minutes(meeting_id: int) -> Any:
    """Save the minutes (earlier text kept); "final" locks them."""
    try:
        meetings.save_minutes(_actor(), meeting_id, request.form.get("body", ""),
                              final=request.form.get("final") == "1")
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
        meetings.add_decision(_actor(), meeting_id, request.form.get("decision", ""))
    except ValidationError as exc:
        flash(exc.message, "danger")
    return redirect(url_for("meetings.show", meeting_id=meeting_id) + "#decisions")


@bp.post("/meetings/<int:meeting_id>/actions")
@access(Access.SECRETARIAT)
@once
def action(meeting_id: int) -> Any:
    """Add an action item with its owner and due date."""
    try:
        meetings.add_action(_actor(), meeting_id, request.form.get("action_title", ""),
                            owner_party=request.form.get("owner_party", ""),
                            owner_network=request.form.get("owner_network", ""),
                            due=_date(request.form.get("due_date")))
    except ValidationError as exc:
        flash(exc.message, "danger")
    return redirect(url_for("meetings.show", meeting_id=meeting_id) + "#actions")


@bp.post("/meetings/actions/<int:action_id>/status")
@access(Access.SIGNED_IN)
def action_status(action_id: int) -> Any:
    """Move an action item along (its owner's focal point or coordinator, or the secretariat)."""
    updated = meetings.set_action_status(_actor(), action_id, request.form.get("status", ""))
    flash(_("The action item is updated."), "success")
    return redirect(request.form.get("back") if request.form.get("back") == "/" else
                    url_for("meetings.show", meeting_id=updated.meeting_id) + "#actions")


@bp.post("/meetings/<int:meeting_id>/carry-forward")
@access(Access.SECRETARIAT)
@once
def carry_forward(meeting_id: int) -> Any:
    """Add the open action items of earlier meetings as a section of this agenda."""
    return _agenda_action(meeting_id, lambda: meetings.carry_forward(_actor(), meeting_id, _revision()),
                          _("The open action items are on the agenda."))


@bp.post("/meetings/<int:meeting_id>/reorder")
@access(Access.SECRETARIAT)
def reorder(meeting_id: int) -> Any:
    """One day's new order, as drag and drop sends it (the move buttons do the same one step at a time)."""
    ids = [int(x) for x in request.form.get("order", "").split(",") if x.strip().isdigit()]
    day = _date(request.form.get("day"))
    return _agenda_action(meeting_id, lambda: meetings.reorder_day(_actor(), meeting_id, day or date.min, ids,
                                                                    _revision()), _("The new order is saved."))


@bp.post("/meetings/registrations/<int:registration_id>/attendance")
@access(Access.SECRETARIAT)
def attendance(registration_id: int) -> Any:
    """Mark who of a delegation attended."""
    attended = [int(x) for x in request.form.getlist("attended") if x.isdigit()]
    registration = meetings.mark_attendance(_actor(), registration_id, attended)
    flash(_("Attendance is saved."), "success")
    return redirect(url_for("meetings.show", meeting_id=registration.meeting_id) + "#delegations")
