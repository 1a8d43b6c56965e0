"""The "who read what we shared" report of a party's focal point (issue 18): who of the other parties viewed,
downloaded, exported, acknowledged the items the party originated, asked for their release, or changed their
marking; filterable, paginated, and exported as CSV. The secretariat picks the party."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import AnyOf, NumberRange, Optional, ValidationError

from cmc import permissions
from cmc.http.access import Access, access
from cmc.http.files import streamed_csv
from cmc.http.pagination import Page, paginate
from cmc.i18n import labels
from cmc.models import Account, Outcome, Party
from cmc.services import parties
from cmc.services.handling import report
from cmc.web import error_response

bp = Blueprint("shared_report", __name__)

_NO = ("", "0", "false", "off", "no", "n")


def _parse_date(field: Any) -> None:
    raw = (field.data or "").strip()
    if not raw:
        field.parsed = None
        return
    try:
        field.parsed = date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError(_l("Enter a date like 2026-11-28.")) from exc


class ReportFilterForm(FlaskForm):
    """The report's filters, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    party = SelectField(_l("Report of"), default="", validate_choice=False)
    reader = SelectField(_l("Reader's party"), default="", validate_choice=False)
    person = StringField(_l("Person's e-mail contains"), default="")
    kind = SelectField(_l("Kind"), default="", validate_choice=False, validators=[
        AnyOf(("", *report.KINDS), message=_l("Choose a kind from the list."))])
    item_type = SelectField(_l("Item type"), default="", validate_choice=False, validators=[
        AnyOf(("", *report.ITEM_TYPES), message=_l("Choose an item type from the list."))])
    item_id = IntegerField(_l("Item number"), validators=[
        Optional(), NumberRange(min=1, max=2**31 - 1, message=_l("Enter the number of an item."))])
    date_from = StringField(_l("From"), default="")
    date_to = StringField(_l("To"), default="")
    outcome = SelectField(_l("Outcome"), default="", validate_choice=False, validators=[
        AnyOf(("", *(o.value for o in Outcome)), message=_l("Choose an outcome from the list."))])
    include_own = BooleanField(_l("Include the party's own people"), false_values=_NO)

    def __init__(self, args: MultiDict[str, str], reportable: list[Party], all_parties: list[Party]) -> None:
        super().__init__(formdata=args)
        self.reportable = {p.code: p for p in reportable}
        self.party.choices = [SelectChoice(p.code, f"{p.name} ({p.code})") for p in reportable]
        self.reader.choices = [SelectChoice("", _l("All parties"))] + [
            SelectChoice(p.code, f"{p.name} ({p.code})") for p in all_parties]
        self.kind.choices = [SelectChoice("", _l("All kinds"))] + [
            SelectChoice(k, v) for k, v in report.KIND_LABELS.items()]
        self.item_type.choices = [SelectChoice("", _l("All items"))] + [
            SelectChoice(k, v) for k, v in report.ITEM_LABELS.items()]
        self.outcome.choices = [SelectChoice("", _l("All outcomes"))] + [
            SelectChoice(code, text) for code, text in labels.choices("outcome", Outcome)]
        self.known_readers = {p.code for p in all_parties}

    def validate_reader(self, field: Any) -> None:
        """A party of the list."""
        if field.data and field.data.upper() not in self.known_readers:
            raise ValidationError(_l("Choose a party from the list."))

    def validate_date_from(self, field: Any) -> None:
        """An ISO date or nothing."""
        _parse_date(field)

    def validate_date_to(self, field: Any) -> None:
        """An ISO date or nothing, not before the start."""
        _parse_date(field)
        start = getattr(self.date_from, "parsed", None)
        if field.parsed and start and field.parsed < start:
            raise ValidationError(_l("The end date is before the start date."))

    def errors_by_field(self) -> dict[str, str]:
        """{field: its first message}, as the error summary and the ``field`` macro read them."""
        return {name: str(messages[0]) for name, messages in self.errors.items() if messages}

    def to_filter(self) -> report.ReportFilter:
        """The filters as the service takes them (after ``validate``)."""
        return report.ReportFilter(
            reader_party=(self.reader.data or "").upper(), person=(self.person.data or "").strip()[:100],
            kind=self.kind.data or "", item_type=self.item_type.data or "", item_id=self.item_id.data,
            date_from=getattr(self.date_from, "parsed", None), date_to=getattr(self.date_to, "parsed", None),
            include_own=bool(self.include_own.data), outcome=self.outcome.data or "")


def _actor() -> Account:
    return current_user._get_current_object()


def _form(actor: Account) -> tuple[ReportFilterForm, Party | None, dict[str, str]]:
    """The filter form, the party whose report is asked for (None: no such party), and the form's errors.
    The secretariat may choose any party (the first by default); a focal point has their own party."""
    everyone = parties.list_parties()
    reportable = [p for p in everyone if permissions.can(actor, "handling.report", p.id)]
    form = ReportFilterForm(request.args, reportable, everyone)
    valid = form.validate()
    asked = (request.args.get("party") or "").strip().upper()[:12]
    # No party named: a focal point's own party, the secretariat's first.
    party = report.party_by_code(asked) if asked else (reportable[0] if reportable else None)
    if party is not None:
        form.party.data = party.code
    return form, party, {} if valid else form.errors_by_field()


@bp.get("/shared")
@access(Access.MANAGER)
def index() -> Any:
    """The report page: the summary by party and kind, then the rows, newest first, 50 a page."""
    actor = _actor()
    form, party, errors = _form(actor)
    party = report.require_report(actor, party)
    if errors:  # the form shows what to correct, and no rows that the filters did not ask for
        page, counts = Page(items=[], number=1, per_page=50, has_next=False), report.Summary()
    else:
        filters = form.to_filter()
        page = paginate(report.rows_query(actor, party, filters), per_page=50)
        counts = report.summary(actor, party, filters)
    rows = report.present(actor, page.items)
    status = 422 if errors else 200
    return render_template("handling/shared_report.html", form=form, errors=errors, party=party, page=page,
                           rows=rows, summary=counts, kind_labels=report.KIND_LABELS,
                           item_labels=report.ITEM_LABELS, may_choose=len(form.party.choices) > 1,
                           csv_args={k: v for k, v in request.args.items() if k != "page"}), status


@bp.get("/shared.csv")
@access(Access.MANAGER)
def export() -> Any:
    """The filtered report as CSV (streamed; asks a fresh sign-in; the export is audited)."""
    actor = _actor()
    form, party, errors = _form(actor)
    party = report.require_report(actor, party)
    if errors:
        return error_response(422, next(iter(errors.values())))
    return streamed_csv(report.export_csv(actor, party, form.to_filter()), f"cmc-shared-{party.code}")
