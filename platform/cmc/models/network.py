"""Thematic networks: membership, discussion threads and replies, edit history, visits and activity."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cmc.extensions import db
from cmc.models.account import Account
from cmc.models.handling import HandlingMarked
from cmc.models.party import Party, party_link_table
from cmc.models.types import UTCDateTime, str_enum, utcnow


class NetworkKind(enum.StrEnum):
    """What sort of space a network is."""

    THEMATIC = "thematic_network"
    TECHNICAL = "technical_network"
    DIALOGUE = "dialogue_space"


class NetworkRole(enum.StrEnum):
    """A member's role inside one network."""

    COORDINATOR = "coordinator"
    MEMBER = "member"

    @property
    def is_coordinator(self) -> bool:
        """Whether this is the coordinator role (templates show a badge; they compare no role strings)."""
        return self is NetworkRole.COORDINATOR


network_parties = party_link_table("network_parties", "network_id", "networks")


class Network(db.Model):
    """A network or dialogue space; archived networks are read-only."""

    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(500), default="")
    charter: Mapped[str] = mapped_column(Text, default="")  # Markdown
    #: ``charter`` rendered and sanitised when written (``markup.render``), shown as it is.
    charter_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    kind: Mapped[NetworkKind] = mapped_column(str_enum(NetworkKind, 30), default=NetworkKind.THEMATIC)
    #: The language of ``name``, ``description`` and ``charter`` above; other languages are in ``texts``.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    alerts_enabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    parties: Mapped[list[Party]] = relationship(secondary=network_parties, order_by=Party.name)
    # Loaded with the network (one query for a whole list of networks): nearly every page that names a network
    # names it in the reader's language.
    texts: Mapped[list[NetworkText]] = relationship(back_populates="network", cascade="all, delete-orphan",
                                                    lazy="selectin", order_by="NetworkText.language")

    @property
    def archived(self) -> bool:
        """Whether the network is archived (read-only)."""
        return self.archived_at is not None


class NetworkText(db.Model):
    """A network's name, description and charter in one language other than its own (an empty field is no
    translation: the reader sees the network's own text)."""

    __tablename__ = "network_texts"
    __table_args__ = (UniqueConstraint("network_id", "language", name="uq_network_text"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(String(500), default="")
    charter: Mapped[str] = mapped_column(Text, default="")  # Markdown
    charter_html: Mapped[str] = mapped_column(Text, default="", server_default="")  # as ``Network.charter_html``
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"), default=None)

    network: Mapped[Network] = relationship(back_populates="texts")


class Membership(db.Model):
    """One account's membership of one network."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("network_id", "account_id", name="uq_membership"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    role: Mapped[NetworkRole] = mapped_column(str_enum(NetworkRole), default=NetworkRole.MEMBER)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)

    network: Mapped[Network] = relationship()
    account: Mapped[Account] = relationship(foreign_keys=[account_id])


class Thread(HandlingMarked, db.Model):
    """A discussion in a network: a title and a Markdown body, then replies."""

    __tablename__ = "threads"
    __table_args__ = (
        Index("ix_threads_network_order", "network_id", "pinned_at", "last_activity_at"),
        # Exactly the workspace's order (pinned first, then latest activity): the first page of a network's
        # threads is read from the index instead of sorting every thread of the network (9 ms -> 0.2 ms at
        # 3,000 threads). Expressions, so Alembic's autogenerate leaves it to migration 0010.
        Index("ix_threads_listing", "network_id", text("(pinned_at IS NULL)"), text("pinned_at DESC"),
              text("last_activity_at DESC"), text("id DESC")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)  # rendered and sanitised once, at write time
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reply_count: Mapped[int] = mapped_column(default=0)
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)

    network: Mapped[Network] = relationship()
    author: Mapped[Account] = relationship(foreign_keys=[author_id])


class Reply(db.Model):
    """A reply in a thread."""

    __tablename__ = "replies"
    __table_args__ = (Index("ix_replies_thread", "thread_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)

    thread: Mapped[Thread] = relationship()
    author: Mapped[Account] = relationship(foreign_keys=[author_id])


class Revision(db.Model):
    """An earlier text of a thread or reply, kept when its author edits it."""

    __tablename__ = "revisions"
    __table_args__ = (Index("ix_revisions_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(10))  # thread | reply
    subject_id: Mapped[int] = mapped_column()
    title: Mapped[str | None] = mapped_column(String(200), default=None)
    body: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime())
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    editor_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))


class ThreadVisit(db.Model):
    """When a person last opened a thread (for the "new since your last visit" markers)."""

    __tablename__ = "thread_visits"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Activity(db.Model):
    """One line of a network's activity feed."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_network", "network_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    verb: Mapped[str] = mapped_column(String(30))  # thread.new, reply.new, member.joined, ...
    subject_type: Mapped[str] = mapped_column(String(20), default="")
    subject_id: Mapped[int | None] = mapped_column(default=None)
    summary: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    network: Mapped[Network] = relationship()
    actor: Mapped[Account | None] = relationship()
