"""Notifications stored per person (the bell, the notification centre), how each kind reaches the person
(in-app only, at once by e-mail too, or a daily digest), and the digests already sent.

A notification keeps its **kind and parameters**, not a sentence: the text is rendered when it is read, in the
reader's language at that moment (``cmc.services.notifications.texts``), so every word stays in the
translation catalogues and a person who changes language reads their history in the new one. Parameters are
content (a headline, a meeting's title, a party's name), stored as written.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cmc.extensions import db
from cmc.models.types import UTCDateTime, str_enum, utcnow


class NotificationKind(enum.StrEnum):
    """What a notification reports (the API's ``kind`` codes)."""

    ALERT = "alert"
    APPROVAL_REQUEST = "alert.approval_request"
    RETURNED = "alert.returned"
    OVERDUE = "alert.overdue"
    REMIND = "alert.remind"
    AGENDA_CHANGED = "agenda.changed"
    REGISTRATION_DECIDED = "registration.decided"
    ACTION_ASSIGNED = "action.assigned"
    RELEASE_REQUESTED = "release.requested"  # to the originating party's deciders
    RELEASE_DECIDED = "release.decided"  # to the asker
    RELEASE_USED = "release.exported"  # to the originating party: an H2 item left under a release
    ROLLCALL_ASKED = "rollcall.asked"  # to every member of a party a roll call asks
    ROLLCALL_REMIND = "rollcall.remind"  # to the focal points (or members) of a party that has not answered


class Delivery(enum.StrEnum):
    """How one kind of notification reaches a person."""

    IN_APP = "in_app"  # the bell only
    EMAIL = "email"  # the bell and an e-mail at once
    DIGEST = "digest"  # the bell and one e-mail a day of what is still unread


class Notification(db.Model):
    """One notification of one person."""

    __tablename__ = "notifications"
    __table_args__ = (
        # The bell's unread count and the centre's newest-first page read one person's rows only.
        Index("ix_notifications_account", "account_id", "read_at", "id"),
        Index("ix_notifications_created", "created_at"),  # the 90-day purge
        Index("ix_notifications_alert", "alert_id"),  # "opened from the alert's toast"; alert deletion
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind, 40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), default=None)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), default=None,
                                                   index=True)
    roll_call_id: Mapped[int | None] = mapped_column(ForeignKey("roll_calls.id", ondelete="CASCADE"), default=None,
                                                     index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class NotificationSetting(db.Model):
    """A person's choice for one kind (no row: the kind's default, ``services.notifications.DEFAULTS``)."""

    __tablename__ = "notification_settings"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind, 40), primary_key=True)
    delivery: Mapped[Delivery] = mapped_column(str_enum(Delivery))


class DigestSent(db.Model):
    """The daily digest sent to one person for one day of their time zone (at most one per day)."""

    __tablename__ = "notification_digests"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    count: Mapped[int] = mapped_column(default=0)
    kinds: Mapped[str] = mapped_column(String(400), default="")
