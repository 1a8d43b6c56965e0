"""Discussion in a network: threads and replies, their edit history, visits, pinning and deletion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, bindparam, select

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import Account, Activity, HandlingCode, Network, Party, Reply, Revision, Thread, ThreadVisit
from cmc.models.types import utcnow
from cmc.realtime import notify
from cmc.services import audit, handling, markup, text
from cmc.services.errors import GoneError, ValidationError
from cmc.services.listing import PartyCode
from cmc.services.networks.directory import entry, require_post

TITLE_MAX = 200
BODY_MAX = 50_000


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


def thread_json(thread: Thread) -> dict[str, Any]:
    """A thread as the API and live events show it (``cmc.schemas.ThreadSchema``)."""
    from cmc.schemas import ThreadSchema  # the schemas read this module: imported when used

    return ThreadSchema().dump(thread)


def reply_json(reply: Reply) -> dict[str, Any]:
    """A reply as the API and live events show it (``cmc.schemas.ReplySchema``)."""
    from cmc.schemas import ReplySchema

    return ReplySchema().dump(reply)


def create_thread(actor: Account, slug: str, title: str, body: str,
                  marking: handling.Marking | None = None) -> Thread:
    """Start a thread (its handling code ``marking``, H0 when none; threads are not evaluated); members with the
    workspace open see it appear."""
    clean_title, body = _check_text(title, body)
    marking = handling.Marking(marking.code, marking.text) if marking is not None else handling.Marking()
    with write_transaction():
        network = entry(slug)
        require_post(actor, network, "thread.create")
        now = utcnow()
        thread = Thread(network_id=network.id, author_id=actor.id, title=clean_title or "", body=body,
                        body_html=markup.render(body), created_at=now, last_activity_at=now)
        handling.mark(thread, marking)
        db.session.add(thread)
        db.session.flush()
        db.session.add(Activity(network_id=network.id, actor_id=actor.id, verb="thread.new",
                                subject_type="thread", subject_id=thread.id, summary=thread.title[:300]))
        db.session.merge(ThreadVisit(account_id=actor.id, thread_id=thread.id, seen_at=now))
        payload = thread_json(thread)
    notify.to_network(network.id, "thread:new", payload)
    return thread


#: A workspace list line: the thread's listed columns, its author's name and party code, the reader's last visit
#: (``:reader`` bound per request). Built once; the page adds the network and its window.
_ROW_SELECT = (
    select(Thread.id, Thread.title, Thread.pinned_at, Thread.reply_count, Thread.last_activity_at, Account.name,
           Party.code, ThreadVisit.seen_at, Thread.handling_code, Thread.handling_text)
    .join(Account, Account.id == Thread.author_id).join(Party, Party.id == Account.party_id)
    .outerjoin(ThreadVisit, and_(ThreadVisit.thread_id == Thread.id, ThreadVisit.account_id == bindparam("reader")))
    .where(Thread.deleted_at.is_(None))
    .order_by(Thread.pinned_at.is_(None), Thread.pinned_at.desc(), Thread.last_activity_at.desc(), Thread.id.desc()))


@dataclass(frozen=True, slots=True)
class Author:
    """A listed thread's author: the name and the party code the list shows."""

    name: str
    party: PartyCode


@dataclass(frozen=True, slots=True)
class ThreadRow:
    """One line of a workspace's thread list, with the attributes the template reads, named as on ``Thread``."""

    id: int
    title: str
    pinned_at: datetime | None
    reply_count: int
    last_activity_at: datetime
    author: Author
    handling_code: HandlingCode = HandlingCode.H0
    handling_text: str = ""


def handling_filter(value: Any) -> HandlingCode | None:
    """The ``?handling=`` filter of a thread list: a code H0-H3, or None (no filter) for anything else."""
    try:
        return HandlingCode(str(value or "").strip().upper())
    except ValueError:
        return None


def thread_rows_query(actor: Account, network: Network, code: HandlingCode | None = None) -> Select[Any]:
    """The network's threads (those marked ``code`` when given), pinned first then by latest activity, as the
    workspace lists them, for people who may read it (404 for others): run it with ``load_thread_rows``."""
    permissions.require(actor, "network.read", network, action="network.read",
                        target_type="network", target_id=network.id, hide=True)
    statement = _ROW_SELECT.where(Thread.network_id == network.id)
    if code is not None:
        statement = statement.where(Thread.handling_code == code)
    return statement.params(reader=actor.id)


def load_thread_rows(statement: Select[Any]) -> list[tuple[ThreadRow, datetime | None]]:
    """(thread row, the reader's last visit) for each thread of a ``thread_rows_query`` statement."""
    return [(ThreadRow(r[0], r[1], r[2], r[3], r[4], Author(r[5], PartyCode(r[6])), HandlingCode(r[8]), r[9]), r[7])
            for r in db.session.execute(statement)]


def open_thread(actor: Account, thread_id: int) -> Thread:
    """A thread the actor may read; 404 for anyone outside its network, 410 once deleted."""
    thread = db.session.get(Thread, thread_id)
    permissions.check(thread is not None and permissions.can(actor, "network.read", thread.network),
                      action="thread.read", target_type="thread", target_id=thread_id, hide=True)
    assert thread is not None
    if thread.deleted_at is not None:
        raise GoneError(_("This thread was deleted."))
    return thread


_REPLY_SELECT = (
    select(Reply.id, Reply.author_id, Reply.body_html, Reply.created_at, Reply.edited_at, Reply.deleted_at,
           Account.name, Party.code)
    .join(Account, Account.id == Reply.author_id).join(Party, Party.id == Account.party_id)
    .where(Reply.thread_id == bindparam("thread_id")).order_by(Reply.id))


@dataclass(frozen=True, slots=True)
class ReplyRow:
    """A reply as the thread page shows it (its HTML, not its Markdown), named as on ``Reply``."""

    id: int
    author_id: int
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    author: Author


def reply_rows_query(thread: Thread) -> Select[Any]:
    """A thread's replies, oldest first, as its page shows them (the caller has opened the thread): run it with
    ``load_reply_rows``."""
    return _REPLY_SELECT.params(thread_id=thread.id)


def load_reply_rows(statement: Select[Any]) -> list[ReplyRow]:
    """The replies of a ``reply_rows_query`` statement."""
    return [ReplyRow(*r[:6], author=Author(r[6], PartyCode(r[7]))) for r in db.session.execute(statement)]


def last_visit(actor: Account, thread: Thread) -> datetime | None:
    """When the actor last saw the thread (None: never)."""
    visit = db.session.get(ThreadVisit, (actor.id, thread.id))
    return visit.seen_at if visit else None


def mark_visited(actor: Account, thread: Thread) -> Any:
    """Record that the actor has seen the thread now (and audit the view as ``thread.read`` against the author's
    party: the originator's "who read what we shared" report lists it); return when they had last seen it (or
    None)."""
    with write_transaction():
        record_read(actor, thread)
        visit = db.session.get(ThreadVisit, (actor.id, thread.id))
        previous = visit.seen_at if visit else None
        if visit is None:
            db.session.add(ThreadVisit(account_id=actor.id, thread_id=thread.id, seen_at=utcnow()))
        else:
            visit.seen_at = utcnow()
    return previous


def record_read(actor: Account, thread: Thread) -> None:
    """Audit that the actor read the thread (``thread.read``, against the originating party, with its code)."""
    with write_transaction():
        audit.record(actor, "thread.read", target_type="thread", target_id=thread.id,
                     target_party_id=thread.author.party_id,
                     details={"handling_code": thread.handling_code.value})


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


def edit_thread(actor: Account, thread_id: int, title: str, body: str,
                marking: handling.Marking | None = None) -> Thread:
    """The author edits their thread; the earlier text is kept in its history. A ``marking`` other than the
    thread's changes its handling code by the rules of ``handling.change`` (audited), in the same transaction."""
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
        if marking is not None:
            handling.change(actor, thread, marking)
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
