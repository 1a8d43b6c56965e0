"""Accounts, invitations, server-side sessions and personal access tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cmc.extensions import db
from cmc.models.party import Party, PartyStatus
from cmc.models.types import UTCDateTime, str_enum, utcnow


class Role(enum.StrEnum):
    """Platform roles (network roles live with the networks)."""

    SECRETARIAT = "secretariat"
    FOCAL_POINT = "focal_point"
    DELEGATE = "delegate"


class Account(UserMixin, db.Model):
    """A person who signs in, always on behalf of one party."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(120), default="")
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, 20), default=Role.DELEGATE)
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(5), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="America/Port_of_Spain")
    # False until the person saves a zone in settings, or a browser tells it at a sign-in: until then the
    # zone follows the browser the person signs in with (cmc.services.accounts.adopt_browser_zone).
    timezone_confirmed: Mapped[bool] = mapped_column(default=False, server_default=false())
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Second factor (RFC 6238). The pending secret waits for its first code before it replaces the active one.
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    totp_pending_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The last accepted time step: a code of that step or an earlier one is a replay.
    totp_last_step: Mapped[int] = mapped_column(default=0, server_default="0")

    party: Mapped[Party] = relationship(lazy="joined")

    @property
    def has_second_factor(self) -> bool:
        """Whether a confirmed TOTP second factor is in place."""
        return self.totp_secret is not None and self.totp_enabled_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        """An account may sign in only when it is active, has a password and its party is not retired."""
        return self.active and self.password_hash is not None and not self.party.retired

    @property
    def is_observer(self) -> bool:
        """Whether the account's party is an observer (read-only everywhere)."""
        return self.party.status == PartyStatus.OBSERVER

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.role}>"


# Emails are unique whatever their case: "Ana@Gov.jm" and "ana@gov.jm" are one person.
Index("ix_accounts_email_lower", func.lower(Account.email), unique=True)


class Invitation(db.Model):
    """A single-use, expiring link that lets a person set a password for a prepared account."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    account: Mapped[Account] = relationship(foreign_keys=[account_id])
    invited_by: Mapped[Account | None] = relationship(foreign_keys=[invited_by_id])


class AuthSession(db.Model):
    """A signed-in browser session, kept server side so that ending it kills a copied cookie."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")

    account: Mapped[Account] = relationship()


class RecoveryCode(db.Model):
    """A single-use code that stands in for a lost authenticator; only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class AccessToken(db.Model):
    """A personal access token for the API and live connections; only its hash is stored."""

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists so a person can tell tokens apart
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    account: Mapped[Account] = relationship()

    def usable(self, now: datetime) -> bool:
        """Whether the token may authenticate at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
