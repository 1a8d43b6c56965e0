"""Seeding: the bundled parties, and with ``--demo`` a set of demo accounts for trying the platform."""

from __future__ import annotations

from dataclasses import dataclass

from cmc.models import Role
from cmc.services import accounts, parties
from cmc.services.auth import find_account_by_email


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
)


def seed(*, demo: bool = False) -> dict[str, int]:
    """Seed parties (and demo accounts when asked); safe to run again: it only adds what is missing."""
    result = {"parties": parties.seed_parties(), "accounts": 0}
    if demo:
        for item in DEMO_ACCOUNTS:
            if find_account_by_email(item.email) is None:
                accounts.create_with_password(email=item.email, name=item.name, party_code=item.party,
                                              role=item.role, password=DEMO_PASSWORD, title=item.title)
                result["accounts"] += 1
    return result
