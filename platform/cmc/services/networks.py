"""Networks: the directory, workspaces, membership, discussion threads, replies and the activity feed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import (
    Account,
    Activity,
    Membership,
    Network,
    NetworkKind,
    NetworkRole,
    Party,
    Reply,
    Revision,
    Role,
    Thread,
    ThreadVisit,
    network_parties,
)
from cmc.models.types import utcnow
from cmc.realtime import notify
from cmc.services import audit, markup, text
from cmc.services.errors import ConflictError, GoneError, ValidationError

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
TITLE_MAX = 200
BODY_MAX = 50_000


# --- reading -----------------------------------------------------------------------------------------

@dataclass
class DirectoryEntry:
    """A network as the directory shows it to anyone signed in."""

    network: Network
    party_count: int
    member_count: int
    my_role: NetworkRole | None


def directory(actor: Account, *, include_archived: bool = False) -> list[DirectoryEntry]:
    """Every network with its counts and the actor's role (names and descriptions are public inside)."""
    query = select(Network).order_by(Network.name)
    if not include_archived:
        query = query.where(Network.archived_at.is_(None))
    networks = list(db.session.scalars(query))
    party_counts = dict(db.session.execute(
        select(network_parties.c.network_id, func.count()).group_by(network_parties.c.network_id)).all())
    member_counts = dict(db.session.execute(
        select(Membership.network_id, func.count()).group_by(Membership.network_id)).all())
    mine = dict(db.session.execute(
        select(Membership.network_id, Membership.role).where(Membership.account_id == actor.id)).all())
    return [DirectoryEntry(n, party_counts.get(n.id, 0), member_counts.get(n.id, 0), mine.get(n.id))
            for n in networks]


def entry(slug: str) -> Network:
    """A network's directory entry by slug (404 when there is none)."""
    network = db.session.scalar(select(Network).where(Network.slug == slug))
    permissions.check(network is not None, action="network.view", target_type="network", target_id=slug,
                      hide=True)
    assert network is not None
    return network


def open_network(actor: Account, slug: str) -> Network:
    """A network whose content the actor may read; 404 for non-members (its existence is public, its
    content is not)."""
    network = entry(slug)
    permissions.require(actor, "network.read", network, action="network.read",
                        target_type="network", target_id=network.id, hide=True)
    return network


def readable_network_ids(account: Account) -> list[int]:
    """Ids of the networks whose live events the account receives."""
    if permissions.can(account, "network.read_all"):
        return list(db.session.scalars(select(Network.id)))
    return list(db.session.scalars(select(Membership.network_id).where(Membership.account_id == account.id)))


def networks_of(account: Account) -> list[dict[str, Any]]:
    """The networks the account belongs to, as ``{id, slug, name, role}``."""
    rows = db.session.execute(
        select(Network, Membership.role).join(Membership, Membership.network_id == Network.id)
        .where(Membership.account_id == account.id).order_by(Network.name)).all()
    return [{"id": n.id, "slug": n.slug, "name": n.name, "role": str(role), "archived": n.archived}
            for n, role in rows]


def is_coordinator_anywhere(account: Account) -> bool:
    """Whether the account coordinates at least one network."""
    return db.session.scalar(select(Membership.id).where(
        Membership.account_id == account.id, Membership.role == NetworkRole.COORDINATOR).limit(1)) is not None


@dataclass
class PartyMembers:
    """The members of one party in a network."""

    party: Party
    members: list[tuple[Account, NetworkRole]] = field(default_factory=list)


def members_query(actor: Account, network: Network) -> Select[Any]:
    """``(account, role)`` of every member, by party name then name, for people who may read the network."""
    permissions.require(actor, "network.read", network, action="network.members",
                        target_type="network", target_id=network.id, hide=True)
    return (select(Account, Membership.role).join(Membership, Membership.account_id == Account.id)
            .join(Party, Party.id == Account.party_id)
            .where(Membership.network_id == network.id).order_by(Party.name, Account.name, Account.id))


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
    rows = db.session.execute(members_query(actor, network).limit(limit)).all()
    groups: dict[int, PartyMembers] = {}
    for account, role in rows:
        groups.setdefault(account.party_id, PartyMembers(account.party)).members.append((account, role))
    return list(groups.values())


def candidates(actor: Account, network: Network) -> list[Account]:
    """Active accounts the actor could add to the network (not yet members)."""
    permissions.require(actor, "network.members.manage_page", network, action="network.members.manage",
                        target_type="network", target_id=network.id)
    member_ids = select(Membership.account_id).where(Membership.network_id == network.id)
    party_ids = [p.id for p in network.parties]
    query = (select(Account).join(Party, Party.id == Account.party_id)
             .where(Account.active.is_(True), Account.id.not_in(member_ids), Party.retired_at.is_(None))
             .order_by(Party.code, Account.name))
    if permissions.can(actor, "network.member.appoint_coordinator", network):
        query = query.where(or_(Account.party_id.in_(party_ids), Account.role == Role.SECRETARIAT))
    else:
        query = query.where(Account.party_id == actor.party_id, Account.role == Role.DELEGATE)
    return list(db.session.scalars(query.limit(500)))


# --- networks (secretariat) -----------------------------------------------------------------------------

@dataclass
class NetworkInput:
    """What the secretariat sets on a network."""

    slug: str
    name: str
    description: str = ""
    charter: str = ""
    kind: str = NetworkKind.THEMATIC.value
    alerts_enabled: bool = False
    party_codes: list[str] = field(default_factory=list)


def _validate_network(data: NetworkInput) -> dict[str, Any]:
    fields = text.field_errors(name=data.name, description=data.description, charter=data.charter)
    slug = data.slug.strip().lower()
    if not _SLUG.match(slug):
        fields["slug"] = _("Use lower-case letters, digits and hyphens, for example migrant-smuggling.")
    name = " ".join(data.name.split())
    if not name or len(name) > 120:
        fields["name"] = _("Enter the network's name (up to 120 characters).")
    if len(data.description) > 500:
        fields["description"] = _("Keep the description under 500 characters.")
    if len(data.charter) > BODY_MAX:
        fields["charter"] = _("The charter is too long.")
    if data.kind not in {k.value for k in NetworkKind}:
        fields["kind"] = _("Choose a kind of network.")
    codes = {c.strip().upper() for c in data.party_codes if c.strip()}
    parties = list(db.session.scalars(select(Party).where(Party.code.in_(codes)))) if codes else []
    if len(parties) != len(codes):
        fields["parties"] = _("One of the parties is unknown.")
    if fields:
        raise ValidationError(next(iter(fields.values())), fields=fields)
    return {"slug": slug, "name": name, "description": data.description.strip(), "charter": data.charter,
            "kind": NetworkKind(data.kind), "alerts_enabled": bool(data.alerts_enabled), "parties": parties}


def create_network(actor: Account, data: NetworkInput) -> Network:
    """Create a network (secretariat)."""
    permissions.require(actor, "network.manage", action="network.create", target_type="network")
    with write_transaction():
        values = _validate_network(data)
        if db.session.scalar(select(Network.id).where(Network.slug == values["slug"])) is not None:
            message = _("A network with this address already exists.")
            raise ConflictError(message, fields={"slug": message})
        network = Network(**values)
        db.session.add(network)
        db.session.flush()
        audit.record(actor, "network.create", target_type="network", target_id=network.id,
                     details={"slug": network.slug})
    return network


def update_network(actor: Account, slug: str, data: NetworkInput) -> Network:
    """Edit a network (secretariat); parties removed from it keep their members until removed."""
    permissions.require(actor, "network.manage", action="network.update", target_type="network",
                        target_id=slug)
    with write_transaction():
        network = entry(slug)
        values = _validate_network(data)
        clash = db.session.scalar(select(Network.id).where(Network.slug == values["slug"], Network.id != network.id))
        if clash is not None:
            message = _("A network with this address already exists.")
            raise ConflictError(message, fields={"slug": message})
        for key, value in values.items():
            setattr(network, key, value)
        audit.record(actor, "network.update", target_type="network", target_id=network.id,
                     details={"slug": network.slug})
    return network


def set_archived(actor: Account, slug: str, archived: bool) -> Network:
    """Archive (read-only) or reopen a network (secretariat)."""
    permissions.require(actor, "network.manage", action="network.archive", target_type="network",
                        target_id=slug)
    with write_transaction():
        network = entry(slug)
        network.archived_at = utcnow() if archived else None
        audit.record(actor, "network.archive" if archived else "network.reopen", target_type="network",
                     target_id=network.id)
    return network


# --- membership --------------------------------------------------------------------------------------

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

def add_member(actor: Account, slug: str, account_id: int, role: str | NetworkRole = NetworkRole.MEMBER
               ) -> Membership:
    """Add an account to a network (or change its role there); it joins the live room at once."""
    try:
        new_role = NetworkRole(role)
    except ValueError as exc:
        raise ValidationError(_("Choose coordinator or member."), fields={"role": _("Choose coordinator or member.")}
                              ) from exc
    with write_transaction():
        network = _managed_network(actor, slug, account_id, new_role, "network.member.add")
        target = db.session.get(Account, account_id)
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
        membership = db.session.scalar(select(Membership).where(Membership.network_id == network.id,
                                                                Membership.account_id == target.id))
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
        membership = db.session.scalar(select(Membership).where(Membership.network_id == network.id,
                                                                Membership.account_id == account_id))
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


# --- threads and replies ---------------------------------------------------------------------------

def _check_text(title: str | None, body: str) -> tuple[str | None, str]:
    fields = text.field_errors(title=title, body=body)
    clean_title = None
    if title is not None:
        clean_title = " ".join(title.split())
        if not clean_title:
            fields["title"] = _("Give the thread a title.")
        elif len(clean_title) > TITLE_MAX:
            fields["title"] = _("Keep the title to %(n)d characters or fewer.", n=TITLE_MAX)
    if not body.strip():
        fields["body"] = _("Write something first.")
    elif len(body) > BODY_MAX:
        fields["body"] = _("The text is longer than %(n)d characters. Split it or attach a document.", n=BODY_MAX)
    if fields:
        raise ValidationError(next(iter(fields.values())), fields=fields)
    return clean_title, body


def require_post(actor: Account, network: Network, action: str) -> None:
    """Refuse a change in ``network`` with the right answer: 410 archived, 403 observer, 404 outsider."""
    if network.archived and permissions.can(actor, "network.read", network):
        raise GoneError(_("This network is archived: it can be read but no longer changed."))
    if actor.is_observer and permissions.can(actor, "network.read", network):
        permissions.check(False, action=action, target_type="network", target_id=network.id,
                          message=_("Observers read the network but do not post in it."))
    permissions.require(actor, "network.post", network, action=action, target_type="network",
                        target_id=network.id, hide=not permissions.can(actor, "network.read", network))


def thread_json(thread: Thread) -> dict[str, Any]:
    """A thread as the API and live events show it (``cmc.schemas.ThreadSchema``)."""
    from cmc.schemas import ThreadSchema  # the schemas read this module: imported when used

    return ThreadSchema().dump(thread)


def reply_json(reply: Reply) -> dict[str, Any]:
    """A reply as the API and live events show it (``cmc.schemas.ReplySchema``)."""
    from cmc.schemas import ReplySchema

    return ReplySchema().dump(reply)


def create_thread(actor: Account, slug: str, title: str, body: str) -> Thread:
    """Start a thread; members with the workspace open see it appear."""
    clean_title, body = _check_text(title, body)
    with write_transaction():
        network = entry(slug)
        require_post(actor, network, "thread.create")
        now = utcnow()
        thread = Thread(network_id=network.id, author_id=actor.id, title=clean_title or "", body=body,
                        body_html=markup.render(body), created_at=now, last_activity_at=now)
        db.session.add(thread)
        db.session.flush()
        db.session.add(Activity(network_id=network.id, actor_id=actor.id, verb="thread.new",
                                subject_type="thread", subject_id=thread.id, summary=thread.title[:300]))
        db.session.merge(ThreadVisit(account_id=actor.id, thread_id=thread.id, seen_at=now))
        payload = thread_json(thread)
    notify.to_network(network.id, "thread:new", payload)
    return thread


def threads_query(actor: Account, network: Network) -> Select[Any]:
    """The network's threads, pinned first then by latest activity, with the actor's last visit."""
    permissions.require(actor, "network.read", network, action="network.read",
                        target_type="network", target_id=network.id, hide=True)
    # The list shows each author (and their party, which Account joins itself): load them with the threads,
    # not one query per thread.
    return (select(Thread, ThreadVisit.seen_at)
            .outerjoin(ThreadVisit, and_(ThreadVisit.thread_id == Thread.id, ThreadVisit.account_id == actor.id))
            .where(Thread.network_id == network.id, Thread.deleted_at.is_(None))
            .options(joinedload(Thread.author))
            .order_by(Thread.pinned_at.is_(None), Thread.pinned_at.desc(), Thread.last_activity_at.desc(),
                      Thread.id.desc()))


def open_thread(actor: Account, thread_id: int) -> Thread:
    """A thread the actor may read; 404 for anyone outside its network, 410 once deleted."""
    thread = db.session.get(Thread, thread_id)
    permissions.check(thread is not None and permissions.can(actor, "network.read", thread.network),
                      action="thread.read", target_type="thread", target_id=thread_id, hide=True)
    assert thread is not None
    if thread.deleted_at is not None:
        raise GoneError(_("This thread was deleted."))
    return thread


def replies_query(thread: Thread) -> Select[Any]:
    """A thread's replies, oldest first, with their authors (the caller has opened the thread)."""
    return select(Reply).where(Reply.thread_id == thread.id).options(joinedload(Reply.author)).order_by(Reply.id)


def mark_visited(actor: Account, thread: Thread) -> Any:
    """Record that the actor has seen the thread now; return when they had last seen it (or None)."""
    with write_transaction():
        visit = db.session.get(ThreadVisit, (actor.id, thread.id))
        previous = visit.seen_at if visit else None
        if visit is None:
            db.session.add(ThreadVisit(account_id=actor.id, thread_id=thread.id, seen_at=utcnow()))
        else:
            visit.seen_at = utcnow()
    return previous


def add_reply(actor: Account, thread_id: int, body: str) -> Reply:
    """Reply in a thread; members who have it open see the reply at once."""
    _title, body = _check_text(None, body)
    with write_transaction():
        thread = open_thread(actor, thread_id)
        network = thread.network
        require_post(actor, network, "reply.create")
        now = utcnow()
        reply = Reply(thread_id=thread.id, author_id=actor.id, body=body, body_html=markup.render(body),
                      created_at=now)
        db.session.add(reply)
        thread.reply_count += 1
        thread.last_activity_at = now
        db.session.flush()
        db.session.add(Activity(network_id=network.id, actor_id=actor.id, verb="reply.new", subject_type="thread",
                                subject_id=thread.id, summary=thread.title[:300]))
        payload = reply_json(reply)
        network_id = network.id
    notify.to_network(network_id, "thread:reply", payload)
    return reply


def edit_thread(actor: Account, thread_id: int, title: str, body: str) -> Thread:
    """The author edits their thread; the earlier text is kept in its history."""
    clean_title, body = _check_text(title, body)
    with write_transaction():
        thread = open_thread(actor, thread_id)
        require_post(actor, thread.network, "thread.edit")
        permissions.check(thread.author_id == actor.id, action="thread.edit", target_type="thread",
                          target_id=thread.id, message=_("Only the author can edit a thread."))
        db.session.add(Revision(subject_type="thread", subject_id=thread.id, title=thread.title, body=thread.body,
                                written_at=thread.edited_at or thread.created_at, editor_id=actor.id))
        thread.title, thread.body, thread.body_html = clean_title or "", body, markup.render(body)
        thread.edited_at = utcnow()
    return thread


def edit_reply(actor: Account, reply_id: int, body: str) -> Reply:
    """The author edits their reply; the earlier text is kept in its history."""
    _title, body = _check_text(None, body)
    with write_transaction():
        reply = _open_reply(actor, reply_id)
        require_post(actor, reply.thread.network, "reply.edit")
        permissions.check(reply.author_id == actor.id, action="reply.edit", target_type="reply",
                          target_id=reply.id, message=_("Only the author can edit a reply."))
        db.session.add(Revision(subject_type="reply", subject_id=reply.id, body=reply.body,
                                written_at=reply.edited_at or reply.created_at, editor_id=actor.id))
        reply.body, reply.body_html, reply.edited_at = body, markup.render(body), utcnow()
    return reply


def _open_reply(actor: Account, reply_id: int) -> Reply:
    reply = db.session.get(Reply, reply_id)
    permissions.check(reply is not None and permissions.can(actor, "network.read", reply.thread.network),
                      action="reply.read", target_type="reply", target_id=reply_id, hide=True)
    assert reply is not None
    if reply.deleted_at is not None or reply.thread.deleted_at is not None:
        raise GoneError(_("This reply was deleted."))
    return reply


def history(actor: Account, subject_type: str, subject_id: int) -> list[Revision]:
    """Earlier texts of a thread or reply, newest first (for anyone who may read it)."""
    if subject_type == "thread":
        open_thread(actor, subject_id)
    else:
        _open_reply(actor, subject_id)
    return list(db.session.scalars(select(Revision).where(
        Revision.subject_type == subject_type, Revision.subject_id == subject_id).order_by(Revision.id.desc())))


def delete_thread(actor: Account, thread_id: int) -> Thread:
    """Soft-delete a thread: its author or a coordinator. Audited."""
    with write_transaction():
        thread = open_thread(actor, thread_id)
        require_post(actor, thread.network, "thread.delete")
        permissions.check(thread.author_id == actor.id or permissions.can(actor, "network.moderate", thread.network),
                          action="thread.delete", target_type="thread", target_id=thread.id,
                          target_party_id=thread.author.party_id,
                          message=_("Only the author or a coordinator can delete a thread."))
        thread.deleted_at, thread.deleted_by_id = utcnow(), actor.id
        audit.record(actor, "thread.delete", target_type="thread", target_id=thread.id,
                     target_party_id=thread.author.party_id,
                     details={"network": thread.network.slug, "title": thread.title[:120]})
    return thread


def delete_reply(actor: Account, reply_id: int) -> Reply:
    """Soft-delete a reply: its author or a coordinator. Audited."""
    with write_transaction():
        reply = _open_reply(actor, reply_id)
        network = reply.thread.network
        require_post(actor, network, "reply.delete")
        permissions.check(reply.author_id == actor.id or permissions.can(actor, "network.moderate", network),
                          action="reply.delete", target_type="reply", target_id=reply.id,
                          target_party_id=reply.author.party_id,
                          message=_("Only the author or a coordinator can delete a reply."))
        reply.deleted_at, reply.deleted_by_id = utcnow(), actor.id
        audit.record(actor, "reply.delete", target_type="reply", target_id=reply.id,
                     target_party_id=reply.author.party_id, details={"thread": reply.thread_id})
    return reply


def set_pinned(actor: Account, thread_id: int, pinned: bool) -> Thread:
    """Pin a thread to the top of its network, or unpin it (coordinators)."""
    with write_transaction():
        thread = open_thread(actor, thread_id)
        require_post(actor, thread.network, "thread.pin")
        permissions.require(actor, "network.moderate", thread.network, action="thread.pin",
                            target_type="thread", target_id=thread.id,
                            message=_("Only a coordinator can pin threads."))
        thread.pinned_at = utcnow() if pinned else None
    return thread


# --- activity ----------------------------------------------------------------------------------------

def activity_query(actor: Account, network: Network | None = None) -> Select[Any]:
    """What happened, newest first: in one network, or in every network the actor may read.

    Each line names its actor and (across networks) its network, so both come with the rows.
    """
    query = select(Activity).options(joinedload(Activity.actor), joinedload(Activity.network)) \
        .order_by(Activity.id.desc())
    if network is not None:
        permissions.require(actor, "network.read", network, action="network.read",
                            target_type="network", target_id=network.id, hide=True)
        return query.where(Activity.network_id == network.id)
    return query.where(Activity.network_id.in_(readable_network_ids(actor)))


def record_activity(network_id: int, actor: Account | None, verb: str, subject_type: str, subject_id: int | None,
                    summary: str) -> None:
    """Add a line to a network's activity feed (inside the caller's transaction)."""
    db.session.add(Activity(network_id=network_id, actor_id=actor.id if actor else None, verb=verb,
                            subject_type=subject_type, subject_id=subject_id, summary=summary[:300]))
