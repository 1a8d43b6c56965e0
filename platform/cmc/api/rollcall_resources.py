"""Roll call endpoints of the API (issue 19)."""

from __future__ import annotations

from cmc.api import bp  # noqa: F401
