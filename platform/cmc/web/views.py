"""What page views share: the person signed in, and a form's errors as the pages draw them."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from cmc.models import Account


def actor() -> Account:
    """The signed-in account (the object itself, not the proxy: services compare and store it)."""
    return current_user._get_current_object()


def form_errors(form: Any, ids: dict[str, str] | None = None) -> dict[str, str]:
    """The first error of each field of ``form``, by field name, or by the element id in ``ids`` where the page
    draws the field under another id (the error summary links to the id). The CSRF token's error is left out:
    a stale token is answered before any view runs."""
    ids = ids or {}
    return {ids.get(name, name): messages[0] for name, messages in form.errors.items() if name != "csrf_token"}


def flash_reminder(done: Any) -> None:
    """Say what a press of "remind" did (an alert's or a roll call's: ``sent``, ``recipients``, ``parties``,
    ``last_sent_at``): whom it reached, or that one went less than a minute ago and nothing was sent again."""
    from cmc.i18n import timefmt

    if done.sent:
        flash(ngettext("Reminder sent to %(num)d person, for %(parties)s.",
                       "Reminder sent to %(num)d people, for %(parties)s.", done.recipients,
                       parties=", ".join(done.parties)), "success")
    else:
        flash(_("A reminder was already sent at %(time)s, less than a minute ago. Nothing was sent again.",
                time=timefmt.show(done.last_sent_at, "time")), "info")
