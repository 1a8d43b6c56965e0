"""Read-side answers about a person used by home, the API and live connections."""

from __future__ import annotations

from typing import Any

from cmc.models import Account
from cmc.services.networks import is_coordinator_anywhere, networks_of

__all__ = ["describe", "is_coordinator_anywhere", "networks_of"]


def describe(account: Account) -> dict[str, Any]:
    """The account as ``GET /api/v1/me`` returns it (``cmc.schemas.MeSchema``)."""
    from cmc.schemas import MeSchema  # the schema reads networks_of: imported when used

    return MeSchema().dump(account)
