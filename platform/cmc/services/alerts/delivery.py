"""Getting an alert to people: the live connections that say who is online (any process can tell), and the
mail of an urgent alert to members who are not."""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from cmc import i18n
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import (
    Account,
    Alert,
    AlertMail,
    Delivery,
    HandlingCode,
    LiveConnection,
    Membership,
    Network,
    NotificationKind,
    NotificationSetting,
    Party,
    network_parties,
)
from cmc.models.types import utcnow
from cmc.services import handling, networks
from cmc.services.alerts.translations import block_for, severity_word
from cmc.services.mail import send_mail

ONLINE_WINDOW = timedelta(minutes=2)
PROCESS_ID = f"{socket.gethostname()}:{os.getpid()}"


def connection_opened(sid: str, account_id: int, *, session_id: int | None = None,
                      token_id: int | None = None) -> None:
    """Remember a live connection: any process can then tell the account is online, and find the
    connection to drop it when the session ends or the token is revoked."""
    with write_transaction():
        db.session.merge(LiveConnection(sid=sid, account_id=account_id, process=PROCESS_ID, seen_at=utcnow(),
                                        session_id=session_id, token_id=token_id))


def connection_closed(sid: str) -> None:
    """Forget a live connection."""
    with write_transaction():
        db.session.execute(delete(LiveConnection).where(LiveConnection.sid == sid))


def refresh_presence(*, starting: bool = False) -> None:
    """Keep this process's connections counted as online; at start, forget the ones it had before."""
    with write_transaction():
        if starting:
            db.session.execute(delete(LiveConnection).where(LiveConnection.process == PROCESS_ID))
        else:
            db.session.execute(update(LiveConnection).where(LiveConnection.process == PROCESS_ID)
                               .values(seen_at=utcnow()))


def members(network_id: int) -> Select[tuple[Account]]:
    """The people an alert of the network reaches: its active members (live in the network's room, by mail
    when offline and the alert is urgent)."""
    return select(Account).join(Membership, Membership.account_id == Account.id).where(
        Membership.network_id == network_id, Account.active.is_(True))


def receiving_parties(network_id: int) -> Select[tuple[int]]:
    """The parties an alert of the network opens a receipt for (and asks to acknowledge): its parties, ids by
    name."""
    return (select(Party.id).join(network_parties, network_parties.c.party_id == Party.id)
            .where(network_parties.c.network_id == network_id).order_by(Party.name))


def recipients(network: Network) -> tuple[int, int]:
    """How many parties and people an alert published in the network reaches now (the preview's "n parties,
    m people"), counted with the queries that fan it out."""
    people = db.session.scalar(select(func.count()).select_from(members(network.id).subquery()))
    parties = db.session.scalar(select(func.count()).select_from(receiving_parties(network.id).subquery()))
    return int(parties or 0), int(people or 0)


def mail_subject(severity: str, headline: str, code: Any = None) -> str:
    """The subject of an urgent alert's e-mail, in the current language (the preview shows the same), its
    handling code first when it restricts more than H0."""
    return with_code(code, _("[%(severity)s] %(headline)s", severity=severity_word(severity), headline=headline))


def with_code(code: Any, subject: str) -> str:
    """An alert e-mail's subject with the alert's handling code in front for H1-H3 ("[H2] ..."): the code is
    a protocol value, the same in every language."""
    value = str(getattr(code, "value", code) or "H0")
    return subject if value == HandlingCode.H0.value else f"[{value}] {subject}"


def handling_lines(alert: Alert, origin: str) -> str:
    """What the alert's code asks of the reader (naming the originating party) and its evaluation, in the
    current language: the lines an alert e-mail carries below its text."""
    return "\n".join(line for line in (handling.statement(alert, origin), handling.evaluation(alert)) if line)


def _offline_members(alert: Alert) -> list[Account]:
    """Active members of the alert's network with no live connection, not yet mailed this alert, who did not
    turn alert e-mails off (Settings > Notifications: here only, or a daily digest)."""
    online = select(LiveConnection.account_id).where(LiveConnection.seen_at > utcnow() - ONLINE_WINDOW)
    already = select(AlertMail.account_id).where(AlertMail.alert_id == alert.id)
    no_mail = select(NotificationSetting.account_id).where(NotificationSetting.kind == NotificationKind.ALERT,
                                                           NotificationSetting.delivery != Delivery.EMAIL)
    return list(db.session.scalars(members(alert.network_id).where(Account.id.not_in(online),
                                                                    Account.id.not_in(already),
                                                                    Account.id.not_in(no_mail))))


def _claim_mail(alert: Alert, account: Account) -> bool:
    """Record that this process mails the person the alert; False when another process did already."""
    with write_transaction():
        try:
            db.session.add(AlertMail(alert_id=alert.id, account_id=account.id))
            db.session.flush()
        except IntegrityError:
            return False
    return True


def mail_offline_members(alert: Alert) -> int:
    """E-mail a Severe or Extreme alert to members with no live connection, at most once per person, each in
    their own language: the block in that language when there is one (else the author's), the words around it
    and the severity in their language."""
    link = current_app.config["BASE_URL"].rstrip("/") + f"/alerts/{alert.id}"
    origin = handling.origin_name(alert)
    sent = 0
    for account in _offline_members(alert):
        if not _claim_mail(alert, account):
            continue
        shown = block_for(alert, i18n.language_of(account))
        assert shown is not None  # a published alert has a block
        info = shown.info
        with i18n.in_language_of(account):
            severity = severity_word(info.severity)
            body = _("%(severity)s alert in %(network)s: %(headline)s\n\n%(description)s\n\n%(instruction)s\n\n"
                     "Open and acknowledge it for your party: %(link)s",
                     severity=severity, network=networks.network_name(alert.network, plain=True),
                     headline=info.headline,
                     description=info.description, instruction=info.instruction, link=link)
            body = f"{handling_lines(alert, origin)}\n\n{body}"  # the code's demand before the text it governs
            subject = mail_subject(info.severity, info.headline, alert.handling_code)
        send_mail(account.email, subject, body)
        sent += 1
    return sent
