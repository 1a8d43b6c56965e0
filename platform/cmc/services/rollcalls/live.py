"""Telling the board's readers, live, that a roll call changed (an answer, a reminder, closing, reopening).

Every service that changes a roll call calls :func:`changed` after its commit; what the event carries and who
receives it is decided here only.
"""

from __future__ import annotations

from cmc.models import RollCall


def changed(roll_call: RollCall, reason: str) -> None:
    """After a commit: the roll call changed for ``reason`` ("answer", "remind", "close", "reopen",
    "handling", "start")."""
    # Filled in by the board (live refresh of the board and the lists).
    return None
