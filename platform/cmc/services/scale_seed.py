"""Benchmark data: ``cmc seed --scale N`` fills an empty (or freshly seeded) database with a large,
realistic and reproducible data set.

At scale 1: the 27 bundled parties, 1,000 accounts, 8 networks, 10,000 threads with replies, 20,000
documents (small real TXT, PDF and DOCX files in the real storage layout, indexed for search exactly as an
upload is), 100,000 alerts over about three years with acknowledgements, and 300 meetings with agendas.
Every count but the parties grows linearly with N; ``alerts`` overrides the alert count alone.

Speed matters more than going through the services one row at a time (the benchmarks want scale 1 in well
under three minutes on two cores): rows are written with bulk Core inserts inside one transaction, the one
password hash is reused, and no audit row is written per generated item. One ``seed.scale`` audit row is
appended through the normal chain at the end, so ``cmc audit verify`` still passes.

Text comes from word lists and templates with fixed random seeds. Each part of the data (accounts, threads,
documents, alerts, meetings) draws from a generator of its own, so changing the alert count leaves
everything else exactly as it was (the growth benchmark relies on that).
"""

from __future__ import annotations

import csv
import enum
import hashlib
import json
import math
import os
import random
import re
import time as clock
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import JSON, Enum, Table, func, select, text
from sqlalchemy.orm import DeclarativeBase

from cmc import sample_files
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import (
    Account,
    Activity,
    AgendaItem,
    AgendaVersion,
    Alert,
    AlertInfo,
    AlertReceipt,
    AlertState,
    Audience,
    AuditEvent,
    CapStatus,
    Document,
    DocumentKind,
    DocumentText,
    DocumentVersion,
    ItemKind,
    Meeting,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    Membership,
    MsgType,
    Network,
    NetworkKind,
    NetworkRole,
    Party,
    PartyStatus,
    ProtocolStatus,
    Reply,
    Role,
    Thread,
    ThreadVisit,
    document_parties,
)
from cmc.models.types import UTCDateTime
from cmc.services import alerts as alert_service
from cmc.services import audit, networks
from cmc.services import seed as base_seed
from cmc.services.extract import limits_from_config, read_trusted
from cmc.services.passwords import hash_password
from cmc.uploads import ALLOWED

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
_SEED_TABLES = {"parties", "networks", "network_parties", "alert_event_types", "audit_events"}
_SEED_AUDIT_ACTIONS = {"party.seed", "network.seed"}
#: Tables whose ids the generator assigns itself (so that rows can point at each other without a round trip).
_EXPLICIT_ID_TABLES = (Account, Thread, Document, Alert, Meeting, AgendaItem)


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


# --- word lists and templates ---------------------------------------------------------------------------
# Plain words only (no Markdown syntax, no characters outside Latin-1): bodies then render to simple
# paragraphs, and every PDF can show them with its standard font.

FIRST_NAMES = (
    "Aaliyah", "Adrian", "Akeem", "Alicia", "Andre", "Anya", "Carlos", "Celeste", "Dahlia", "Damian", "Denise",
    "Desmond", "Elena", "Errol", "Fabiola", "Gabriel", "Gillian", "Haydn", "Imani", "Jacqueline", "Jamal",
    "Javier", "Jerome", "Josette", "Kamala", "Kareem", "Keisha", "Kervin", "Latoya", "Leon", "Lisette",
    "Lucia", "Malik", "Marcia", "Marisol", "Nadia", "Nathaniel", "Nicole", "Odette", "Omar", "Patrice",
    "Pedro", "Quincy", "Rachel", "Ramesh", "Renee", "Rohan", "Sabrina", "Sanjay", "Shanice", "Sherwin",
    "Simone", "Stefan", "Tamara", "Tevin", "Valerie", "Vernon", "Wendell", "Yolanda", "Zara",
)
LAST_NAMES = (
    "Alleyne", "Baptiste", "Bethel", "Blackman", "Boodram", "Campbell", "Charles", "Clarke", "Cumberbatch",
    "Da Silva", "Delgado", "Douglas", "Edwards", "Ferguson", "Fernandez", "Forde", "Francis", "Gomez", "Gonzales",
    "Grant", "Harewood", "Henry", "Hinds", "Ince", "Jadoo", "James", "Joseph", "Knight", "Lewis", "Marcano",
    "Maharaj", "Martinez", "Mohammed", "Moore", "Mitchell", "Nurse", "Persaud", "Pierre", "Ramdial", "Ramirez",
    "Rolle", "Samuel", "Sealy", "Singh", "Smith", "St. Hill", "Thomas", "Toussaint", "Vasquez", "Walcott",
    "Williams", "Young",
)
TITLES = (
    "Immigration Officer", "Senior Immigration Officer", "Border Control Supervisor", "Policy Analyst",
    "Legal Officer", "Protection Officer", "Coast Guard Liaison", "Statistician", "Consular Officer",
    "Director of Immigration", "Deputy Chief Immigration Officer", "Programme Officer", "Labour Attache",
    "Refugee Status Determination Officer", "Anti-Smuggling Investigator", "Data Analyst",
)
PLACES = (
    "Icacos", "Cedros", "Speyside", "Toco", "Port Antonio", "Montego Bay", "Ocho Rios", "Nassau", "Inagua",
    "Exuma", "Providenciales", "Grand Turk", "Samana", "Puerto Plata", "Cap Haitien", "Bridgetown",
    "Speightstown", "Castries", "Vieux Fort", "Kingstown", "Roseau", "Portsmouth", "Basseterre", "Charlestown",
    "Paramaribo", "Nickerie", "Georgetown", "Lethem", "Belize City", "Punta Gorda", "Willemstad", "Oranjestad",
    "Philipsburg", "Road Town", "George Town", "The Valley", "Codrington", "Scarborough", "Chaguaramas",
    "Port of Spain", "Santo Domingo", "Freeport", "Bimini", "Anse La Raye", "Soufriere", "Carriacou",
)
GROUPS = (
    "asylum seekers", "unaccompanied children", "migrant workers", "stranded migrants", "returning nationals",
    "families with young children", "seasonal agricultural workers", "people displaced by the hurricane",
    "victims of trafficking", "stateless persons", "students overstaying their visas", "fishers",
)
AGENCIES = (
    "the coast guard", "the immigration department", "the police", "the ministry of foreign affairs",
    "the national asylum office", "the ministry of labour", "customs", "the maritime authority",
    "the disaster management agency", "the child protection authority", "the civil registry",
)
TOPICS = (
    "border management", "refugee protection", "migrant smuggling", "trafficking in persons",
    "labour mobility", "disaster displacement", "return and reintegration", "migration data",
    "document fraud", "maritime interdiction", "reception capacity", "consular assistance",
    "statelessness", "regional free movement", "irregular sea arrivals", "protection screening",
)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
SENTENCES = (
    "Officers at {place} reported {n} {group} arriving by boat over the last {days} days.",
    "{Agency} intercepted a vessel near {place} carrying {n} people, several of them {group}.",
    "We would welcome figures from other parties on {topic} before the next meeting.",
    "The draft protocol on {topic} asks each party to name a focal point within {agency}.",
    "Screening at {place} identified {group} who may need international protection.",
    "Our ministry is reviewing procedures for {topic} together with {agency}.",
    "Smugglers appear to be moving departures from {place} to smaller landing points further along the coast.",
    "Reception facilities at {place} are close to capacity after the arrivals in {month}.",
    "Joint training on {topic} for officers of {agency} is planned for {month}.",
    "Information shared through the network helped {agency} prepare for arrivals at {place}.",
    "The number of {group} registered this quarter is {n}, up from the quarter before.",
    "Referral to the asylum procedure remains slow for {group}, and we would value advice from others.",
    "Forged entry stamps similar to those seen at {place} were reported again in {month}.",
    "We propose a regional exchange of practice on {topic} at the annual meeting.",
    "Cooperation between {agency} and partners in the region reduced waiting times at {place}.",
    "Weather conditions around {place} make small boat crossings especially dangerous at this time of year.",
    "A workshop on {topic} with IOM and UNHCR will take place in {place} in {month}.",
    "Our statistics unit can share anonymised data on {group} if the network agrees on a common format.",
    "Several {group} were assisted to return voluntarily after interviews at {place}.",
    "The contingency plan for mass arrivals at {place} was updated after the exercise in {month}.",
)
REPLY_OPENERS = (
    "Thank you for sharing this.", "We see the same pattern.", "Agreed.", "A short update from our side.",
    "Useful, thank you.", "We can confirm this.", "Following up on the point above.", "Good question.",
)
THREAD_TITLES = (
    "Arrivals at {place}: figures for {month}", "Sharing practice on {topic}", "Question on {topic} procedures",
    "{Topic}: draft regional protocol", "Vessel intercepted near {place}", "Reception capacity at {place}",
    "Training needs on {topic}", "Data exchange format for {topic}", "Update from {place} on {group}",
    "Referral of {group} in {month}", "Lessons from the exercise at {place}", "New route towards {place}?",
)
DOCUMENT_TITLES = (
    "{Topic}: national report {year}", "Quarterly statistics on {group}", "Protocol on {topic}",
    "Presentation on {topic} at {place}", "Statement on {topic}", "Minutes of the working group on {topic}",
    "Assessment of reception capacity at {place}", "Guidelines on {topic} for {agency}",
    "Situation report: {place}, {month} {year}", "Training manual on {topic}", "Regional overview of {topic}",
)
NETWORK_THEMES = (
    ("trafficking-in-persons", "Trafficking in Persons", NetworkKind.TECHNICAL, True),
    ("labour-mobility", "Labour Mobility", NetworkKind.THEMATIC, False),
    ("disaster-displacement", "Disaster Displacement", NetworkKind.THEMATIC, True),
    ("migration-data", "Migration Data and Statistics", NetworkKind.TECHNICAL, False),
    ("maritime-interdiction", "Maritime Interdiction", NetworkKind.TECHNICAL, True),
    ("return-reintegration", "Return and Reintegration", NetworkKind.THEMATIC, False),
    ("diaspora-dialogue", "Diaspora Dialogue", NetworkKind.DIALOGUE, False),
    ("unaccompanied-children", "Unaccompanied and Separated Children", NetworkKind.THEMATIC, False),
    ("consular-cooperation", "Consular Cooperation", NetworkKind.DIALOGUE, False),
    ("health-and-migration", "Health and Migration", NetworkKind.THEMATIC, False),
)
AGENDA_SESSIONS = (
    "Opening and adoption of the agenda", "Regional overview of {topic}", "Panel on {topic}",
    "National experiences with {topic}", "Working groups on {topic}", "Report of the {topic} network",
    "Presentation by IOM on {topic}", "Presentation by UNHCR on {topic}", "Coffee break", "Lunch",
    "Adoption of conclusions", "Closing",
)
VENUES = (
    ("Port of Spain", "TT", "Hyatt Regency"), ("Kingston", "JM", "Jamaica Conference Centre"),
    ("Nassau", "BS", "Baha Mar Convention Centre"), ("Bridgetown", "BB", "Lloyd Erskine Sandiford Centre"),
    ("Santo Domingo", "DO", "Hotel El Embajador"), ("Paramaribo", "SR", "Torarica Hotel"),
    ("Georgetown", "GY", "Arthur Chung Conference Centre"), ("Castries", "LC", "Bay Gardens Resort"),
    ("Willemstad", "CW", "World Trade Center Curacao"), ("Belize City", "BZ", "Radisson Fort George"),
)
# Document kinds and how often each occurs.
DOCUMENT_KINDS = (DocumentKind.REPORT,) * 4 + (DocumentKind.STATISTICS,) * 2 + (
    DocumentKind.PROTOCOL, DocumentKind.PRESENTATION, DocumentKind.STATEMENT, DocumentKind.MINUTES,
    DocumentKind.OTHER)


_CHOICES = {"place": PLACES, "group": GROUPS, "topic": TOPICS, "agency": AGENCIES, "month": MONTHS}
_RANGES = {"n": (3, 240), "days": (2, 30), "year": (2023, 2026)}


class _Slots(dict[str, str]):
    """Template values, drawn from the generator the first time a template asks for one."""

    def __init__(self, rng: random.Random, fixed: dict[str, str]) -> None:
        super().__init__(fixed)
        self.rng = rng

    def __missing__(self, key: str) -> str:
        if key in ("Topic", "Agency"):
            lower = self[key.lower()]
            value = lower[0].upper() + lower[1:]
        elif key in _CHOICES:
            value = self.rng.choice(_CHOICES[key])
        else:
            low, high = _RANGES[key]
            value = str(self.rng.randint(low, high))
        self[key] = value
        return value


class _Text:
    """Sentences, titles and bodies from the templates, drawn from one random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def fill(self, template: str, **fixed: str) -> str:
        # Slots are drawn only when the template uses them: most use two or three of the ten.
        return template.format_map(_Slots(self.rng, fixed))

    def sentence(self, **fixed: str) -> str:
        return self.fill(self.rng.choice(SENTENCES), **fixed)

    def paragraph(self, low: int = 2, high: int = 4, **fixed: str) -> str:
        return " ".join(self.sentence(**fixed) for _ in range(self.rng.randint(low, high)))

    def paragraphs(self, low: int, high: int, **fixed: str) -> list[str]:
        return [self.paragraph(**fixed) for _ in range(self.rng.randint(low, high))]


def body_html(paragraphs: Sequence[str]) -> str:
    """What ``markup.render`` makes of plain paragraphs, without running Markdown 40,000 times.

    Only valid for text made of the word lists above (no Markdown syntax, no ``<`` or ``&``); the tests
    compare it with ``markup.render`` on generated bodies.
    """
    return "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)


# --- the generator --------------------------------------------------------------------------------------

@dataclass
class _Net:
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
class _Run:
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
    nets: list[_Net] = field(default_factory=list)
    activities: list[tuple[datetime, int, int | None, str, str, int, str]] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    made_dirs: set[Path] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=clock.monotonic)

    def step(self, what: str, count: int) -> None:
        self.counts[what] = count
        self.echo(f"  {what:<22} {count:>9,}  ({clock.monotonic() - self.started:6.1f} s)")


def _rng(section: str) -> random.Random:
    # A generator per section (string seeds are hashed with SHA-512: stable across runs and processes).
    return random.Random(f"{SEED}:{section}")


def _times(rng: random.Random, count: int, start: datetime, end: datetime) -> list[datetime]:
    """``count`` moments spread evenly at random between ``start`` and ``end``, oldest first, whole seconds."""
    span = (end - start).total_seconds()
    return sorted(start + timedelta(seconds=int(span * rng.random())) for _ in range(count))


def _insert(target: type[DeclarativeBase] | Table | Any, rows: list[dict[str, Any]]) -> None:
    """Bulk insert ``rows`` (dicts with the same keys) inside the session's transaction.

    Below SQLAlchemy on purpose: its per-row parameter handling was most of the run time (600,000 alert rows).
    The values are converted once per column the way the column types would bind them, then PostgreSQL gets
    them through COPY and SQLite through one ``executemany`` per batch.
    """
    if not rows:
        return
    table = target if isinstance(target, Table) else target.__table__
    names = list(rows[0])
    connection = db.session.connection()
    dialect = connection.dialect
    converters = [_converter(table.c[name], dialect) for name in names]
    columns = ", ".join(names)
    cursor = connection.connection.cursor()
    try:
        for first in range(0, len(rows), BATCH):
            values = [tuple(value if convert is None or value is None else convert(value)
                            for value, convert in zip(row.values(), converters, strict=True))
                      for row in rows[first:first + BATCH]]
            if dialect.name == "postgresql":
                with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                    for value in values:
                        copy.write_row(value)
            else:
                marks = ", ".join("?" for _ in names)
                cursor.executemany(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", values)  # noqa: S608
    finally:
        cursor.close()


def _converter(column: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """How a column's type turns a Python value into what the driver receives (None: as it is)."""
    kind = column.type
    if isinstance(kind, UTCDateTime):
        # Aware UTC in, naive UTC stored (as UTCDateTime does), formatted as SQLAlchemy formats it on SQLite.
        store = kind.impl_instance.dialect_impl(dialect).bind_processor(dialect)
        if store is None:
            return lambda value: value.astimezone(UTC).replace(tzinfo=None)
        return lambda value: store(value.astimezone(UTC).replace(tzinfo=None))
    if isinstance(kind, Enum):
        return lambda value: value.value if isinstance(value, enum.Enum) else str(value)
    if isinstance(kind, JSON):
        return json.dumps
    return kind.dialect_impl(dialect).bind_processor(dialect)


def _next_id(model: Any) -> int:
    return int(db.session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1


def seed_scale(scale: float, *, alerts: int | None = None, now: datetime | None = None,
               echo: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Generate the benchmark data set for ``scale`` (and ``alerts`` alerts when given) and return a summary.

    Runs the normal seed first when the database is empty; raises ``ScaleSeedRefused`` (having changed
    nothing) for a bad scale or a database that holds more than the normal seed.
    """
    the_plan = plan(scale, alerts)
    reason = refusal()
    if reason is not None:
        raise ScaleSeedRefused(f"The database holds more than the normal seed ({reason}). "
                               "Scale seeding runs only on an empty or freshly seeded database.")
    db.session.commit()  # end the read transaction of the checks
    base_seed.seed()  # the 27 parties and the three networks of the first meeting (no-op when seeded)
    end = (now or datetime.now(UTC)).replace(microsecond=0) - timedelta(minutes=5)
    run = _Run(plan=the_plan, now=end, start=end - timedelta(days=365 * YEARS),
               storage=current_app.extensions["cmc_storage"], echo=echo or (lambda _line: None))
    run.echo(f"Scale seed {scale:g}: {asdict(the_plan)}")
    try:
        with write_transaction():
            _load_parties(run)
            _networks(run)
            _accounts(run, hash_password(SCALE_PASSWORD))
            _threads(run)
            _documents(run)
            _meetings(run)
            _alerts(run)
            _activities(run)
            _fix_sequences()
            audit.record(None, "seed.scale", target_type="database", actor_label="seed",
                         details={"scale": scale, **run.counts})
            os.sync()  # the files must be on disk before the rows that point at them are committed
    except BaseException:
        for path in run.written:  # the rows were rolled back: their files must not stay either
            path.unlink(missing_ok=True)
        raise
    return {"scale": scale, **run.counts, "files": len(run.written),
            "seconds": round(clock.monotonic() - run.started, 1)}


def _load_parties(run: _Run) -> None:
    for party in db.session.scalars(select(Party).where(Party.retired_at.is_(None)).order_by(Party.id)):
        run.party_ids.append(party.id)
        run.party_code[party.id] = party.code
        run.party_status[party.id] = party.status
        run.party_languages[party.id] = party.language_list or ["en"]
    run.step("parties", len(run.party_ids))


def _networks(run: _Run) -> None:
    """The seed's networks plus generated ones up to the planned count, every current party taking part."""
    codes = [run.party_code[i] for i in run.party_ids]
    existing = {n.slug: n for n in db.session.scalars(select(Network).order_by(Network.id))}
    themes = [t for t in NETWORK_THEMES if t[0] not in existing]
    for number in range(run.plan.networks - len(existing)):
        slug, name, kind, with_alerts = themes[number % len(themes)]
        if number >= len(themes):  # beyond the themes (scale > 2): numbered sub-networks
            slug, name = f"{slug}-{number // len(themes) + 1}", f"{name} {number // len(themes) + 1}"
        values = networks._validate_network(networks.NetworkInput(
            slug=slug, name=name, kind=kind.value, alerts_enabled=with_alerts, party_codes=codes,
            description=f"Regional {kind.value.split('_')[0]} network on {name.lower()}.",
            charter=f"Set up by the consultations to exchange practice on {name.lower()}."))
        network = Network(**values, created_at=run.start)
        db.session.add(network)
        existing[slug] = network
    db.session.flush()
    for network in existing.values():
        if network.alerts_enabled:
            alert_service.seed_event_types(network)
        run.nets.append(_Net(id=network.id, slug=network.slug, alerts_enabled=network.alerts_enabled,
                             party_ids=[p.id for p in network.parties]))
    db.session.flush()
    run.step("networks", len(run.nets))


def _accounts(run: _Run, password_hash: str) -> None:
    """Accounts over the parties, then memberships: every account in the big network, about a third in
    each other one; two coordinators per network, with a second factor."""
    rng = _rng("accounts")
    count = run.plan.accounts
    first = _next_id(Account)
    ids = list(range(first, first + count))
    posting = [p for p in run.party_ids if run.party_status[p] != PartyStatus.OBSERVER]
    # Observers send few people; the support organisations (IOM, UNHCR) more than a state.
    weights = [0.3 if run.party_status[p] == PartyStatus.OBSERVER else
               1.5 if run.party_status[p] == PartyStatus.SUPPORT else 1.0 for p in run.party_ids]
    jamaica = next((p for p in posting if run.party_code[p] == "JM"), posting[0])
    for number, account_id in enumerate(ids, start=1):
        # member0001 is a plain Jamaican delegate in every network; member0002 can always post.
        party = jamaica if number == 1 else rng.choice(posting) if number == 2 else rng.choices(
            run.party_ids, weights)[0]
        run.account_party[account_id] = party
        run.account_name[account_id] = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if number > 1 and party not in run.focal_point:
            run.focal_point[party] = account_id
    memberships = []
    coordinators: set[int] = set()
    for net in run.nets:
        share = rng.uniform(0.25, 0.45)
        net.members = [a for a in ids if net.slug == BIG_NETWORK or a == first or rng.random() < share]
        member_set = set(net.members)
        net.posters = [a for a in net.members if run.party_status[run.account_party[a]] != PartyStatus.OBSERVER]
        candidates = [a for a in net.posters if a != first]
        if not candidates and count > 1:  # a tiny scale: the second account (never an observer) coordinates
            candidates = [ids[1]]
            if ids[1] not in member_set:
                net.members.append(ids[1])
                net.posters.append(ids[1])
        net.coordinators = rng.sample(candidates, min(2, len(candidates)))
        coordinators.update(net.coordinators)
        for account_id in net.members:
            net.by_party.setdefault(run.account_party[account_id], []).append(account_id)
            memberships.append({
                "network_id": net.id, "account_id": account_id, "added_by_id": None,
                "role": NetworkRole.COORDINATOR if account_id in net.coordinators else NetworkRole.MEMBER,
                "created_at": run.start + timedelta(days=rng.randint(0, 60))})
    focal_points = set(run.focal_point.values())
    rows = []
    for number, account_id in enumerate(ids, start=1):
        created = run.start - timedelta(days=rng.randint(1, 90))
        coordinator = account_id in coordinators
        rows.append({
            "id": account_id, "email": email_of(number), "name": run.account_name[account_id],
            "title": rng.choice(TITLES), "party_id": run.account_party[account_id],
            "role": Role.FOCAL_POINT if account_id in focal_points else Role.DELEGATE, "active": True,
            "language": "en", "timezone": "America/Port_of_Spain", "password_hash": password_hash,
            "created_at": created, "password_changed_at": created,
            "totp_secret": SCALE_TOTP_SECRET if coordinator else None, "totp_pending_secret": None,
            "totp_enabled_at": created if coordinator else None, "totp_last_step": 0})
    _insert(Account, rows)
    run.step("accounts", len(rows))
    _insert(Membership, memberships)
    run.step("memberships", len(memberships))


def _pick_network(rng: random.Random, nets: list[_Net], weights: list[float]) -> _Net:
    return rng.choices(nets, weights)[0]


def _posting_networks(run: _Run) -> tuple[list[_Net], list[float]]:
    nets = [n for n in run.nets if n.posters]
    # The big network is the busiest, as migrant smuggling is in the real consultations.
    return nets, [3.0 if n.slug == BIG_NETWORK else 1.0 for n in nets]


def _threads(run: _Run) -> None:
    """Threads with 0 to 12 replies each (three on average), visits by their writers, activity lines."""
    rng = _rng("threads")
    words = _Text(rng)
    nets, weights = _posting_networks(run)
    first = _next_id(Thread)
    threads: list[dict[str, Any]] = []
    replies: list[dict[str, Any]] = []
    visits: dict[tuple[int, int], datetime] = {}
    reply_total = 0
    for offset, created in enumerate(_times(rng, run.plan.threads, run.start, run.now)):
        thread_id = first + offset
        net = _pick_network(rng, nets, weights)
        author = rng.choice(net.posters)
        title = words.fill(rng.choice(THREAD_TITLES))[:200]
        paragraphs = words.paragraphs(1, 3)
        last = created
        count = min(12, int(rng.expovariate(1 / 3)))
        for _ in range(count):
            last = min(run.now, last + timedelta(seconds=int(rng.expovariate(1 / 21_600)) + 60))
            writer = rng.choice(net.posters)
            text_parts = [f"{rng.choice(REPLY_OPENERS)} {words.sentence()}", *words.paragraphs(0, 1)]
            replies.append({"thread_id": thread_id, "author_id": writer, "body": "\n\n".join(text_parts),
                            "body_html": body_html(text_parts), "created_at": last, "edited_at": None,
                            "deleted_at": None, "deleted_by_id": None})
            visits[(writer, thread_id)] = last
            run.activities.append((last, net.id, writer, "reply.new", "thread", thread_id, title))
        threads.append({"id": thread_id, "network_id": net.id, "author_id": author, "title": title,
                        "body": "\n\n".join(paragraphs), "body_html": body_html(paragraphs),
                        "created_at": created, "edited_at": None, "last_activity_at": last, "reply_count": count,
                        "pinned_at": created if rng.random() < 0.01 else None, "deleted_at": None,
                        "deleted_by_id": None})
        visits.setdefault((author, thread_id), created)
        run.activities.append((created, net.id, author, "thread.new", "thread", thread_id, title))
        if len(replies) >= BATCH:  # keep memory flat at large scales
            _insert(Thread, threads)
            _insert(Reply, replies)
            reply_total += len(replies)
            threads, replies = [], []
    _insert(Thread, threads)
    _insert(Reply, replies)
    reply_total += len(replies)
    _insert(ThreadVisit, [{"account_id": a, "thread_id": t, "seen_at": at} for (a, t), at in visits.items()])
    run.step("threads", run.plan.threads)
    run.step("replies", reply_total)


_FILENAME = re.compile(r"[^a-z0-9]+")


def _document_file(extension: str, lines: list[str]) -> bytes:
    if extension == "pdf":
        return sample_files.pdf(lines=lines)
    if extension == "docx":
        return sample_files.docx(paragraphs=lines)
    return ("\n\n".join(lines) + "\n").encode("utf-8")


def _keep(run: _Run, key: str, data: bytes) -> Path:
    """Write a file where ``LocalStorage`` keeps it (``<root>/ab/<key>``).

    Not through ``storage.keep``: its fsync of every file and folder is what makes one upload crash-safe,
    and costs minutes over 20,000 files; the run syncs once before it commits instead.
    """
    path = Path(run.storage.path(key))
    if path.parent not in run.made_dirs:
        path.parent.mkdir(parents=True, exist_ok=True)
        run.made_dirs.add(path.parent)
    path.write_bytes(data)
    run.written.append(path)
    return path


def _documents(run: _Run) -> None:
    """Documents with one or two versions of small real files, indexed as an upload indexes them."""
    rng = _rng("documents")
    words = _Text(rng)
    nets, weights = _posting_networks(run)
    first = _next_id(Document)
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    documents: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    texts: list[dict[str, Any]] = []
    named: list[dict[str, int]] = []
    version_total = 0
    for offset, created in enumerate(_times(rng, run.plan.documents, run.start, run.now)):
        document_id = first + offset
        net = _pick_network(rng, nets, weights)
        uploader = rng.choice(net.posters)
        party = run.account_party[uploader]
        kind = rng.choice(DOCUMENT_KINDS)
        title = words.fill(rng.choice(DOCUMENT_TITLES), year=str(created.year))[:200]
        description = words.sentence()
        roll = rng.random()
        audience = Audience.NETWORK if roll < 0.8 else Audience.ALL if roll < 0.92 else Audience.NAMED
        if audience == Audience.NAMED:
            others = [p for p in run.party_ids if p != party]
            named += [{"document_id": document_id, "party_id": p}
                      for p in rng.sample(others, min(len(others), rng.randint(2, 4)))]
        updated, body = created, ""
        number_of_versions = 2 if rng.random() < 0.1 else 1
        for number in range(1, number_of_versions + 1):
            if number > 1:
                updated = min(run.now, updated + timedelta(days=rng.randint(1, 60)))
            extension = rng.choices(("txt", "pdf", "docx"), (85, 5, 10))[0]
            # The registry entry is in the file only: a search for it proves the file's words are indexed.
            lines = [title, f"Registry entry SD{document_id:06d}, version {number}.", *words.paragraphs(2, 4)]
            data = _document_file(extension, lines)
            key = f"{rng.getrandbits(160):040x}"
            path = _keep(run, key, data)
            # The version's words, read as an upload's child process reads them (in this process: the seed
            # made these files itself, and a child per file would cost 50-150 ms each).
            text = read_trusted(path, extension, limits_from_config(current_app.config))
            body = text.text  # the current version's, at the end of the loop
            versions.append({
                "document_id": document_id, "number": number, "uploader_id": uploader, "created_at": updated,
                "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "content_type": ALLOWED[extension],
                "extension": extension, "original_filename": _FILENAME.sub("-", title.lower()).strip("-")[:200]
                + "." + extension, "storage_key": key, "note": "" if number == 1 else "Corrected figures",
                "restored_from": None, "text_status": text.status})
        documents.append({
            "id": document_id, "network_id": net.id, "title": title, "description": description, "kind": kind,
            "languages": run.party_languages[party][0], "audience": audience,
            "status": rng.choice(list(ProtocolStatus)) if kind == DocumentKind.PROTOCOL else None,
            "owner_party_id": party, "uploader_id": uploader, "created_at": created, "updated_at": updated,
            "current_version": number_of_versions})
        texts.append({"document_id": document_id, "title": title, "description": description, "body": body})
        net.documents.append((created, document_id))
        run.activities.append((created, net.id, uploader, "document.new", "document", document_id, title))
        if len(documents) >= BATCH:
            version_total += _write_documents(documents, versions, texts, named, sqlite)
            documents, versions, texts, named = [], [], [], []
    version_total += _write_documents(documents, versions, texts, named, sqlite)
    run.step("documents", run.plan.documents)
    run.step("document versions", version_total)


def _write_documents(documents: list[dict[str, Any]], versions: list[dict[str, Any]], texts: list[dict[str, Any]],
                     named: list[dict[str, int]], sqlite: bool) -> int:
    _insert(Document, documents)
    _insert(DocumentVersion, versions)
    _insert(document_parties, named)
    _insert(DocumentText, texts)
    if sqlite and texts:
        # The same FTS5 rows as search.index writes (rowid = document id); PostgreSQL indexes document_texts.
        db.session.execute(text("INSERT INTO document_fts (rowid, title, description, body) "
                                "VALUES (:document_id, :title, :description, :body)"), texts)
    return len(versions)


def _meetings(run: _Run) -> None:
    """Meetings over the three years and the next six months, each with a day-by-day agenda; the published
    ones with their first agenda version, as ``publish_agenda`` freezes it."""
    rng = _rng("meetings")
    words = _Text(rng)
    first, first_item = _next_id(Meeting), _next_id(AgendaItem)
    code_to_party = {code: party for party, code in run.party_code.items()}
    today = run.now.date()
    meetings: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    starts = _times(rng, run.plan.meetings, run.start, run.now + timedelta(days=180))
    for offset, moment in enumerate(starts):
        meeting_id = first + offset
        kind = rng.choices(list(MeetingKind), (5, 25, 50, 20))[0]
        days = {MeetingKind.ANNUAL: 3, MeetingKind.WORKSHOP: 2}.get(kind, 1)
        start_date = moment.date()
        end_date = start_date + timedelta(days=days - 1)
        city, host_code, venue = rng.choice(VENUES)
        meeting_format = (MeetingFormat.VIRTUAL if kind == MeetingKind.WEBINAR else MeetingFormat.IN_PERSON
                          if kind == MeetingKind.ANNUAL else rng.choice(list(MeetingFormat)))
        net = None if kind == MeetingKind.ANNUAL else rng.choice(run.nets)
        topic = rng.choice(TOPICS)
        if end_date < today:
            status = MeetingStatus.CANCELLED if rng.random() < 0.05 else MeetingStatus.CONCLUDED
        else:
            status = MeetingStatus.DRAFT if rng.random() < 0.3 else MeetingStatus.PUBLISHED
        label = {MeetingKind.ANNUAL: "Annual Meeting of the Caribbean Migration Consultations",
                 MeetingKind.WORKSHOP: f"Technical workshop on {topic}",
                 MeetingKind.NETWORK: f"Network meeting on {topic}",
                 MeetingKind.WEBINAR: f"Webinar: {topic}"}[kind]
        created = max(run.start, min(run.now, datetime.combine(start_date, time(12), UTC) - timedelta(days=60)))
        meeting_items = _agenda(rng, words, first_item + len(items), meeting_id, start_date, days, topic, net,
                                run)
        items += meeting_items
        meetings.append({
            "id": meeting_id, "title": f"{label} {start_date.year}"[:200], "kind": kind, "start_date": start_date,
            "end_date": end_date, "timezone": "America/Port_of_Spain",
            "venue": "" if meeting_format == MeetingFormat.VIRTUAL else venue,
            "city": "" if meeting_format == MeetingFormat.VIRTUAL else city,
            "host_party_id": code_to_party.get(host_code), "format": meeting_format,
            "link": "" if meeting_format == MeetingFormat.IN_PERSON else f"https://meet.example.org/cmc-{meeting_id}",
            "status": status, "network_id": net.id if net else None,
            "description": words.paragraph(1, 2, topic=topic), "agenda_revision": len(meeting_items),
            "agenda_last_change": "", "created_at": created})
        if status != MeetingStatus.DRAFT:
            publisher = run.focal_point.get(code_to_party.get(host_code, -1)) or next(iter(run.account_party))
            versions.append({"meeting_id": meeting_id, "number": 1, "items": _snapshot(meeting_items),
                             "changes": ["First published agenda."], "published_by_id": publisher,
                             "published_at": min(run.now, created + timedelta(days=1))})
    _insert(Meeting, meetings)
    _insert(AgendaItem, items)
    _insert(AgendaVersion, versions)
    run.step("meetings", len(meetings))
    run.step("agenda items", len(items))


def _agenda(rng: random.Random, words: _Text, first_id: int, meeting_id: int, start: date, days: int, topic: str,
            net: _Net | None, run: _Run) -> list[dict[str, Any]]:
    """Four to seven items a day from 09:00: opening first, a break, sessions and panels, closing last."""
    items: list[dict[str, Any]] = []
    sessions = [s for s in AGENDA_SESSIONS if "{topic}" in s]
    for day_number in range(days):
        day = start + timedelta(days=day_number)
        minute = 9 * 60
        count = rng.randint(4, 7)
        for position in range(1, count + 1):
            length = rng.choice((30, 45, 60, 90))
            if day_number == 0 and position == 1:
                kind, title = ItemKind.OPENING, "Opening and adoption of the agenda"
            elif day_number == days - 1 and position == count:
                kind, title = ItemKind.CLOSING, "Closing"
            elif position == count // 2 + 1:
                kind, title, length = ItemKind.BREAK, "Coffee break", 15
            else:
                kind = ItemKind.PANEL if rng.random() < 0.3 else ItemKind.SESSION
                title = words.fill(rng.choice(sessions), topic=topic)
            linked: list[int] = []
            if net is not None and net.documents and kind in (ItemKind.SESSION, ItemKind.PANEL) \
                    and rng.random() < 0.2:
                linked = sorted({rng.choice(net.documents)[1] for _ in range(rng.randint(1, 2))})
            presenters = "" if kind == ItemKind.BREAK else ", ".join(
                rng.choice(list(run.account_name.values())) for _ in range(rng.randint(1, 2)))
            items.append({
                "id": first_id + len(items), "meeting_id": meeting_id, "day": day, "position": position,
                "session": f"Day {day_number + 1}", "start_time": time(minute // 60, minute % 60),
                "end_time": time((minute + length) // 60, (minute + length) % 60), "title": title[:200],
                "description": "" if kind == ItemKind.BREAK else words.sentence(topic=topic), "kind": kind,
                "presenters": presenters[:300], "document_ids": linked})
            minute += length
    return items


def _snapshot(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The agenda as ``meetings.snapshot`` freezes it (items are generated in day and position order)."""
    return [{"id": i["id"], "day": i["day"].isoformat(), "position": i["position"], "session": i["session"],
             "start": i["start_time"].strftime("%H:%M"), "end": i["end_time"].strftime("%H:%M"), "title": i["title"],
             "description": i["description"], "kind": str(i["kind"]), "presenters": i["presenters"],
             "document_ids": list(i["document_ids"])} for i in items]


@dataclass
class _AlertShape:
    """The workflow side of one alert, decided before any text is written."""

    net: _Net
    at: datetime
    author: int
    approver: int | None
    state: AlertState
    msg_type: MsgType = MsgType.ALERT
    references: int | None = None  # index into the run's alerts
    superseded_by: int | None = None
    cancelled_at: datetime | None = None


def _alert_shapes(run: _Run, rng: random.Random, nets: list[_Net]) -> list[_AlertShape]:
    """Who wrote and published each alert, and the chains of updates and cancellations."""
    weights = [4.0 if n.slug == BIG_NETWORK else 1.0 for n in nets]
    shapes: list[_AlertShape] = []
    live: dict[int, list[int]] = {n.id: [] for n in nets}  # alerts that may still be updated, per network
    root: list[int] = []
    chains: dict[int, list[int]] = {}
    for index, moment in enumerate(_times(rng, run.plan.alerts, run.start, run.now)):
        net = _pick_network(rng, nets, weights)
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


def _alerts(run: _Run) -> None:
    """Alerts over about three years in the networks with alerts, two to six acknowledging parties each."""
    nets = [n for n in run.nets if n.alerts_enabled and n.coordinators]
    if not nets or run.plan.alerts == 0:
        run.step("alerts", 0)
        return
    shapes = _alert_shapes(run, _rng("alerts"), nets)
    rng = _rng("alert-text")
    words = _Text(rng)
    first = _next_id(Alert)
    rows: list[dict[str, Any]] = []
    infos: list[dict[str, Any]] = []
    receipts: list[dict[str, Any]] = []
    receipt_total = 0
    codes = {net.id: [run.party_code[p] for p in net.party_ids
                      if run.party_status[p] == PartyStatus.MEMBER] or [run.party_code[p] for p in net.party_ids]
             for net in nets}
    for index, shape in enumerate(shapes):
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
        rows.append({
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
            "overdue_notified_at": deadline if published and deadline < run.now else None})
        lat, lon = rng.uniform(10.0, 27.0), rng.uniform(-90.0, -59.0)
        infos.append({
            "alert_id": alert_id, "language": "en", "category": category, "event": event, "urgency": urgency,
            "severity": severity, "certainty": certainty, "headline": headline[:160],
            "description": words.paragraph(1, 3, place=place), "instruction": instruction,
            "expires": expires,
            "area_desc": f"Coast and waters off {place}",
            "geocodes": rng.sample(codes[shape.net.id], min(len(codes[shape.net.id]), rng.randint(1, 3))),
            "circle": f"{lat:.2f},{lon:.2f} {rng.randint(5, 80)}" if rng.random() < 0.3 else "", "polygon": ""})
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
        if len(rows) >= BATCH:
            receipt_total += _write_alerts(rows, infos, receipts)
            rows, infos, receipts = [], [], []
    receipt_total += _write_alerts(rows, infos, receipts)
    run.step("alerts", len(shapes))
    run.step("acknowledgements", receipt_total)


def _write_alerts(rows: list[dict[str, Any]], infos: list[dict[str, Any]], receipts: list[dict[str, Any]]) -> int:
    # superseded_by_id is a plain column and references_id points backwards only, so batch order is safe.
    _insert(Alert, rows)
    _insert(AlertInfo, infos)
    _insert(AlertReceipt, receipts)
    return len(receipts)


def _activities(run: _Run) -> None:
    """The activity lines of everything above, in time order (feeds read them by id)."""
    run.activities.sort(key=lambda line: line[0])
    rows = [{"network_id": network_id, "actor_id": actor, "verb": verb, "subject_type": subject_type,
             "subject_id": subject_id, "summary": summary[:300], "at": at}
            for at, network_id, actor, verb, subject_type, subject_id, summary in run.activities]
    _insert(Activity, rows)
    run.step("activity lines", len(rows))


def _fix_sequences() -> None:
    """PostgreSQL: move the id sequences past the ids the generator chose (SQLite needs nothing)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in _EXPLICIT_ID_TABLES:
        name = model.__tablename__
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608 - table names are ours
                                f"(SELECT coalesce(max(id), 0) + 1 FROM {name}), false)"))


def summary_lines(result: dict[str, Any]) -> Iterable[str]:
    """What ``cmc seed --scale`` prints at the end."""
    shown = {key: value for key, value in result.items() if key not in ("scale", "seconds")}
    yield f"Scale seed {result['scale']:g} done in {result['seconds']:.1f} s: " + ", ".join(
        f"{value:,} {key}" for key, value in shown.items()) + "."
    yield (f"Accounts: {email_of(1)} to {email_of(result.get('accounts', 0))}, password: {SCALE_PASSWORD} "
           f"(every account is in {BIG_NETWORK}; {email_of(1)} is in every network and coordinates none).")
    yield (f"Network coordinators must use a second factor: their TOTP secret is {SCALE_TOTP_SECRET} "
           "(see the memberships with role coordinator).")
