"""The notification centre: the list under the bell, opening one (marks it read, then leads to its target),
"mark all read", and the settings of how each kind reaches the person.

Opening is a GET (``/notifications/<id>/open``): it is a link people follow, open in a new tab or from a toast,
and the only change it makes is marking the viewer's own notification read, which a forged request cannot use
to harm anyone (at worst a notification shows as read). Changes that matter, "mark all read" and the settings,
are POSTs with the CSRF token.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice

from cmc.extensions import db
from cmc.http.access import Access, access
from cmc.http.pagination import paginate
from cmc.models import Account, Delivery, NotificationKind
from cmc.services import notifications

bp = Blueprint("notifications", __name__)

PER_PAGE = 25

#: Each kind as the settings page names it.
KIND_WORDS = {
    NotificationKind.ALERT: _l("A new alert in my networks"),
    NotificationKind.APPROVAL_REQUEST: _l("A draft alert waits for my approval"),
    NotificationKind.RETURNED: _l("My draft alert was returned"),
    NotificationKind.OVERDUE: _l("My party has not acknowledged an alert in time"),
    NotificationKind.REMIND: _l("A coordinator reminds my party to acknowledge"),
    NotificationKind.AGENDA_CHANGED: _l("An agenda I am registered for changed"),
    NotificationKind.REGISTRATION_DECIDED: _l("My party's registration to a meeting was decided"),
    NotificationKind.ACTION_ASSIGNED: _l("An action item was given to my party or network"),
    NotificationKind.RELEASE_REQUESTED: _l("Someone asks my party to release an H2 item"),
    NotificationKind.RELEASE_DECIDED: _l("My request to release an item was decided"),
    NotificationKind.RELEASE_USED: _l("An H2 item of my party was exported under a release"),
    NotificationKind.ROLLCALL_ASKED: _l("A roll call asks my party how it stands"),
    NotificationKind.ROLLCALL_REMIND: _l("My party is reminded to answer a roll call"),
}
DELIVERY_WORDS = {
    Delivery.IN_APP: _l("Here only"),
    Delivery.EMAIL: _l("Here and by e-mail at once"),
    Delivery.DIGEST: _l("Here and in a daily e-mail digest"),
}


def _actor() -> Account:
    return current_user._get_current_object()


@bp.get("/notifications")
@access(Access.SIGNED_IN)
def index() -> Any:
    """The person's notifications, newest first, unread marked."""
    actor = _actor()
    page = paginate(notifications.list_query(actor), per_page=PER_PAGE,
                    load=lambda query: notifications.load(actor, list(db.session.scalars(query))))
    return render_template("notifications/index.html", page=page, form=ReadAllForm())


@bp.get("/notifications/<int:notification_id>/open")
@access(Access.SIGNED_IN)
def open_notification(notification_id: int) -> Any:
    """Mark the viewer's notification read and go to what it is about (404 for anyone else's)."""
    return redirect(notifications.open_note(_actor(), notification_id))


@bp.get("/notifications/alert/<int:alert_id>/open")
@access(Access.SIGNED_IN)
def open_alert(alert_id: int) -> Any:
    """From an alert's toast: mark the viewer's notifications of that alert read, then open the alert (its page
    decides who may read it)."""
    notifications.open_alert(_actor(), alert_id)
    return redirect(url_for("alerts.show", alert_id=alert_id))


@bp.post("/notifications/read")
@access(Access.SIGNED_IN)
def read_all() -> Any:
    """Mark every notification of the viewer read."""
    form = ReadAllForm()
    if form.validate_on_submit():
        count = notifications.mark_read(_actor())
        flash(_("All your notifications are marked read.") if count else _("Nothing was unread."), "success")
    return redirect(url_for("notifications.index"))


class ReadAllForm(FlaskForm):
    """"Mark all read": only the CSRF token."""


class NotificationSettingsForm(FlaskForm):
    """One choice per kind: in-app only, e-mail at once, or a daily digest (the fields are the kinds)."""


def settings_form(account: Account) -> NotificationSettingsForm:
    """The form with one radio group per kind, filled with the account's choices (and, on a POST, with what
    was sent: Flask-WTF reads it)."""
    current = notifications.settings_of(account)

    class Form(NotificationSettingsForm):
        pass

    for kind in NotificationKind:
        setattr(Form, _field(kind), RadioField(
            KIND_WORDS[kind], choices=[SelectChoice(str(d), DELIVERY_WORDS[d]) for d in Delivery],
            default=str(current[kind]), validate_choice=True))
    return Form()


def _field(kind: NotificationKind) -> str:
    return "kind_" + str(kind).replace(".", "_")


def field_of(kind: NotificationKind) -> str:
    """The form field's name of a kind (the template's loop)."""
    return _field(kind)


bp.add_app_template_global(field_of, "notification_field")
