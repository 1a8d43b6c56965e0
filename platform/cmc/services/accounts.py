"""Accounts: invitations, roles, deactivation, personal settings."""

from __future__ import annotations

import secrets
import zoneinfo
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.sql import Select

from cmc import i18n, permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import Account, Invitation, Party, Role
from cmc.models.types import utcnow
from cmc.realtime import notify
from cmc.services import audit, text
from cmc.services.auth import digest, end_all_sessions, find_account_by_email
from cmc.services.errors import ConflictError, GoneError, ValidationError
from cmc.services.mail import send_mail
from cmc.services.passwords import hash_password, password_problem, verify_password


def first_language(party: Party) -> str:
    """The interface language a new member of a party starts with: the first of the party's languages the
    platform offers (Haiti: French, Suriname: Dutch), else English. Whoever invites may choose another."""
    return next((code for code in party.language_list if i18n.is_available(code)), i18n.DEFAULT)


def absolute_url(endpoint: str, **values: object) -> str:
    """A full link for mail and the command line, from ``BASE_URL`` (works outside a request too)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path


def normalise_email(email: str) -> str:
    """Check an address's syntax (no DNS look-up) and return it normalised; raise ``ValidationError``."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        message = _("Enter an email address like name@example.org.")
        raise ValidationError(message, fields={"email": message}) from exc


def _party_by_code(code: str) -> Party:
    party = db.session.scalar(select(Party).where(func.upper(Party.code) == code.strip().upper()))
    if party is None:
        message = _("There is no party with the code %(code)s.", code=code.strip()[:12])
        raise ValidationError(message, fields={"party": message})
    return party


def _role(value: str | Role) -> Role:
    try:
        return Role(value)
    except ValueError as exc:
        message = _("Choose a role: secretariat, focal point or delegate.")
        raise ValidationError(message, fields={"role": message}) from exc


def _check_name(name: str) -> str:
    text.check(name=name)
    name = " ".join(name.split())
    if not name or len(name) > 120:
        message = _("Enter the person's name (up to 120 characters).")
        raise ValidationError(message, fields={"name": message})
    return name


@dataclass
class InvitationResult:
    """A new invitation: the account it prepares and the link (only ever shown to the inviter and mailed)."""

    account: Account
    link: str


def invite(actor: Account | None, *, email: str, name: str, party_code: str, role: str | Role,
           title: str = "", send: bool = True, language: str | None = None) -> InvitationResult:
    """Prepare an account and send a single-use, expiring invitation link.

    ``actor`` None is the command line (an operator at the server). The secretariat invites anyone to any
    party; a focal point only delegates of their own party. ``language`` is the new account's interface
    language (default: the party's first offered language), and the invitation is written in it.
    """
    if language is not None and not i18n.is_available(language):
        message = _("Choose one of the offered languages.")
        raise ValidationError(message, fields={"language": message})
    email = normalise_email(email)
    name = _check_name(name)
    text.check(title=title)
    role = _role(role)
    key = secrets.token_urlsafe(32)
    with write_transaction():
        party = _party_by_code(party_code)
        if actor is not None:
            permissions.check(
                permissions.can(actor, "account.invite", party, role),
                action="account.invite", target_type="party", target_id=party.id, target_party_id=party.id,
                message=_("You can invite delegates of your own party only."),
            )
            if permissions.accounts.grants_power(role):
                permissions.require_fresh_sign_in(actor)  # an account born a focal point or secretariat is a grant
        if party.retired:
            message = _("%(party)s is retired; nobody can be invited to it.", party=party.name)
            raise ValidationError(message, fields={"party": message})
        if find_account_by_email(email) is not None:
            message = _("An account with this email already exists.")
            raise ConflictError(message, fields={"email": message})
        account = Account(email=email, name=name, title=title.strip()[:120], party_id=party.id, role=role,
                          language=language or first_language(party))
        db.session.add(account)
        db.session.flush()
        hours = current_app.config["INVITATION_HOURS"]
        db.session.add(Invitation(account_id=account.id, token_hash=digest(key),
                                  invited_by_id=actor.id if actor else None,
                                  expires_at=utcnow() + timedelta(hours=hours)))
        audit.record(actor, "account.invite", target_type="account", target_id=account.id,
                     target_party_id=party.id, details={"email": email, "role": str(role)},
                     actor_label=None if actor else "cli")
    link = absolute_url("auth.accept_invitation", key=key)
    if send:
        with i18n.in_language_of(account):  # the invitee's language, not the inviter's
            send_mail(
                email,
                _("Your invitation to the CMC Platform"),
                _(
                    "Hello %(name)s,\n\nYou have been invited to the CMC Platform, the online platform of the "
                    "Caribbean Migration Consultations, for %(party)s.\n\nOpen this link within %(hours)d hours "
                    "to choose your password:\n%(link)s\n\nIf you did not expect this message, ignore it.",
                    name=name, party=party.name, hours=hours, link=link,
                ),
            )
    return InvitationResult(account=account, link=link)


def open_invitation(key: str) -> Invitation:
    """The invitation behind a link, if still usable; ``GoneError`` when used or expired, 404 otherwise."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == digest(key)))
    permissions.check(invitation is not None, action="invitation.open", hide=True,
                      message=_("This invitation link is not valid. Check that you copied all of it."))
    assert invitation is not None
    if invitation.used_at is not None:
        raise GoneError(_("This invitation has already been used. Sign in with your email and password."))
    if invitation.expires_at <= utcnow():
        raise GoneError(_("This invitation has expired. Ask whoever invited you to send a new one."))
    if not invitation.account.active or invitation.account.party.retired:
        raise GoneError(_("This invitation can no longer be used. Ask the secretariat for help."))
    return invitation


def _check_new_password(password: str, confirm: str | None, field: str) -> None:
    """422 when the confirmation (if asked) differs, or the password breaks a rule (shown by ``field``)."""
    if confirm is not None and password != confirm:
        message = _("The two passwords are not the same.")
        raise ValidationError(message, fields={"confirm": message})
    problem = password_problem(password)
    if problem:
        raise ValidationError(problem, fields={field: problem})


def _set_password(account: Account, password: str) -> None:
    account.password_hash = hash_password(password)
    account.password_changed_at = utcnow()


def accept_invitation(key: str, password: str, confirm: str) -> Account:
    """Set the invitee's password and spend the link; the caller then signs them in."""
    with write_transaction():
        invitation = open_invitation(key)
        _check_new_password(password, confirm, "password")
        account = invitation.account
        _set_password(account, password)
        invitation.used_at = utcnow()
        audit.record(account, "account.invitation_accepted", target_type="account", target_id=account.id,
                     target_party_id=account.party_id)
    return account


def create_with_password(*, email: str, name: str, party_code: str, role: str | Role, password: str,
                         title: str = "", language: str = i18n.DEFAULT) -> Account:
    """Create an account directly with a password (command line and demo seed only), in English unless
    ``language`` says otherwise (an invitation starts in the party's language instead)."""
    _check_new_password(password, None, "password")
    result = invite(None, email=email, name=name, party_code=party_code, role=role, title=title, send=False,
                    language=language)
    with write_transaction():
        account = db.session.get(Account, result.account.id)
        assert account is not None
        _set_password(account, password)
        for invitation in db.session.scalars(select(Invitation).where(Invitation.account_id == account.id)):
            invitation.used_at = utcnow()
    return account


def accounts_query(actor: Account, *, party_code: str | None = None, role: str | None = None) -> Select[tuple[Account]]:
    """The accounts the actor may manage, filtered (secretariat: all; focal point: their party's)."""
    permissions.require(actor, "account.list", action="account.list", target_type="account")
    query = select(Account).join(Account.party).order_by(Party.code, Account.name)
    if not permissions.can(actor, "account.all_parties"):
        query = query.where(Account.party_id == actor.party_id)
    if party_code:
        query = query.where(Party.code == party_code.upper())
    if role:
        query = query.where(Account.role == _role(role))
    return query


def get_managed_account(actor: Account, account_id: int) -> Account:
    """An account the actor may see in the admin; 404 otherwise."""
    account = db.session.get(Account, account_id)
    permissions.check(account is not None and permissions.can(actor, "account.view", account),
                      action="account.view", target_type="account", target_id=account_id, hide=True)
    assert account is not None
    return account


def change_role(actor: Account, account_id: int, role: str | Role) -> Account:
    """Give an account another platform role; its sessions and live connections end."""
    new_role = _role(role)
    with write_transaction():
        account = get_managed_account(actor, account_id)
        permissions.require(actor, "account.assign_role", account, new_role, action="account.role",
                            target_type="account", target_id=account.id, target_party_id=account.party_id)
        if account.role == new_role:
            return account
        permissions.require_fresh_sign_in(actor)
        before = str(account.role)
        account.role = new_role
        ended = end_all_sessions(account.id)
        audit.record(actor, "account.role", target_type="account", target_id=account.id,
                     target_party_id=account.party_id, details={"before": before, "after": str(new_role)})
    notify.disconnect_account(account.id)
    notify.disconnect_sessions(ended)
    return account


def set_active(actor: Account, account_id: int, active: bool) -> Account:
    """Deactivate (ending every session and live connection at once) or reactivate an account."""
    with write_transaction():
        account = get_managed_account(actor, account_id)
        permissions.require(actor, "account.manage", account,
                            action="account.deactivate" if not active else "account.reactivate",
                            target_type="account", target_id=account.id, target_party_id=account.party_id)
        if account.active == active:
            return account
        account.active = active
        ended = end_all_sessions(account.id) if not active else []
        audit.record(actor, "account.reactivate" if active else "account.deactivate", target_type="account",
                     target_id=account.id, target_party_id=account.party_id)
    if not active:
        notify.disconnect_account(account.id)
        notify.disconnect_sessions(ended)
    return account


def update_profile(actor: Account, *, name: str, title: str, language: str, timezone: str) -> Account:
    """Change the actor's own name, title, interface language and time zone."""
    fields: dict[str, str] = {}
    if not i18n.is_available(language):
        fields["language"] = _("Choose one of the offered languages.")
    if timezone not in zoneinfo.available_timezones():
        fields["timezone"] = _("Choose a time zone from the list, for example America/Port_of_Spain.")
    if len(title.strip()) > 120:
        fields["title"] = _("Use at most 120 characters.")
    fields.update(text.field_errors(title=title))
    try:
        clean_name = _check_name(name)
    except ValidationError as exc:
        fields.update(exc.fields)
        clean_name = name
    if fields:
        raise ValidationError(next(iter(fields.values())), fields=fields)
    with write_transaction():
        account = db.session.get(Account, actor.id)
        assert account is not None
        account.name = clean_name
        account.title = title.strip()
        account.language = language
        account.timezone = timezone
        account.timezone_confirmed = True
        audit.record(actor, "account.profile", target_type="account", target_id=account.id,
                     target_party_id=account.party_id)
    return account


def change_password(actor: Account, *, current: str, new: str, confirm: str, keep_session_id: int | None) -> None:
    """Change the actor's password; every other session and its live connections end."""
    if not verify_password(actor.password_hash, current):
        message = _("Your current password is not right.")
        raise ValidationError(message, fields={"current": message})
    _check_new_password(new, confirm, "new")
    with write_transaction():
        account = db.session.get(Account, actor.id)
        assert account is not None
        _set_password(account, new)
        ended = end_all_sessions(account.id, keep_session_id=keep_session_id)
        audit.record(actor, "account.password", target_type="account", target_id=account.id,
                     target_party_id=account.party_id, details={"sessions_ended": len(ended)})
    notify.disconnect_sessions(ended)


def adopt_browser_zone(account: Account, zone: str | None) -> bool:
    """At a sign-in, take the time zone the browser reports (``Intl``), unless the person has one already
    (saved in settings, or taken at an earlier sign-in). A name this machine does not know changes nothing."""
    if account.timezone_confirmed or not zone or len(zone) > 64 or zone not in zoneinfo.available_timezones():
        return False
    with write_transaction():
        row = db.session.get(Account, account.id)
        assert row is not None
        row.timezone = zone
        row.timezone_confirmed = True
    return True
