"""Read-side answers about a person used by home, the API and live connections."""

from __future__ import annotations

from typing import Any

from cmc.models import Account


def networks_of(account: Account) -> list[dict[str, Any]]:
    """The networks the account belongs to, as ``{id, slug, name, role}``.

    Networks arrive with the networks issue; until then nobody belongs to any.
    """
    return []


def is_coordinator_anywhere(account: Account) -> bool:
    """Whether the account coordinates at least one network (coordinators must use a second factor).

    Networks arrive with the networks issue; until then nobody coordinates one.
    """
    return False


def describe(account: Account) -> dict[str, Any]:
    """The account as ``GET /api/v1/me`` returns it."""
    return {
        "id": account.id,
        "email": account.email,
        "name": account.name,
        "title": account.title,
        "role": str(account.role),
        "language": account.language,
        "timezone": account.timezone,
        "party": {"code": account.party.code, "name": account.party.name, "status": str(account.party.status)},
        "networks": networks_of(account),
    }
