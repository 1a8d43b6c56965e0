"""Alert pages: the list, the alert with its acknowledgement grid, drafts, translations, cancelling, event
types. Composing (with the preview and the autosave) is ``alert_compose``, on the same blueprint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cmc import i18n, permissions
from cmc.http.access import Access, access
from cmc.i18n.catalogues import request_locale
from cmc.models import Account, AlertState
from cmc.models.alert import CERTAINTIES, SEVERITIES, URGENCIES
from cmc.services import alerts, networks
from cmc.services.errors import ConflictError, ValidationError
from cmc.web.alert_forms import (
    ApproveForm,
    CancelForm,
    EventTypeForm,
    RemindForm,
    ReturnForm,
    TranslationForm,
)
from cmc.web.alert_lists import render_list
from cmc.web.forms import EmptyForm, text
from cmc.web.once import once
from cmc.web.views import flash_reminder

bp = Blueprint("alerts", __name__)


def _actor() -> Account:
    return current_user._get_current_object()


@bp.app_context_processor
def _alert_globals() -> dict[str, Any]:
    """The navigation count of alerts waiting for my party, and the newest alert id for the live client."""
    if not current_user.is_authenticated:
        return {}
    badge = alerts.navigation_badge(_actor())  # cached (services/alerts/badge.py)
    return {"alerts_waiting": badge.waiting, "alerts_latest_id": badge.latest_id,
            "notifications_unread": badge.unread}


#: The symbol before each severity's word (the colour is not the only sign: WCAG 1.4.1).
bp.add_app_template_global({"Extreme": "⚠", "Severe": "⚠", "Moderate": "▲", "Minor": "●", "Unknown": "?"},
                           "severity_icons")


@bp.app_template_global("alert_url")
def alert_url(alert_id: int) -> str:
    """An alert page's address, as ``url_for('alerts.show', alert_id=...)`` gives it, for a list's rows: the
    address is built once per request and the id appended (``url_for`` for each of 125 rows cost more than
    the row's text)."""
    base = g.get("cmc_alert_url")
    if base is None:
        base = g.cmc_alert_url = url_for("alerts.show", alert_id=1).removesuffix("1")
    return f"{base}{int(alert_id)}"


@bp.app_template_global("alert_block")
def alert_block(alert: Any, language: str | None = None) -> alerts.ShownBlock | None:
    """The block of the alert a page shows its reader: in ``language`` (the page's by default) when there is
    one, else the author's (``fell_back``)."""
    return alerts.block_for(alert, language or str(request_locale() or i18n.DEFAULT))




@bp.get("/alerts")
@access(Access.SIGNED_IN)
def index() -> Any:
    """Alerts of my networks: active, then history; filtered; or the map of the active ones (``?view=map``)."""
    return render_list(_actor())


@bp.get("/networks/<slug>/alerts")
@access(Access.SIGNED_IN)
def network_alerts(slug: str) -> Any:
    """A network's alerts: drafts to approve, then as ``index``."""
    actor = _actor()
    network = networks.open_network(actor, slug)
    drafts = alerts.load_rows(alerts.drafts_rows_query(actor, network).limit(50), with_networks=False)
    return render_list(actor, network, drafts=drafts,
                       can_submit=permissions.can(actor, "alert.submit", network),
                       can_publish=permissions.can(actor, "alert.publish", network))


@bp.app_template_global("party_territories")
def party_territories(network: Any) -> dict[str, str]:
    """{party code: basemap feature id} of the network's parties that have a territory (the compose map)."""
    known = alerts.territories()
    return {p.code: known[p.code].feature_id for p in network.parties if p.code in known}


@bp.app_template_global("map_area")
def map_area(info: Any) -> alerts.MapArea:
    """The area of an info block as a map draws it (``alerts/_area_map.html``)."""
    return alerts.map_area(info.circle, info.polygon, info.geocodes)


@bp.get("/alerts/<int:alert_id>")
@access(Access.SIGNED_IN)
def show(alert_id: int) -> Any:
    """One alert: its content in my language, my party's acknowledgement, and for coordinators the grid by party.
    ``?info=fr`` shows another current block of the alert."""
    actor = _actor()
    alert = alerts.get(actor, alert_id)
    if alert.state == AlertState.PUBLISHED:
        alerts.mark(actor, alert_id, "opened")  # first, so my own party's line shows it
    return _show_page(actor, alert, TranslationForm(formdata=None), {})


def _show_page(actor: Account, alert: Any, translation_form: TranslationForm, errors: dict[str, str], *,
               approve_notice: str = "", status: int | None = None) -> Any:
    """The alert's page (with the translation form as sent, and its errors, after a refused translation; or a
    refused approval's errors or notice). A submitted draft shows the person who may approve it what approving
    publishes, with the preview's token in the approval form."""
    approval = alerts.draft_preview(actor, alert)
    approve_form = ApproveForm(formdata=None, data={"confirmation": approval.token if approval else ""})
    rows = alerts.grid(actor, alert.id) if alert.state == AlertState.PUBLISHED else []
    mine = next((r for r in rows if r.party_code == actor.party.code), None)
    asked = request.args.get("info", "")
    shown = alert_block(alert, asked if any(i.language == asked for i in alert.infos) else None)
    can_translate = permissions.can(actor, "alert.translate", alert)
    translation_form.for_alert(alert, i18n.available())
    return render_template("alerts/show.html", alert=alert, rows=rows, mine=mine, network=alert.network,
                           shown=shown, language_word=alerts.language_word,
                           can_translate=can_translate and bool(translation_form.language.choices),
                           translation_form=translation_form, errors=errors,
                           full_grid=permissions.can(actor, "alert.grid", alert), summary=alerts.summary(rows),
                           can_remind=permissions.can(actor, "alert.remind", alert), remind_form=RemindForm(),
                           delay_words=alerts.delay_words, reason_word=alerts.reason_word,
                           can_publish=permissions.can(actor, "alert.publish", alert.network),
                           csrf_form=EmptyForm(), approval=approval, approve_form=approve_form,
                           approve_notice=approve_notice,
                           return_form=ReturnForm(formdata=None), cancel_form=CancelForm(formdata=None),
                           severities=SEVERITIES, urgencies=URGENCIES, certainties=CERTAINTIES), \
        status or (422 if errors else 200)


@bp.post("/alerts/<int:alert_id>/translations")
@access(Access.SIGNED_IN)
@once
def translate(alert_id: int) -> Any:
    """Add a translation of the alert (members of its network); a refused one shows the page again."""
    actor = _actor()
    form = TranslationForm()
    try:
        alert = alerts.translate(actor, alert_id, form.to_input())
    except (ValidationError, ConflictError) as exc:
        alert = alerts.get(actor, alert_id, audit_read=False)
        return _show_page(actor, alert, form, exc.fields or {"headline": exc.message})
    flash(_("Your translation into %(language)s is published to the network.",
            language=alerts.language_word(form.to_input().language)), "success")
    return redirect(url_for("alerts.show", alert_id=alert.id))


@bp.post("/alerts/<int:alert_id>/ack")
@access(Access.SIGNED_IN)
def ack(alert_id: int) -> Any:
    """Acknowledge the alert for my party."""
    alerts.acknowledge(_actor(), alert_id)
    flash(_("Acknowledged for %(party)s.", party=_actor().party.name), "success")
    return redirect(url_for("alerts.show", alert_id=alert_id))


@bp.post("/alerts/<int:alert_id>/remind")
@access(Access.SIGNED_IN)
def remind(alert_id: int) -> Any:
    """"Remind now": the missing parties' focal points are asked to acknowledge (coordinators; once a minute)."""
    form = RemindForm()
    if not form.validate_on_submit():
        flash(_("The form expired or was sent from another site. Go back, reload the page and try again."), "danger")
        return redirect(url_for("alerts.show", alert_id=alert_id))
    try:
        done = alerts.remind(_actor(), alert_id)
    except ConflictError as exc:
        flash(exc.message, "danger")
    else:
        flash_reminder(done)
    return redirect(url_for("alerts.show", alert_id=alert_id, _anchor="grid-h"))


@bp.get("/alerts/<int:alert_id>/acknowledgements.csv")
@access(Access.SIGNED_IN)
def grid_csv(alert_id: int) -> Any:
    """The acknowledgement grid as CSV (who sees the whole grid)."""
    body = alerts.grid_csv(_actor(), alert_id)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="alert-{alert_id}-acknowledgements.csv"',
        "Cache-Control": "no-store"})


def _decide_draft(alert_id: int, decide: Callable[[], object], done: str) -> Any:
    """A coordinator's decision on a draft: what it refuses (a draft no longer submitted, a comment
    missing) is flashed as an error, what it does as a success; either way back to the alert."""
    try:
        decide()
    except (ConflictError, ValidationError) as exc:
        flash(exc.message, "danger")
    else:
        flash(done, "success")
    return redirect(url_for("alerts.show", alert_id=alert_id))


@bp.post("/alerts/<int:alert_id>/approve")
@access(Access.SIGNED_IN)
def approve(alert_id: int) -> Any:
    """Publish a submitted draft as previewed on its page (coordinators). A draft changed since the page was
    drawn (409) or a Severe or Extreme one without the box ticked (422) is shown again, previewed afresh."""
    actor = _actor()
    form = ApproveForm()
    try:
        alerts.approve(actor, alert_id, token=text(form.confirmation), severe_checked=bool(form.confirm_severe.data))
    except alerts.StaleConfirmation as exc:
        alert = alerts.get(actor, alert_id, audit_read=False)
        return _show_page(actor, alert, TranslationForm(formdata=None), {}, approve_notice=exc.message, status=409)
    except alerts.SevereNotConfirmed as exc:
        alert = alerts.get(actor, alert_id, audit_read=False)
        return _show_page(actor, alert, TranslationForm(formdata=None), exc.fields)
    except (ConflictError, ValidationError) as exc:  # no longer a draft waiting, or no longer valid
        flash(exc.message, "danger")
    else:
        flash(_("The alert is published."), "success")
    return redirect(url_for("alerts.show", alert_id=alert_id))


@bp.post("/alerts/<int:alert_id>/return")
@access(Access.SIGNED_IN)
def return_draft(alert_id: int) -> Any:
    """Send a draft back with a comment (coordinators)."""
    comment = text(ReturnForm().comment)
    return _decide_draft(alert_id, lambda: alerts.return_draft(_actor(), alert_id, comment),
                         _("The draft is returned to its author."))


@bp.post("/alerts/<int:alert_id>/cancel")
@access(Access.SIGNED_IN)
@once
def cancel(alert_id: int) -> Any:
    """Cancel an alert (coordinators); members see the cancellation at once."""
    try:
        new = alerts.cancel(_actor(), alert_id, text(CancelForm().note))
    except ConflictError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("alerts.show", alert_id=alert_id))
    flash(_("The alert is cancelled."), "success")
    return redirect(url_for("alerts.show", alert_id=new.id))


@bp.route("/networks/<slug>/alerts/event-types", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
@once
def event_types(slug: str) -> Any:
    """Coordinators configure the network's event types and their templates."""
    actor = _actor()
    network = networks.open_network(actor, slug)
    permissions.require(actor, "alert.publish", network, action="alert.event_type", target_type="network",
                        target_id=network.id, message=_("Only a coordinator of the network configures event types."))
    errors: dict[str, str] = {}
    form = EventTypeForm()
    if form.is_submitted():
        try:
            alerts.save_event_type(actor, slug, **form.values())
        except ValidationError as exc:
            errors = exc.fields
        else:
            flash(_("The event type is saved."), "success")
            return redirect(url_for("alerts.event_types", slug=slug))
    return render_template("alerts/event_types.html", network=network, types=alerts.event_types(network),
                           errors=errors, form=form, template_languages=i18n.available()), \
        422 if errors else 200
