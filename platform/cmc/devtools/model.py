"""The model of the benchmark data: the counts of a run (its plan), the constants the benchmarks sign in
with, what the generator knows about each network, and the state the sections of one run share."""

from __future__ import annotations

import csv
import math
import random
import time as clock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from cmc.extensions import db
from cmc.models import Account, AgendaItem, Alert, AuditEvent, Document, Meeting, Network, Party, PartyStatus, Thread
from cmc.services import seed as base_seed

#: The password of every generated account (printed at the end; benchmark data only).
SCALE_PASSWORD = "scale-benchmark-2026"  # noqa: S105 - printed on purpose; benchmark data only
#: The TOTP secret of every generated network coordinator: coordinators must use a second factor, so the
#: benchmarks compute their codes from this (``pyotp.TOTP(SCALE_TOTP_SECRET).now()``).
SCALE_TOTP_SECRET = "CMCSCALEBENCHMARKSECRET234567ABC"  # noqa: S105 - benchmark data only
#: Generated accounts are ``member0001@scale.cmc.test``, ``member0002@...`` and so on.
EMAIL_DOMAIN = "scale.cmc.test"
#: The network that holds every generated account (the fan-out benchmark's big room).
BIG_NETWORK = "migrant-smuggling"
SEED = 20_260_101
BATCH = 5_000  # rows per INSERT batch: big enough to amortise round trips, small enough for memory
YEARS = 3

#: Counts at scale 1 (parties are always the 27 bundled ones).
BASE = {"accounts": 1_000, "networks": 8, "threads": 10_000, "documents": 20_000, "alerts": 100_000,
        "meetings": 300}

#: Tables that a normal ``cmc seed`` fills; every other table must be empty before a scale seed.
_SEED_TABLES = {"parties", "networks", "network_parties", "network_texts", "alert_event_types", "audit_events"}
_SEED_AUDIT_ACTIONS = {"party.seed", "network.seed"}
#: Tables whose ids the generator assigns itself (so that rows can point at each other without a round trip).
EXPLICIT_ID_TABLES = (Account, Thread, Document, Alert, Meeting, AgendaItem)


def email_of(number: int) -> str:
    """The email of generated account ``number`` (1-based)."""
    return f"member{number:04d}@{EMAIL_DOMAIN}"


class ScaleSeedRefused(Exception):
    """The scale seed cannot run here (bad scale, or the database holds more than the normal seed)."""


@dataclass(frozen=True)
class ScalePlan:
    """How many of each thing a run generates."""

    scale: float
    accounts: int
    networks: int
    threads: int
    documents: int
    alerts: int
    meetings: int


def plan(scale: float, alerts: int | None = None) -> ScalePlan:
    """The counts for ``scale`` (each at least the minimum that still makes a coherent data set)."""
    if not isinstance(scale, int | float) or not math.isfinite(scale) or scale <= 0:
        raise ScaleSeedRefused(f"--scale must be a number greater than 0 (got {scale}).")
    if alerts is not None and alerts < 0:
        raise ScaleSeedRefused(f"--alerts must be 0 or more (got {alerts}).")

    def count(name: str, minimum: int) -> int:
        return max(minimum, round(BASE[name] * scale))

    # Two accounts at least: one plain member and one coordinator.
    return ScalePlan(scale=scale, accounts=count("accounts", 2), networks=count("networks", len(base_seed.NETWORKS)),
                     threads=count("threads", 1), documents=count("documents", 1),
                     alerts=count("alerts", 1) if alerts is None else alerts, meetings=count("meetings", 1))


def refusal() -> str | None:
    """Why the database may not be scale-seeded (it holds more than the normal seed), or None."""
    bundled = {item.slug for item in base_seed.NETWORKS}
    for table in db.metadata.sorted_tables:
        if table.name in _SEED_TABLES:
            continue
        if db.session.scalar(select(func.count()).select_from(table)):
            return f"the table {table.name} is not empty"
    extra = db.session.scalars(select(Network.slug).where(Network.slug.not_in(bundled))).first()
    if extra is not None:
        return f"the network {extra} is not one of the seed's networks"
    source = resources.files("cmc").joinpath("data/parties.csv").read_text(encoding="utf-8")
    codes = {row["code"] for row in csv.DictReader(source.splitlines())}
    extra = db.session.scalars(select(Party.code).where(Party.code.not_in(codes))).first()
    if extra is not None:
        return f"the party {extra} is not one of the bundled parties"
    action = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.not_in(_SEED_AUDIT_ACTIONS))).first()
    if action is not None:
        return f"the audit trail records {action}, which the normal seed does not"
    return None



# --- the generator --------------------------------------------------------------------------------------

@dataclass
class Net:
    """What the generator needs to know about one network."""

    id: int
    slug: str
    alerts_enabled: bool
    party_ids: list[int]
    members: list[int] = field(default_factory=list)
    posters: list[int] = field(default_factory=list)  # members who may post (not observers)
    coordinators: list[int] = field(default_factory=list)
    by_party: dict[int, list[int]] = field(default_factory=dict)  # party id -> member account ids
    documents: list[tuple[datetime, int]] = field(default_factory=list)  # (created, id), oldest first


@dataclass
class Run:
    """State shared by the sections of one run."""

    plan: ScalePlan
    now: datetime
    start: datetime
    storage: Any
    echo: Callable[[str], None]
    party_ids: list[int] = field(default_factory=list)
    party_code: dict[int, str] = field(default_factory=dict)
    party_status: dict[int, PartyStatus] = field(default_factory=dict)
    party_languages: dict[int, list[str]] = field(default_factory=dict)
    account_party: dict[int, int] = field(default_factory=dict)
    account_name: dict[int, str] = field(default_factory=dict)
    focal_point: dict[int, int] = field(default_factory=dict)  # party id -> its focal point's account id
    nets: list[Net] = field(default_factory=list)
    activities: list[tuple[datetime, int, int | None, str, str, int, str]] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    made_dirs: set[Path] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=clock.monotonic)

    def step(self, what: str, count: int) -> None:
        self.counts[what] = count
        self.echo(f"  {what:<22} {count:>9,}  ({clock.monotonic() - self.started:6.1f} s)")


def rng(section: str) -> random.Random:
    # A generator per section (string seeds are hashed with SHA-512: stable across runs and processes).
    return random.Random(f"{SEED}:{section}")


def times(rng: random.Random, count: int, start: datetime, end: datetime) -> list[datetime]:
    """``count`` moments spread evenly at random between ``start`` and ``end``, oldest first, whole seconds."""
    span = (end - start).total_seconds()
    return sorted(start + timedelta(seconds=int(span * rng.random())) for _ in range(count))


def next_id(model: Any) -> int:
    return int(db.session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1


def pick_network(rng: random.Random, nets: list[Net], weights: list[float]) -> Net:
    return rng.choices(nets, weights)[0]


def posting_networks(run: Run) -> tuple[list[Net], list[float]]:
    nets = [n for n in run.nets if n.posters]
    # The big network is the busiest, as migrant smuggling is in the real consultations.
    return nets, [3.0 if n.slug == BIG_NETWORK else 1.0 for n in nets]
