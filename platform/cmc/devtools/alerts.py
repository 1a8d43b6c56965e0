"""Alerts of the benchmark data over about three years: who wrote and approved each, the chains of updates and
cancellations, the CAP text, and two to six acknowledging parties per published alert."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cmc.devtools import model
from cmc.devtools.bulk import insert
from cmc.devtools.model import BATCH, BIG_NETWORK, Net, Run
from cmc.devtools.words import PLACES, Text
from cmc.models import Alert, AlertInfo, AlertReceipt, AlertState, CapStatus, MsgType, PartyStatus
from cmc.services import alerts as alert_service


@dataclass
class _AlertShape:
    """The workflow side of one alert, decided before any text is written."""

    net: Net
    at: datetime
    author: int
    approver: int | None
    state: AlertState
    msg_type: MsgType = MsgType.ALERT
    references: int | None = None  # index into the run's alerts
    superseded_by: int | None = None
    cancelled_at: datetime | None = None


def _alert_shapes(run: Run, rng: random.Random, nets: list[Net]) -> list[_AlertShape]:
    """Who wrote and published each alert, and the chains of updates and cancellations."""
    weights = [4.0 if n.slug == BIG_NETWORK else 1.0 for n in nets]
    shapes: list[_AlertShape] = []
    live: dict[int, list[int]] = {n.id: [] for n in nets}  # alerts that may still be updated, per network
    root: list[int] = []
    chains: dict[int, list[int]] = {}
    for index, moment in enumerate(model.times(rng, run.plan.alerts, run.start, run.now)):
        net = model.pick_network(rng, nets, weights)
        coordinator = rng.choice(net.coordinators)
        by_member = rng.random() < 0.25 and len(net.posters) > 1  # submitted by a member, then approved
        author = rng.choice(net.posters) if by_member else coordinator
        roll = rng.random()
        state = (AlertState.DRAFT if roll < 0.003 else AlertState.SUBMITTED if roll < 0.006
                 else AlertState.PUBLISHED)
        shape = _AlertShape(net=net, at=moment, author=author,
                            approver=coordinator if state == AlertState.PUBLISHED else None, state=state)
        shapes.append(shape)
        root.append(index)
        candidates = live[net.id]
        roll = rng.random()
        if state == AlertState.PUBLISHED and candidates and roll < 0.08:
            # An update (6 %) or a cancellation (2 %) of one of the network's recent alerts.
            original = candidates.pop(len(candidates) - 1 - rng.randrange(min(20, len(candidates))))
            shape.msg_type, shape.references = (MsgType.UPDATE if roll < 0.06 else MsgType.CANCEL), original
            shapes[original].superseded_by = index
            root[index] = root[original]
            chains.setdefault(root[index], [root[index]]).append(index)
            if shape.msg_type == MsgType.CANCEL:
                for member in chains[root[index]]:  # as revise() does: the whole chain, the Cancel included
                    shapes[member].cancelled_at = moment
        if state == AlertState.PUBLISHED and shape.msg_type != MsgType.CANCEL:
            candidates.append(index)
    return shapes


def make_alerts(run: Run) -> None:
    """Alerts over about three years in the networks with alerts, two to six acknowledging parties each."""
    nets = [n for n in run.nets if n.alerts_enabled and n.coordinators]
    if not nets or run.plan.alerts == 0:
        run.step("alerts", 0)
        return
    shapes = _alert_shapes(run, model.rng("alerts"), nets)
    rng = model.rng("alert-text")
    words = Text(rng)
    first = model.next_id(Alert)
    rows: list[dict[str, Any]] = []
    infos: list[dict[str, Any]] = []
    receipts: list[dict[str, Any]] = []
    receipt_total = 0
    codes = {net.id: [run.party_code[p] for p in net.party_ids
                      if run.party_status[p] == PartyStatus.MEMBER] or [run.party_code[p] for p in net.party_ids]
             for net in nets}
    for index, shape in enumerate(shapes):
        row, info, acknowledged = _one_alert(run, rng, words, first, index, shape, codes[shape.net.id])
        rows.append(row)
        infos.append(info)
        receipts += acknowledged
        if len(rows) >= BATCH:
            receipt_total += _write_alerts(rows, infos, receipts)
            rows, infos, receipts = [], [], []
    receipt_total += _write_alerts(rows, infos, receipts)
    run.step("alerts", len(shapes))
    run.step("acknowledgements", receipt_total)


def _one_alert(run: Run, rng: random.Random, words: Text, first: int, index: int, shape: _AlertShape,
               codes: list[str]) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """One alert's row, its info and, when published, its acknowledgements (and its activity line)."""
    alert_id = first + index
    _code, event, category, urgency, severity, certainty, headline, instruction = rng.choice(
        alert_service.SMUGGLING_EVENT_TYPES)
    if rng.random() < 0.3:
        severity = rng.choice(("Extreme", "Severe", "Moderate", "Minor"))
    place = rng.choice(PLACES)
    headline = headline.format(area=place)
    if shape.msg_type != MsgType.ALERT:
        headline = ("Update: " if shape.msg_type == MsgType.UPDATE else "Cancelled: ") + headline
    published = shape.state == AlertState.PUBLISHED
    expires = None if shape.msg_type == MsgType.CANCEL else shape.at + timedelta(days=rng.randint(1, 14))
    if shape.msg_type == MsgType.CANCEL or shape.superseded_by is not None or shape.cancelled_at is not None:
        active_until = shape.cancelled_at or shape.at  # no longer current (alerts service: _active_until)
    else:
        active_until = expires
    within = rng.choice((30, 60, 60, 60, 120, 240))
    deadline = shape.at + timedelta(minutes=within)
    row = {
        "id": alert_id, "network_id": shape.net.id,
        "identifier": f"cmc-{shape.net.slug}-{rng.getrandbits(128):032x}",
        "author_id": shape.author, "party_id": run.account_party[shape.author], "state": shape.state,
        "status": rng.choices(list(CapStatus), (97, 2, 1))[0], "msg_type": shape.msg_type,
        "references_id": None if shape.references is None else first + shape.references,
        "restriction": "For members of the network only", "note": "", "review_comment": "",
        "idempotency_key": None, "ack_within_minutes": within,
        "created_at": shape.at - timedelta(minutes=rng.randint(1, 240) if shape.author != shape.approver else 1),
        "published_at": shape.at if published else None, "approved_by_id": shape.approver,
        "superseded_by_id": None if shape.superseded_by is None else first + shape.superseded_by,
        "cancelled_at": shape.cancelled_at, "active_until": active_until,
        # Past alerts were flagged by the reminder long ago; without this, the first `alerts remind`
        # would audit and mail every one of them.
        "overdue_notified_at": deadline if published and deadline < run.now else None}
    lat, lon = rng.uniform(10.0, 27.0), rng.uniform(-90.0, -59.0)
    info = {
        "alert_id": alert_id, "language": "en", "category": category, "event": event, "urgency": urgency,
        "severity": severity, "certainty": certainty, "headline": headline[:160],
        "description": words.paragraph(1, 3, place=place), "instruction": instruction,
        "expires": expires,
        "area_desc": f"Coast and waters off {place}",
        "geocodes": rng.sample(codes, min(len(codes), rng.randint(1, 3))),
        "circle": f"{lat:.2f},{lon:.2f} {rng.randint(5, 80)}" if rng.random() < 0.3 else "", "polygon": ""}
    receipts: list[dict[str, Any]] = []
    if published:
        parties = sorted(shape.net.by_party)
        for party in rng.sample(parties, min(len(parties), rng.randint(2, 6))):
            delivered = shape.at + timedelta(seconds=rng.randint(1, 120))
            opened = delivered + timedelta(seconds=rng.randint(10, 1_800))
            receipts.append({
                "alert_id": alert_id, "party_id": party, "delivered_at": delivered, "opened_at": opened,
                "acknowledged_at": opened + timedelta(seconds=rng.randint(30, within * 90)),
                "acknowledged_by_id": rng.choice(shape.net.by_party[party])})
        run.activities.append((shape.at, shape.net.id, shape.approver, "alert.new", "alert", alert_id,
                               f"[{severity}] {headline}"))
    return row, info, receipts


def _write_alerts(rows: list[dict[str, Any]], infos: list[dict[str, Any]], receipts: list[dict[str, Any]]) -> int:
    # superseded_by_id is a plain column and references_id points backwards only, so batch order is safe.
    insert(Alert, rows)
    insert(AlertInfo, infos)
    insert(AlertReceipt, receipts)
    return len(receipts)
