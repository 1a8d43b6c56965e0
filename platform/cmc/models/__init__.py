"""Models: data and invariants only (no ``current_app``, no emits, no commits)."""

from cmc.models.account import AccessToken, Account, AuthSession, Invitation, RecoveryCode, Role
from cmc.models.audit import AuditEvent, Outcome
from cmc.models.party import Party, PartyKind, PartyStatus

__all__ = [
    "AccessToken",
    "Account",
    "AuditEvent",
    "AuthSession",
    "Invitation",
    "Outcome",
    "Party",
    "PartyKind",
    "PartyStatus",
    "RecoveryCode",
    "Role",
]
