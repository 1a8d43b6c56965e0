"""Forms: they check shape only (present, length); services decide the rules."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from cmc import i18n
from cmc.i18n import labels
from cmc.models import NetworkKind, PartyKind, PartyStatus, Role
from cmc.web.once import FIELD as NONCE_FIELD
from cmc.web.once import new_nonce


def text(field: Any, fallback: str = "") -> str:
    """A field's text as sent (``fallback`` when the field was not sent at all, as ``request.form.get`` had it)."""
    return field.data if isinstance(field.data, str) else fallback


class NonceField(HiddenField):
    """The one-time nonce of a form that creates something (``cmc.web.once``): a fresh value each time it is
    drawn, so two forms on one page, or the same form drawn again after an error, never share one. The
    submitted value is read by ``@once`` from the request, never bound back into the form."""

    def __call__(self, **kwargs: object) -> Any:
        """The hidden input, without an id (a page may draw several)."""
        kwargs.setdefault("id", False)
        return super().__call__(**kwargs)

    def _value(self) -> str:
        return new_nonce()

    def process_formdata(self, valuelist: list[str]) -> None:
        """Ignore what was sent: a redrawn form gets a fresh nonce."""


class OnceForm(FlaskForm):
    """Base of every form that creates something: the CSRF token and the one-time nonce
    (``{{ form.form_nonce }}`` in the template, ``@once`` on the view)."""

    form_nonce = NonceField(name=NONCE_FIELD)


class SignInForm(FlaskForm):
    """Email and password."""

    email = EmailField(_l("Email address"), validators=[DataRequired(_l("Enter your email address.")),
                                                         Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")),
                                                         Length(max=1024)])
    browser_timezone = HiddenField()  # filled by app.js: the zone of a first sign-in (checked by the service)


class CodeForm(FlaskForm):
    """A second-factor code (6 digits) or a recovery code."""

    code = StringField(_l("Code"), validators=[DataRequired(_l("Enter the code.")), Length(max=32)])


class ConfirmPasswordForm(FlaskForm):
    """Re-enter the password before a sensitive action (``replay``: the refused form, sent again after it)."""

    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")),
                                                         Length(max=1024)])
    replay = HiddenField()


class SetPasswordForm(OnceForm):
    """The invitee chooses a password."""

    password = PasswordField(_l("New password"), validators=[DataRequired(_l("Choose a password."))])
    confirm = PasswordField(_l("Type it again"), validators=[DataRequired(_l("Type the password again."))])
    browser_timezone = HiddenField()


class ChangePasswordForm(FlaskForm):
    """A signed-in person changes their password."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password."))])
    new = PasswordField(_l("New password"), validators=[DataRequired(_l("Choose a new password."))])
    confirm = PasswordField(_l("Type it again"), validators=[DataRequired(_l("Type the new password again."))])


def label_choices(kind: str, codes: Iterable[Any] | None = None) -> list[SelectChoice]:
    """A select's options for codes of a kind (``cmc.i18n.labels``): the code is sent, the reader's word shown."""
    return [SelectChoice(code, label) for code, label in labels.choices(kind, codes)]


def language_choices() -> list[SelectChoice]:
    """The interface languages offered, each named in itself (a reader finds their own without knowing ours)."""
    return [SelectChoice(code, name) for code, name in i18n.available().items()]


class ProfileForm(FlaskForm):
    """Personal settings. An unknown language or zone is refused by the service, with its own message."""

    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter your name.")), Length(max=120)])
    title = StringField(_l("Title or position"), validators=[Optional(), Length(max=120)])
    language = SelectField(_l("Interface language"), validate_choice=False)
    timezone = StringField(_l("Time zone"), validators=[DataRequired(_l("Enter a time zone."))])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()


#: Least power first: the invitation form's default is the first option.
ROLE_CHOICES = label_choices("role", [Role.DELEGATE, Role.FOCAL_POINT, Role.SECRETARIAT])


class InviteForm(OnceForm):
    """Invite a person to a party."""

    email = EmailField(_l("Email address"), validators=[DataRequired(_l("Enter the person's email address.")),
                                                         Length(max=254)])
    name = StringField(_l("Full name"), validators=[DataRequired(_l("Enter the person's name.")),
                                                    Length(max=120)])
    title = StringField(_l("Title or position"), validators=[Optional(), Length(max=120)])
    party = SelectField(_l("Party"), validators=[DataRequired(_l("Choose a party."))])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    language = SelectField(_l("Language"), validate_choice=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = [SelectChoice("", _l("The party's first language")), *language_choices()]


class RoleForm(FlaskForm):
    """Change an account's role."""

    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class MemberForm(OnceForm):
    """Add a person to a network, or change their role there (the service decides both)."""

    account_id = HiddenField()
    role = HiddenField()


class PinForm(FlaskForm):
    """Pin ("1") or unpin ("0") a thread."""

    pinned = HiddenField()


class EmptyForm(OnceForm):
    """A form with only the CSRF token (and a nonce for the buttons and hand-read forms that create)."""


class PartyForm(OnceForm):
    """Add or edit a party."""

    code = StringField(_l("Code"), validators=[DataRequired(_l("Enter the code.")), Length(max=12)])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the name.")), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=label_choices("party_kind", PartyKind))
    status = SelectField(_l("Status"), choices=label_choices("party_status", PartyStatus))
    languages = StringField(_l("Languages"), validators=[DataRequired(_l("Enter at least one language."))])
    founding = BooleanField(_l("Founding member (at the 2016 preparatory meeting)"))


class CalendarFeedForm(OnceForm):
    """Make (or replace) my calendar feed address; ``meeting`` names the meeting whose own address to show
    as well (the meeting page links here with it)."""

    meeting = HiddenField()


class TokenForm(OnceForm):
    """Create a personal access token."""

    name = StringField(_l("Token name"), validators=[DataRequired(_l("Give the token a name.")), Length(max=80)])
    expires_in_days = SelectField(
        _l("Expires"),
        choices=[SelectChoice("30", _l("In 30 days")), SelectChoice("90", _l("In 90 days")),
                 SelectChoice("366", _l("In one year")), SelectChoice("", _l("Never"))],
        default="90",
    )


class NetworkForm(OnceForm):
    """Create or edit a network (secretariat)."""

    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the network's name.")), Length(max=120)])
    slug = StringField(_l("Web address"), validators=[DataRequired(_l("Enter the web address.")), Length(max=60)])
    kind = SelectField(_l("Kind"), choices=label_choices("network_kind", NetworkKind))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=500)])
    charter = TextAreaField(_l("Charter"), validators=[Optional(), Length(max=50_000)], render_kw={"rows": 8})
    alerts_enabled = BooleanField(_l("Early alerts are exchanged in this network"))
    parties = SelectMultipleField(_l("Participating parties"), choices=[])
    language = SelectField(_l("Language of the name, description and charter"), validate_choice=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()

    def translations(self, original: str) -> dict[str, dict[str, str]]:
        """The texts typed for each offered language other than ``original`` (every field, empty or not: the
        service decides that an empty language is no translation)."""
        return {code: {f: text(self[f"{f}_{code}"]) for f in ("name", "description", "charter")}
                for code in i18n.available() if code != original and f"name_{code}" in self}

    def fill_translations(self, network: Any) -> None:
        """Show a network's stored translations in their fields."""
        for row in network.texts:
            if f"name_{row.language}" in self:
                for f in ("name", "description", "charter"):
                    self[f"{f}_{row.language}"].data = getattr(row, f)


# Optional per-language texts, for every language the platform ships (the page shows the offered ones). The
# lengths are the service's; here they only keep a huge post from being bound.
for _code in i18n.LANGUAGE_NAMES:
    setattr(NetworkForm, f"name_{_code}", StringField(_l("Name"), validators=[Optional(), Length(max=120)]))
    setattr(NetworkForm, f"description_{_code}", TextAreaField(_l("Description"),
                                                               validators=[Optional(), Length(max=500)]))
    setattr(NetworkForm, f"charter_{_code}", TextAreaField(_l("Charter"), validators=[Optional(), Length(max=50_000)],
                                                           render_kw={"rows": 6}))


class ThreadForm(OnceForm):
    """Start or edit a thread."""

    title = StringField(_l("Title"), validators=[DataRequired(_l("Give the thread a title.")), Length(max=200)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(_l("Write something first.")),
                                                    Length(max=50_000)], render_kw={"rows": 10})
    # The marking (threads are not evaluated): any code is offered, the service refuses one outside H0-H3.
    handling_code = SelectField(_l("Handling code"), default="H0", validate_choice=False)
    handling_text = StringField(_l("Restriction (H3)"), validators=[Optional(), Length(max=500)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handling_code.choices = label_choices("handling")


class ReplyForm(OnceForm):
    """Reply in a thread, or edit a reply."""

    body = TextAreaField(_l("Your reply"), validators=[DataRequired(_l("Write something first.")),
                                                      Length(max=50_000)], render_kw={"rows": 5})
