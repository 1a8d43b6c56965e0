"""Administration: accounts (secretariat and focal points) and parties (secretariat)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice, StringField
from wtforms.validators import Length, Optional

from cmc import permissions
from cmc.extensions import db
from cmc.http.access import Access, access
from cmc.http.files import streamed_csv
from cmc.http.pagination import paginate
from cmc.i18n import labels
from cmc.models import Account, Outcome, Party, Role
from cmc.services import accounts, audit, auth, mfa, parties
from cmc.services.errors import ConflictError, ValidationError
from cmc.web import error_response
from cmc.web.forms import ROLE_CHOICES, EmptyForm, InviteForm, PartyForm, RoleForm, text
from cmc.web.once import once

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _actor() -> Account:
    return current_user._get_current_object()


def _form_errors(form: Any) -> dict[str, str]:
    return {name: messages[0] for name, messages in form.errors.items() if name != "csrf_token"}


@bp.get("/")
@access(Access.MANAGER)
def index() -> Any:
    """The admin landing page: accounts, and parties for the secretariat."""
    return redirect(url_for("admin.accounts_list"))


@bp.get("/accounts")
@access(Access.MANAGER)
def accounts_list() -> Any:
    """Accounts the person may manage, by party and role, paginated."""
    actor = _actor()
    party_code = request.args.get("party") or None
    role = request.args.get("role") or None
    if role and role not in {r.value for r in Role}:
        role = None
    page = paginate(accounts.accounts_query(actor, party_code=party_code, role=role), per_page=50)
    party_choices = parties.list_parties() if permissions.can(actor, "account.all_parties") else [actor.party]
    return render_template("admin/accounts.html", page=page, party_code=party_code, role=role,
                           party_choices=party_choices, roles=ROLE_CHOICES, action_form=EmptyForm())


def _invite_form(actor: Account) -> InviteForm:
    form = InviteForm()
    if permissions.can(actor, "account.all_parties"):
        # No party is chosen for the inviter: a hurried invitation must not go to the first in the list.
        form.party.choices = [SelectChoice("", _("Choose a party"))] + [
            SelectChoice(p.code, f"{p.name} ({p.code})") for p in parties.list_parties(include_retired=False)]
    else:
        form.party.choices = [SelectChoice(actor.party.code, f"{actor.party.name} ({actor.party.code})")]
        form.role.choices = [c for c in ROLE_CHOICES
                             if permissions.can(actor, "account.invite", actor.party, Role(c.value))]
    return form


@bp.route("/accounts/invite", methods=["GET", "POST"])
@access(Access.MANAGER)
@once
def invite() -> Any:
    """Invite a person: the link is mailed, and shown here once in case mail is slow."""
    actor = _actor()
    form = _invite_form(actor)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                result = accounts.invite(actor, email=form.email.data or "", name=form.name.data or "",
                                         party_code=form.party.data or "", role=form.role.data or "",
                                         title=form.title.data or "", language=form.language.data or None)
            except (ValidationError, ConflictError) as exc:
                errors = exc.fields or {"email": exc.message}
            else:
                flash(_("Invitation sent to %(email)s.", email=result.account.email), "success")
                return render_template("admin/invited.html", result=result)
        else:
            errors = _form_errors(form)
    return render_template("admin/invite.html", form=form, errors=errors), 422 if errors else 200


@bp.get("/accounts/<int:account_id>")
@access(Access.MANAGER)
def account_detail(account_id: int) -> Any:
    """One account: role, state, and the actions the person may take on it."""
    actor = _actor()
    account = accounts.get_managed_account(actor, account_id)
    role_form = RoleForm(formdata=None, role=account.role.value)
    role_form.role.choices = [c for c in ROLE_CHOICES
                              if permissions.can(actor, "account.assign_role", account, Role(c.value))]
    sessions = auth.list_sessions(actor, account) if permissions.can(actor, "account.all_parties") else None
    return render_template("admin/account.html", account=account, role_form=role_form,
                           can_manage=permissions.can(actor, "account.manage", account), action_form=EmptyForm(),
                           sessions=sessions)


@bp.post("/accounts/<int:account_id>/sessions/<int:session_id>/end")
@access(Access.SECRETARIAT)
def account_end_session(account_id: int, session_id: int) -> Any:
    """End one session of someone else (secretariat); that browser and its live connection drop at once."""
    account = accounts.get_managed_account(_actor(), account_id)
    if session_id not in {s.id for s in auth.list_sessions(_actor(), account)}:
        return error_response(404)
    auth.end_session(_actor(), session_id)
    flash(_("The session is ended."), "success")
    return redirect(url_for("admin.account_detail", account_id=account_id))


@bp.post("/accounts/<int:account_id>/reset-second-factor")
@access(Access.SECRETARIAT)
def account_reset_second_factor(account_id: int) -> Any:
    """Remove someone's second factor so they can enrol again (needs a fresh sign-in; audited)."""
    mfa.reset(_actor(), account_id)
    flash(_("The second factor is removed. The person sets up a new one at their next sign-in."), "success")
    return redirect(url_for("admin.account_detail", account_id=account_id))


@bp.post("/accounts/<int:account_id>/role")
@access(Access.MANAGER)
def account_role(account_id: int) -> Any:
    """Change an account's role (its sessions end)."""
    accounts.change_role(_actor(), account_id, text(RoleForm().role))
    flash(_("The role is changed. The person must sign in again."), "success")
    return redirect(url_for("admin.account_detail", account_id=account_id))


@bp.post("/accounts/<int:account_id>/deactivate")
@access(Access.MANAGER)
def account_deactivate(account_id: int) -> Any:
    """Deactivate an account; all its sessions end at once."""
    accounts.set_active(_actor(), account_id, False)
    flash(_("The account is deactivated and signed out everywhere."), "success")
    return redirect(url_for("admin.account_detail", account_id=account_id))


@bp.post("/accounts/<int:account_id>/reactivate")
@access(Access.MANAGER)
def account_reactivate(account_id: int) -> Any:
    """Reactivate an account."""
    accounts.set_active(_actor(), account_id, True)
    flash(_("The account is active again."), "success")
    return redirect(url_for("admin.account_detail", account_id=account_id))


@bp.get("/parties")
@access(Access.SECRETARIAT)
def parties_list() -> Any:
    """Every party, retired ones included."""
    counts = dict(
        db.session.execute(db.select(Account.party_id, db.func.count()).group_by(Account.party_id)).all()
    )
    return render_template("admin/parties.html", parties=parties.list_parties(), counts=counts,
                           action_form=EmptyForm())


@bp.route("/parties/new", methods=["GET", "POST"])
@access(Access.SECRETARIAT)
@once
def party_new() -> Any:
    """Add a party."""
    return _party_form(None)


@bp.route("/parties/<int:party_id>/edit", methods=["GET", "POST"])
@access(Access.SECRETARIAT)
def party_edit(party_id: int) -> Any:
    """Edit a party."""
    return _party_form(party_id)


class PartyPopulationForm(PartyForm):
    """The party form with its population (the roll calls' plausibility check reads it; empty: not known)."""

    population = StringField(_l("Population"), validators=[Optional(), Length(max=20)])


def _party_form(party_id: int | None) -> Any:
    actor = _actor()
    party = parties.get_party(party_id) if party_id is not None else None
    form = PartyPopulationForm(obj=party) if request.method == "GET" else PartyPopulationForm()
    if request.method == "GET" and party is not None:
        form.kind.data, form.status.data = party.kind.value, party.status.value
    errors: dict[str, str] = {}
    if request.method == "POST":
        if form.validate_on_submit():
            data = parties.PartyInput(code=form.code.data or "", name=form.name.data or "",
                                      kind=form.kind.data or "", status=form.status.data or "",
                                      languages=form.languages.data or "", founding=bool(form.founding.data),
                                      population=form.population.data or None)
            try:
                if party is None:
                    saved = parties.create_party(actor, data)
                    flash(_("%(name)s is added.", name=saved.name), "success")
                else:
                    saved = parties.update_party(actor, party.id, data)
                    flash(_("%(name)s is saved.", name=saved.name), "success")
            except (ValidationError, ConflictError) as exc:
                errors = exc.fields
            else:
                return redirect(url_for("admin.parties_list"))
        else:
            errors = _form_errors(form)
    return render_template("admin/party_form.html", form=form, party=party, errors=errors), 422 if errors else 200


@bp.post("/parties/<int:party_id>/retire")
@access(Access.SECRETARIAT)
def party_retire(party_id: int) -> Any:
    """Retire a party: its accounts can no longer sign in."""
    try:
        party = parties.set_retired(_actor(), party_id, True)
    except ValidationError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("admin.parties_list"))
    flash(_("%(name)s is retired. Its accounts can no longer sign in.", name=party.name), "success")
    return redirect(url_for("admin.parties_list"))


@bp.post("/parties/<int:party_id>/restore")
@access(Access.SECRETARIAT)
def party_restore(party_id: int) -> Any:
    """Restore a retired party."""
    party = parties.set_retired(_actor(), party_id, False)
    flash(_("%(name)s is restored.", name=party.name), "success")
    return redirect(url_for("admin.parties_list"))




def _audit_filter() -> tuple[audit.AuditFilter, dict[str, str]]:
    args = request.args
    errors: dict[str, str] = {}

    def parse_date(name: str) -> date | None:
        raw = (args.get(name) or "").strip()
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            errors[name] = _("Enter a date like 2026-11-28.")
            return None

    filters = audit.AuditFilter(actor=(args.get("actor") or "").strip()[:100],
                                party=(args.get("party") or "").strip()[:12],
                                action=(args.get("action") or "").strip()[:64],
                                outcome=(args.get("outcome") or "").strip(),
                                date_from=parse_date("date_from"), date_to=parse_date("date_to"))
    return filters, errors


@bp.get("/audit")
@access(Access.MANAGER)
def audit_trail() -> Any:
    """The audit trail: all of it for the secretariat, what concerns their party for a focal point."""
    actor = _actor()
    filters, errors = _audit_filter()
    page = paginate(audit.search(actor, filters), per_page=50)
    codes = dict(db.session.execute(db.select(Party.id, Party.code)).all())
    return render_template("admin/audit.html", page=page, filters=filters, errors=errors, codes=codes,
                           outcomes=labels.choices("outcome", Outcome),
                           party_choices=parties.list_parties() if permissions.can(actor, "audit.read_all") else [],
                           status=422 if errors else 200), 422 if errors else 200


@bp.get("/audit.csv")
@access(Access.MANAGER)
def audit_export() -> Any:
    """The filtered trail as CSV (streamed)."""
    filters, errors = _audit_filter()
    if errors:
        return error_response(422, next(iter(errors.values())))
    return streamed_csv(audit.export_csv(_actor(), filters), "cmc-audit")
