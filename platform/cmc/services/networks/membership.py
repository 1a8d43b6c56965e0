"""Who belongs to a network: the member lists, and adding, re-roling and removing members."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, func, or_, select

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import Account, Activity, Membership, Network, NetworkRole, Party, Role
from cmc.realtime import notify
from cmc.services import audit
from cmc.services.errors import GoneError, ValidationError
from cmc.services.listing import PartyCode
from cmc.services.networks.directory import entry


@dataclass
class PartyMembers:
    """The members of one party in a network."""

    party: Party
    members: list[tuple[Any, NetworkRole]] = field(default_factory=list)  # (Account or MemberRow, role)


#: A members-list line: the account's columns the page and its permission checks read, and the role.
_ROW_SELECT = select(Account.id, Account.name, Account.title, Account.party_id, Account.role, Membership.role) \
    .join(Membership, Membership.account_id == Account.id).join(Party, Party.id == Account.party_id) \
    .order_by(Party.name, Account.name, Account.id)
_PARTIES = select(Party).where(Party.id.in_(bindparam("ids", expanding=True)))


@dataclass(slots=True)
class MemberRow:
    """A member as the lists show them, with the attributes ``network.member.*`` rules read (named as on
    ``Account``); ``party`` is the party's object (few per network, loaded once per list)."""

    id: int
    name: str
    title: str
    party_id: int
    role: Role
    party: Party | None = None


def member_rows_query(actor: Account, network: Network) -> Select[Any]:
    """``(member, network role)`` of every member, by party name then name, for people who may read the network
    (404 for others): run it with ``load_member_rows``."""
    permissions.require(actor, "network.read", network, action="network.members",
                        target_type="network", target_id=network.id, hide=True)
    return _ROW_SELECT.where(Membership.network_id == network.id)


def load_member_rows(statement: Select[Any]) -> list[tuple[MemberRow, NetworkRole]]:
    """``(member, network role)`` for each line of a ``member_rows_query`` statement, parties attached."""
    rows = [(MemberRow(r[0], r[1], r[2], r[3], r[4]), r[5]) for r in db.session.execute(statement)]
    if rows:
        parties = {p.id: p for p in db.session.scalars(_PARTIES, {"ids": sorted({m.party_id for m, _ in rows})})}
        for member, _role in rows:
            member.party = parties.get(member.party_id)
    return rows


def member_count(network: Network) -> int:
    """How many members the network has."""
    return int(db.session.scalar(select(func.count()).select_from(Membership)
                                 .where(Membership.network_id == network.id)) or 0)


def group_by_party(rows: list[Any]) -> list[PartyMembers]:
    """``(account, role)`` rows grouped by party, keeping their order."""
    groups: dict[int, PartyMembers] = {}
    for account, role in rows:
        groups.setdefault(account.party_id, PartyMembers(account.party)).members.append((account, role))
    return list(groups.values())


def members_by_party(actor: Account, network: Network, limit: int = 500) -> list[PartyMembers]:
    """Members grouped by party (at most ``limit`` of them), for people who may read the network."""
    return group_by_party(load_member_rows(member_rows_query(actor, network).limit(limit)))


@dataclass(frozen=True, slots=True)
class Candidate:
    """An account the add form offers: id, name and party code (``.party.code``, as on ``Account``)."""

    id: int
    name: str
    party: PartyCode


def candidates(actor: Account, network: Network) -> list[Candidate]:
    """Active accounts the actor could add to the network (not yet members), as the add form lists them."""
    permissions.require(actor, "network.members.manage_page", network, action="network.members.manage",
                        target_type="network", target_id=network.id)
    member_ids = select(Membership.account_id).where(Membership.network_id == network.id)
    party_ids = [p.id for p in network.parties]
    query = (select(Account.id, Account.name, Party.code).join(Party, Party.id == Account.party_id)
             .where(Account.active.is_(True), Account.id.not_in(member_ids), Party.retired_at.is_(None))
             .order_by(Party.code, Account.name))
    if permissions.can(actor, "network.member.appoint_coordinator", network):
        query = query.where(or_(Account.party_id.in_(party_ids), Account.role == Role.SECRETARIAT))
    else:
        query = query.where(Account.party_id == actor.party_id, Account.role == Role.DELEGATE)
    return [Candidate(r[0], r[1], PartyCode(r[2])) for r in db.session.execute(query.limit(500))]


def _focal_point_scope() -> str:
    return _("You can add delegates of your own party, as members, to networks your party takes part in.")


def _managed_network(actor: Account, slug: str, account_id: int, role: NetworkRole, action: str) -> Network:
    """The network whose members the actor is about to change, refused before any target is looked at.

    A stranger to the network gets 404 and someone who reads it but manages nothing gets 403, whoever the
    target is; a focal point who manages their party's delegates in a network they do not read gets the
    same 403 for anyone else, so that no answer says who is a member, or which account ids exist.
    """
    network = entry(slug)
    permissions.require(actor, "network.see", network, action=action, target_type="network",
                        target_id=network.id, hide=True)
    if network.archived and permissions.can(actor, "network.read", network):
        raise GoneError(_("This network is archived: it can be read but no longer changed."))
    permissions.require(actor, "network.members.manage_page", network, action=action,
                        target_type="network", target_id=network.id,
                        message=_("You do not manage the members of this network."))
    if not permissions.can(actor, "network.member.appoint_coordinator", network):
        target = db.session.get(Account, account_id)
        permissions.check(target is not None and permissions.can(actor, "network.member.manage", network, target, role),
                          action=action, target_type="network", target_id=network.id,
                          message=_focal_point_scope())
    return network


def _membership(network_id: int, account_id: int) -> Membership | None:
    return db.session.scalar(select(Membership).where(Membership.network_id == network_id,
                                                      Membership.account_id == account_id))


def _new_role(role: str | NetworkRole) -> NetworkRole:
    try:
        return NetworkRole(role)
    except ValueError as exc:
        raise ValidationError(_("Choose coordinator or member."), fields={"role": _("Choose coordinator or member.")}
                              ) from exc


def _check_target(actor: Account, network: Network, target: Account | None, new_role: NetworkRole) -> Account:
    """The account to add, refused when inactive, outside the actor's reach, or unfit for ``new_role``."""
    if target is None or not target.active:
        raise ValidationError(_("There is no active account to add."), fields={"account": _("Choose a person.")})
    permissions.require(actor, "network.member.manage", network, target, new_role,
                        action="network.member.add", target_type="network", target_id=network.id,
                        target_party_id=target.party_id, message=_focal_point_scope())
    participating = any(p.id == target.party_id for p in network.parties)
    if not participating and not permissions.can(target, "network.read_all"):
        message = _("%(party)s does not take part in this network.", party=target.party.name)
        raise ValidationError(message, fields={"account": message})
    if new_role.is_coordinator and target.is_observer:
        message = _("Observers read; they cannot coordinate a network.")
        raise ValidationError(message, fields={"role": message})
    return target


def add_member(actor: Account, slug: str, account_id: int, role: str | NetworkRole = NetworkRole.MEMBER
               ) -> Membership:
    """Add an account to a network (or change its role there); it joins the live room at once."""
    new_role = _new_role(role)
    with write_transaction():
        network = _managed_network(actor, slug, account_id, new_role, "network.member.add")
        target = _check_target(actor, network, db.session.get(Account, account_id), new_role)
        membership = _membership(network.id, target.id)
        before = str(membership.role) if membership else None
        if (membership is not None and membership.role != new_role) or (
                new_role.is_coordinator and membership is None):
            permissions.require_fresh_sign_in(actor)  # granting or changing a network role hands out power
        if membership is None:
            membership = Membership(network_id=network.id, account_id=target.id, role=new_role,
                                    added_by_id=actor.id)
            db.session.add(membership)
            db.session.add(Activity(network_id=network.id, actor_id=actor.id, verb="member.joined",
                                    subject_type="account", subject_id=target.id,
                                    summary=f"{target.name} ({target.party.code})"))
        else:
            membership.role = new_role
        audit.record(actor, "network.member.add" if before is None else "network.member.role",
                     target_type="account", target_id=target.id, target_party_id=target.party_id,
                     details={"network": network.slug, "before": before, "after": str(new_role)})
        network_id = network.id
    notify.join_network(target.id, network_id)
    return membership


def remove_member(actor: Account, slug: str, account_id: int) -> None:
    """Remove an account from a network; it loses access at once, live room included."""
    with write_transaction():
        network = _managed_network(actor, slug, account_id, NetworkRole.MEMBER, "network.member.remove")
        membership = _membership(network.id, account_id)
        permissions.check(membership is not None, action="network.member.remove", target_type="network",
                          target_id=network.id, hide=True)
        assert membership is not None
        target = membership.account
        permissions.require(actor, "network.member.remove", network, target, membership.role,
                            action="network.member.remove", target_type="network", target_id=network.id,
                            target_party_id=target.party_id)
        if membership.role.is_coordinator:
            permissions.require_fresh_sign_in(actor)  # taking a coordinator's role away is a role change too
        db.session.delete(membership)
        audit.record(actor, "network.member.remove", target_type="account", target_id=target.id,
                     target_party_id=target.party_id, details={"network": network.slug,
                                                               "role": str(membership.role)})
        network_id = network.id
    if not permissions.can(target, "network.read_all"):
        notify.leave_network(account_id, network_id)
