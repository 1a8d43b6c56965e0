"""How a notification reaches its person: settings per kind, the live push, the e-mail at once, the digest.

Each person chooses per kind (:class:`Delivery`): in-app only, in-app and an e-mail at once, or in-app and a
daily digest. Without a choice the kind's default applies (:data:`DEFAULTS`): what the platform mailed before
the centre existed goes by e-mail (alerts, overdue flags, reminders, agenda changes), the rest in-app.

Kinds whose event already writes its own, fuller e-mail (an urgent alert to offline members, an overdue flag, a
reminder, an agenda change) ask :func:`wants_mail` before sending it; the others get the generic e-mail of
:func:`deliver` (the sentence and a link). ``cmc notify digest`` (:func:`send_digests`) sends each person with
digest kinds one e-mail of what is still unread from the last day, in their language and time zone, at most
once per day of their time zone (recorded in ``notification_digests``), and nothing when there is nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cmc import i18n
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.i18n import timefmt
from cmc.models import Account, Delivery, DigestSent, Notification, NotificationKind, NotificationSetting
from cmc.models.types import utcnow
from cmc.realtime import notify
from cmc.services.mail import send_mail
from cmc.services.notifications.reading import load, visible
from cmc.services.notifications.texts import absolute

DEFAULTS: dict[NotificationKind, Delivery] = {
    NotificationKind.ALERT: Delivery.EMAIL,
    NotificationKind.APPROVAL_REQUEST: Delivery.IN_APP,
    NotificationKind.RETURNED: Delivery.IN_APP,
    NotificationKind.OVERDUE: Delivery.EMAIL,
    NotificationKind.REMIND: Delivery.EMAIL,
    NotificationKind.AGENDA_CHANGED: Delivery.EMAIL,
    NotificationKind.REGISTRATION_DECIDED: Delivery.IN_APP,
    NotificationKind.RELEASE_REQUESTED: Delivery.EMAIL,
    NotificationKind.RELEASE_DECIDED: Delivery.EMAIL,
    NotificationKind.RELEASE_USED: Delivery.IN_APP,
    NotificationKind.ROLLCALL_ASKED: Delivery.EMAIL,
    NotificationKind.ROLLCALL_REMIND: Delivery.EMAIL,
    NotificationKind.ACTION_ASSIGNED: Delivery.IN_APP,
}
#: Kinds whose event sends its own e-mail (see the module's docstring).
OWN_MAIL = {NotificationKind.ALERT, NotificationKind.OVERDUE, NotificationKind.REMIND, NotificationKind.AGENDA_CHANGED}
DIGEST_WINDOW = timedelta(days=1)
DIGEST_LIMIT = 200


def settings_of(account: Account) -> dict[NotificationKind, Delivery]:
    """The account's choice for every kind (defaults where it made none)."""
    chosen = {row.kind: row.delivery for row in db.session.scalars(
        select(NotificationSetting).where(NotificationSetting.account_id == account.id))}
    return {kind: chosen.get(kind, default) for kind, default in DEFAULTS.items()}


def delivery_for(account: Account, kind: NotificationKind | str) -> Delivery:
    """How the account wants notifications of ``kind``."""
    row = db.session.get(NotificationSetting, (account.id, NotificationKind(kind)))
    return row.delivery if row is not None else DEFAULTS[NotificationKind(kind)]


def wants_mail(account: Account, kind: NotificationKind | str) -> bool:
    """Whether an event's own immediate e-mail of ``kind`` goes to the account."""
    return delivery_for(account, kind) == Delivery.EMAIL


def save_settings(actor: Account, choices: dict[str, str]) -> None:
    """Store the actor's choices (kind code -> delivery code); unknown codes are refused (ValueError)."""
    checked = {NotificationKind(kind): Delivery(delivery) for kind, delivery in choices.items()}
    with write_transaction():
        for kind, delivery in checked.items():
            row = db.session.get(NotificationSetting, (actor.id, kind))
            if delivery == DEFAULTS[kind]:
                if row is not None:
                    db.session.delete(row)
            elif row is None:
                db.session.add(NotificationSetting(account_id=actor.id, kind=kind, delivery=delivery))
            else:
                row.delivery = delivery


def deliver(note: Notification) -> None:
    """After the commit: the live ``notification`` event (the stored id, the sentence in the person's
    language, the address that opens it), and the generic e-mail when the person wants this kind by e-mail."""
    account = db.session.get(Account, note.account_id)
    if account is None or not account.active:
        return
    with i18n.in_language_of(account), timefmt.in_zone_of(account):
        shown = load(account, [note])
        if not shown:
            return
        text = shown[0].text
        link = f"/notifications/{note.id}/open"
        notify.to_user(account.id, "notification", {
            "id": note.id, "kind": str(note.kind), "text": text, "url": link, "alert_id": note.alert_id,
            "meeting_id": note.meeting_id})
        if note.kind not in OWN_MAIL and wants_mail(account, note.kind):
            send_mail(account.email, _("CMC Platform: %(text)s", text=text[:120]),
                      _("%(text)s\n\nOpen it: %(link)s", text=text, link=absolute(link)))


def _digest_kinds(account_id: int) -> list[NotificationKind]:
    return [row.kind for row in db.session.scalars(select(NotificationSetting).where(
        NotificationSetting.account_id == account_id, NotificationSetting.delivery == Delivery.DIGEST))]


def _claim(account: Account, day: object, count: int, kinds: list[NotificationKind]) -> bool:
    """Record today's digest for the account; False when one was recorded already (another run)."""
    try:
        with write_transaction():
            db.session.add(DigestSent(account_id=account.id, day=day, count=count,
                                      kinds=",".join(sorted(map(str, kinds)))[:400]))
    except IntegrityError:
        return False
    return True


def send_digest(account: Account, now: datetime) -> bool:
    """One person's digest for the day ``now`` falls on in their time zone: sent (True) only when they have
    unread notifications of digest kinds from the last day and none was sent that day."""
    kinds = _digest_kinds(account.id)
    if not kinds or not account.active:
        return False
    day = now.astimezone(timefmt.zone_named(account.timezone)).date()
    if db.session.get(DigestSent, (account.id, day)) is not None:
        return False
    notes = list(db.session.scalars(select(Notification).where(
        visible(account), Notification.read_at.is_(None), Notification.kind.in_(kinds),
        Notification.created_at >= now - DIGEST_WINDOW).order_by(Notification.id).limit(DIGEST_LIMIT)))
    with i18n.in_language_of(account), timefmt.in_zone_of(account):
        shown = load(account, notes)
        if not shown or not _claim(account, day, len(shown), kinds):
            return False
        lines = "\n".join(f"- {timefmt.show(item.created_at)}: {item.text}\n  {absolute(item.url)}"
                          for item in shown)
        subject = _("CMC Platform: your daily digest (%(count)d)", count=len(shown))
        body = _("Your notifications of the last day that you have not read yet:\n\n%(lines)s\n\n"
                 "All your notifications: %(link)s\nChoose how each kind reaches you: %(settings)s",
                 lines=lines, link=absolute("/notifications"), settings=absolute("/settings/notifications"))
    send_mail(account.email, subject, body)
    return True


def send_digests(now: datetime | None = None) -> int:
    """``cmc notify digest``: every person's digest for today (see :func:`send_digest`); returns how many were
    sent. Run twice in a day, it sends once."""
    now = now or utcnow()
    account_ids = db.session.scalars(select(NotificationSetting.account_id).where(
        NotificationSetting.delivery == Delivery.DIGEST).distinct()).all()
    sent = 0
    for account_id in account_ids:
        account = db.session.get(Account, account_id)
        if account is not None and send_digest(account, now):
            sent += 1
    return sent
