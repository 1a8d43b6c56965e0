"""Composing alerts (on the ``alerts`` blueprint): the compose and update forms, their preview and
confirmation, and the compose page's autosave.

A form is sent twice: "Preview" shows the alert as members will see it and who it reaches, and writes nothing
(the service judges it as publishing would; ``once.made_nothing`` lets the form's nonce go); "Publish" (or
"Submit for approval") sends the same fields with the preview's token, and the service refuses them when they
are not what was previewed (409, the preview drawn again) or when a Severe or Extreme alert lacks its second
confirmation (422).
"""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from cmc import permissions
from cmc.http.access import Access, access
from cmc.http.errors import json_error
from cmc.i18n import cap_hints
from cmc.models import Account, AlertState
from cmc.services import alerts, networks
from cmc.services.errors import ConflictError, TooLargeError, ValidationError
from cmc.web.alert_forms import COMPOSE_DEFAULTS, LANGUAGE_NAMES, AlertForm, autosaved_fields
from cmc.web.alerts import bp
from cmc.web.forms import EmptyForm, text
from cmc.web.once import made_nothing, once

bp.add_app_template_global(cap_hints.hint, "cap_hint")
bp.add_app_template_global(cap_hints.meanings, "cap_meanings")


def _actor() -> Account:
    return current_user._get_current_object()


def _page(network: Any, form: AlertForm, *, errors: dict[str, str] | None = None, original: Any = None,
          shown: alerts.Preview | None = None, notice: str = "", restored: Any = None, status: int = 200) -> Any:
    """The compose (or update) page: the form, and above it the preview when there is one."""
    actor = _actor()
    if shown is not None:
        form.confirmation.data = shown.token  # what "Publish" confirms: the fields as previewed now
        form.confirm_severe.data = False  # a new preview is checked again
    context = {"network": network, "errors": errors or {}, "form": form.for_network(network), "original": original,
               "event_types": alerts.event_types(network), "languages": LANGUAGE_NAMES, "preview": shown,
               "notice": notice, "restored": restored, "discard_form": EmptyForm(),
               "can_publish": permissions.can(actor, "alert.publish", network),
               "autosave": original is None and permissions.can(actor, "alert.submit", network)}
    return render_template("alerts/compose.html", **context), status


def _send(actor: Account, form: AlertForm, network: Any, *, original: Any = None) -> Any:
    """Preview the form's alert, or publish it when the person confirmed the preview."""
    slug = network.slug
    submit = original is None and not permissions.can(actor, "alert.publish", network)
    original_id = original.id if original is not None else None
    try:
        data = form.to_input(actor.timezone)
        if not form.publishing():
            shown = alerts.preview(actor, slug, data, submit=submit, original_id=original_id)
            made_nothing()  # the same form's nonce serves its "Publish"
            return _page(network, form, original=original, shown=shown)
        alerts.confirm(actor, slug, data, token=text(form.confirmation), severe_checked=bool(form.confirm_severe.data),
                       submit=submit, original_id=original_id)
        if original is not None:
            new = alerts.revise(actor, original.id, data)
            flash(_("The update is published."), "success")
            return redirect(url_for("alerts.show", alert_id=new.id))
        alert, _created = alerts.publish(actor, slug, data, idempotency_key=form.idempotency_key.data or None,
                                         submit=submit)
    except alerts.StaleConfirmation as exc:
        return _page(network, form, original=original, shown=exc.details["preview"], notice=exc.message, status=409)
    except alerts.SevereNotConfirmed as exc:
        return _page(network, form, original=original, shown=exc.details["preview"], errors=exc.fields,
                     status=422)
    except (ValidationError, ConflictError) as exc:
        return _page(network, form, original=original, errors=exc.fields or {"headline": exc.message}, status=422)
    if alert.state == AlertState.PUBLISHED:
        flash(_("The alert is published to every member of %(network)s.",
                network=networks.network_name(network, plain=True)), "success")
    else:
        flash(_("Your draft is submitted. A coordinator will publish it or return it with a comment."), "success")
    return redirect(url_for("alerts.show", alert_id=alert.id))


@bp.route("/networks/<slug>/alerts/new", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
@once
def compose(slug: str) -> Any:
    """Compose an alert: coordinators publish, members submit for approval; both preview first."""
    actor = _actor()
    network = networks.open_network(actor, slug)
    if not network.alerts_enabled:
        return render_template("errors/error.html", status=410, title=_("No alerts in this network"),
                               message=_("This network does not exchange early alerts.")), 410
    networks.require_post(actor, network, "alert.publish")
    if request.method == "POST":
        return _send(actor, AlertForm(), network)
    restored = alerts.autosaved(actor, network)
    if restored is not None:
        kept = MultiDict([(name, item) for name, value in restored.fields.items()
                          for item in (value if isinstance(value, list) else [value])])
        form = AlertForm(formdata=kept)
    else:
        form = AlertForm(formdata=None, data={
            "restriction": _("For members of the %(network)s network only",
                             network=networks.network_name(network, plain=True)),
            "ack_within_minutes": "60", "handling_code": "H0", **COMPOSE_DEFAULTS})
    return _page(network, form, restored=restored)


@bp.route("/alerts/<int:alert_id>/update", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
@once
def revise(alert_id: int) -> Any:
    """Issue an update that references the alert (coordinators), previewed and confirmed like a new one."""
    actor = _actor()
    original = alerts.get(actor, alert_id, audit_read=False)
    permissions.require(actor, "alert.publish", original.network, action="alert.update", target_type="alert",
                        target_id=alert_id, message=_("Only a coordinator of the network updates alerts."))
    if request.method == "POST":
        return _send(actor, AlertForm(), original.network, original=original)
    info = original.infos[0]
    form = AlertForm(formdata=None, data={
        "headline": info.headline, "event": info.event, "severity": info.severity, "urgency": info.urgency,
        "certainty": info.certainty, "category": info.category, "description": info.description,
        "instruction": info.instruction, "area_desc": info.area_desc, "circle": info.circle,
        "polygon": info.polygon, "restriction": original.restriction, "status": str(original.status),
        "ack_within_minutes": str(original.ack_within_minutes), "geocodes": info.geocodes,
        # An Update keeps the marking of the alert it references unless its author changes it.
        "handling_code": original.handling_code.value, "handling_text": original.handling_text,
        "source_reliability": original.source_reliability.value if original.source_reliability else "",
        "info_accuracy": original.info_accuracy.value if original.info_accuracy else ""})
    return _page(original.network, form, original=original)


@bp.post("/networks/<slug>/alerts/autosave")
@access(Access.SIGNED_IN)
def autosave(slug: str) -> Any:
    """Keep what the person is writing on the compose page (the page's script sends the fields as JSON):
    413 over the cap, 422 for anything but ``{"fields": {name: text or [texts]}}``, 404 for a network the
    person may not compose in. Nothing is stored unless it answers 200."""
    actor = _actor()
    alerts.composing_network(actor, slug)  # 404 first: a refused network learns nothing from the payload
    if (request.content_length or 0) > 2 * alerts.AUTOSAVE_MAX_BYTES:  # JSON escaping may double the text
        return _json_refusal(TooLargeError(_("The draft is too large to save.")))
    body = request.get_json(silent=True)
    fields = body.get("fields") if isinstance(body, dict) else None
    known = autosaved_fields()
    try:
        if not isinstance(fields, dict) or not set(fields) <= known:
            raise ValidationError(_("The draft could not be read: send the form's fields as text."))
        row = alerts.save_autosave(actor, slug, fields)
    except (ValidationError, TooLargeError) as exc:
        return _json_refusal(exc)
    return jsonify({"saved_at": row.saved_at.isoformat()})


def _json_refusal(exc: ValidationError | TooLargeError) -> Any:
    return json_error(exc.status, exc.code, exc.message, fields=exc.fields)


@bp.post("/networks/<slug>/alerts/autosave/discard")
@access(Access.SIGNED_IN)
def discard_autosave(slug: str) -> Any:
    """Throw away what the compose page kept, and start again from an empty form."""
    alerts.discard_autosave(_actor(), slug)
    flash(_("What you were writing is discarded."), "info")
    return redirect(url_for("alerts.compose", slug=slug))
