"""Personal settings: profile, password, personal access tokens, calendar feed address."""

from __future__ import annotations

import zoneinfo
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cmc import permissions
from cmc.extensions import limiter
from cmc.http.access import Access, access
from cmc.models.meeting import Meeting
from cmc.services import accounts, auth, mfa, notifications
from cmc.services.errors import ValidationError
from cmc.services.meetings import feeds
from cmc.web.forms import CalendarFeedForm, ChangePasswordForm, CodeForm, EmptyForm, ProfileForm, TokenForm
from cmc.web.notifications import field_of as notification_field
from cmc.web.once import once

bp = Blueprint("settings", __name__, url_prefix="/settings")

COMMON_TIMEZONES = sorted(
    tz for tz in zoneinfo.available_timezones() if tz.startswith(("America/", "Europe/", "Atlantic/", "UTC"))
)


def _form_errors(form: Any) -> dict[str, str]:
    return {name: messages[0] for name, messages in form.errors.items() if name != "csrf_token"}


def _render(profile: ProfileForm | None = None, password: ChangePasswordForm | None = None,
            errors: dict[str, str] | None = None, status: int = 200) -> Any:
    account = current_user._get_current_object()
    if profile is None:
        profile = ProfileForm(obj=account, formdata=None)
    return render_template("settings/index.html", profile=profile, password=password or ChangePasswordForm(),
                           errors=errors or {}, timezones=COMMON_TIMEZONES, account=account), status


@bp.get("/")
@access(Access.SIGNED_IN)
def index() -> Any:
    """Profile and password forms."""
    return _render()


@bp.route("/notifications", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
def notification_settings() -> Any:
    """How each kind of notification reaches me: here only, by e-mail at once, or in a daily digest."""
    from cmc.models import NotificationKind
    from cmc.web.notifications import settings_form

    account = current_user._get_current_object()
    form = settings_form(account)  # Flask-WTF reads the posted fields itself
    if request.method == "POST":
        if form.validate_on_submit():
            notifications.save_settings(account, {str(kind): form[notification_field(kind)].data
                                                  for kind in NotificationKind})
            flash(_("Your notification settings are saved."), "success")
            return redirect(url_for("settings.notification_settings"))
        # Each wrong group's first radio is where the summary's link leads; the words are the platform's own.
        errors = {f"{name}-0": _("Choose how this kind of notification reaches you.")
                  for name in _form_errors(form)}
        return render_template("settings/notifications.html", form=form, errors=errors,
                               kinds=list(NotificationKind)), 422
    return render_template("settings/notifications.html", form=form, errors={}, kinds=list(NotificationKind))


@bp.post("/profile")
@access(Access.SIGNED_IN)
def profile() -> Any:
    """Save name, title, language and time zone."""
    form = ProfileForm()
    if not form.validate_on_submit():
        return _render(profile=form, errors=_form_errors(form), status=422)
    try:
        accounts.update_profile(current_user._get_current_object(), name=form.name.data or "",
                                title=form.title.data or "", language=form.language.data or "",
                                timezone=form.timezone.data or "")
    except ValidationError as exc:
        return _render(profile=form, errors=exc.fields, status=422)
    flash(_("Your settings are saved."), "success")
    return redirect(url_for("settings.index"))


@bp.post("/password")
@access(Access.SIGNED_IN)
def password() -> Any:
    """Change the password; every other session ends."""
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        # The password fields have ids prefixed "password-" (the profile form has a "name" too).
        return _render(password=form, errors={f"password-{k}": v for k, v in _form_errors(form).items()},
                       status=422)
    try:
        accounts.change_password(current_user._get_current_object(), current=form.current.data or "",
                                 new=form.new.data or "", confirm=form.confirm.data or "",
                                 keep_session_id=g.auth_session.id if g.get("auth_session") else None)
    except ValidationError as exc:
        return _render(password=form, errors={f"password-{k}": v for k, v in exc.fields.items()}, status=422)
    flash(_("Your password is changed. Your other sessions have been signed out."), "success")
    return redirect(url_for("settings.index"))


@bp.get("/security")
@access(Access.SIGNED_IN)
def security() -> Any:
    """Second factor: status, and enrolment with a QR code and the key to type by hand."""
    account = current_user._get_current_object()
    enrol = not account.has_second_factor or request.args.get("renew") == "1"
    if enrol and account.has_second_factor:
        permissions.require_fresh_sign_in(account)  # replacing a working second factor, like resetting one
    if enrol:
        return _enrolment_page(account, CodeForm(), {}, 200)
    return render_template("settings/security.html", account=account, enrol=False,
                           required=mfa.requires_second_factor(account),
                           codes_left=mfa.recovery_codes_left(account))


def _enrolment_page(account: Any, form: CodeForm, errors: dict[str, str], status: int) -> Any:
    secret = mfa.begin_enrolment(account)
    return render_template("settings/security.html", account=account, enrol=True, form=form, errors=errors,
                           required=mfa.requires_second_factor(account), secret=secret,
                           qr=mfa.qr_svg(mfa.provisioning_uri(account, secret))), status


@bp.post("/security/confirm")
@access(Access.SIGNED_IN)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=lambda: f"enrol:{current_user.id}",
               deduct_when=lambda response: response.status_code >= 400)
def security_confirm() -> Any:
    """Confirm enrolment with the first code; show the recovery codes once."""
    account = current_user._get_current_object()
    if account.has_second_factor:
        permissions.require_fresh_sign_in(account)  # replacing a working second factor, like resetting one
    form = CodeForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            codes = mfa.confirm_enrolment(account, form.code.data or "")
        except ValidationError as exc:
            errors = exc.fields
        else:
            return render_template("settings/recovery_codes.html", codes=codes)
    else:
        errors = _form_errors(form)
    return _enrolment_page(account, form, errors, 422)


@bp.get("/sessions")
@access(Access.SIGNED_IN)
def sessions() -> Any:
    """Where I am signed in, and a button to end each session."""
    account = current_user._get_current_object()
    current_id = g.auth_session.id if g.get("auth_session") else None
    return render_template("settings/sessions.html", sessions=auth.list_sessions(account, account),
                           current_id=current_id, action_form=EmptyForm())


@bp.post("/sessions/<int:session_id>/end")
@access(Access.SIGNED_IN)
def end_session(session_id: int) -> Any:
    """End one of my sessions; its browser is signed out and its live connection drops at once."""
    auth.end_session(current_user._get_current_object(), session_id)
    if g.get("auth_session") and g.auth_session.id == session_id:
        return redirect(url_for("auth.sign_in"))
    flash(_("The session is ended. That browser is signed out."), "success")
    return redirect(url_for("settings.sessions"))


@bp.route("/tokens", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
@once
def tokens() -> Any:
    """List and create personal access tokens; a new token is shown once."""
    actor = current_user._get_current_object()
    form = TokenForm()
    errors: dict[str, str] = {}
    new_secret = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            days = int(form.expires_in_days.data) if form.expires_in_days.data else None
            try:
                _token, new_secret = auth.create_token(actor, form.name.data or "", expires_in_days=days)
                form = TokenForm(formdata=None)
            except ValidationError as exc:
                errors, status = exc.fields, 422
        else:
            errors, status = _form_errors(form), 422
    return render_template("settings/tokens.html", form=form, errors=errors, new_secret=new_secret,
                           tokens=auth.list_tokens(actor), revoke_form=EmptyForm()), status


@bp.post("/tokens/<int:token_id>/revoke")
@access(Access.SIGNED_IN)
def revoke_token(token_id: int) -> Any:
    """Revoke one token at once."""
    auth.revoke_token(current_user._get_current_object(), token_id)
    flash(_("The token is revoked. Anything using it stops working now."), "success")
    return redirect(url_for("settings.tokens"))


#: The largest id a database integer holds: a bigger "meeting" in the address names no meeting.
_ID_MAX = 2**31 - 1


def _meeting_asked(actor: Any, raw: str | None) -> Meeting | None:
    """The meeting whose own feed address the page shows as well (the meeting page links here with its id);
    None for anything that is not the id of a meeting the person may read."""
    text = (raw or "").strip()
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= _ID_MAX:
        return None
    return feeds.readable_meeting(actor, int(text))


def _address(endpoint: str, **values: Any) -> str:
    """A feed's full address, on the platform's public base (what mails link to, not the request's host)."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


@bp.route("/calendar", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
@once
def calendar_feed() -> Any:
    """My calendar feed address: make one (replacing the old), shown once in full; its state otherwise."""
    actor = current_user._get_current_object()
    form = CalendarFeedForm()
    meeting = _meeting_asked(actor, form.meeting.data if request.method == "POST" else request.args.get("meeting"))
    addresses: dict[str, str] = {}
    if request.method == "POST":
        if not form.validate_on_submit():  # only the CSRF token can be wrong, and CSRFProtect answers that
            abort(400)
        _feed, token = feeds.create_feed(actor)
        addresses["all"] = _address("calendar_feeds.all_meetings", token=token)
        if meeting is not None:
            addresses["meeting"] = _address("calendar_feeds.one_meeting", token=token, meeting_id=meeting.id)
    return render_template("settings/calendar.html", feed=feeds.active_feed(actor), addresses=addresses,
                           meeting=meeting, account=actor, revoke_form=EmptyForm(),
                           form=CalendarFeedForm(formdata=None, meeting=str(meeting.id) if meeting else ""))


@bp.post("/calendar/revoke")
@access(Access.SIGNED_IN)
def revoke_calendar_feed() -> Any:
    """Turn my calendar feed address off at once: every calendar using it gets 401 from now on."""
    if feeds.revoke_feed(current_user._get_current_object()):
        flash(_("Your calendar address is turned off. Calendars that use it stop updating now."), "success")
    else:
        flash(_("You have no calendar address to turn off."), "info")
    return redirect(url_for("settings.calendar_feed"))
