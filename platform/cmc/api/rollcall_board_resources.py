"""Roll call endpoints of the API (_board) (issue 19)."""

from __future__ import annotations

from cmc.api import bp  # noqa: F401
