"""Models: data and invariants only (no ``current_app``, no emits, no commits)."""

from cmc.models.account import AccessToken, Account, AuthSession, Invitation, RecoveryCode, Role
from cmc.models.audit import AuditEvent, Outcome
from cmc.models.network import (
    Activity,
    Membership,
    Network,
    NetworkKind,
    NetworkRole,
    Reply,
    Revision,
    Thread,
    ThreadVisit,
    network_parties,
)
from cmc.models.party import Party, PartyKind, PartyStatus

__all__ = [
    "AccessToken",
    "Account",
    "Activity",
    "AuditEvent",
    "AuthSession",
    "Invitation",
    "Membership",
    "Network",
    "NetworkKind",
    "NetworkRole",
    "Outcome",
    "Party",
    "PartyKind",
    "PartyStatus",
    "RecoveryCode",
    "Reply",
    "Revision",
    "Role",
    "Thread",
    "ThreadVisit",
    "network_parties",
]
