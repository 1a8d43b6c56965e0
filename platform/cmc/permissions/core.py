"""What every domain's rules stand on: who is secretariat or a focal point, the actor's role in a network
(cached per database session), and the fresh sign-in that power-giving actions ask for.

The only module outside ``cmc.models`` that compares platform or network roles (with the domain modules of
this package); a test greps the rest of the code for such comparisons.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from typing import Any

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session

from cmc.extensions import db
from cmc.models import Account, Membership, Network, NetworkRole, Role
from cmc.models.types import utcnow
from cmc.services.errors import ReauthenticationRequired

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


def is_coordinator(actor: Account | None, network: Network) -> bool:
    """Whether the actor coordinates ``network`` (their own membership, not the secretariat's reach)."""
    return network_role(actor, network) == NetworkRole.COORDINATOR


def in_network_parties(actor: Account, network: Network) -> bool:
    """Whether the actor's party takes part in ``network``."""
    return any(party.id == actor.party_id for party in network.parties)


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
    cache: dict[Any, Any] = db.session.info.setdefault(_ROLE_CACHE, {})
    every = cache.get(("all", actor.id))
    if every is not None:
        return every.get(network.id)
    key = (network.id, actor.id)
    if key not in cache:
        cache[key] = db.session.scalar(
            select(Membership.role).where(Membership.network_id == network.id, Membership.account_id == actor.id)
        )
    return cache[key]


def remember_all_network_roles(actor: Account, roles: dict[int, NetworkRole]) -> None:
    """Keep every role of the actor (read with the session: ``auth.resume_session``), so no check of this
    request asks the database for a membership. Dropped like the rest of the cache."""
    db.session.info.setdefault(_ROLE_CACHE, {})[("all", actor.id)] = dict(roles)


def known_network_ids(actor: Account) -> list[int] | None:
    """The ids of the actor's networks when this request already knows all of them, else None."""
    every = db.session.info.get(_ROLE_CACHE, {}).get(("all", actor.id))
    return None if every is None else sorted(every)


def remember_network_roles(actor: Account | None, network_ids: set[int]) -> None:
    """Read the actor's roles in many networks with one query, so that a page checking each row of a list
    (``network_role`` per row) does not query once per row. Goes through the same cache, dropped the same way."""
    if actor is None:
        return
    cache: dict[Any, Any] = db.session.info.setdefault(_ROLE_CACHE, {})
    if ("all", actor.id) in cache:
        return
    missing = {network_id for network_id in network_ids if (network_id, actor.id) not in cache}
    if not missing:
        return
    roles = dict(db.session.execute(select(Membership.network_id, Membership.role).where(
        Membership.account_id == actor.id, Membership.network_id.in_(missing))).all())
    for network_id in missing:
        cache[(network_id, actor.id)] = roles.get(network_id)


def remember_network_members(network_id: int, account_ids: Collection[int]) -> None:
    """Read the roles of many accounts in one network with one query (the people told live of a network
    meeting's new agenda), so that deciding for each of them asks the database nothing more. Same cache."""
    cache: dict[Any, Any] = db.session.info.setdefault(_ROLE_CACHE, {})
    missing = [account_id for account_id in account_ids if (network_id, account_id) not in cache
               and ("all", account_id) not in cache]
    if not missing:
        return
    roles = dict(db.session.execute(select(Membership.account_id, Membership.role).where(
        Membership.network_id == network_id, Membership.account_id.in_(missing))).all())
    for account_id in missing:
        cache[(network_id, account_id)] = roles.get(account_id)


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


