"""Meeting forms: the meeting, agenda items, and the small forms of the meeting and builder pages. They carry
and parse the fields (a date that is not one reads as none); ``services.meetings`` decides what is valid."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from cmc.i18n import labels
from cmc.models.types import parse_id
from cmc.services import meetings
from cmc.web.forms import OnceForm, text


def parse_date(raw: str | None) -> date | None:
    """An ISO date, or None when empty or not a date."""
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def parse_time(raw: str | None) -> time | None:
    """An ISO time, or None when empty or not a time."""
    try:
        return time.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _labelled(kind: str) -> list[SelectChoice]:
    """A select's options for a kind of code, each shown in the reader's words (cmc/i18n/labels.py)."""
    return [SelectChoice(code, text) for code, text in labels.choices(kind)]


class ListField(Field):
    """Every value sent under one name, in order (rows of a repeated group, ticked checkboxes)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        """Keep them all."""
        self.data = list(valuelist)


class IdsField(StringField):
    """Document numbers, typed in one field ("3, 5 8": the form without scripts) or sent one per value (the
    picker's hidden inputs): every value kept, joined by spaces."""

    def process_formdata(self, valuelist: list[str]) -> None:
        """Keep every value sent under the field's name."""
        if valuelist:
            self.data = " ".join(value.strip() for value in valuelist if value.strip())


def _a_date(form: Any, field: Any) -> None:
    """A date field left empty, or holding a date (what a browser's date input sends)."""
    if text(field) and parse_date(text(field)) is None:
        raise ValidationError(_l("Enter a date like 2027-03-10."))


def _a_time(form: Any, field: Any) -> None:
    """A time field left empty, or holding a time (what a browser's time input sends)."""
    if text(field) and parse_time(text(field)) is None:
        raise ValidationError(_l("Enter a time like 09:30."))


class RevisionForm(OnceForm):
    """The agenda revision a builder form was drawn from (a stale one is refused by the service)."""

    revision = HiddenField()

    def base_revision(self) -> int:
        """The revision sent, -1 when none or not a number."""
        try:
            return int(text(self.revision, "-1"))
        except ValueError:
            return -1


class MeetingForm(OnceForm):
    """Plan or edit a meeting."""

    title = StringField(_l("Title"))
    kind = SelectField(_l("Kind"), choices=_labelled("meeting_kind"), validate_choice=False)
    status = SelectField(_l("Status"), choices=_labelled("meeting_status"), validate_choice=False)
    start_date = StringField(_l("First day"), render_kw={"type": "date"})
    end_date = StringField(_l("Last day"), render_kw={"type": "date"})
    timezone = StringField(_l("Time zone"))
    venue = StringField(_l("Venue"))
    city = StringField(_l("City"))
    format = SelectField(_l("Format"), choices=_labelled("meeting_format"), validate_choice=False)
    link = StringField(_l("Online link"), render_kw={"type": "url", "pattern": "https://.+", "maxlength": 300})
    host_party = SelectField(_l("Host party"), choices=[], validate_choice=False)
    network = SelectField(_l("Network"), choices=[], validate_choice=False)
    description = TextAreaField(_l("Description"), render_kw={"rows": 3})

    def with_choices(self, all_parties: list[Any], networks: list[Any]) -> MeetingForm:
        """The host parties and networks to choose from."""
        self.host_party.choices = [SelectChoice("", "—")] + [SelectChoice(p.code, p.name) for p in all_parties]
        self.network.choices = [SelectChoice("", _l("Plenary"))] + [SelectChoice(n.slug, n.name) for n in networks]
        return self

    def to_input(self, network_id: int | None) -> meetings.MeetingInput:
        """What the form says, for the service to judge."""
        return meetings.MeetingInput(
            title=text(self.title), kind=text(self.kind), start_date=parse_date(text(self.start_date)),
            end_date=parse_date(text(self.end_date)), timezone=text(self.timezone), venue=text(self.venue),
            city=text(self.city), host_party=text(self.host_party), format=text(self.format), link=text(self.link),
            network_id=network_id, description=text(self.description), status=text(self.status, "draft"))


class ItemForm(RevisionForm):
    """Add or change an agenda item."""

    title = StringField(_l("Title"), render_kw={"maxlength": 200}, validators=[
        DataRequired(_l("Give the item a title (up to 200 characters).")),
        Length(max=200, message=_l("Give the item a title (up to 200 characters)."))])
    day = SelectField(_l("Day"), choices=[], validate_choice=False)
    start_time = StringField(_l("Starts"), render_kw={"type": "time"}, validators=[_a_time])
    end_time = StringField(_l("Ends"), render_kw={"type": "time"}, validators=[_a_time])
    kind = SelectField(_l("Kind"), choices=_labelled("item_kind"), validate_choice=False)
    session = StringField(_l("Session"))
    room = StringField(_l("Room"), render_kw={"maxlength": 120})
    presenters = StringField(_l("Presenters (parties or people)"))
    document_ids = IdsField(_l("Linked documents (numbers)"))
    description = TextAreaField(_l("Description"), render_kw={"rows": 2})

    @classmethod
    def of(cls, item: Any) -> ItemForm:
        """The form of a stored item, as its edit form draws it."""
        clock = "%H:%M"
        return cls(formdata=None, data={
            "title": item.title, "day": str(item.day), "kind": item.kind.value, "session": item.session,
            "room": item.room or "",
            "start_time": item.start_time.strftime(clock) if item.start_time else "",
            "end_time": item.end_time.strftime(clock) if item.end_time else "", "presenters": item.presenters,
            "description": item.description, "document_ids": " ".join(str(n) for n in item.document_ids or [])})

    def with_days(self, days: list[date]) -> ItemForm:
        """The meeting's days to choose from."""
        self.day.choices = [SelectChoice(str(d), str(d)) for d in days]
        return self

    def linked_ids(self) -> list[int]:
        """The document numbers the form holds, each once, in order (what is not a number is left out)."""
        return list(dict.fromkeys(n for x in text(self.document_ids).replace(",", " ").split()
                                  if (n := parse_id(x))))

    def to_input(self) -> meetings.ItemInput:
        """What the form says, for the service to judge."""
        ids = self.linked_ids()
        return meetings.ItemInput(day=parse_date(text(self.day)), title=text(self.title),
                                  start_time=parse_time(text(self.start_time)),
                                  end_time=parse_time(text(self.end_time)), session=text(self.session),
                                  room=text(self.room), description=text(self.description),
                                  kind=text(self.kind, "session"), presenters=text(self.presenters), document_ids=ids)


class MoveForm(RevisionForm):
    """Move an item one step (``direction`` up or down)."""

    direction = HiddenField()


class ReorderForm(RevisionForm):
    """One day's new order, as drag and drop sends it."""

    day = HiddenField()
    order = HiddenField()

    def item_ids(self) -> list[int]:
        """The item ids in their new order (what is not a number is left out)."""
        return [int(x) for x in text(self.order).split(",") if x.strip().isdigit()]


DELEGATION_ROLES = [SelectChoice("head", _l("Head")), SelectChoice("delegate", _l("Delegate")),
                    SelectChoice("adviser", _l("Adviser"))]


class RegisterForm(OnceForm):
    """A delegation: one row per member (name, role, title), and for the secretariat the party. The rows are
    judged whole by the service (one head, names, roles), so their error is the group's (``members``)."""

    party = SelectField(_l("Party"), choices=[], validate_choice=False)
    name = ListField()
    role = ListField()
    member_title = ListField()

    def with_parties(self, all_parties: list[Any]) -> RegisterForm:
        """The parties the secretariat registers for."""
        self.party.choices = [SelectChoice(p.code, p.name) for p in all_parties]
        return self

    def members(self) -> list[dict[str, str]]:
        """The rows, as the service takes them."""
        return [{"name": name, "role": role, "title": title} for name, role, title in
                zip(self.name.data or [], self.role.data or [], self.member_title.data or [], strict=False)]

    def rows(self, count: int = 3) -> list[dict[str, Any]]:
        """The rows to draw: those sent (after an error), then empty ones, the first for the head; each with its
        role ``options`` as (value, label, selected)."""
        blank = [{"name": "", "role": "head" if n == 0 else "delegate", "title": ""} for n in range(count)]
        sent = self.members()
        rows: list[dict[str, Any]] = sent + blank[len(sent):] if sent else blank
        return [{**row, "options": [(c.value, c.label, c.value == row["role"]) for c in DELEGATION_ROLES]}
                for row in rows]


class DecideForm(FlaskForm):
    """Confirm or decline a delegation (the button pressed)."""

    decision = HiddenField(validators=[AnyOf(["confirm", "decline"], message=_l("Confirm or decline."))])


class MinutesForm(OnceForm):
    """The minutes, and whether they are final."""

    body = TextAreaField(_l("Minutes (Markdown)"), render_kw={"rows": 8},
                         validators=[Length(max=200_000, message=_l("The minutes are too long."))])
    final = BooleanField(_l("These are the final minutes (they are locked after saving)"))


class DecisionForm(OnceForm):
    """One decision of the meeting."""

    decision = StringField(_l("Decision"), validators=[
        DataRequired(_l("Write the decision (up to 5,000 characters).")),
        Length(max=5000, message=_l("Write the decision (up to 5,000 characters)."))])


class ActionForm(OnceForm):
    """An action item with its owner (a party or a network: the service decides) and due date."""

    action_title = StringField(_l("What must be done"), validators=[
        DataRequired(_l("Say what must be done (up to 300 characters).")),
        Length(max=300, message=_l("Say what must be done (up to 300 characters)."))])
    owner_party = SelectField(_l("Owner party"), choices=[], validate_choice=False)
    owner_network = SelectField(_l("or owner network"), choices=[], validate_choice=False)
    due_date = StringField(_l("Due"), render_kw={"type": "date"}, validators=[_a_date])

    def with_owners(self, all_parties: list[Any], networks: list[Any]) -> ActionForm:
        """The parties and networks that may own an action item."""
        self.owner_party.choices = [SelectChoice("", "—")] + [SelectChoice(p.code, p.name) for p in all_parties]
        self.owner_network.choices = [SelectChoice("", "—")] + [SelectChoice(n.slug, n.name) for n in networks]
        return self


ACTION_STATUSES = _labelled("action_status")


class ActionStatusForm(FlaskForm):
    """Move an action item along; ``back`` is "/" when sent from the home page."""

    status = SelectField(_l("Status"), choices=ACTION_STATUSES, validate_choice=False,
                         validators=[AnyOf([c.value for c in ACTION_STATUSES],
                                           message=_l("Choose open, in progress or done."))])
    back = HiddenField()


class AttendanceForm(FlaskForm):
    """Who of a delegation attended (the ticked members' positions)."""

    attended = ListField()

    def positions(self) -> list[int]:
        """The ticked positions (what is not a number is left out)."""
        return [int(x) for x in self.attended.data or [] if x.isdigit()]
