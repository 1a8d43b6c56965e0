"""Early alerts: a CAP 1.2 profile restricted to a network, with delivery and acknowledgement by party."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cmc.extensions import db
from cmc.models.account import Account
from cmc.models.handling import Evaluated, HandlingMarked
from cmc.models.network import Network
from cmc.models.party import Party
from cmc.models.types import UTCDateTime, str_enum, utcnow


class AlertState(enum.StrEnum):
    """Where an alert is in the workflow."""

    DRAFT = "draft"  # written by a member, not yet submitted
    SUBMITTED = "submitted"  # waiting for a coordinator
    RETURNED = "returned"  # sent back to its author with a comment
    PUBLISHED = "published"


class CapStatus(enum.StrEnum):
    """CAP ``status`` (the profile allows three of the five)."""

    ACTUAL = "Actual"
    EXERCISE = "Exercise"
    TEST = "Test"


class MsgType(enum.StrEnum):
    """CAP ``msgType``."""

    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"


#: ``active_until`` of an alert that does not expire.
NEVER = datetime(9999, 12, 31, tzinfo=UTC)

SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
CATEGORIES = ("Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra",
              "CBRNE", "Other")


class Alert(HandlingMarked, Evaluated, db.Model):
    """One CAP message. Updates and cancellations are alerts of their own that reference the original."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("network_id", "idempotency_key", name="uq_alert_idempotency"),
        Index("ix_alerts_network_published", "network_id", "published_at"),
        # The nav badge, home and the active list ask "published and current now" on every page: a range on
        # active_until reads only the current alerts, however many years of history the table holds.
        Index("ix_alerts_active", "state", "active_until"),
        # A network's drafts (few) among its published alerts (many).
        Index("ix_alerts_network_state", "network_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    identifier: Mapped[str] = mapped_column(String(120), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    state: Mapped[AlertState] = mapped_column(str_enum(AlertState), default=AlertState.DRAFT)
    status: Mapped[CapStatus] = mapped_column(str_enum(CapStatus), default=CapStatus.ACTUAL)
    msg_type: Mapped[MsgType] = mapped_column(str_enum(MsgType), default=MsgType.ALERT)
    references_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"), default=None)
    restriction: Mapped[str] = mapped_column(String(300))
    note: Mapped[str] = mapped_column(String(500), default="")
    review_comment: Mapped[str] = mapped_column(String(1000), default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(80), default=None)
    ack_within_minutes: Mapped[int] = mapped_column(default=60)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    superseded_by_id: Mapped[int | None] = mapped_column(default=None)  # the latest update or cancel
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # When the alert stops being current: its earliest info expiry (NEVER when none), or the moment it was
    # superseded or cancelled; a Cancel message is never current. Kept by the alerts service.
    active_until: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: NEVER)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    network: Mapped[Network] = relationship()
    author: Mapped[Account] = relationship(foreign_keys=[author_id])
    party: Mapped[Party] = relationship()
    references: Mapped[Alert | None] = relationship(remote_side=[id], foreign_keys=[references_id])
    # The current info blocks, one per language: the author's own first (lowest ids), then the translations
    # members added later. A translation replaced by a newer one stays in ``info_history``.
    infos: Mapped[list[AlertInfo]] = relationship(
        primaryjoin="and_(Alert.id == AlertInfo.alert_id, AlertInfo.replaced_at.is_(None))",
        order_by="AlertInfo.id", cascade="all, delete-orphan", back_populates="alert")
    info_history: Mapped[list[AlertInfo]] = relationship(order_by="AlertInfo.id", viewonly=True)


class AlertInfo(db.Model):
    """A CAP ``info`` block: one current block per language.

    The author's blocks are written with the alert (``added_by_id`` empty); a member of the network may add a
    translation later (``added_by_id``, ``added_at``), with the codes copied from the author's first block. A
    newer translation for the same language replaces the current one: the old row stays, with ``replaced_at``.
    """

    __tablename__ = "alert_infos"
    __table_args__ = (
        # At most one current block per language and alert, whatever two translators send at once.
        Index("uq_alert_infos_current_language", "alert_id", "language", unique=True,
              sqlite_where=text("replaced_at IS NULL"), postgresql_where=text("replaced_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(10), default="en")
    category: Mapped[str] = mapped_column(String(20), default="Security")
    event: Mapped[str] = mapped_column(String(120))
    urgency: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(20))
    certainty: Mapped[str] = mapped_column(String(20))
    headline: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    instruction: Mapped[str] = mapped_column(Text, default="")
    expires: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    area_desc: Mapped[str] = mapped_column(String(300), default="")
    geocodes: Mapped[list[str]] = mapped_column(JSON, default=list)  # affected parties' codes
    circle: Mapped[str] = mapped_column(String(120), default="")  # "lat,lon radius_km"
    polygon: Mapped[str] = mapped_column(Text, default="")  # "lat,lon lat,lon ... (closed)"
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)  # a translator
    added_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    alert: Mapped[Alert] = relationship(back_populates="infos")
    added_by: Mapped[Account | None] = relationship()

    @property
    def is_translation(self) -> bool:
        """Whether a member added this block after publication (not the author's own text)."""
        return self.added_by_id is not None


class AlertEventType(db.Model):
    """An event a network's coordinators have configured, with a template for new alerts."""

    __tablename__ = "alert_event_types"
    __table_args__ = (UniqueConstraint("network_id", "code", name="uq_alert_event_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    event: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(20), default="Security")
    urgency: Mapped[str] = mapped_column(String(20), default="Expected")
    severity: Mapped[str] = mapped_column(String(20), default="Moderate")
    certainty: Mapped[str] = mapped_column(String(20), default="Likely")
    headline_template: Mapped[str] = mapped_column(String(160), default="")
    instruction_template: Mapped[str] = mapped_column(Text, default="")
    #: The template in other languages: {"es": {"event": ..., "headline": ..., "instruction": ...}}; a missing
    #: or empty entry falls back to the fields above.
    texts: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)


class AlertReceipt(db.Model):
    """Per party: when a connection of that party first received, first opened, and acknowledged an alert."""

    __tablename__ = "alert_receipts"
    __table_args__ = (UniqueConstraint("alert_id", "party_id", name="uq_alert_receipt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)

    party: Mapped[Party] = relationship()
    acknowledged_by: Mapped[Account | None] = relationship()


class AlertMail(db.Model):
    """An alert e-mailed to one account (at most one mail per alert and person)."""

    __tablename__ = "alert_mails"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LiveConnection(db.Model):
    """A live Socket.IO connection, so that any process can tell who is online (for alert e-mails).

    Realtime processes refresh ``seen_at`` of their own rows every minute; rows of a process that died
    stop counting after two minutes.
    """

    __tablename__ = "live_connections"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    process: Mapped[str] = mapped_column(String(80), index=True)
    session_id: Mapped[int | None] = mapped_column(default=None)  # what it connected with, to drop it later
    token_id: Mapped[int | None] = mapped_column(default=None)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AlertAutosave(db.Model):
    """What a person was writing on a network's compose page, saved by the page every few seconds: one per
    person and network, on the server (a shared computer keeps no restricted alert text in the browser after
    sign-out), deleted when the alert is published or submitted, and forgotten after ``services.alerts.
    autosave.KEPT``. ``fields`` is the form as sent: ``{name: text or [texts]}``."""

    __tablename__ = "alert_autosaves"
    __table_args__ = (UniqueConstraint("account_id", "network_id", name="uq_alert_autosave"),
                      Index("ix_alert_autosaves_saved", "saved_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
