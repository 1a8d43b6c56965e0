"""Pages of handling codes: changing an item's marking, asking for a release, deciding and withdrawing it.

The forms live in the handling panel (``templates/handling/_panel.html``), drawn inside an alert's, a
document's or a thread's page; the panel reads what it shows through the Jinja global ``handling_panel_data``
(installed by :func:`install_panel_globals`). Each form posts here; the answer goes back to the item's page
(``#handling``) with the outcome, or the problem, said in a message: the panel works without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from cmc import permissions
from cmc.extensions import db
from cmc.http.access import Access, access
from cmc.models import Account, HandlingCode, Network, Party, ReleasePurpose, ReleaseRequest, ReleaseStatus
from cmc.models.handling import STRICTER
from cmc.permissions.handling import Item
from cmc.services import handling
from cmc.services.errors import ConflictError, ValidationError
from cmc.services.handling import releases
from cmc.web import views
from cmc.web.forms import text
from cmc.web.handling_forms import (
    HandlingChangeForm,
    ReleaseDecisionForm,
    ReleaseRequestForm,
    ReleaseWithdrawForm,
    decision_prefix,
)
from cmc.web.once import once
from cmc.web.views import form_errors

bp = Blueprint("handling", __name__)

KINDS = ("alert", "document", "thread")
_ENDPOINTS = {"alert": ("alerts.show", "alert_id"), "document": ("documents.show", "document_id"),
              "thread": ("networks.thread", "thread_id")}


def item_url(kind: str, item_id: int) -> str:
    """The page of an alert, document or thread, at its handling panel."""
    endpoint, arg = _ENDPOINTS[kind]
    return url_for(endpoint, **{arg: item_id}) + "#handling"


@dataclass
class Entry:
    """One release request as the panel lists it, with what the reader may do about it."""

    release: ReleaseRequest
    requester: str
    requester_party: str
    party: str
    network: str
    current: bool
    expired: bool
    decider: str = ""
    decide_form: ReleaseDecisionForm | None = None
    withdraw_form: ReleaseWithdrawForm | None = None


@dataclass
class PanelData:
    """What the panel of one item shows the reader."""

    code: str
    change_form: HandlingChangeForm | None = None
    evaluated: bool = False  # the evaluation fields are offered
    raise_only: bool = False
    request_form: ReleaseRequestForm | None = None
    entries: list[Entry] = field(default_factory=list)


def _change_codes(actor: Account, item: Item) -> tuple[list[str], bool] | None:
    """The codes the reader may choose (None: no change allowed), and whether they may only raise."""
    if permissions.can(actor, "handling.lower", item):
        return [c.value for c in HandlingCode], False
    if permissions.can(actor, "handling.raise", item):
        stricter = [c.value for c in HandlingCode if c in STRICTER[item.handling_code]]
        return (stricter, True) if stricter else None
    return None


def _change_form(actor: Account, item: Item, kind: str) -> tuple[HandlingChangeForm | None, bool, bool]:
    codes = _change_codes(actor, item)
    if codes is None:
        return None, False, False
    choices, raise_only = codes
    form = HandlingChangeForm(formdata=None, codes=choices)
    form.handling_code.data = item.handling_code.value if item.handling_code.value in choices else choices[0]
    form.handling_text.data = item.handling_text
    evaluated = kind in ("alert", "document") and not raise_only
    if evaluated:
        source, information = getattr(item, "source_reliability", None), getattr(item, "info_accuracy", None)
        form.source_reliability.data = source.value if source else ""
        form.info_accuracy.data = information.value if information else ""
    return form, evaluated, raise_only


def _request_form(actor: Account, item: Item) -> ReleaseRequestForm:
    network_options = [(str(n.id), n.name) for n in releases.network_choices(actor, item)]
    party_options = [(str(p.id), f"{p.name} ({p.code})") for p in releases.audience_parties(item)]
    return ReleaseRequestForm(formdata=None, networks=network_options, parties=party_options)


def _entry(actor: Account, item: Item, release: ReleaseRequest, may_decide: bool) -> Entry:
    requester = db.session.get(Account, release.requester_id)
    covered = db.session.get(Party, release.party_id)
    asking = db.session.get(Party, release.requester_party_id)
    decider = db.session.get(Account, release.decided_by_id) if release.decided_by_id else None
    network = release.network_id and db.session.get(Network, release.network_id)
    pending = release.status == ReleaseStatus.PENDING
    current = releases.is_current(release)
    entry = Entry(release=release, requester=requester.name if requester else "",
                  requester_party=asking.code if asking else "", party=covered.name if covered else "",
                  network=network.name if network else "", current=current,
                  expired=release.status == ReleaseStatus.GRANTED and not current,
                  decider=decider.name if decider else "")
    if pending and may_decide:
        entry.decide_form = ReleaseDecisionForm(formdata=None, prefix=decision_prefix(release.id))
    if release.requester_id == actor.id and (pending or current):
        entry.withdraw_form = ReleaseWithdrawForm(formdata=None, prefix=f"withdraw-{release.id}-")
    return entry


def panel_data(item: Item, kind: str) -> PanelData:
    """What the handling panel of ``item`` shows the signed-in reader: the change form when they may raise or
    lower its code, the release form on an H2 item they may ask about, the history of requests they see."""
    actor = views.actor()
    change, evaluated, raise_only = _change_form(actor, item, kind)
    data = PanelData(code=item.handling_code.value, change_form=change, evaluated=evaluated, raise_only=raise_only)
    if permissions.can(actor, "release.request", item):
        data.request_form = _request_form(actor, item)
    may_decide = permissions.can(actor, "release.decide", item)
    data.entries = [_entry(actor, item, r, may_decide) for r in releases.history(actor, item)]
    return data


def install_panel_globals(app: Any) -> None:
    """Give templates ``handling_panel_data(item, kind)`` (``templates/handling/_panel.html``)."""
    app.jinja_env.globals["handling_panel_data"] = panel_data
    app.jinja_env.globals["handling_form_url"] = form_url


def _problems(messages: dict[str, str] | str) -> None:
    for message in (messages.values() if isinstance(messages, dict) else [messages]):
        flash(message, "danger")


def _load(kind: str, item_id: int) -> Item:
    return releases.load_item(views.actor(), kind, item_id)


def change(kind: str, item_id: int) -> Response:
    """Change an item's handling code (and, on alerts and documents, its evaluation)."""
    actor = views.actor()
    item = _load(kind, item_id)
    form = HandlingChangeForm(codes=[c.value for c in HandlingCode])
    if not form.validate_on_submit():
        _problems(form_errors(form))
        return redirect(item_url(kind, item_id))
    evaluated = kind in ("alert", "document") and permissions.can(actor, "handling.lower", item)
    current = handling.marking_of(item)
    try:
        marking = handling.validate(
            text(form.handling_code, "H0"), text(form.handling_text),
            text(form.source_reliability) if evaluated else _value(current.reliability),
            text(form.info_accuracy) if evaluated else _value(current.accuracy))
        changed = handling.change(actor, item, marking)
    except ValidationError as exc:
        _problems(exc.fields or exc.message)
        return redirect(item_url(kind, item_id))
    if changed:
        flash(_("Handling code changed to %(code)s.", code=marking.code.value), "success")
    else:
        flash(_("Nothing changed: the item already has that marking."), "info")
    return redirect(item_url(kind, item_id))


def _value(grid: Any) -> str:
    return grid.value if grid is not None else ""


def ask(kind: str, item_id: int) -> Response:
    """Ask the originating party to release an H2 item."""
    actor = views.actor()
    item = _load(kind, item_id)
    form = ReleaseRequestForm()
    if not form.validate_on_submit():
        _problems(form_errors(form))
        return redirect(item_url(kind, item_id))
    purpose = text(form.purpose, ReleasePurpose.NATIONAL_SYSTEM.value)
    try:
        releases.request(actor, item, purpose=purpose, reason=text(form.reason),
                         network_id=_id(text(form.network_id)) if purpose == ReleasePurpose.NETWORK else None,
                         party_id=_id(text(form.party_id)) if purpose == ReleasePurpose.PARTY else None)
    except ValidationError as exc:
        _problems(exc.fields or exc.message)
        return redirect(item_url(kind, item_id))
    flash(_("Your request is sent to %(party)s.", party=handling.origin_name(item)), "success")
    return redirect(item_url(kind, item_id))


def _register(kind: str) -> None:
    """The item routes of one kind: ``/alerts/<alert_id>/handling`` and ``/alerts/<alert_id>/releases``. The
    path argument is named as on the item's own pages, so the network scope check (``cmc.web.scope``) answers
    a non-member as it does there."""
    argument = f"{kind}_id"
    for tail, view in (("handling", change), ("releases", ask)):
        def bound(_view: Callable[..., Response] = view, **path_args: int) -> Response:
            return _view(kind, path_args[argument])

        bound.__name__ = f"{kind}_{view.__name__}"
        bound.__doc__ = view.__doc__
        bp.add_url_rule(f"/{kind}s/<int:{argument}>/{tail}", endpoint=bound.__name__,
                        view_func=access(Access.SIGNED_IN)(once(bound)), methods=["POST"])


for _kind in KINDS:
    _register(_kind)


def form_url(kind: str, action: str, item_id: int) -> str:
    """Where the panel's change (``change``) or release (``ask``) form of an item posts."""
    return url_for(f"handling.{kind}_{action}", **{f"{kind}_id": item_id})


def _id(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 10 else None


@bp.post("/releases/<int:release_id>/decide")
@access(Access.SIGNED_IN)
@once
def decide(release_id: int) -> Response:
    """Grant or refuse a pending request (the pressed button, ``decision``, says which)."""
    actor = views.actor()
    release = _release(release_id)
    kind, item_id = release.item_type, release.item_id
    form = ReleaseDecisionForm(prefix=decision_prefix(release_id))
    grant = text(form.decision) == "grant"
    form.validate_on_submit()
    errors = form_errors(form)
    if not grant:
        errors = {k: v for k, v in errors.items() if not k.endswith("days")}
    if errors:
        _problems(errors)
        return redirect(item_url(kind, item_id))
    try:
        releases.decide(actor, release_id, grant=grant, note=text(form.note), days=form.days.data if grant else None)
    except (ValidationError, ConflictError) as exc:
        _problems(exc.message)
        return redirect(item_url(kind, item_id))
    if grant:
        flash(_("The release is granted until %(when)s.", when=handling_time(release.valid_until)), "success")
    else:
        flash(_("The request is refused."), "success")
    return redirect(item_url(kind, item_id))


def handling_time(value: Any) -> str:
    """A date as the reader reads it (the time helper)."""
    from cmc.i18n import timefmt

    return timefmt.show(value)


@bp.post("/releases/<int:release_id>/withdraw")
@access(Access.SIGNED_IN)
@once
def withdraw(release_id: int) -> Response:
    """The asker withdraws their request."""
    release = _release(release_id)
    try:
        releases.withdraw(views.actor(), release_id)
    except ConflictError as exc:
        _problems(exc.message)
    else:
        flash(_("Your request is withdrawn."), "success")
    return redirect(item_url(release.item_type, release.item_id))


def _release(release_id: int) -> ReleaseRequest:
    """A request of an item the reader may read (404 otherwise)."""
    return releases.open_release(views.actor(), release_id)
