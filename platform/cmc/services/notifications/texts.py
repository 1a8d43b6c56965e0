"""What a notification says, in the reader's language at the moment it is read, and where it leads.

The sentence is chosen by kind and filled with the stored parameters; the alert's headline is taken from the
alert itself in the reader's language when the alert has a block in it (else the headline stored with the
notification). Every sentence is a gettext message: nothing stored is interface text.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _

from cmc import i18n
from cmc.models import Alert, Meeting, Notification, NotificationKind

#: Where each kind leads, as an address relative to the site (the alert, the meeting, its agenda version).
_ALERT_KINDS = {NotificationKind.ALERT, NotificationKind.APPROVAL_REQUEST, NotificationKind.RETURNED,
                NotificationKind.OVERDUE, NotificationKind.REMIND}


_RELEASE_KINDS = {NotificationKind.RELEASE_REQUESTED, NotificationKind.RELEASE_DECIDED, NotificationKind.RELEASE_USED}
_ITEM_PATHS = {"alert": "/alerts/{}", "document": "/documents/{}", "thread": "/threads/{}"}


def _headline(note: Notification, alert: Alert | None) -> str:
    from cmc.services.alerts.translations import block_for  # alerts import this package: imported when used

    if alert is not None:
        shown = block_for(alert, _reader_language())
        if shown is not None:
            return shown.info.headline
    return str(note.params.get("headline", ""))


def _reader_language() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale is not None else i18n.DEFAULT


def text_of(note: Notification, alert: Alert | None = None, meeting: Meeting | None = None) -> str:
    """The notification's sentence in the current language (call inside ``i18n.in_language_of`` for a mail)."""
    from cmc.services.alerts.translations import severity_word
    from cmc.services.networks import network_name

    p: dict[str, Any] = note.params or {}
    kind = note.kind
    network = network_name(alert.network, plain=True) if alert is not None else str(p.get("network", ""))
    meeting_title = meeting.title if meeting is not None else str(p.get("meeting", ""))
    if kind == NotificationKind.ALERT:
        severity = severity_word(str(p.get("severity", "Unknown")))
        if p.get("update"):
            return _("Updated %(severity)s alert in %(network)s: %(headline)s", severity=severity,
                     network=network, headline=_headline(note, alert))
        return _("New %(severity)s alert in %(network)s: %(headline)s", severity=severity, network=network,
                 headline=_headline(note, alert))
    if kind == NotificationKind.APPROVAL_REQUEST:
        return _("A draft alert waits for your approval in %(network)s: %(headline)s", network=network,
                 headline=_headline(note, alert))
    if kind == NotificationKind.RETURNED:
        return _("Your draft alert “%(headline)s” was returned with a comment.", headline=_headline(note, alert))
    if kind == NotificationKind.OVERDUE:
        return _("%(party)s has not acknowledged the alert “%(headline)s” in %(network)s.",
                 party=p.get("party", ""), headline=_headline(note, alert), network=network)
    if kind == NotificationKind.REMIND:
        return _("%(coordinator)s asks %(party)s to acknowledge the alert “%(headline)s” in %(network)s.",
                 coordinator=p.get("coordinator", ""), party=p.get("party", ""), headline=_headline(note, alert),
                 network=network)
    if kind == NotificationKind.AGENDA_CHANGED:
        return _("The agenda of %(m)s changed (version %(n)d).", m=meeting_title, n=int(p.get("version", 0)))
    if kind == NotificationKind.REGISTRATION_DECIDED:
        if p.get("confirmed"):
            return _("The registration of %(party)s to %(m)s was confirmed.", party=p.get("party", ""),
                     m=meeting_title)
        return _("The registration of %(party)s to %(m)s was declined.", party=p.get("party", ""), m=meeting_title)
    if kind == NotificationKind.RELEASE_REQUESTED:
        return _("%(party)s asks you to release the H2 item “%(title)s”.", party=p.get("party", ""),
                 title=_item_title(p, alert))
    if kind == NotificationKind.RELEASE_DECIDED:
        if p.get("granted"):
            return _("Your request to release “%(title)s” was granted.", title=_item_title(p, alert))
        return _("Your request to release “%(title)s” was refused.", title=_item_title(p, alert))
    if kind == NotificationKind.RELEASE_USED:
        return _("%(party)s exported the H2 item “%(title)s” under your release.", party=p.get("party", ""),
                 title=_item_title(p, alert))
    if kind == NotificationKind.ROLLCALL_ASKED:
        return _("Roll call in %(network)s: “%(title)s”. Answer for %(party)s by %(deadline)s.",
                 network=p.get("network", ""), title=p.get("title", ""), party=p.get("party", ""),
                 deadline=_deadline(p))
    if kind == NotificationKind.ROLLCALL_REMIND:
        return _("Reminder: %(party)s has not answered the roll call “%(title)s” (deadline %(deadline)s).",
                 party=p.get("party", ""), title=p.get("title", ""), deadline=_deadline(p))
    return _("A new action item for %(owner)s from %(m)s: %(title)s", owner=p.get("owner", ""), m=meeting_title,
             title=p.get("title", ""))


def _deadline(params: dict[str, Any]) -> str:
    """A roll call's deadline (stored as ISO 8601 in UTC) in the reader's zone and language."""
    from datetime import datetime

    from cmc.i18n import timefmt

    value = params.get("deadline")
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return ""
    return timefmt.show(moment)


def _item_title(params: dict[str, Any], alert: Alert | None) -> str:
    """The released item's title: an alert's headline in the reader's language, else the stored title."""
    if alert is not None:
        from cmc.services.alerts.translations import block_for

        shown = block_for(alert, _reader_language())
        if shown is not None:
            return shown.info.headline
    return str(params.get("title", ""))


def target_path(note: Notification) -> str:
    """Where opening the notification leads (a path on this site)."""
    if note.kind in _ALERT_KINDS and note.alert_id is not None:
        return f"/alerts/{note.alert_id}"
    if note.kind in _RELEASE_KINDS and note.params.get("item_type") in _ITEM_PATHS:
        return _ITEM_PATHS[note.params["item_type"]].format(int(note.params.get("item_id", 0)))
    if note.roll_call_id is not None:
        return f"/rollcalls/{note.roll_call_id}"
    if note.meeting_id is not None:
        if note.kind == NotificationKind.AGENDA_CHANGED and note.params.get("version"):
            return f"/meetings/{note.meeting_id}/agenda/{int(note.params['version'])}"
        return f"/meetings/{note.meeting_id}"
    return "/notifications"


def absolute(path: str) -> str:
    """A path of this site as a full address (for e-mails)."""
    return current_app.config["BASE_URL"].rstrip("/") + path
