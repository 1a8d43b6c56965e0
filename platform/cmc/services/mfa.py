"""The TOTP second factor (RFC 6238): enrolment, verification without replay, recovery codes, reset."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select, update

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import Account, Outcome, RecoveryCode
from cmc.models.types import utcnow
from cmc.realtime import notify
from cmc.services import audit
from cmc.services.auth import digest, end_all_sessions
from cmc.services.errors import ValidationError

ISSUER = "CMC Platform"
RECOVERY_CODES = 10
#: Codes of the previous and next 30-second step are accepted, for clocks that drift a little.
SKEW_STEPS = 1


def requires_second_factor(account: Account) -> bool:
    """The secretariat and every network coordinator must use a second factor."""
    if permissions.accounts.role_requires_second_factor(account.role):
        return True
    from cmc.services import directory  # networks know who coordinates

    return directory.is_coordinator_anywhere(account)


def must_enrol(account: Account, *, coordinates: bool | None = None) -> bool:
    """Whether the account has to enrol before it may do anything else. ``coordinates``: whether it
    coordinates a network, when the caller already read that (``auth.resume_session`` does); None to ask."""
    if account.has_second_factor:
        return False  # asked first: no question to the directory for those already enrolled
    if coordinates is None or permissions.accounts.role_requires_second_factor(account.role):
        return requires_second_factor(account)
    return coordinates


def begin_enrolment(actor: Account) -> str:
    """Create (or keep) a pending secret for the actor and return it; nothing is active until confirmed."""
    with write_transaction():
        account = db.session.get(Account, actor.id)
        assert account is not None
        if account.totp_pending_secret is None:
            account.totp_pending_secret = pyotp.random_base32()
        return account.totp_pending_secret


def provisioning_uri(account: Account, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> Markup:
    """The QR code as inline SVG, made on the server (no script, no external service)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#0b1f33", light="#ffffff", border=2,
                                                 title="QR code for your authenticator app")
    # segno encodes the URI as path geometry only; the one text it writes is our fixed title.
    return Markup(svg)  # noqa: S704


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "")


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for offset in range(-SKEW_STEPS, SKEW_STEPS + 1):
        if hmac.compare_digest(totp.at(now, counter_offset=offset), code):
            return current + offset
    return None


def confirm_enrolment(actor: Account, code: str) -> list[str]:
    """Activate the pending secret with its first code; return ten recovery codes (shown once)."""
    code = _normalise(code)
    now = utcnow()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    with write_transaction():
        account = db.session.get(Account, actor.id)
        assert account is not None
        step = _matching_step(account.totp_pending_secret, code, now) if account.totp_pending_secret else None
        if step is None:
            audit.record(account, "mfa.enrol", target_type="account", target_id=account.id,
                         target_party_id=account.party_id, outcome=Outcome.FAILED)
            message = _("That code is not right. Check the time on your phone and enter the newest code.")
            raise ValidationError(message, fields={"code": message})
        account.totp_secret = account.totp_pending_secret
        account.totp_pending_secret = None
        account.totp_enabled_at = now
        account.totp_last_step = step
        db.session.execute(update(RecoveryCode).where(RecoveryCode.account_id == account.id)
                           .values(used_at=now))
        for plain in codes:
            db.session.add(RecoveryCode(account_id=account.id, code_hash=digest(_normalise(plain).lower())))
        audit.record(account, "mfa.enrol", target_type="account", target_id=account.id,
                     target_party_id=account.party_id)
    return codes


def verify(account_id: int, code: str) -> Account | None:
    """Check a sign-in code: a TOTP code not used before, or an unused recovery code. Audited either way."""
    code = _normalise(code)
    now = utcnow()
    with write_transaction():
        account = db.session.get(Account, account_id)
        if account is None or not account.has_second_factor or not account.is_active:
            return None
        method = None
        step = _matching_step(account.totp_secret or "", code, now) if code.isdigit() else None
        if step is not None and step > account.totp_last_step:
            account.totp_last_step = step
            method = "totp"
        elif step is None and len(code) == 12:
            row = db.session.scalar(select(RecoveryCode).where(
                RecoveryCode.account_id == account.id, RecoveryCode.code_hash == digest(code.lower()),
                RecoveryCode.used_at.is_(None)))
            if row is not None:
                row.used_at = now
                method = "recovery_code"
        if method is None:
            reason = "replayed" if step is not None else "wrong_code"
            audit.record(account, "auth.second_factor", target_type="account", target_id=account.id,
                         target_party_id=account.party_id, outcome=Outcome.FAILED, details={"reason": reason})
            return None
        audit.record(account, "auth.second_factor", target_type="account", target_id=account.id,
                     target_party_id=account.party_id, details={"method": method})
        return account


def recovery_codes_left(account: Account) -> int:
    """How many recovery codes the account can still use."""
    return int(db.session.scalar(select(db.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None))) or 0)


def reset(actor: Account | None, account_id: int) -> Account:
    """Remove someone's second factor (secretariat, after a fresh sign-in: ``permissions.require_fresh_sign_in``);
    they enrol again at next sign-in and every session of theirs ends. ``actor`` None is the command line (an
    operator at the server, for a lost phone: `cmc accounts reset-second-factor`), audited as ``cli``."""
    with write_transaction():
        account = db.session.get(Account, account_id)
        permissions.check(account is not None and (actor is None or permissions.can(actor, "account.view", account)),
                          action="mfa.reset", target_type="account", target_id=account_id, hide=True)
        assert account is not None
        if actor is not None:
            permissions.require(actor, "mfa.reset", account, action="mfa.reset",
                                target_type="account", target_id=account.id, target_party_id=account.party_id)
            permissions.require_fresh_sign_in(actor)
        account.totp_secret = None
        account.totp_pending_secret = None
        account.totp_enabled_at = None
        db.session.execute(update(RecoveryCode).where(RecoveryCode.account_id == account.id,
                                                      RecoveryCode.used_at.is_(None)).values(used_at=utcnow()))
        ended = end_all_sessions(account.id)
        audit.record(actor, "mfa.reset", target_type="account", target_id=account.id,
                     target_party_id=account.party_id, details={"sessions_ended": len(ended)},
                     actor_label=None if actor else "cli")
    notify.disconnect_account(account.id)
    notify.disconnect_sessions(ended)
    return account
