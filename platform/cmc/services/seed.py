"""Seeding: the bundled parties and the three networks of the first meeting, and with ``--demo`` a set of
demo accounts and memberships for trying the platform, with a password made for this install (never a
published one: anyone who reaches the port could otherwise sign in as the secretariat)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, replace
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from cmc import i18n
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import Membership, Network, NetworkRole, Role
from cmc.services import accounts, alerts, audit, networks, parties
from cmc.services.auth import find_account_by_email
from cmc.services.errors import ValidationError
from cmc.services.networks import NetworkInput
from cmc.services.networks import texts as network_texts
from cmc.services.passwords import password_problem


@dataclass(frozen=True)
class DemoAccount:
    """A demo sign-in printed by ``make run``."""

    email: str
    name: str
    party: str
    role: Role
    title: str


#: The environment variable that gives the demo password instead of a new random one (the test suite sets it).
PASSWORD_VARIABLE = "CMC_DEMO_PASSWORD"  # noqa: S105 - the name of a variable, not a password
#: Where ``cmc seed --demo`` keeps the demo sign-ins for the operator of this machine (mode 0600).
CREDENTIALS_FILE = "demo-credentials.txt"
#: Letters and digits a person reads back without confusing them (no 0/O, 1/l/I).
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"

DEMO_ACCOUNTS = (
    DemoAccount("secretariat@cmc.demo", "Ana Secretariat", "IOM", Role.SECRETARIAT, "CMC Secretariat"),
    DemoAccount("focal.jm@cmc.demo", "Marcus Campbell", "JM", Role.FOCAL_POINT, "National Focal Point"),
    DemoAccount("delegate.tt@cmc.demo", "Priya Ramdial", "TT", Role.DELEGATE, "Immigration Officer"),
    DemoAccount("delegate.do@cmc.demo", "Lucía Fernández", "DO", Role.DELEGATE, "Dirección de Migración"),
    DemoAccount("observer.us@cmc.demo", "John Miller", "US", Role.DELEGATE, "Observer"),
    DemoAccount("coordinator.bs@cmc.demo", "Keisha Rolle", "BS", Role.DELEGATE, "Department of Immigration"),
)

NETWORKS = (
    NetworkInput(
        slug="border-management", name="Border Management", kind="thematic_network",
        description="Border management practice across the Caribbean: entry procedures, information sharing "
                    "and capacity building for immigration services.",
        charter="Set up at the first meeting of the Caribbean Migration Consultations in Port of Spain.\n\n"
                "The network **exchanges practice** on border management, identifies training needs and "
                "prepares joint positions for the annual meeting.",
    ),
    NetworkInput(
        slug="refugee-protection", name="Refugee Protection", kind="thematic_network",
        description="Protection of refugees and asylum seekers: referral, reception, and national asylum "
                    "procedures, with UNHCR.",
        charter="Set up at the first meeting of the Caribbean Migration Consultations.\n\n"
                "The network shares national protocols and experience on identifying and referring people "
                "in need of international protection.",
    ),
    NetworkInput(
        slug="migrant-smuggling", name="Migrant Smuggling", kind="technical_network", alerts_enabled=True,
        description="Regional technical network on migrant smuggling: early alerts on migration flows and "
                    "national and regional protocols.",
        charter="Agreed at the first meeting of the consultations.\n\n"
                "1. Exchange **early alerts** on migration flows and smuggling routes.\n"
                "2. Draft national and regional protocols against migrant smuggling.\n"
                "3. Acknowledge every alert on behalf of your state.",
    ),
)

#: The networks' names and descriptions in the other languages (their charters stay in English): by slug, then
#: language. Terms from docs/glossary (red / réseau / netwerk; alerta temprana, alerte précoce, vroegtijdige
#: waarschuwing; HCR and ACNUR for UNHCR); French with a no-break space before the colon.
NETWORK_TEXTS: dict[str, dict[str, dict[str, str]]] = {
    "border-management": {
        "es": {"name": "Red de gestión de fronteras",
               "description": "Prácticas de gestión de fronteras en el Caribe: procedimientos de entrada, "
                              "intercambio de información y fortalecimiento de las capacidades de los servicios "
                              "de migración."},
        "fr": {"name": "Réseau sur la gestion des frontières",
               "description": "Pratiques de gestion des frontières dans les Caraïbes\u00a0: procédures d\u2019entrée, "
                              "échange d\u2019informations et renforcement des capacités des services "
                              "d\u2019immigration."},
        "nl": {"name": "Netwerk grensbeheer",
               "description": "Praktijk van grensbeheer in het Caribisch gebied: toegangsprocedures, "
                              "informatie-uitwisseling en capaciteitsopbouw voor immigratiediensten."},
    },
    "refugee-protection": {
        "es": {"name": "Red de protección de refugiados",
               "description": "Protección de las personas refugiadas y solicitantes de asilo: derivación, acogida "
                              "y procedimientos nacionales de asilo, con el ACNUR."},
        "fr": {"name": "Réseau sur la protection des réfugiés",
               "description": "Protection des réfugiés et des demandeurs d\u2019asile\u00a0: orientation, accueil et "
                              "procédures nationales d\u2019asile, avec le HCR."},
        "nl": {"name": "Netwerk vluchtelingenbescherming",
               "description": "Bescherming van vluchtelingen en asielzoekers: doorverwijzing, opvang en nationale "
                              "asielprocedures, samen met UNHCR."},
    },
    "migrant-smuggling": {
        "es": {"name": "Red sobre tráfico ilícito de migrantes",
               "description": "Red técnica regional sobre el tráfico ilícito de migrantes: alertas tempranas sobre "
                              "flujos migratorios y protocolos nacionales y regionales."},
        "fr": {"name": "Réseau sur le trafic illicite de migrants",
               "description": "Réseau technique régional sur le trafic illicite de migrants\u00a0: alertes "
                              "précoces sur les flux migratoires et protocoles nationaux et régionaux."},
        "nl": {"name": "Netwerk migrantensmokkel",
               "description": "Regionaal technisch netwerk over migrantensmokkel: vroegtijdige waarschuwingen "
                              "over migratiestromen en nationale en regionale protocollen."},
    },
}

#: Demo memberships: (email, network slug, role).
DEMO_MEMBERSHIPS = (
    ("coordinator.bs@cmc.demo", "migrant-smuggling", NetworkRole.COORDINATOR),
    ("delegate.tt@cmc.demo", "migrant-smuggling", NetworkRole.MEMBER),
    ("delegate.do@cmc.demo", "migrant-smuggling", NetworkRole.MEMBER),
    ("focal.jm@cmc.demo", "migrant-smuggling", NetworkRole.MEMBER),
    ("observer.us@cmc.demo", "migrant-smuggling", NetworkRole.MEMBER),
    ("delegate.tt@cmc.demo", "border-management", NetworkRole.MEMBER),
    ("focal.jm@cmc.demo", "border-management", NetworkRole.MEMBER),
    ("delegate.do@cmc.demo", "refugee-protection", NetworkRole.MEMBER),
)


def new_demo_password() -> str:
    """A random password for the demo accounts of one install: 16 characters in groups of four, about 93 bits,
    from ``secrets`` (so it is on no list of breached passwords; checked all the same)."""
    while True:
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
        password = "-".join(raw[i:i + 4] for i in range(0, 16, 4))
        if password_problem(password) is None:
            return password


def demo_password() -> str:
    """The demo password: ``CMC_DEMO_PASSWORD`` when set (it must pass the password rules, as any password
    does), else a new random one. Raises ``ValidationError`` with the reason for a weak one."""
    given = os.environ.get(PASSWORD_VARIABLE)
    if not given:
        return new_demo_password()
    problem = password_problem(given)
    if problem:
        raise ValidationError(_("%(variable)s is not a usable password: %(problem)s", variable=PASSWORD_VARIABLE,
                                problem=problem), fields={"password": problem})
    return given


@dataclass
class SeedResult:
    """What a seed added; ``password`` is the demo accounts' password when it made any (else None)."""

    parties: int
    networks: int
    accounts: int = 0
    password: str | None = None
    living: dict[str, int] | None = None


def seed(*, demo: bool = False, password: str | None = None, living: bool = True) -> SeedResult:
    """Seed parties and networks; with ``demo`` the demo accounts (with ``password``, else a new random one)
    and their memberships, and unless ``living`` is False a living demo (threads, documents, alerts, meetings)
    made through the services. Safe to run again: it only adds what is missing."""
    result = SeedResult(parties=parties.seed_parties(), networks=seed_networks())
    if demo:
        password = password or new_demo_password()
        for item in DEMO_ACCOUNTS:
            if find_account_by_email(item.email) is None:
                accounts.create_with_password(email=item.email, name=item.name, party_code=item.party,
                                              role=item.role, password=password, title=item.title)
                result.accounts += 1
        if result.accounts:
            result.password = password
        _seed_demo_memberships()
        if living:
            from cmc.services import demo_content

            result.living = demo_content.seed_living_demo()
    return result


def network_roles(email: str) -> list[tuple[str, NetworkRole]]:
    """The networks a (demo) account belongs to, by name, with its role in each."""
    account = find_account_by_email(email)
    if account is None:
        return []
    rows = db.session.execute(select(Network.name, Membership.role).join(Membership.network)
                              .where(Membership.account_id == account.id).order_by(Network.name))
    return [(name, role) for name, role in rows]


def write_credentials(instance_path: str | os.PathLike[str], password: str) -> Path:
    """Keep the demo sign-ins for the operator of this machine in ``instance/demo-credentials.txt``, readable
    by its owner only (0600 from creation, never a moment wider; a file or link already there is replaced,
    not followed). Returns the path."""
    path = Path(instance_path) / CREDENTIALS_FILE
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("# Demo sign-ins of this CMC Platform instance (cmc seed --demo); for trying it on this "
                     "machine only.\n")
        handle.write(f"password: {password}\n")
        for item in DEMO_ACCOUNTS:
            handle.write(f"account: {item.email}\n")
    return path


def read_credentials(instance_path: str | os.PathLike[str]) -> str | None:
    """The demo password kept by :func:`write_credentials`, or None when there is no such file."""
    try:
        text = (Path(instance_path) / CREDENTIALS_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("password:")), None)


def seed_networks() -> int:
    """Create the three networks of the first meeting if missing, with every current party taking part."""
    added = 0
    codes = [p.code for p in parties.list_parties(include_retired=False)]
    with write_transaction():
        existing = set(db.session.scalars(select(Network.slug)))
        for item in NETWORKS:
            if item.slug in existing:
                continue
            values = networks._validate_network(replace(item, party_codes=codes))
            network = Network(**values)
            db.session.add(network)
            # Checked as the form checks them; only the languages this installation offers.
            offered = {code: {"charter": "", **text} for code, text in NETWORK_TEXTS.get(item.slug, {}).items()
                       if i18n.is_available(code) and code != network.language}
            network_texts.apply_texts(None, network, network_texts.checked_texts(offered, network.language))
            added += 1
        db.session.flush()
        for network in db.session.scalars(select(Network).where(Network.alerts_enabled.is_(True))):
            alerts.seed_event_types(network)
        if added:
            audit.record(None, "network.seed", target_type="network", details={"added": added}, actor_label="seed")
    return added


def _seed_demo_memberships() -> None:
    with write_transaction():
        for email, slug, role in DEMO_MEMBERSHIPS:
            account = find_account_by_email(email)
            network = db.session.scalar(select(Network).where(Network.slug == slug))
            if account is None or network is None:
                continue
            exists = db.session.scalar(select(Membership.id).where(Membership.network_id == network.id,
                                                                   Membership.account_id == account.id))
            if exists is None:
                db.session.add(Membership(network_id=network.id, account_id=account.id, role=role))
