"""Seeding: the bundled parties and the three networks of the first meeting, and with ``--demo`` a set of
demo accounts and memberships for trying the platform."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select

from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import Membership, Network, NetworkRole, Role
from cmc.services import accounts, alerts, audit, networks, parties
from cmc.services.auth import find_account_by_email
from cmc.services.networks import NetworkInput


@dataclass(frozen=True)
class DemoAccount:
    """A demo sign-in printed by ``make run``."""

    email: str
    name: str
    party: str
    role: Role
    title: str


DEMO_PASSWORD = "caribbean-demo-2026"  # noqa: S105 - printed on purpose; demo data only

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


def seed(*, demo: bool = False) -> dict[str, int]:
    """Seed parties (and demo accounts when asked); safe to run again: it only adds what is missing."""
    result = {"parties": parties.seed_parties(), "accounts": 0, "networks": seed_networks()}
    if demo:
        for item in DEMO_ACCOUNTS:
            if find_account_by_email(item.email) is None:
                accounts.create_with_password(email=item.email, name=item.name, party_code=item.party,
                                              role=item.role, password=DEMO_PASSWORD, title=item.title)
                result["accounts"] += 1
        _seed_demo_memberships()
    return result


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
            db.session.add(Network(**values))
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
