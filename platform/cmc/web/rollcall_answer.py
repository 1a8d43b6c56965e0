"""Roll call pages: answer (issue 19; views on ``cmc.web.rollcalls.bp``)."""

from __future__ import annotations

from cmc.web.rollcalls import bp  # noqa: F401
