"""Registration of delegations: a focal point names their party's delegation, the secretariat confirms or
declines it and, after the meeting, marks who attended."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models.account import Account, Role
from cmc.models.meeting import Meeting, MeetingStatus, Registration, RegistrationStatus
from cmc.models.party import Party, PartyStatus
from cmc.services import audit, notifications
from cmc.services.errors import ConflictError, ValidationError
from cmc.services.meetings.access import get, require_manage
from cmc.services.text import field_errors as text_errors

DELEGATION_ROLES = ("head", "delegate", "adviser")


def _clean_members(members: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The delegation as stored: named members only, each with a known role, exactly one head."""
    clean = []
    for member in members:
        name = " ".join(str(member.get("name", "")).split())
        role = str(member.get("role", "delegate"))
        if not name:
            continue
        if text_errors(name=str(member.get("name", "")), title=str(member.get("title", ""))):
            raise ValidationError(_("A name or title holds an invisible control character: remove it."),
                                  fields={"members": _("Remove the control character.")})
        if role not in DELEGATION_ROLES or len(name) > 120:
            raise ValidationError(_("Each member needs a name and a role: head, delegate or adviser."),
                                  fields={"members": _("Check the names and roles.")})
        clean.append({"name": name, "title": str(member.get("title", ""))[:120], "role": role, "attended": False})
    if not clean:
        raise ValidationError(_("Name at least the head of delegation."), fields={"members": _("Add a name.")})
    if sum(1 for m in clean if m["role"] == "head") != 1:
        raise ValidationError(_("Name exactly one head of delegation."), fields={"members": _("One head.")})
    return clean


def register(actor: Account, meeting_id: int, party_code: str, members: list[dict[str, str]]) -> Registration:
    """A focal point registers their own party's delegation (the secretariat may register any party)."""
    meeting = get(actor, meeting_id)
    party = db.session.scalar(select(Party).where(Party.code == party_code.upper()))
    permissions.check(party is not None and permissions.can(actor, "meeting.register", party),
                      action="meeting.register", target_type="meeting", target_id=meeting.id,
                      target_party_id=party.id if party else None,
                      message=_("A focal point registers the delegation of their own party only."))
    assert party is not None
    if meeting.status in (MeetingStatus.CANCELLED, MeetingStatus.CONCLUDED, MeetingStatus.DRAFT):
        raise ConflictError(_("Registration is closed for this meeting."))
    clean = _clean_members(members)
    with write_transaction():
        registration = db.session.scalar(select(Registration).where(Registration.meeting_id == meeting.id,
                                                                    Registration.party_id == party.id))
        if registration is None:
            registration = Registration(meeting_id=meeting.id, party_id=party.id, registered_by_id=actor.id)
            db.session.add(registration)
        registration.members = clean
        registration.status = RegistrationStatus.PENDING
        registration.as_observer = party.status == PartyStatus.OBSERVER
        audit.record(actor, "meeting.register", target_type="meeting", target_id=meeting.id,
                     target_party_id=party.id, details={"members": len(clean)})
    return registration


@contextmanager
def _managed_registration(actor: Account, registration_id: int, action: str) -> Iterator[Registration]:
    """The registration, for the secretariat only (404 when unknown), read again inside the write transaction
    the block runs in, which commits when the block ends."""
    registration = db.session.get(Registration, registration_id)
    permissions.check(registration is not None, action=action, target_type="registration",
                      target_id=registration_id, hide=True)
    assert registration is not None
    require_manage(actor, registration.meeting_id, action)
    with write_transaction():
        registration = db.session.get(Registration, registration_id)
        assert registration is not None
        yield registration


def decide_registration(actor: Account, registration_id: int, confirm: bool) -> Registration:
    """The secretariat confirms or declines a delegation."""
    with _managed_registration(actor, registration_id, "meeting.registration") as registration:
        registration.status = RegistrationStatus.CONFIRMED if confirm else RegistrationStatus.DECLINED
        audit.record(actor, "meeting.registration", target_type="meeting", target_id=registration.meeting_id,
                     target_party_id=registration.party_id, details={"status": str(registration.status)})
        focal_points = db.session.scalars(select(Account.id).where(
            Account.party_id == registration.party_id, Account.role == Role.FOCAL_POINT, Account.active.is_(True)))
        for focal_id in focal_points:  # the focal points who register their party's delegation are told
            notifications.record(focal_id, "registration.decided", meeting_id=registration.meeting_id,
                                 meeting=_title(registration.meeting_id), party=registration.party.name,
                                 confirmed=confirm)
    notifications.push_recorded()
    return registration


def _title(meeting_id: int) -> str:
    meeting = db.session.get(Meeting, meeting_id)
    return meeting.title if meeting is not None else ""


def mark_attendance(actor: Account, registration_id: int, attended: list[int]) -> Registration:
    """The secretariat marks which members of a delegation attended (by their place in the list)."""
    with _managed_registration(actor, registration_id, "meeting.attendance") as registration:
        registration.members = [{**m, "attended": n in attended} for n, m in enumerate(registration.members)]
        audit.record(actor, "meeting.attendance", target_type="meeting", target_id=registration.meeting_id,
                     target_party_id=registration.party_id, details={"attended": len(attended)})
    return registration


def registrations(meeting: Meeting) -> list[Registration]:
    """Delegations by party name (each with its party, already joined for the order)."""
    return list(db.session.scalars(select(Registration).join(Party, Party.id == Registration.party_id)
                                   .options(contains_eager(Registration.party))
                                   .where(Registration.meeting_id == meeting.id).order_by(Party.name)))
