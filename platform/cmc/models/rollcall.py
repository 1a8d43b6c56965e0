"""Crisis roll calls: one structured question set asked of many parties at once, and their answers.

- A **template** is a network's question set, kept as data (``questions``, a JSON list validated by
  ``cmc.services.rollcalls.questions``); ``network_id`` None is the platform's default template.
- A **roll call** copies its template's questions when it starts (editing the template later changes no
  roll call under way), asks a set of parties (``roll_call_parties``) until ``deadline``, and is open or
  closed; closing freezes it. ``previous_id`` names the roll call a follow-up copied; ``alert_id`` the alert
  it was started from. The organiser sets its handling code (``HandlingMarked``): it marks the board, the PDF
  situation report and the CSV of the answers.
- An **answer** is append-only: each update of a party's answer is a new row with the next ``revision``, so
  every update stays with its time and author. ``UniqueConstraint(roll_call_id, party_id, revision)`` is what
  makes two members of a party saving at once safe: both read revision n and write n + 1; the database keeps
  one and the other is told (409) with the answer that won.
- A **reminder** row per party reminded (by hand, or automatically at half-time and one hour before the
  deadline): the board's timeline, and the proof that a party was not reminded twice by the same round.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cmc.extensions import db
from cmc.models.account import Account
from cmc.models.handling import HandlingMarked
from cmc.models.network import Network
from cmc.models.party import Party, party_link_table
from cmc.models.types import UTCDateTime, str_enum, utcnow


class RollCallState(enum.StrEnum):
    """Where a roll call stands (the deadline passing does not close it: answers are refused after it, and
    the organiser closes it, or reopens it with a new deadline)."""

    OPEN = "open"
    CLOSED = "closed"


class Affected(enum.StrEnum):
    """The answer to the status question (the map's colour, the board's counts)."""

    NOT_AFFECTED = "not_affected"
    COPING = "affected_coping"
    ASSISTANCE = "assistance_needed"


class Quality(enum.StrEnum):
    """Whether a number is an estimate or confirmed (kept apart in every total)."""

    ESTIMATE = "estimate"
    CONFIRMED = "confirmed"


class ReminderKind(enum.StrEnum):
    """What sent a reminder."""

    MANUAL = "manual"  # the organiser pressed "remind"
    HALF_TIME = "half_time"  # half of the time to the deadline had passed
    LAST_HOUR = "last_hour"  # one hour before the deadline


roll_call_parties = party_link_table("roll_call_parties", "roll_call_id", "roll_calls")


class RollCallTemplate(db.Model):
    """A question set a roll call starts from (``network_id`` None: the platform's default)."""

    __tablename__ = "roll_call_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), default=None,
                                                   index=True)
    name: Mapped[str] = mapped_column(String(120))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    @property
    def label(self) -> str:
        """The name to show: the platform's default (which no network edits) in the reader's language, a
        network's own as its people wrote it."""
        if self.network_id is None:
            from flask_babel import gettext  # the model layer translates nothing else: asked only on display

            return gettext("Standard roll call")
        return self.name


class RollCall(HandlingMarked, db.Model):
    """One roll call (see the module)."""

    __tablename__ = "roll_calls"
    __table_args__ = (
        Index("ix_roll_calls_network", "network_id", "state", "id"),
        Index("ix_roll_calls_open_deadline", "state", "deadline"),  # the automatic reminders' sweep
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"), default=None,
                                                 index=True)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("roll_call_templates.id", ondelete="SET NULL"),
                                                    default=None)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("roll_calls.id", ondelete="SET NULL"),
                                                    default=None)
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    #: The language ``title`` and ``instructions`` are written in.
    language: Mapped[str] = mapped_column(String(8), default="en")
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # copied from the template
    state: Mapped[RollCallState] = mapped_column(str_enum(RollCallState, 12), default=RollCallState.OPEN)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    organiser_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    organiser_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    #: When each automatic reminder went (set once, by the process that claimed it: ``UPDATE ... WHERE ... IS
    #: NULL``, so several processes send one). Reopening with a new deadline clears them.
    reminded_half_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    reminded_hour_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    network: Mapped[Network] = relationship()
    organiser: Mapped[Account] = relationship(foreign_keys=[organiser_id])
    organiser_party: Mapped[Party] = relationship(foreign_keys=[organiser_party_id])
    parties: Mapped[list[Party]] = relationship(secondary=roll_call_parties, order_by=Party.name)

    @property
    def party_id(self) -> int:
        """The originating party (the organiser's): what the handling code's statement names."""
        return self.organiser_party_id

    @property
    def closed(self) -> bool:
        """Whether the roll call is closed (frozen)."""
        return self.state == RollCallState.CLOSED

    def question_keys(self) -> list[str]:
        """The keys of the roll call's questions, in order."""
        return [str(q.get("key")) for q in self.questions]


class RollCallAnswer(db.Model):
    """One revision of one party's answer (see the module): the latest revision is the party's answer."""

    __tablename__ = "roll_call_answers"
    __table_args__ = (
        UniqueConstraint("roll_call_id", "party_id", "revision", name="uq_roll_call_answer_revision"),
        Index("ix_roll_call_answers_time", "roll_call_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    roll_call_id: Mapped[int] = mapped_column(ForeignKey("roll_calls.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    revision: Mapped[int] = mapped_column()  # 1 for the party's first answer
    author_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    #: The author was the party's focal point when answering: "confirmed by the focal point".
    by_focal_point: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[Affected | None] = mapped_column(str_enum(Affected, 20), default=None)
    displaced: Mapped[int | None] = mapped_column(default=None)
    displaced_quality: Mapped[Quality | None] = mapped_column(str_enum(Quality, 12), default=None)
    departed: Mapped[int | None] = mapped_column(default=None)
    departed_quality: Mapped[Quality | None] = mapped_column(str_enum(Quality, 12), default=None)
    needs: Mapped[str] = mapped_column(String(200), default="")  # ';'-separated need keys
    note: Mapped[str] = mapped_column(Text, default="")
    #: The answers to the template's own questions, by question key.
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Keys of the numbers the author confirmed although they look implausible (';'-separated): flagged on the
    #: board.
    flags: Mapped[str] = mapped_column(String(200), default="")

    author: Mapped[Account] = relationship()
    party: Mapped[Party] = relationship()

    @property
    def need_list(self) -> list[str]:
        """The need keys ticked."""
        return [key for key in self.needs.split(";") if key]

    @property
    def flag_list(self) -> list[str]:
        """The question keys flagged as implausible (confirmed by the author)."""
        return [key for key in self.flags.split(";") if key]


class RollCallReminder(db.Model):
    """One reminder to one party (see the module)."""

    __tablename__ = "roll_call_reminders"
    __table_args__ = (Index("ix_roll_call_reminders_call", "roll_call_id", "party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roll_call_id: Mapped[int] = mapped_column(ForeignKey("roll_calls.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    kind: Mapped[ReminderKind] = mapped_column(str_enum(ReminderKind, 12))
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)  # None: automatic
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recipients: Mapped[int] = mapped_column(default=0)
