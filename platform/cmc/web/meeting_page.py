"""The two meeting pages that hold many forms, drawn whole: the meeting (minutes, decisions, action items and
their status, delegations) and the agenda builder (an edit form for each item, and one to add). After a refused
form each draws that form as sent, its fields marked by their errors, and answers 422."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from wtforms import SelectChoice

from cmc import permissions
from cmc.extensions import db
from cmc.i18n import timefmt
from cmc.models import Decision, ItemKind, MeetingFormat, MeetingKind, MeetingStatus, Minutes
from cmc.services import meetings, networks, parties
from cmc.web import views
from cmc.web.forms import EmptyForm
from cmc.web.meeting_forms import ActionForm, ActionStatusForm, DecisionForm, ItemForm, MinutesForm, RegisterForm
from cmc.web.meeting_times import MeetingClock
from cmc.web.timetable import page_context


def choices() -> dict[str, Any]:
    """The choices both pages offer, and a form with only the CSRF token (and a nonce) for their buttons."""
    return {"kinds": [k.value for k in MeetingKind], "formats": [f.value for f in MeetingFormat],
            "statuses": [s.value for s in MeetingStatus], "item_kinds": [k.value for k in ItemKind],
            "all_parties": parties.list_parties(include_retired=False), "csrf_form": EmptyForm()}


#: Where the meeting page draws a field under another id than its name (the error summary links to the id).
_SHOWN_AS = {"body": "minutes-body", "owner": "owner_party", "name": "members", "role": "members",
             "member_title": "members"}


def show_page(meeting_id: int, sent: Any = None, errors: dict[str, str] | None = None,
               action_id: int | None = None) -> Any:
    """The meeting page; after a refused form, ``sent`` is that form drawn as sent, with its ``errors`` (by the
    id of the field on the page), answered 422. ``action_id`` names the action item whose status form it was."""
    actor = views.actor()
    meeting = meetings.get(actor, meeting_id)
    all_versions = meetings.versions(meeting)
    delegations = meetings.registrations(meeting)
    actions = meetings.actions_of(meeting)
    current = all_versions[0] if all_versions else None
    minutes = db.session.get(Minutes, meeting.id)
    network_choices = [e.network for e in networks.directory(actor)]
    all_parties = parties.list_parties(include_retired=False)
    forms: dict[str, Any] = {
        "minutes_form": MinutesForm(formdata=None, data={"body": minutes.body if minutes else ""}),
        "decision_form": DecisionForm(formdata=None), "register_form": RegisterForm(formdata=None),
        "action_form": ActionForm(formdata=None)}
    status_forms = {a.id: ActionStatusForm(formdata=None, data={"status": a.status.value}) for a in actions}
    if action_id is not None:
        status_forms[action_id] = sent
    else:
        forms.update({name: sent for name, form in forms.items() if type(form) is type(sent)})
    forms["action_form"].with_owners(all_parties, network_choices)
    forms["register_form"].with_parties(all_parties)
    can_manage = permissions.can(actor, "meeting.manage")
    clock = MeetingClock(meeting)
    agenda = page_context(meeting, clock, current.items if current else [], request.args.get("view"))
    return render_template("meetings/show.html", meeting=meeting, versions=all_versions, current=current,
                           linked=meetings.readable_titles(actor, meetings.version_document_ids(current)),
                           pack=meetings.pack_holds_documents(actor, current),
                           # Only the secretariat is told (and only its page pays for the comparison).
                           unpublished=bool(current) and can_manage and bool(meetings.pending_changes(meeting)),
                           registrations=delegations, mine=next((r for r in delegations
                                                                 if r.party_id == actor.party_id), None),
                           minutes=minutes, actions=actions, status_forms=status_forms,
                           can_update_action=meetings.updatable_actions(actor, actions),
                           decisions=list(db.session.scalars(select(Decision).where(Decision.meeting_id == meeting.id)
                                                             .order_by(Decision.id))),
                           can_manage=can_manage,
                           can_register=permissions.can(actor, "meeting.register"), clock=clock,
                           errors=errors or {}, sent=sent, **agenda, **forms, **choices()), 422 if errors else 200


def refused(meeting_id: int, form: Any, errors: dict[str, str], anchor: str, message: str = "") -> Any:
    """The meeting page with ``form`` drawn as sent and its fields' ``errors``; a refusal that is no field's (the
    minutes are locked, the registration closed) is flashed on the way back to the page, as before."""
    db.session.rollback()
    if errors:
        return show_page(meeting_id, form, {_SHOWN_AS.get(k, k): v for k, v in errors.items()})
    flash(message, "danger")
    return redirect(url_for("meetings.show", meeting_id=meeting_id) + anchor)


#: The ids the builder draws an item's edit fields under (``-<item id>`` added); its other fields are hidden, so
#: their errors point at the edit form itself.
_EDIT_IDS = {"title": "title", "day": "item-day", "start_time": "start", "end_time": "end", "room": "room"}


def builder_page(meeting: Any, errors: dict[str, str], status: int, form: ItemForm | None = None,
             item_id: int | None = None) -> Any:
    """The builder page; after a refused add (``form``) or edit (``form`` of item ``item_id``), that form drawn
    as sent with its ``errors`` (the edit's by the ids of that item's fields)."""
    days: dict[date, list[Any]] = {}
    for item in sorted(meeting.items, key=lambda i: (i.day, i.position, i.id)):
        days.setdefault(item.day, []).append(item)
    meeting_days = [meeting.start_date + timedelta(days=n)
                    for n in range((meeting.end_date - meeting.start_date).days + 1)]
    item_forms = {item.id: _with_days(ItemForm.of(item), meeting_days) for item in meeting.items}
    item_errors: dict[str, str] = {}
    if item_id is not None and form is not None:
        item_forms[item_id] = _with_days(form, meeting_days)
        item_errors = {f"{_EDIT_IDS.get(name, 'edit')}-{item_id}": message for name, message in errors.items()}
        errors, form = {}, None
    linked, document_warnings = meetings.builder_documents(views.actor(), meeting)
    if form is not None:  # a refused form keeps the documents it was sent with: name them too
        linked.update(meetings.readable_titles(views.actor(), form.linked_ids()))
    return render_template("meetings/builder.html", meeting=meeting, days=days, meeting_days=meeting_days,
                           linked=linked, document_warnings=document_warnings,
                           carried=meetings.open_actions_before(meeting),
                           warnings=meetings.overlaps(meeting), errors=errors, item_forms=item_forms,
                           item_errors=item_errors, edited=item_id if item_errors else None,
                           form=_with_days(form or ItemForm(formdata=None, data={"kind": "session"}), meeting_days),
                           versions=meetings.versions(meeting), pending=_pending(meeting), clock=MeetingClock(meeting),
                           **choices()), status


def _pending(meeting: Any) -> list[str]:
    """What publishing now would change, as the builder lists it beside its button; empty when the draft is the
    published agenda (the button is then not offered)."""
    return meetings.describe_changes(meetings.pending_changes(meeting))


def _with_days(form: ItemForm, days: list[date]) -> ItemForm:
    """The form offering the meeting's days, each named as the reader writes it ("lundi 17 novembre 2036") and
    sent as its ISO date."""
    form.with_days(days)
    form.day.choices = [SelectChoice(d.isoformat(), timefmt.show(d, "day")) for d in days]
    return form


