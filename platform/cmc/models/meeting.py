"""Meetings and their agendas: draft items, published agenda versions with change lists, registrations."""

from __future__ import annotations

import enum
import re
import uuid
from datetime import date, datetime, time
from urllib.parse import urlsplit

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cmc.extensions import db
from cmc.models.account import Account
from cmc.models.network import Network
from cmc.models.party import Party
from cmc.models.types import UTCDateTime, str_enum, utcnow

LINK_MAX = 300
_UNSAFE_IN_LINK = re.compile(r"[\x00-\x20\x7f\\\"'<>`]")


def https_link(text: str | None) -> str | None:
    """``text`` if it is a plain ``https://host/...`` address, else None.

    Only https: ``javascript:`` and ``data:`` run in the page that shows the link, ``http:`` is readable and
    changeable on the way. Also refused: spaces, control characters, quotes and backslashes (browsers "fix"
    them in surprising ways), a user name before the host (``https://zoom.us@evil.example`` goes to
    evil.example), no host, and more than ``LINK_MAX`` characters.
    """
    if not text or len(text) > LINK_MAX or _UNSAFE_IN_LINK.search(text):
        return None
    try:
        parts = urlsplit(text)
        hostname, _port = parts.hostname, parts.port
    except ValueError:  # a malformed port or IPv6 address
        return None
    if parts.scheme != "https" or not hostname or "@" in parts.netloc:
        return None
    return text


class MeetingKind(enum.StrEnum):
    """What sort of meeting."""

    ANNUAL = "annual_meeting"
    WORKSHOP = "technical_workshop"
    NETWORK = "network_meeting"
    WEBINAR = "webinar"


class MeetingFormat(enum.StrEnum):
    """Where people meet."""

    IN_PERSON = "in_person"
    VIRTUAL = "virtual"
    HYBRID = "hybrid"


class MeetingStatus(enum.StrEnum):
    """Where the meeting stands."""

    DRAFT = "draft"
    PUBLISHED = "published"
    IN_SESSION = "in_session"
    CONCLUDED = "concluded"
    CANCELLED = "cancelled"


class ItemKind(enum.StrEnum):
    """What an agenda item is."""

    OPENING = "opening"
    SESSION = "session"
    PANEL = "panel"
    BREAK = "break"
    CLOSING = "closing"


class RegistrationStatus(enum.StrEnum):
    """A delegation's registration."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class Meeting(db.Model):
    """A meeting of the consultations; its agenda is built from items and published in versions."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[MeetingKind] = mapped_column(str_enum(MeetingKind, 30), default=MeetingKind.ANNUAL)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64), default="America/Port_of_Spain")
    venue: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    host_party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"), default=None)
    format: Mapped[MeetingFormat] = mapped_column(str_enum(MeetingFormat), default=MeetingFormat.IN_PERSON)
    link: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[MeetingStatus] = mapped_column(str_enum(MeetingStatus), default=MeetingStatus.DRAFT)
    network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id"), default=None)
    description: Mapped[str] = mapped_column(Text, default="")
    # The draft agenda's version number: every save checks it, so two editors never overwrite each other.
    agenda_revision: Mapped[int] = mapped_column(default=0)
    agenda_last_change: Mapped[str] = mapped_column(String(300), default="")  # shown in a conflict message
    # RFC 5545's SEQUENCE of the whole-meeting event: raised whenever its dates, place or title change.
    calendar_sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    host_party: Mapped[Party | None] = relationship()
    network: Mapped[Network | None] = relationship()
    items: Mapped[list[AgendaItem]] = relationship(order_by="(AgendaItem.day, AgendaItem.position)",
                                                   cascade="all, delete-orphan", back_populates="meeting")

    @property
    def safe_link(self) -> str | None:
        """The online link if it is a plain https address: what pages and calendars show, whatever an older
        version of the platform let into the column."""
        return https_link(self.link)


class AgendaItem(db.Model):
    """One item of the draft agenda."""

    __tablename__ = "agenda_items"
    __table_args__ = (Index("ix_agenda_items_meeting", "meeting_id", "day", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The item's identity for its whole life, across drafts and published versions, and its calendar UID.
    # Not the row id: SQLite gives a deleted last row's id to the next row, so a removed item and a new one
    # would look like one item retitled.
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    position: Mapped[int] = mapped_column(default=0)
    session: Mapped[str] = mapped_column(String(120), default="")
    room: Mapped[str] = mapped_column(String(120), default="")  # parallel sessions differ by room
    start_time: Mapped[time | None] = mapped_column(Time, default=None)
    end_time: Mapped[time | None] = mapped_column(Time, default=None)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[ItemKind] = mapped_column(str_enum(ItemKind), default=ItemKind.SESSION)
    presenters: Mapped[str] = mapped_column(String(300), default="")
    document_ids: Mapped[list[int]] = mapped_column(JSON, default=list)

    meeting: Mapped[Meeting] = relationship(back_populates="items")


class AgendaVersion(db.Model):
    """A published, frozen agenda: a snapshot of the items and the change list against the version before."""

    __tablename__ = "agenda_versions"
    __table_args__ = (UniqueConstraint("meeting_id", "number", name="uq_agenda_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    items: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    # Structured changes (``services.meetings.changes.Change.to_json``), written in the reader's language when
    # read; versions published before issue 17 hold sentences in their publisher's language instead.
    changes: Mapped[list[dict[str, object] | str]] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))

    published_by: Mapped[Account] = relationship()


class CalendarFeed(db.Model):
    """A person's personal calendar subscription: a secret token in the feed's address (calendar programs
    cannot sign in); only its SHA-256 is stored. Revoking it makes every address with it answer 401."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    account: Mapped[Account] = relationship()


class Registration(db.Model):
    """A party's delegation to a meeting."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("meeting_id", "party_id", name="uq_registration"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    status: Mapped[RegistrationStatus] = mapped_column(str_enum(RegistrationStatus),
                                                       default=RegistrationStatus.PENDING)
    as_observer: Mapped[bool] = mapped_column(default=False)
    # [{"name", "title", "role": head|delegate|adviser, "attended": bool}]
    members: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    party: Mapped[Party] = relationship()


class ActionStatus(enum.StrEnum):
    """Where an action item stands."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Minutes(db.Model):
    """The minutes of a meeting (Markdown, sanitised); earlier texts are kept, the final one is locked."""

    __tablename__ = "minutes"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    final_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revisions: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)  # [{body, at, by}]


class Decision(db.Model):
    """A decision taken at a meeting."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ActionItem(db.Model):
    """Who must do what by when, after a meeting; owned by a party or a network."""

    __tablename__ = "action_items"
    __table_args__ = (Index("ix_action_items_owner", "owner_party_id", "owner_network_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    owner_party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"), default=None)
    owner_network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id"), default=None)
    due_date: Mapped[date | None] = mapped_column(Date, default=None)
    status: Mapped[ActionStatus] = mapped_column(str_enum(ActionStatus), default=ActionStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    meeting: Mapped[Meeting] = relationship()
    owner_party: Mapped[Party | None] = relationship()
    owner_network: Mapped[Network | None] = relationship()
