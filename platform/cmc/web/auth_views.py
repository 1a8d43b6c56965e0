"""Sign-in, sign-out and accepting an invitation."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from cmc.extensions import limiter
from cmc.http.access import Access, access
from cmc.models import Account, Outcome
from cmc.services import accounts, audit, auth, mfa
from cmc.services.errors import AuthenticationError, GoneError, ValidationError
from cmc.services.passwords import verify_password
from cmc.web.forms import CodeForm, ConfirmPasswordForm, SetPasswordForm, SignInForm, text
from cmc.web.once import once
from cmc.web.reauth import decode_replay

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    return target


def _account_key() -> str:
    if request.endpoint == "auth.confirm_password" and current_user.is_authenticated:
        return "signin:" + current_user.email.lower()
    return "signin:" + (request.form.get("email") or "").strip().lower()[:254]


#: Failed passwords of one account, at sign-in and at confirmation alike, share one budget: a stolen session
#: guessing at the confirmation page is throttled exactly like a stranger guessing at the sign-in page.
_password_per_account = limiter.shared_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], scope="password-per-account", key_func=_account_key,
    methods=["POST"], deduct_when=lambda response: response.status_code >= 400)


def _failed(response: Any) -> bool:
    return response.status_code >= 400


def begin_session(account: Account, method: str = "password", browser_zone: str | None = None) -> None:
    """Replace whatever session the browser had with a new server-side one (a new id at each sign-in); a first
    sign-in also takes the browser's time zone."""
    accounts.adopt_browser_zone(account, browser_zone)
    session.clear()
    key = auth.start_session(account, address=request.remote_addr or "",
                             user_agent=request.headers.get("User-Agent", ""), method=method)
    session["sk"] = key
    session["auth_at"] = time.time()
    session.permanent = True
    login_user(account)


def _pending_key() -> str:
    pending = session.get("mfa_pending") or {}
    return f"mfa:{pending.get('id', '-')}"


@bp.route("/sign-in", methods=["GET", "POST"])
@access(Access.PUBLIC)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed)
@_password_per_account
def sign_in() -> Any:
    """The sign-in form; on success, home or the safe ``next`` path."""
    next_path = safe_next(request.args.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_path or url_for("home.index"))
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        try:
            account = auth.check_credentials(form.email.data or "", form.password.data or "")
        except AuthenticationError as exc:
            error = exc.message
        else:
            if account.has_second_factor:
                # Half signed in: the password was right, the code comes next. No session exists yet.
                session.clear()
                session["mfa_pending"] = {"id": account.id, "at": time.time(), "next": next_path,
                                          "zone": (form.browser_timezone.data or "")[:64]}
                return redirect(url_for("auth.second_factor"))
            begin_session(account, browser_zone=form.browser_timezone.data)
            return redirect(next_path or url_for("home.index"))
    elif request.method == "POST":
        error = _("Enter your email address and password.")
    status = 401 if error else 200
    return render_template("auth/sign_in.html", form=form, error=error, next_path=next_path), status


PENDING_SECONDS = 300


@bp.route("/sign-in/code", methods=["GET", "POST"])
@access(Access.PUBLIC)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_pending_key, methods=["POST"],
               deduct_when=_failed)
def second_factor() -> Any:
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    pending = session.get("mfa_pending")
    if not pending or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        session.pop("mfa_pending", None)
        flash(_("Sign in again: the code must follow the password within 5 minutes."), "info")
        return redirect(url_for("auth.sign_in"))
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        account = mfa.verify(int(pending["id"]), form.code.data or "")
        if account is not None:
            next_path = safe_next(pending.get("next"))
            begin_session(account, method="password+totp", browser_zone=str(pending.get("zone") or ""))
            return redirect(next_path or url_for("home.index"))
        error = _("That code is not right, or it has been used already. Enter the newest code from your app, "
                  "or one of your recovery codes.")
    elif request.method == "POST":
        error = _("Enter the 6-digit code from your authenticator app.")
    return render_template("auth/second_factor.html", form=form, error=error), 401 if error else 200


@bp.route("/confirm-password", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed)
@_password_per_account
def confirm_password() -> Any:
    """Prove it is still you before an action that hands out power (a fresh sign-in without signing out);
    then back to that action: the page at ``next``, or the refused form sent again (``replay``)."""
    next_path = safe_next(request.args.get("next")) or url_for("home.index")
    form = ConfirmPasswordForm()
    replay = text(form.replay) if request.method == "POST" else ""
    error = None
    account = current_user._get_current_object()
    if form.validate_on_submit():
        if verify_password(account.password_hash, form.password.data or ""):
            session["auth_at"] = time.time()
            audit.record_now(account, "auth.confirm_password", target_type="account", target_id=account.id,
                             target_party_id=account.party_id)
            fields = decode_replay(replay)
            if fields is not None:
                return render_template("auth/continue.html", action=next_path, fields=fields)
            return redirect(next_path)
        audit.record_now(account, "auth.confirm_password", outcome=Outcome.FAILED, target_type="account",
                         target_id=account.id, target_party_id=account.party_id)
        error = _("That password is not right.")
    elif request.method == "POST":
        error = _("Enter your password.")
    return render_template("auth/confirm_password.html", form=form, error=error, next_path=next_path,
                           replay=replay, message=None), 401 if error else 200


@bp.errorhandler(429)
def throttled(_exc: Any) -> Any:
    """Too many failed sign-ins: say so plainly, record it, and keep the form."""
    error = _("Too many failed attempts. Wait 15 minutes, then try again, or ask your focal point to help.")
    if request.endpoint == "auth.confirm_password" and current_user.is_authenticated:
        account = current_user._get_current_object()
        audit.record_now(account, "auth.confirm_password", outcome=Outcome.FAILED, target_type="account",
                         target_id=account.id, target_party_id=account.party_id, details={"reason": "throttled"})
        return render_template("auth/confirm_password.html", form=ConfirmPasswordForm(formdata=None), error=error,
                               next_path=safe_next(request.args.get("next")) or url_for("home.index"),
                               replay=text(ConfirmPasswordForm().replay), message=None), 429
    if request.endpoint == "auth.second_factor":
        pending = session.get("mfa_pending") or {}
        audit.record_now(None, "auth.second_factor", outcome=Outcome.FAILED, target_type="account",
                         target_id=pending.get("id"), details={"reason": "throttled"})
        return render_template("auth/second_factor.html", form=CodeForm(), error=error), 429
    audit.record_now(None, "auth.sign_in", outcome=Outcome.FAILED, actor_label=_account_key()[7:],
                     details={"reason": "throttled"})
    return render_template("auth/sign_in.html", form=SignInForm(), error=error, next_path=None), 429


@bp.post("/sign-out")
@access(Access.SIGNED_IN)
def sign_out() -> Any:
    """End this session on the server (the cookie becomes worthless) and in the browser."""
    auth.sign_out(current_user._get_current_object(), session.get("sk"))
    logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/invitations/<key>", methods=["GET", "POST"])
@access(Access.PUBLIC)
@limiter.limit("30 per 5 minutes", methods=["POST"])
@once
def accept_invitation(key: str) -> Any:
    """The invitee chooses a password, then lands signed in."""
    try:
        invitation = accounts.open_invitation(key)
    except GoneError as exc:
        return render_template("auth/invitation_gone.html", message=exc.message), 410
    form = SetPasswordForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            account = accounts.accept_invitation(key, form.password.data or "", form.confirm.data or "")
        except ValidationError as exc:
            errors = exc.fields
        except GoneError as exc:
            return render_template("auth/invitation_gone.html", message=exc.message), 410
        else:
            if current_user.is_authenticated:
                auth.sign_out(current_user._get_current_object(), session.get("sk"))
                logout_user()
            begin_session(account, method="invitation", browser_zone=form.browser_timezone.data)
            flash(_("Welcome, %(name)s. Your password is set.", name=account.name), "success")
            return redirect(url_for("home.index"))
    elif request.method == "POST":
        errors = {name: messages[0] for name, messages in form.errors.items() if name != "csrf_token"}
    status = 422 if errors else 200
    return render_template("auth/accept_invitation.html", form=form, errors=errors,
                           invitation=invitation), status
