"""Every access decision of the platform, in one place. Deny by default.

Each ``can_*`` function answers a question; ``require`` turns a refusal into a ``DeniedError`` that the
page, API and socket layers translate (and the trail records as denied).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session

from cmc.extensions import db
from cmc.models import Account, Membership, Network, NetworkRole, Party, PartyStatus, Role
from cmc.models.types import utcnow
from cmc.services.errors import DeniedError, ReauthenticationRequired

#: How recent the last proof of the password must be for actions that hand out power: changing roles and
#: parties, granting or taking away a network's coordinator role, inviting above delegate, creating tokens,
#: exporting the audit trail, resetting a second factor. A session left signed in for hours (a borrowed
#: laptop, a copied cookie) must not be enough for those.
FRESH_SIGN_IN = timedelta(minutes=15)


def is_secretariat(actor: Account | None) -> bool:
    """Whether the actor is active secretariat staff."""
    return actor is not None and actor.is_active and actor.role == Role.SECRETARIAT


def is_focal_point(actor: Account | None) -> bool:
    """Whether the actor is an active national focal point."""
    return actor is not None and actor.is_active and actor.role == Role.FOCAL_POINT


def can_manage_parties(actor: Account | None) -> bool:
    """Only the secretariat adds, edits and retires parties."""
    return is_secretariat(actor)


def can_list_accounts(actor: Account | None) -> bool:
    """The secretariat (all accounts) and focal points (their own party's) open the accounts admin."""
    return is_secretariat(actor) or is_focal_point(actor)


def can_view_account(actor: Account | None, target: Account) -> bool:
    """Secretariat sees every account; a focal point sees the accounts of their own party."""
    if is_secretariat(actor):
        return True
    return is_focal_point(actor) and actor is not None and target.party_id == actor.party_id


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


def can_manage_account(actor: Account | None, target: Account) -> bool:
    """Deactivate, reactivate, change role: secretariat for anyone but themselves; focal point for
    delegates of their own party."""
    if actor is None or target.id == actor.id:
        return False
    if is_secretariat(actor):
        return True
    return is_focal_point(actor) and target.party_id == actor.party_id and target.role == Role.DELEGATE


def can_assign_role(actor: Account | None, target: Account, role: Role) -> bool:
    """Who may give ``target`` the platform role ``role``."""
    if not can_manage_account(actor, target):
        return False
    if is_secretariat(actor):
        # The secretariat is staffed by support organisations only.
        return role != Role.SECRETARIAT or target.party.status == PartyStatus.SUPPORT
    return role == Role.DELEGATE


def can_read_audit(actor: Account | None) -> bool:
    """Secretariat reads the whole trail; focal points the part about their party's items."""
    return is_secretariat(actor) or is_focal_point(actor)


def require(
    allowed: bool,
    *,
    action: str,
    target_type: str = "",
    target_id: str | int | None = None,
    target_party_id: int | None = None,
    hide: bool = False,
    message: str | None = None,
) -> None:
    """Raise ``DeniedError`` unless ``allowed``. ``hide`` answers 404 so the thing's existence stays secret."""
    if allowed:
        return
    raise DeniedError(
        message or ("Not found." if hide else "You do not have permission to do this."),
        status=404 if hide else 403,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_party_id=target_party_id,
    )


def require_fresh_sign_in(actor: Account) -> None:
    """Refuse with ``ReauthenticationRequired`` unless ``actor`` is the person behind this request and proved
    their password (signed in, or confirmed it) within ``FRESH_SIGN_IN``. Call it after the permission
    check, before any change, in every service that hands out power.

    Only browser sessions are asked, pages and API alike: the web layer keeps the last proof of the session
    as ``g.password_proof`` (account id, when). A personal access token (``g.access_token``) is unaffected:
    it was made in a fresh session and cannot make others. So is the console (``cmc``, outside any request):
    its operator already controls the machine.
    """
    if not has_request_context() or g.get("access_token") is not None:
        return
    proof = g.get("password_proof")
    if proof is not None and proof[0] == actor.id and timedelta(0) <= utcnow() - proof[1] <= FRESH_SIGN_IN:
        return
    raise ReauthenticationRequired(_("Confirm your password first: this action needs a sign-in within the last "
                                     "%(minutes)d minutes.", minutes=FRESH_SIGN_IN.seconds // 60))


# --- networks ---------------------------------------------------------------------------------------

_ROLE_CACHE = "cmc.network_roles"


def network_role(actor: Account | None, network: Network) -> NetworkRole | None:
    """The actor's role in the network, or None when not a member.

    One request asks this several times (the page's checks, then the service's own), so the answer is kept in
    the database session: that is one request or socket event, and the cache is dropped whenever a membership
    is written, committed or rolled back (see ``_forget_roles``), so a decision never reads a stale role.
    """
    if actor is None:
        return None
    cache: dict[tuple[int, int], NetworkRole | None] = db.session.info.setdefault(_ROLE_CACHE, {})
    key = (network.id, actor.id)
    if key not in cache:
        cache[key] = db.session.scalar(
            select(Membership.role).where(Membership.network_id == network.id, Membership.account_id == actor.id)
        )
    return cache[key]


def remember_network_roles(actor: Account | None, network_ids: set[int]) -> None:
    """Read the actor's roles in many networks with one query, so that a page checking each row of a list
    (``network_role`` per row) does not query once per row. Goes through the same cache, dropped the same way."""
    if actor is None:
        return
    cache: dict[tuple[int, int], NetworkRole | None] = db.session.info.setdefault(_ROLE_CACHE, {})
    missing = {network_id for network_id in network_ids if (network_id, actor.id) not in cache}
    if not missing:
        return
    roles = dict(db.session.execute(select(Membership.network_id, Membership.role).where(
        Membership.account_id == actor.id, Membership.network_id.in_(missing))).all())
    for network_id in missing:
        cache[(network_id, actor.id)] = roles.get(network_id)


def _forget_roles(session: Session, *_args: Any) -> None:
    session.info.pop(_ROLE_CACHE, None)


def _forget_roles_on_membership_flush(session: Session, *_args: Any) -> None:
    if any(isinstance(obj, Membership) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info.pop(_ROLE_CACHE, None)


def _forget_roles_on_membership_statement(state: ORMExecuteState) -> None:
    # A bulk UPDATE or DELETE on memberships bypasses the flush.
    if not state.is_select and any(getattr(m, "class_", None) is Membership for m in state.all_mappers):
        state.session.info.pop(_ROLE_CACHE, None)


event.listen(Session, "before_flush", _forget_roles_on_membership_flush)
event.listen(Session, "after_commit", _forget_roles)
event.listen(Session, "after_rollback", _forget_roles)
event.listen(Session, "do_orm_execute", _forget_roles_on_membership_statement)


def can_read_network(actor: Account | None, network: Network) -> bool:
    """Members read a network's content; the secretariat reads every network. Everyone else sees only its
    directory entry."""
    if actor is None or not actor.is_active:
        return False
    return is_secretariat(actor) or network_role(actor, network) is not None


def can_see_network(actor: Account | None, network: Network) -> bool:
    """Whether the actor may learn anything about what is inside the network (its members, threads,
    documents, alerts, meetings): its readers, and the focal points of its parties, who add their own
    delegates to it without reading it. To everyone else the network's insides do not exist (404), whatever
    they ask about, so that no answer tells a member from a stranger or a real thread from a made-up id."""
    if can_read_network(actor, network):
        return True
    return is_focal_point(actor) and actor is not None and any(p.id == actor.party_id for p in network.parties)


def can_post_in(actor: Account | None, network: Network) -> bool:
    """Members who are not observers post in networks that are not archived."""
    return (
        can_read_network(actor, network)
        and actor is not None
        and not actor.is_observer
        and not network.archived
    )


def can_moderate(actor: Account | None, network: Network) -> bool:
    """Coordinators (and the secretariat) pin and delete in their network."""
    if not can_read_network(actor, network):
        return False
    return is_secretariat(actor) or network_role(actor, network) == NetworkRole.COORDINATOR


def can_manage_networks(actor: Account | None) -> bool:
    """Only the secretariat creates, edits and archives networks."""
    return is_secretariat(actor)


def can_manage_member(actor: Account | None, network: Network, target: Account, role: NetworkRole) -> bool:
    """Who may add, remove or change ``target`` in ``network`` (as ``role``).

    Secretariat: anyone. A coordinator: anyone in their own network. A focal point: delegates of their own
    party, as plain members, in networks their party takes part in. Never in an archived network.
    """
    if actor is None or not actor.is_active or network.archived:
        return False
    if is_secretariat(actor):
        return True
    if network_role(actor, network) == NetworkRole.COORDINATOR:
        return True
    return (
        is_focal_point(actor)
        and target.party_id == actor.party_id
        and target.role == Role.DELEGATE
        and role == NetworkRole.MEMBER
        and any(party.id == actor.party_id for party in network.parties)
    )


def can_list_members_to_manage(actor: Account | None, network: Network) -> bool:
    """Whether the actor sees the member management page of the network at all."""
    if actor is None or network.archived:
        return False
    if is_secretariat(actor) or network_role(actor, network) == NetworkRole.COORDINATOR:
        return True
    return is_focal_point(actor) and any(party.id == actor.party_id for party in network.parties)
