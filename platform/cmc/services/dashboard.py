"""The situation dashboard: how fast each member state acknowledges alerts, what kinds of alert came month by
month, and which action items are still open, for the networks the reader may read (the secretariat: all).

Every figure is computed in the database (counts grouped there; the median delay with PostgreSQL's
``percentile_cont``, or from the delays themselves on SQLite, the embedded profile's small data), so the page
costs the same whether a party received ten alerts or ten thousand. A party counts for an alert when it was
asked to acknowledge it: a member state of the network (not an observer, not a support organisation), not the
alert's sender, and never for a Cancel message (nothing to act on).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, or_, select
from sqlalchemy.orm import aliased

from cmc.extensions import db
from cmc.models import (
    Account,
    ActionItem,
    ActionStatus,
    Alert,
    AlertInfo,
    AlertReceipt,
    Meeting,
    MsgType,
    Network,
    Party,
)
from cmc.services.alerts.access import readable
from cmc.services.alerts.rows import party_asked_clause
from cmc.services.meetings.access import only_visible as visible_meetings

#: The window of the acknowledgement figures, and how many months the alerts-by-kind figure covers.
WINDOW_DAYS = 90
MONTHS = 12


@dataclass(frozen=True)
class PartyPace:
    """One member state's acknowledgements over the window."""

    code: str
    name: str
    asked: int
    acknowledged: int
    median_seconds: float | None

    @property
    def share(self) -> float:
        """The share acknowledged, 0 to 1 (0 when nothing was asked)."""
        return self.acknowledged / self.asked if self.asked else 0.0


@dataclass
class MonthlyKinds:
    """Alerts published per month (oldest first) and per kind of event (the sender's own words)."""

    months: list[str]
    kinds: dict[str, list[int]] = field(default_factory=dict)

    @property
    def totals(self) -> list[int]:
        """Alerts of every kind, per month."""
        return [sum(counts[i] for counts in self.kinds.values()) for i in range(len(self.months))]


@dataclass(frozen=True)
class OwnerActions:
    """Open action items of one owner (a party or a network), and how many of them are past due."""

    owner: str
    open: int
    overdue: int


def _asked(actor: Account, since: datetime) -> Any:
    """SQL: receipts of alerts the actor may read, published since ``since``, whose party was asked."""
    return and_(readable(actor), Alert.published_at >= since, AlertReceipt.alert_id == Alert.id,
                Party.id == AlertReceipt.party_id, party_asked_clause(Alert.party_id, Alert.msg_type))


def _delay_seconds(dialect: str) -> Any:
    if dialect == "postgresql":
        return func.extract("epoch", AlertReceipt.acknowledged_at - Alert.published_at)
    return (func.julianday(AlertReceipt.acknowledged_at) - func.julianday(Alert.published_at)) * 86400.0


def party_pace(actor: Account, now: datetime) -> list[PartyPace]:
    """Each member state's share acknowledged and median time to acknowledge over the last
    :data:`WINDOW_DAYS` days, slowest share first (then by name)."""
    since = now - timedelta(days=WINDOW_DAYS)
    dialect = db.session.get_bind().dialect.name
    delay = _delay_seconds(dialect)
    acknowledged = func.count(AlertReceipt.acknowledged_at)
    columns: list[Any] = [Party.code, Party.name, func.count(), acknowledged]
    if dialect == "postgresql":
        columns.append(func.percentile_cont(0.5).within_group(cast(delay, Float)))
    query = select(*columns).select_from(Alert).join(AlertReceipt, AlertReceipt.alert_id == Alert.id) \
        .join(Party, Party.id == AlertReceipt.party_id).where(_asked(actor, since)) \
        .group_by(Party.id, Party.code, Party.name)
    found = db.session.execute(query).all()
    medians: dict[str, float | None] = {row[0]: row[4] for row in found} if dialect == "postgresql" else {}
    if dialect != "postgresql":
        delays: dict[str, list[float]] = {}
        for code, seconds in db.session.execute(
                select(Party.code, delay).select_from(Alert).join(AlertReceipt, AlertReceipt.alert_id == Alert.id)
                .join(Party, Party.id == AlertReceipt.party_id)
                .where(_asked(actor, since), AlertReceipt.acknowledged_at.is_not(None))):
            delays.setdefault(code, []).append(float(seconds))
        medians = {code: statistics.median(values) for code, values in delays.items()}
    pace = [PartyPace(code=row[0], name=row[1], asked=int(row[2]), acknowledged=int(row[3]),
                      median_seconds=float(medians[row[0]]) if medians.get(row[0]) is not None else None)
            for row in found]
    return sorted(pace, key=lambda p: (p.share, p.name.casefold()))


def _month_keys(now: datetime) -> list[str]:
    year, month = now.year, now.month
    keys = []
    for _ in range(MONTHS):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return keys[::-1]


def alerts_by_month(actor: Account, now: datetime) -> MonthlyKinds:
    """Alerts published in each of the last :data:`MONTHS` months, by the event their sender named."""
    months = _month_keys(now)
    dialect = db.session.get_bind().dialect.name
    month = func.to_char(Alert.published_at, "YYYY-MM") if dialect == "postgresql" \
        else func.strftime("%Y-%m", Alert.published_at)
    block = aliased(AlertInfo)  # the sender's first block: the event in the sender's own words
    first_block = select(func.min(block.id)).where(block.alert_id == Alert.id, block.added_by_id.is_(None)) \
        .correlate(Alert).scalar_subquery()
    since = datetime(int(months[0][:4]), int(months[0][5:]), 1, tzinfo=UTC)
    rows = db.session.execute(
        select(month, AlertInfo.event, func.count()).select_from(Alert)
        .join(AlertInfo, AlertInfo.id == first_block)
        .where(readable(actor), Alert.published_at >= since, Alert.msg_type == MsgType.ALERT)
        .group_by(month, AlertInfo.event)).all()
    figure = MonthlyKinds(months=months)
    index = {key: i for i, key in enumerate(months)}
    for key, event, count in rows:
        if key in index:
            figure.kinds.setdefault(event, [0] * len(months))[index[key]] += int(count)
    figure.kinds = dict(sorted(figure.kinds.items(), key=lambda item: (-sum(item[1]), item[0].casefold())))
    return figure


def open_actions(actor: Account, today: Any) -> list[OwnerActions]:
    """Open action items of the meetings the actor may see, by owner, most first."""
    owner = func.coalesce(Party.name, Network.name)
    overdue = func.sum(case((and_(ActionItem.due_date.is_not(None), ActionItem.due_date < today), 1), else_=0))
    query = select(owner, func.count(), overdue).select_from(ActionItem) \
        .join(Meeting, Meeting.id == ActionItem.meeting_id) \
        .outerjoin(Party, Party.id == ActionItem.owner_party_id) \
        .outerjoin(Network, Network.id == ActionItem.owner_network_id) \
        .where(ActionItem.status != ActionStatus.DONE,
               or_(ActionItem.owner_party_id.is_not(None), ActionItem.owner_network_id.is_not(None))) \
        .group_by(owner)
    rows = db.session.execute(visible_meetings(query, actor)).all()
    found = [OwnerActions(owner=str(name), open=int(count), overdue=int(late or 0)) for name, count, late in rows]
    return sorted(found, key=lambda o: (-o.open, o.owner.casefold()))
