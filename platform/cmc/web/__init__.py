"""Server-rendered pages: blueprints, the access gate, error pages and security headers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, abort, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from cmc import permissions
from cmc.extensions import db, login_manager
from cmc.http.access import Access, access, rule_of, satisfied
from cmc.http.errors import (
    SecondFactorRequired,
    SignInRequired,
    audit_denied,
    claimed_answer,
    http_problem,
    json_error,
    json_error_response,
    title,
    unexpected,
)
from cmc.models import Account, Outcome
from cmc.services import audit, auth, mfa
from cmc.services.errors import DeniedError, ReauthenticationRequired, ServiceError
from cmc.services.handling import install_template_globals as install_handling_globals
from cmc.services.markup import stored as stored_html
from cmc.web import assets
from cmc.web.assets import is_sessionless
from cmc.web.converters import install as install_converters
from cmc.web.i18n import install as install_languages
from cmc.web.reauth import remember_proof
from cmc.web.reauth import respond as reauthentication_required
from cmc.web.scope import require_network_scope
from cmc.web.unstorable import refuse_unstorable

log = logging.getLogger("cmc.web")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

#: Sent on every response that came over HTTPS (directly, or through the proxies PROXY_HOPS trusts for
#: X-Forwarded-Proto): browsers then refuse plain HTTP to this host for a year. Not over HTTP, where browsers
#: ignore it (RFC 6797, 8.1), and not tied to SECURE_COOKIES, so a TLS deployment that forgot that setting is
#: still covered. No includeSubDomains: the hosting organisation's other subdomains are not ours to bind.
HSTS = "max-age=31536000"


def wants_json() -> bool:
    """Whether a page's own script sent the request (``X-Requested-With: fetch``): errors then answer JSON.
    The API answers its errors itself (``cmc.api.errors``)."""
    return request.headers.get("X-Requested-With") == "fetch"


def _load_user(user_id: str) -> Account | None:
    live = auth.resume_session(session.get("sk"))
    if live is None or str(live.account.id) != user_id:
        return None
    g.auth_session = live.session
    g.auth_coordinates = live.coordinates  # for the second-factor check of the gate: no query of its own
    if live.roles is not None:  # every network check of this request answers from them
        permissions.remember_all_network_roles(live.account, live.roles)
    remember_proof(live.account.id)
    return live.account


def _load_user_from_request(req: Any) -> Account | None:
    # Bearer tokens are for the API only; pages use the session cookie.
    if not req.path.startswith("/api/"):
        return None
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    found = auth.authenticate_token(header.removeprefix("Bearer ").strip())
    if found is None:
        g.bad_token = True
        return None
    g.access_token = found[1]
    return found[0]


def _enforce_access() -> Any:
    """Deny by default: an endpoint without a declared rule does not exist for anyone."""
    if request.endpoint is None:
        return None  # 404/405 follow from routing
    view = current_app.view_functions.get(request.endpoint)
    rule = rule_of(view)
    if rule is None:
        log.error("endpoint %s declares no access rule; refused", request.endpoint)
        return _deny(404)
    verdict = satisfied(rule)
    if verdict is None:  # each side answers in its own way: a redirect to sign in, a JSON 401
        raise SignInRequired(bad_token=bool(g.get("bad_token")))
    if not verdict:
        return _deny(403)
    if rule in (Access.PUBLIC, Access.FEED_TOKEN) and is_sessionless():
        # The same answer for everyone, or an answer decided by a token in the address (a calendar feed): no
        # account is loaded from the session, which is neither read nor written.
        return None
    if (
        current_user.is_authenticated
        and request.endpoint not in ENROLMENT_ENDPOINTS
        and mfa.must_enrol(current_user._get_current_object(), coordinates=g.get("auth_coordinates"))
    ):
        # The secretariat and coordinators set up their second factor before anything else.
        raise SecondFactorRequired()
    require_network_scope()  # 404 for a network (or what is in it) the person may not see, before any view code
    return None


#: What a person who must enrol a second factor may still reach.
ENROLMENT_ENDPOINTS = {"settings.security", "settings.security_confirm", "auth.sign_out", "static", "healthz",
                       "auth.sign_in", "auth.second_factor", "auth.accept_invitation"}


def _deny(status: int) -> Any:
    actor = current_user if current_user.is_authenticated else None
    audit.record_now(actor, "access.denied", target_type="route", target_id=request.endpoint or request.path,
                     outcome=Outcome.DENIED, details={"path": request.path[:200], "method": request.method,
                                                      "status": status})
    abort(status)  # answered by the error handlers of the side the route belongs to


def error_response(status: int, message: str | None = None, code: str | None = None,
                   incident: str | None = None) -> Any:
    """An error page (JSON for a page's own script) that says what happened and what to do (with the
    incident id of an unexpected failure, which is also in the log line with its traceback)."""
    if wants_json():
        return json_error_response(status, message, code, incident)
    return render_template("errors/error.html", status=status, title=title(status), message=message,
                           incident=incident), status


def _security_headers(response: Any) -> Any:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if not is_sessionless() and current_user and getattr(current_user, "is_authenticated", False):
        # Pages of a signed-in person must not be kept by shared caches or shown after sign-out.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def register_web(app: Flask) -> None:
    """Attach blueprints, the access gate, error handlers and template helpers to ``app``."""
    install_converters(app)  # before any route: <int:...> matches only ids the database can hold
    _declare_static(app)
    login_manager.user_loader(_load_user)
    login_manager.request_loader(_load_user_from_request)
    login_manager.login_view = "auth.sign_in"
    login_manager.session_protection = None  # the server-side session is the protection

    # The gate runs first, before CSRF and rate limits: who may reach a route is the first question.
    app.before_request_funcs.setdefault(None, []).insert(0, _enforce_access)
    # Before even the gate: the gate looks up the network a path names (and audits a denial with it), so a NUL
    # or a lone surrogate must be refused first. Its answer (404 for a path, 422 for one's own field) says
    # nothing about what exists.
    app.before_request_funcs[None].insert(0, refuse_unstorable)
    app.after_request(_security_headers)

    @app.teardown_appcontext
    def _end_read_transaction(_exc: BaseException | None) -> None:
        db.session.remove()

    _register_error_pages(app)

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"nav_items": navigation(), "live_socket": current_user.is_authenticated}

    permissions.install_template_global(app)  # templates ask can("rule", obj); they never compare roles
    install_handling_globals(app)  # macros/handling.html says what each handling code asks
    install_languages(app)  # |datetime and the other date filters, <html lang>, the scripts' catalogue
    app.jinja_env.filters["filesize"] = _format_size

    from cmc.web.health import healthz

    app.add_url_rule("/healthz", endpoint="healthz", view_func=healthz, methods=["GET"])

    # alert_compose and alert_exports add their views to alerts.bp (imported for that, before it is registered)
    from cmc.web import (  # noqa: F401
        admin,
        alert_compose,
        alert_exports,
        alerts,
        auth_views,
        calendar_feeds,
        dashboard,
        documents,
        handling,
        home,
        live_parts,
        meetings,
        networks,
        notifications,
        rollcall_after,
        rollcall_answer,
        rollcall_board,
        rollcall_start,
        rollcalls,
        settings,
        shared_report,
    )

    app.register_blueprint(auth_views.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(settings.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(networks.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(alerts.bp)
    app.register_blueprint(meetings.bp)
    app.register_blueprint(live_parts.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(calendar_feeds.bp)
    app.register_blueprint(handling.bp)
    handling.install_panel_globals(app)  # the handling panel's forms and release history (handling/_panel.html)
    app.register_blueprint(shared_report.bp)
    # rollcall_start, rollcall_answer, rollcall_board and rollcall_after add their views to rollcalls.bp.
    app.register_blueprint(rollcalls.bp)
    # Stored HTML, rendered and sanitised when it was written (no filter renders Markdown at view time).
    app.jinja_env.filters["safe_html"] = stored_html


def _declare_static(app: Flask) -> None:
    """Static files are public, under content-hashed names cached for a year (``cmc.web.assets``); replacing
    Flask's view lets it declare that like every other route."""
    hashed = assets.install(app)

    @access(Access.PUBLIC)
    def static(filename: str) -> Any:
        return assets.serve(hashed, filename)

    app.view_functions["static"] = static


def _register_error_pages(app: Flask) -> None:
    """App-level error handlers: pages. Routes of the API answer from its blueprint's own handlers; a request
    under its prefix that matched no route is answered by what it claimed (``http.errors.claim_unrouted``)."""

    def handles(kind: type[Exception]) -> Callable[[Callable[[Any], Any]], None]:
        def register(render: Callable[[Any], Any]) -> None:
            def handler(exc: Any) -> Any:
                claimed = claimed_answer(exc)
                return claimed if claimed is not None else render(exc)

            app.register_error_handler(kind, handler)

        return register

    @handles(SignInRequired)
    def _sign_in(exc: SignInRequired) -> Any:
        if wants_json():
            return json_error(401, "unauthenticated", _("Sign in or send a personal access token."))
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))

    @handles(SecondFactorRequired)
    def _enrol(exc: SecondFactorRequired) -> Any:
        if wants_json():
            return json_error(403, "second_factor_required",
                              _("Set up your second factor in the platform before using the API."))
        return redirect(url_for("settings.security"))

    @handles(DeniedError)
    def _denied(exc: DeniedError) -> Any:
        audit_denied(exc)
        return error_response(exc.status, exc.message if exc.status == 403 else None,
                              exc.code if exc.status == 403 else None)

    handles(ReauthenticationRequired)(reauthentication_required)

    @handles(ServiceError)
    def _service_error(exc: ServiceError) -> Any:
        if wants_json():
            return json_error(exc.status, exc.code, exc.message, fields=exc.fields)
        return error_response(exc.status, exc.message)

    @handles(CSRFError)
    def _csrf(exc: CSRFError) -> Any:
        log.info("CSRF refused on %s: %s", request.path, exc.description)
        message = _("The form expired or was sent from another site. Go back, reload the page and try again.")
        if wants_json():
            return json_error(400, "csrf_failed", message)
        return error_response(400, message)

    @handles(HTTPException)
    def _http(exc: HTTPException) -> Any:
        status, message, incident = http_problem(exc, log)
        return error_response(status, message, incident=incident)

    @handles(Exception)
    def _unexpected(exc: Exception) -> Any:
        incident = unexpected(log)
        return error_response(500, _("The problem has been logged. Try again in a moment."), incident=incident)


def _format_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def navigation() -> list[dict[str, Any]]:
    """The main navigation for the current person: sections that exist now, Admin for managers."""
    if not current_user.is_authenticated:
        return []
    items = [{"endpoint": "home.index", "label": _("Home")},
             {"endpoint": "networks.directory", "label": _("Networks")},
             {"endpoint": "documents.index", "label": _("Documents")},
             {"endpoint": "alerts.index", "label": _("Alerts"), "count": "alerts"},
             {"endpoint": "meetings.index", "label": _("Meetings")},
             {"endpoint": "situation.index", "label": _("Situation")}]
    if satisfied(Access.MANAGER):
        items.append({"endpoint": "admin.index", "label": _("Admin")})
    return items
