"""Personal calendar feeds: the secret address a person gives their calendar program (which cannot sign in),
and what such an address may read.

A person has at most one live address: making a new one revokes the old. The token is shown once; only its
SHA-256 is kept (like sessions and access tokens). The address reads as its owner does, at every fetch: a
revoked address, or the address of a deactivated account, reads nothing (401); a meeting the owner may no
longer read is not found (404)."""

from __future__ import annotations

import hmac
import secrets
from contextlib import suppress
from datetime import datetime, timedelta

from sqlalchemy import select

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models.account import Account
from cmc.models.meeting import CalendarFeed, Meeting, Registration, RegistrationStatus
from cmc.models.types import utcnow
from cmc.services import audit
from cmc.services.auth import digest
from cmc.services.errors import StorageFull

#: How often a feed's "last used" is written at most: calendar programs fetch every few minutes, and a write
#: on each fetch would queue behind every other SQLite writer.
TOUCH_INTERVAL = timedelta(seconds=60)
#: ``secrets.token_urlsafe(32)`` is 43 characters; anything much longer is not a token and is not hashed.
TOKEN_MAX = 100


def active_feed(actor: Account) -> CalendarFeed | None:
    """The actor's live feed address (not its secret, which is never kept), or None."""
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.account_id == actor.id,
                                                        CalendarFeed.revoked_at.is_(None))
                             .order_by(CalendarFeed.id.desc()).limit(1))


def _revoke_live(actor: Account, now: datetime) -> int:
    """Revoke every live feed of the actor inside the caller's transaction; how many were live."""
    live = list(db.session.scalars(select(CalendarFeed).where(CalendarFeed.account_id == actor.id,
                                                              CalendarFeed.revoked_at.is_(None))))
    for feed in live:
        feed.revoked_at = now
        audit.record(actor, "calendar_feed.revoke", target_type="calendar_feed", target_id=feed.id,
                     target_party_id=actor.party_id)
    return len(live)


def create_feed(actor: Account) -> tuple[CalendarFeed, str]:
    """A new feed address for the actor, replacing the live one; returns the row and the token, which is
    shown once and never stored."""
    token = secrets.token_urlsafe(32)
    with write_transaction():
        _revoke_live(actor, utcnow())
        feed = CalendarFeed(account_id=actor.id, token_hash=digest(token))
        db.session.add(feed)
        db.session.flush()
        audit.record(actor, "calendar_feed.create", target_type="calendar_feed", target_id=feed.id,
                     target_party_id=actor.party_id)
    return feed, token


def revoke_feed(actor: Account) -> bool:
    """Revoke the actor's feed address at once; False when there was none live (nothing changes)."""
    with write_transaction():
        return _revoke_live(actor, utcnow()) > 0


def authenticate(token: str | None) -> Account | None:
    """The person whose live feed this token opens, or None: unknown, revoked, or an account that may not
    sign in any more (deactivated, or its party retired). Notes the feed's last use, at most once a minute."""
    if not token or len(token) > TOKEN_MAX:
        return None
    hashed = digest(token)
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == hashed))
    # The lookup is by hash, so its timing says nothing of the token; the comparison is constant-time anyway,
    # so that no change to the lookup (a prefix index, a cache) can make one.
    if feed is None or not hmac.compare_digest(feed.token_hash, hashed):
        return None
    if feed.revoked_at is not None or not feed.account.is_active:
        return None
    now = utcnow()
    if feed.last_used_at is None or now - feed.last_used_at > TOUCH_INTERVAL:
        # A full disk must not stop the feed: it answers, its last use is just not noted.
        with suppress(StorageFull), write_transaction():
            fresh = db.session.get(CalendarFeed, feed.id)
            if fresh is not None:
                fresh.last_used_at = now
    account = db.session.get(Account, feed.account_id)
    return account if account is not None and account.is_active else None


def registered_meetings(person: Account) -> list[Meeting]:
    """The meetings the person's party is registered to (not declined) that the person may read, soonest
    first (what the all-meetings feed holds)."""
    query = (select(Meeting).join(Registration, Registration.meeting_id == Meeting.id)
             .where(Registration.party_id == person.party_id, Registration.status != RegistrationStatus.DECLINED)
             .order_by(Meeting.start_date, Meeting.id))
    return [m for m in db.session.scalars(query).unique() if permissions.can(person, "meeting.read", m)]


def readable_meeting(person: Account, meeting_id: int) -> Meeting | None:
    """One meeting the person may read now, or None (unknown, a draft again, a network they left)."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not permissions.can(person, "meeting.read", meeting):
        return None
    return meeting
