"""Models: data and invariants only (no ``current_app``, no emits, no commits)."""

from cmc.models.account import AccessToken, Account, AuthSession, Invitation, RecoveryCode, Role
from cmc.models.audit import AuditEvent, Outcome
from cmc.models.document import (
    Audience,
    Document,
    DocumentKind,
    DocumentText,
    DocumentVersion,
    ProtocolStatus,
    document_parties,
)
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
    "Audience",
    "AuditEvent",
    "AuthSession",
    "Document",
    "DocumentKind",
    "DocumentText",
    "DocumentVersion",
    "Invitation",
    "Membership",
    "Network",
    "NetworkKind",
    "NetworkRole",
    "Outcome",
    "Party",
    "PartyKind",
    "PartyStatus",
    "ProtocolStatus",
    "RecoveryCode",
    "Reply",
    "Revision",
    "Role",
    "Thread",
    "ThreadVisit",
    "document_parties",
    "network_parties",
]
