"""The API's network lists as rows: members, threads and a thread's replies, each read in one statement of the
columns their schemas show (``MemberSchema``, ``ThreadSchema``, ``ReplySchema``), without an ORM object per line.

The thread and reply rows carry the attributes the schemas read, named as on ``Thread`` and ``Reply``, so the
schemas dump them as they dump the objects: the same JSON. The statements are built once; a list binds the
network or thread it shows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select

from cmc import permissions
from cmc.extensions import db
from cmc.models import Account, HandlingCode, Membership, Network, Party, Reply, Thread
from cmc.services.listing import PartyCode

#: A member as ``MemberSchema`` shows them: account id, name, party code and role in the network.
_MEMBERS = select(Account.id, Account.name, Party.code, Membership.role) \
    .join(Membership, Membership.account_id == Account.id).join(Party, Party.id == Account.party_id) \
    .where(Membership.network_id == bindparam("network_id")).order_by(Party.name, Account.name, Account.id)
#: A network's threads, pinned first then by latest activity, with their authors (``ThreadSchema``'s columns).
_THREADS = select(Thread.id, Thread.network_id, Thread.title, Thread.body, Thread.body_html, Thread.created_at,
                  Thread.edited_at, Thread.pinned_at, Thread.reply_count, Thread.last_activity_at, Account.id,
                  Account.name, Party.code, Thread.handling_code, Thread.handling_text, Account.party_id) \
    .join(Account, Account.id == Thread.author_id).join(Party, Party.id == Account.party_id) \
    .where(Thread.network_id == bindparam("network_id"), Thread.deleted_at.is_(None)) \
    .order_by(Thread.pinned_at.is_(None), Thread.pinned_at.desc(), Thread.last_activity_at.desc(), Thread.id.desc())
#: A thread's replies, oldest first, with their authors (``ReplySchema``'s columns).
_REPLIES = select(Reply.id, Reply.thread_id, Reply.body, Reply.body_html, Reply.created_at, Reply.edited_at,
                  Reply.deleted_at, Account.id, Account.name, Party.code) \
    .join(Account, Account.id == Reply.author_id).join(Party, Party.id == Account.party_id) \
    .where(Reply.thread_id == bindparam("thread_id")).order_by(Reply.id)


@dataclass(frozen=True, slots=True)
class Person:
    """An author as ``PersonRefSchema`` shows them: id, name and party (named as on ``Account``)."""

    id: int
    name: str
    party: PartyCode
    party_id: int = 0  # the originating party of a thread (the handling rules read it; not shown)


@dataclass(frozen=True, slots=True)
class JsonThreadRow:
    """A thread of the API's list, with the attributes ``ThreadSchema`` reads (named as on ``Thread``)."""

    id: int
    network_id: int
    title: str
    body: str
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    pinned_at: datetime | None
    reply_count: int
    last_activity_at: datetime
    author: Person
    network: Network
    handling_code: HandlingCode = HandlingCode.H0
    handling_text: str = ""
    restricted: bool = False  # an H2 thread the reader may not take out by the API: listed as a placeholder

    @property
    def handling(self) -> JsonThreadRow:
        """The row as ``HandlingSchema`` reads it (as on ``Thread``)."""
        return self


@dataclass(frozen=True, slots=True)
class JsonReplyRow:
    """A reply of a thread's page in the API, with the attributes ``ReplySchema`` reads (named as on ``Reply``)."""

    id: int
    thread_id: int
    body: str
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    author: Person


def member_json_query(actor: Account, network: Network) -> Select[Any]:
    """``(account id, name, party code, role)`` of every member, by party name then name, for people who may read
    the network (404 for others)."""
    permissions.require(actor, "network.read", network, action="network.members",
                        target_type="network", target_id=network.id, hide=True)
    return _MEMBERS.params(network_id=network.id)


def thread_json_query(actor: Account, network: Network, code: HandlingCode | None = None) -> Select[Any]:
    """The network's threads (those marked ``code`` when given) as the API lists them, for people who may read
    it (404 for others): run it with ``load_thread_json_rows``."""
    permissions.require(actor, "network.read", network, action="network.read",
                        target_type="network", target_id=network.id, hide=True)
    statement = _THREADS if code is None else _THREADS.where(Thread.handling_code == code)
    return statement.params(network_id=network.id)


def load_thread_json_rows(statement: Select[Any], network: Network,
                          actor: Account | None = None) -> list[JsonThreadRow]:
    """The threads of a ``thread_json_query`` statement of ``network``; for ``actor``, an H2 thread they may
    not take out by the API becomes a placeholder (no title, no text, ``restricted``)."""
    rows = [JsonThreadRow(*r[:10], author=Person(r[10], r[11], PartyCode(r[12]), r[15]), network=network,
                          handling_code=HandlingCode(r[13]), handling_text=r[14])
            for r in db.session.execute(statement)]
    if actor is None:
        return rows
    return [row if permissions.can(actor, "handling.export", row, "api")
            else replace(row, title="", body="", body_html="", restricted=True) for row in rows]


def reply_json_query(thread: Thread) -> Select[Any]:
    """A thread's replies as the API shows them, oldest first (the caller has opened the thread): run it with
    ``load_reply_json_rows``."""
    return _REPLIES.params(thread_id=thread.id)


def load_reply_json_rows(statement: Select[Any]) -> list[JsonReplyRow]:
    """The replies of a ``reply_json_query`` statement."""
    return [JsonReplyRow(*r[:7], author=Person(r[7], r[8], PartyCode(r[9]))) for r in db.session.execute(statement)]
