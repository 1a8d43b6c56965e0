"""Signing in and out, server-side sessions, and personal access tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import String, cast, delete, func, select

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import AccessToken, Account, AuthSession, Membership, NetworkRole, Outcome
from cmc.models.types import utcnow
from cmc.realtime import notify
from cmc.services import audit, text
from cmc.services.errors import AuthenticationError, StorageFull, ValidationError
from cmc.services.passwords import dummy_hash, verify_password

TOKEN_PREFIX = "cmc_"  # noqa: S105 - a public marker, not a secret
#: How often a session's "last seen" is written at most (a write on every request would serialise SQLite).
TOUCH_INTERVAL = timedelta(seconds=60)


def digest(secret: str) -> str:
    """SHA-256 of a high-entropy secret (session keys, tokens, invitation links): enough for random secrets."""
    return hashlib.sha256(secret.encode()).hexdigest()


def find_account_by_email(email: str) -> Account | None:
    """The account with this email, compared case-insensitively."""
    return db.session.scalar(select(Account).where(func.lower(Account.email) == email.strip().lower()))


def check_credentials(email: str, password: str) -> Account:
    """Return the account if the email and password match an account that may sign in.

    Every failure raises the same ``AuthenticationError`` (and costs the same hashing time), so the answer
    never tells whether the email exists, the account is locked or its party retired. Failures are audited.
    """
    account = find_account_by_email(email)
    ok = verify_password(account.password_hash if account else dummy_hash(), password)
    if account is None or not ok or not account.is_active:
        reason = "unknown_email" if account is None else ("wrong_password" if not ok else "inactive")
        audit.record_now(
            account,
            "auth.sign_in",
            target_type="account",
            target_id=account.id if account else None,
            target_party_id=account.party_id if account else None,
            outcome=Outcome.FAILED,
            details={"reason": reason, "email": email.strip().lower()[:254]},
            actor_label=email.strip().lower()[:254],
        )
        raise AuthenticationError(_("The email or password is not right, or the account cannot sign in."))
    return account


def start_session(account: Account, *, address: str, user_agent: str, method: str = "password") -> str:
    """Create a server-side session for ``account`` and return its secret key (for the cookie only)."""
    key = secrets.token_urlsafe(32)
    with write_transaction():
        db.session.add(
            AuthSession(
                key_hash=digest(key),
                account_id=account.id,
                address=address[:64],
                user_agent=user_agent[:255],
            )
        )
        audit.record(
            account,
            "auth.sign_in",
            target_type="account",
            target_id=account.id,
            target_party_id=account.party_id,
            details={"method": method},
        )
    return key


@dataclass
class LiveSession:
    """A valid session and its account, and the account's role in each of its networks: every page asks them
    (the second-factor rule for coordinators, the network gate, the lists of "my networks")."""

    session: AuthSession
    account: Account
    roles: dict[int, NetworkRole] | None = None  # None: not known (ask the directory)

    @property
    def coordinates(self) -> bool | None:
        """Whether the account coordinates a network (which obliges it to use a second factor)."""
        if self.roles is None:
            return None
        return any(role is NetworkRole.COORDINATOR for role in self.roles.values())


#: The account's memberships as one "network_id:role,..." string, read with the session: a subquery per row
#: instead of a second statement (``aggregate_strings`` is string_agg on PostgreSQL, group_concat on SQLite).
_PAIR = cast(Membership.network_id, String) + ":" + cast(Membership.role, String)
_MEMBERSHIPS = (select(func.aggregate_strings(_PAIR, ","))
                .where(Membership.account_id == AuthSession.account_id)
                .correlate(AuthSession).scalar_subquery().label("memberships"))


def _roles(memberships: str | None) -> dict[int, NetworkRole]:
    roles: dict[int, NetworkRole] = {}
    for pair in (memberships or "").split(","):
        if pair:
            network_id, _sep, role = pair.partition(":")
            roles[int(network_id)] = NetworkRole(role)
    return roles


def resume_session(key: str | None) -> LiveSession | None:
    """Return the live session for a cookie's key, ending it if it is idle or too old.

    One statement reads the session, its account and the account's memberships: every page needs all three
    before it can answer.
    """
    if not key:
        return None
    found = db.session.execute(select(AuthSession, Account, _MEMBERSHIPS)
                               .join(Account, Account.id == AuthSession.account_id)
                               .where(AuthSession.key_hash == digest(key))).first()
    if found is None:
        return None
    row, account, memberships = found
    now = utcnow()
    cfg = current_app.config
    idle = timedelta(minutes=cfg["SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"])
    if now - row.last_seen_at > idle or now - row.created_at > absolute or not account.is_active:
        with write_transaction():
            db.session.execute(delete(AuthSession).where(AuthSession.id == row.id))
        return None
    if now - row.last_seen_at > TOUCH_INTERVAL:
        try:
            with write_transaction():
                fresh = db.session.get(AuthSession, row.id)
                if fresh is None:
                    return None
                fresh.last_seen_at = now
                row = fresh
        except StorageFull:
            # The database's disk is full: reading must go on; the idle clock just is not moved this time.
            reread = db.session.get(AuthSession, row.id)
            if reread is None:
                return None
            row = reread
    return LiveSession(session=row, account=row.account, roles=_roles(memberships))


def live_account(*, session_id: int | None = None, token_id: int | None = None) -> Account | None:
    """The account behind a live connection, if what it connected with is still valid now.

    Socket events call this on every inbound event: a session that ended, went idle or grew too old, or
    a token revoked or expired, no longer acts for anyone.
    """
    now = utcnow()
    if token_id is not None:
        token = db.session.get(AccessToken, token_id)
        if token is None or not token.usable(now) or not token.account.is_active:
            return None
        return token.account
    if session_id is None:
        return None
    row = db.session.get(AuthSession, session_id)
    if row is None or not row.account.is_active:
        return None
    cfg = current_app.config
    if (now - row.last_seen_at > timedelta(minutes=cfg["SESSION_IDLE_MINUTES"])
            or now - row.created_at > timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"])):
        return None
    return row.account


def sign_out(account: Account, key: str | None) -> None:
    """End the session behind ``key`` (a copied cookie is dead afterwards) and its live connections."""
    if not key:
        return
    with write_transaction():
        row = db.session.scalar(select(AuthSession).where(AuthSession.key_hash == digest(key)))
        if row is None:
            return
        session_id = row.id
        db.session.delete(row)
        audit.record(account, "auth.sign_out", target_type="session", target_id=session_id,
                     target_party_id=account.party_id)
    notify.disconnect_session(session_id)


def list_sessions(actor: Account, account: Account) -> list[AuthSession]:
    """The active sessions of ``account``, newest first (the person themself or the secretariat)."""
    permissions.require(
        actor, "account.sessions", account,
        action="session.list", target_type="account", target_id=account.id,
        target_party_id=account.party_id, hide=True,
    )
    return list(
        db.session.scalars(
            select(AuthSession).where(AuthSession.account_id == account.id).order_by(AuthSession.id.desc())
        )
    )


def end_session(actor: Account, session_id: int) -> None:
    """End one session: its owner or the secretariat. Its live connections drop at once."""
    with write_transaction():
        row = db.session.get(AuthSession, session_id)
        permissions.check(
            row is not None and permissions.can(actor, "account.sessions", row.account),
            action="session.end", target_type="session", target_id=session_id, hide=True,
        )
        assert row is not None
        owner = row.account
        db.session.delete(row)
        audit.record(actor, "session.end", target_type="session", target_id=session_id,
                     target_party_id=owner.party_id, details={"account_id": owner.id})
    notify.disconnect_session(session_id)


def end_all_sessions(account_id: int, *, keep_session_id: int | None = None) -> list[int]:
    """Delete every session of an account except ``keep_session_id`` (inside the caller's transaction)."""
    query = select(AuthSession.id).where(AuthSession.account_id == account_id)
    if keep_session_id is not None:
        query = query.where(AuthSession.id != keep_session_id)
    ids = list(db.session.scalars(query))
    if ids:
        db.session.execute(delete(AuthSession).where(AuthSession.id.in_(ids)))
    return ids


# --- personal access tokens -------------------------------------------------------------------------

def create_token(actor: Account, name: str, *, expires_in_days: int | None = None) -> tuple[AccessToken, str]:
    """Create a token for the actor; return the row and the secret, which is shown once and never stored."""
    text.check(name=name)
    name = name.strip()
    if not name or len(name) > 80:
        raise ValidationError(_("Give the token a name of 1 to 80 characters."),
                              fields={"name": _("Give the token a name of 1 to 80 characters.")})
    if expires_in_days is not None and not 1 <= expires_in_days <= 366:
        raise ValidationError(_("A token expires after 1 to 366 days."),
                              fields={"expires_in_days": _("A token expires after 1 to 366 days.")})
    permissions.require_fresh_sign_in(actor)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with write_transaction():
        token = AccessToken(
            account_id=actor.id,
            name=name,
            token_hash=digest(secret),
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            expires_at=utcnow() + timedelta(days=expires_in_days) if expires_in_days else None,
        )
        db.session.add(token)
        db.session.flush()
        audit.record(actor, "token.create", target_type="token", target_id=token.id,
                     target_party_id=actor.party_id, details={"name": name})
    return token, secret


def list_tokens(actor: Account) -> list[AccessToken]:
    """The actor's own tokens, newest first, revoked ones included."""
    return list(
        db.session.scalars(
            select(AccessToken).where(AccessToken.account_id == actor.id).order_by(AccessToken.id.desc())
        )
    )


def revoke_token(actor: Account, token_id: int) -> None:
    """Revoke one of the actor's tokens (secretariat: anyone's); live connections made with it drop."""
    with write_transaction():
        token = db.session.get(AccessToken, token_id)
        permissions.check(
            token is not None and permissions.can(actor, "account.sessions", token.account),
            action="token.revoke", target_type="token", target_id=token_id, hide=True,
        )
        assert token is not None
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            audit.record(actor, "token.revoke", target_type="token", target_id=token.id,
                         target_party_id=token.account.party_id)
    notify.disconnect_token(token_id)


def authenticate_token(secret: str | None) -> tuple[Account, AccessToken] | None:
    """The account a bearer token stands for, or None if it is unknown, revoked, expired or inactive."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(AccessToken).where(AccessToken.token_hash == digest(secret)))
    now: datetime = utcnow()
    if token is None or not token.usable(now) or not token.account.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOUCH_INTERVAL:
        try:
            with write_transaction():
                fresh = db.session.get(AccessToken, token.id)
                if fresh is not None:
                    fresh.last_used_at = now
                    token = fresh
        except StorageFull:  # the database's disk is full: the token still works, its last use is not noted
            reread = db.session.get(AccessToken, token.id)
            if reread is None:
                return None
            token = reread
    return token.account, token
