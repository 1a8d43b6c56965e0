"""The acknowledgement grid: which parties are expected to acknowledge an alert, one row per party (on the page,
in the API, in the CSV and pushed live, built by one function), and the summary "9 of 14 acknowledged".

A party is **expected** to acknowledge when it is a member party (not an observer, not a support
organisation, not retired) of the alert's network, other than the party that sent the alert, with at least
one active account that is a member of that network. Every other party of the grid is listed apart with the
reason (:class:`Reason`), and is left out of the summary: a party with nobody in the network cannot
acknowledge, and showing it "Not yet" like a party that ignored the alert told the coordinator nothing.
Expectations are read when the grid is read (who is in the network now), not frozen at publication.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cmc import permissions
from cmc.extensions import db
from cmc.models import Account, Alert, AlertReceipt, Membership, MsgType, Party, PartyStatus
from cmc.models.types import utcnow
from cmc.services.alerts.access import get


class Reason(enum.StrEnum):
    """Why a party of the grid is not expected to acknowledge (the API's ``reason`` codes)."""

    ORIGINATING = "originating_party"
    OBSERVER = "observer"
    SUPPORT = "support_organisation"
    RETIRED = "retired_party"
    NOT_IN_NETWORK = "not_in_network"
    NO_MEMBER = "no_member"


REASON_WORDS = {
    Reason.ORIGINATING: _l("originating party"),
    Reason.OBSERVER: _l("observer"),
    Reason.SUPPORT: _l("support organisation"),
    Reason.RETIRED: _l("retired party"),
    Reason.NOT_IN_NETWORK: _l("no longer in this network"),
    Reason.NO_MEMBER: _l("no member in this network"),
}


def reason_word(reason: str | None) -> str:
    """The reason in the reader's language ("" for an expected party)."""
    return str(REASON_WORDS[Reason(reason)]) if reason else ""


@dataclass
class GridRow:
    """One party's line in the acknowledgement grid."""

    party_code: str
    party_name: str
    delivered_at: datetime | None
    opened_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str
    overdue: bool
    expected: bool = True
    reason: str | None = None
    delay_seconds: int | None = None

    @property
    def state(self) -> str:
        """``acknowledged``, ``delivered`` or ``missing`` (the page's ``data-state``)."""
        return "acknowledged" if self.acknowledged_at else ("delivered" if self.delivered_at else "missing")

    def as_json(self) -> dict[str, Any]:
        """The row as the API and the live grid show it."""
        from cmc.schemas import GridRowSchema

        return GridRowSchema().dump(self)


@dataclass(frozen=True)
class GridSummary:
    """The figures over the expected parties of the rows one reads: "9 of 14 acknowledged, 3 overdue"."""

    expected: int
    acknowledged: int
    overdue: int

    @property
    def missing(self) -> int:
        """Expected parties that have not acknowledged yet."""
        return self.expected - self.acknowledged

    @property
    def percent(self) -> int:
        """The share acknowledged, in whole percent (0 when nobody is expected)."""
        return round(100 * self.acknowledged / self.expected) if self.expected else 0


def summary(rows: Iterable[GridRow]) -> GridSummary:
    """The summary of ``rows`` (only expected parties count)."""
    expected = [row for row in rows if row.expected]
    return GridSummary(expected=len(expected), acknowledged=sum(1 for r in expected if r.acknowledged_at),
                       overdue=sum(1 for r in expected if r.overdue))


def reasons(alert: Alert, parties: Iterable[Party]) -> dict[int, Reason | None]:
    """For each party, why it is not expected to acknowledge the alert (None: it is expected). Two queries,
    whatever the number of parties."""
    parties = list(parties)
    in_network = {party.id for party in alert.network.parties}
    staffed = set(db.session.scalars(
        select(Account.party_id).join(Membership, Membership.account_id == Account.id).where(
            Membership.network_id == alert.network_id, Account.active.is_(True),
            Account.party_id.in_([party.id for party in parties])).distinct()))
    result: dict[int, Reason | None] = {}
    for party in parties:
        if party.id == alert.party_id:
            result[party.id] = Reason.ORIGINATING
        elif party.status == PartyStatus.OBSERVER:
            result[party.id] = Reason.OBSERVER
        elif party.status != PartyStatus.MEMBER:
            result[party.id] = Reason.SUPPORT
        elif party.retired:
            result[party.id] = Reason.RETIRED
        elif party.id not in in_network:
            result[party.id] = Reason.NOT_IN_NETWORK
        elif party.id not in staffed:
            result[party.id] = Reason.NO_MEMBER
        else:
            result[party.id] = None
    return result


def build_row(alert: Alert, party: Party, receipt: AlertReceipt | None, now: datetime,
              reason: Reason | None) -> GridRow:
    """The one builder of a row, for the page, the API, the CSV and the live push alike. An expected party is
    overdue when it has not acknowledged within the alert's window, unless the alert is cancelled or is itself
    a cancellation (nobody acts on it then); a party not expected is never overdue."""
    acknowledged_at = receipt.acknowledged_at if receipt else None
    deadline = (alert.published_at or now) + timedelta(minutes=alert.ack_within_minutes)
    overdue = (reason is None and acknowledged_at is None and alert.cancelled_at is None
               and alert.msg_type != MsgType.CANCEL and now > deadline)
    delay = None
    if acknowledged_at is not None and alert.published_at is not None:
        delay = max(0, int((acknowledged_at - alert.published_at).total_seconds()))
    who = receipt.acknowledged_by.name if receipt and receipt.acknowledged_by else ""
    return GridRow(party.code, party.name, receipt.delivered_at if receipt else None,
                   receipt.opened_at if receipt else None, acknowledged_at, who, overdue=overdue,
                   expected=reason is None, reason=str(reason) if reason else None, delay_seconds=delay)


def grid_row(alert: Alert, receipt: AlertReceipt, now: datetime) -> GridRow:
    """The row of one receipt's party (the live push: one party's line changed)."""
    return build_row(alert, receipt.party, receipt, now, reasons(alert, [receipt.party])[receipt.party_id])


def order(rows: Iterable[GridRow]) -> list[GridRow]:
    """Expected parties first: those still missing (overdue first, then not even delivered, then by name),
    then those that acknowledged (by name); then the parties not expected, by name."""
    return sorted(rows, key=lambda row: (False, row.acknowledged_at is not None, not row.overdue,
                                         row.delivered_at is not None, row.party_name) if row.expected
                  else (True, False, False, False, row.party_name))


def grid(actor: Account, alert_id: int) -> list[GridRow]:
    """One row per party of the alert (its receipts, and parties that joined the network since), in
    :func:`order`. Coordinators and the secretariat read every party; others their own party's line only."""
    alert = get(actor, alert_id, audit_read=False)
    receipts = db.session.scalars(select(AlertReceipt).where(AlertReceipt.alert_id == alert.id).options(
        joinedload(AlertReceipt.party), joinedload(AlertReceipt.acknowledged_by))).all()
    by_party: dict[int, tuple[Party, AlertReceipt | None]] = {r.party_id: (r.party, r) for r in receipts}
    for party in alert.network.parties:
        by_party.setdefault(party.id, (party, None))
    if not permissions.can(actor, "alert.grid", alert):
        by_party = {pid: pair for pid, pair in by_party.items() if pid == actor.party_id}
    why = reasons(alert, [party for party, _receipt in by_party.values()])
    now = utcnow()
    return order(build_row(alert, party, receipt, now, why[pid]) for pid, (party, receipt) in by_party.items())


def duration_words(seconds: int) -> str:
    """A duration as people say it, in the reader's language: "less than a minute", "12 minutes",
    "1 hour 5 minutes", "2 days 3 hours" (two units at most; the same words as ``static/js/alerts.js``)."""
    minutes = seconds // 60
    if minutes < 1:
        return _("less than a minute")
    if minutes < 60:
        return ngettext("%(num)d minute", "%(num)d minutes", minutes)
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        larger, smaller = ngettext("%(num)d hour", "%(num)d hours", hours), (
            ngettext("%(num)d minute", "%(num)d minutes", rest) if rest else "")
    else:
        days, hours = divmod(hours, 24)
        larger, smaller = ngettext("%(num)d day", "%(num)d days", days), (
            ngettext("%(num)d hour", "%(num)d hours", hours) if hours else "")
    # Translators: a duration of two units, e.g. "1 hour" and "5 minutes".
    return _("%(larger)s %(smaller)s", larger=larger, smaller=smaller) if smaller else larger


def delay_words(seconds: int | None) -> str:
    """How long after publication a party acknowledged: "after 12 minutes" ("" when unknown)."""
    if seconds is None:
        return ""
    # Translators: how long after the alert's publication a party acknowledged it, e.g. "after 12 minutes".
    return _("after %(duration)s", duration=duration_words(seconds))
