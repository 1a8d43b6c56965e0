"""Read-side answers about a person used by home, the API and live connections."""

from __future__ import annotations

from typing import Any

from cmc.models import Account
from cmc.services.networks import is_coordinator_anywhere, networks_of

__all__ = ["describe", "is_coordinator_anywhere", "networks_of"]


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
