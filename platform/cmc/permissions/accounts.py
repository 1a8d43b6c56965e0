"""Rules about parties, accounts, invitations, sessions and second factors (the admin pages)."""

from __future__ import annotations

from cmc.models import Account, Party, PartyStatus, Role
from cmc.permissions.core import is_focal_point, is_secretariat
from cmc.permissions.registry import rule


@rule("party.manage")
def can_manage_parties(actor: Account | None) -> bool:
    """Only the secretariat adds, edits and retires parties (and so sees the parties admin)."""
    return is_secretariat(actor)


@rule("account.list")
def can_list_accounts(actor: Account | None) -> bool:
    """The secretariat (all accounts) and focal points (their own party's) open the accounts admin."""
    return is_secretariat(actor) or is_focal_point(actor)


@rule("account.all_parties")
def can_administer_all_parties(actor: Account | None) -> bool:
    """The secretariat administers the accounts of every party (lists them, invites into any party, sees their
    sessions); a focal point only their own party's."""
    return is_secretariat(actor)


@rule("account.view")
def can_view_account(actor: Account | None, target: Account) -> bool:
    """Secretariat sees every account; a focal point sees the accounts of their own party."""
    if is_secretariat(actor):
        return True
    return is_focal_point(actor) and actor is not None and target.party_id == actor.party_id


@rule("account.invite")
def can_invite(actor: Account | None, party: Party, role: Role) -> bool:
    """Secretariat invites anyone anywhere; a focal point invites delegates of their own party only."""
    if party.retired:
        return False
    if is_secretariat(actor):
        return True
    return (
        is_focal_point(actor)
        and actor is not None
        and party.id == actor.party_id
        and role == Role.DELEGATE
    )


@rule("account.manage")
def can_manage_account(actor: Account | None, target: Account) -> bool:
    """Deactivate, reactivate, change role: secretariat for anyone but themselves; focal point for
    delegates of their own party."""
    if actor is None or target.id == actor.id:
        return False
    if is_secretariat(actor):
        return True
    return is_focal_point(actor) and target.party_id == actor.party_id and target.role == Role.DELEGATE


@rule("account.assign_role")
def can_assign_role(actor: Account | None, target: Account, role: Role) -> bool:
    """Who may give ``target`` the platform role ``role``."""
    if not can_manage_account(actor, target):
        return False
    if is_secretariat(actor):
        # The secretariat is staffed by support organisations only.
        return role != Role.SECRETARIAT or target.party.status == PartyStatus.SUPPORT
    return role == Role.DELEGATE


@rule("account.sessions")
def can_manage_sessions(actor: Account | None, target: Account) -> bool:
    """Everyone sees and ends their own sessions and tokens; the secretariat anyone's."""
    return actor is not None and (actor.id == target.id or is_secretariat(actor))


@rule("mfa.reset")
def can_reset_second_factor(actor: Account | None, target: Account) -> bool:
    """The secretariat resets someone else's second factor (never their own: that is the settings page)."""
    return is_secretariat(actor) and actor is not None and target.id != actor.id


@rule("secretariat.pages")
def can_open_secretariat_pages(actor: Account | None) -> bool:
    """The pages and endpoints whose route declares ``Access.SECRETARIAT`` (parties, network and meeting
    administration): the secretariat only."""
    return is_secretariat(actor)


def grants_power(role: Role) -> bool:
    """Whether making someone ``role`` hands out power (asks for a fresh sign-in): anything above delegate."""
    return role != Role.DELEGATE


def role_requires_second_factor(role: Role) -> bool:
    """The secretariat must use a second factor (so must network coordinators: ``cmc.services.mfa``)."""
    return role == Role.SECRETARIAT
