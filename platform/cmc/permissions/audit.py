"""Rules about the audit trail."""

from __future__ import annotations

from cmc.models import Account
from cmc.permissions.core import is_focal_point, is_secretariat
from cmc.permissions.registry import rule


@rule("audit.read")
def can_read_audit(actor: Account | None) -> bool:
    """Secretariat reads the whole trail; focal points the part about their party's items."""
    return is_secretariat(actor) or is_focal_point(actor)


@rule("audit.read_all")
def can_read_whole_audit(actor: Account | None) -> bool:
    """Only the secretariat reads every row of the trail (focal points get their party's part)."""
    return is_secretariat(actor)
