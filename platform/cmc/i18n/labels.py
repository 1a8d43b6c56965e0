"""What people read for the platform's codes: CAP's values, roles, kinds and statuses, in the reader's language.

The codes themselves (``Severe``, ``focal_point``, ``in_session``) are data and protocol values: they stay as
they are in the database, the API, CAP XML and the audit trail. Pages, emails, notifications and the PDF show
``label(kind, code)`` instead (Jinja: ``{{ code|label('severity') }}``); an unknown code is shown as it is.

Each label is translated in the context of its kind (``msgctxt "action_status"``): the same English word is
often two words elsewhere ("Open" is a status, "Ouverte", and a button, "Ouvrir"; a status agrees with the
gender of the thing it qualifies).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_pgettext as _p

from cmc.i18n.catalogues import request_catalogue

LABELS: dict[str, dict[str, Any]] = {
    # CAP 1.2 (OASIS), as civil-protection services write them in each language (docs/glossary/).
    "severity": {
        "Extreme": _p("severity", "Extreme"),
        "Severe": _p("severity", "Severe"),
        "Moderate": _p("severity", "Moderate"),
        "Minor": _p("severity", "Minor"),
        "Unknown": _p("severity", "Unknown"),
    },
    "urgency": {
        "Immediate": _p("urgency", "Immediate"),
        "Expected": _p("urgency", "Expected"),
        "Future": _p("urgency", "Future"),
        "Past": _p("urgency", "Past"),
        "Unknown": _p("urgency", "Unknown"),
    },
    "certainty": {
        "Observed": _p("certainty", "Observed"),
        "Likely": _p("certainty", "Likely"),
        "Possible": _p("certainty", "Possible"),
        "Unlikely": _p("certainty", "Unlikely"),
        "Unknown": _p("certainty", "Unknown"),
    },
    "category": {
        "Geo": _p("category", "Geophysical"),
        "Met": _p("category", "Meteorological"),
        "Safety": _p("category", "Public safety"),
        "Security": _p("category", "Security"),
        "Rescue": _p("category", "Rescue and recovery"),
        "Fire": _p("category", "Fire"),
        "Health": _p("category", "Health"),
        "Env": _p("category", "Environment"),
        "Transport": _p("category", "Transport"),
        "Infra": _p("category", "Infrastructure"),
        "CBRNE": _p("category", "CBRNE"),
        "Other": _p("category", "Other"),
    },
    "cap_status": {
        "Actual": _p("cap_status", "Actual"),
        "Exercise": _p("cap_status", "Exercise"),
        "System": _p("cap_status", "System"),
        "Test": _p("cap_status", "Test"),
        "Draft": _p("cap_status", "Draft"),
    },
    "msg_type": {
        "Alert": _p("msg_type", "Alert"),
        "Update": _p("msg_type", "Update"),
        "Cancel": _p("msg_type", "Cancellation"),
    },
    "alert_state": {
        "draft": _p("alert_state", "Draft"),
        "submitted": _p("alert_state", "Waiting for approval"),
        "returned": _p("alert_state", "Returned to its author"),
        "published": _p("alert_state", "Published"),
    },
    # People and parties.
    "role": {
        "secretariat": _p("role", "Secretariat"),
        "focal_point": _p("role", "National focal point"),
        "delegate": _p("role", "Delegate"),
    },
    "network_role": {
        "coordinator": _p("network_role", "Coordinator"),
        "member": _p("network_role", "Member"),
    },
    "party_kind": {
        "state": _p("party_kind", "State"),
        "territory": _p("party_kind", "Territory"),
        "organization": _p("party_kind", "Organisation"),
    },
    "party_status": {
        "member": _p("party_status", "Member"),
        "observer": _p("party_status", "Observer"),
        "support": _p("party_status", "Support organisation"),
    },
    "network_kind": {
        "thematic_network": _p("network_kind", "Thematic network"),
        "technical_network": _p("network_kind", "Technical network"),
        "dialogue_space": _p("network_kind", "Dialogue space"),
    },
    # Documents.
    "document_kind": {
        "report": _p("document_kind", "Report"),
        "protocol": _p("document_kind", "Protocol"),
        "presentation": _p("document_kind", "Presentation"),
        "statement": _p("document_kind", "Statement"),
        "minutes": _p("document_kind", "Minutes"),
        "statistics": _p("document_kind", "Statistics"),
        "other": _p("document_kind", "Other"),
    },
    # What the upload form has always offered: "named" includes the secretariat, readers should know.
    "audience": {
        "network": _p("audience", "Members of the network"),
        "all": _p("audience", "All CMC parties"),
        "named": _p("audience", "Named parties and the secretariat"),
    },
    "protocol_status": {
        "draft": _p("protocol_status", "Draft"),
        "under_review": _p("protocol_status", "Under review"),
        "adopted": _p("protocol_status", "Adopted"),
    },
    # Handling codes and the 4x4 evaluation (SIENA's wording, docs/glossary/): the meaning of each code.
    "handling": {
        "H0": _p("handling", "H0: use only for preventing and combating crime"),
        "H1": _p("handling", "H1: not to be disclosed in judicial proceedings without the provider's permission"),
        "H2": _p("handling", "H2: not to be disseminated without the provider's permission"),
        "H3": _p("handling", "H3: other restrictions"),
    },
    "reliability": {
        "A": _p("reliability", "A: no doubt about the source"),
        "B": _p("reliability", "B: source mostly reliable"),
        "C": _p("reliability", "C: source mostly unreliable"),
        "X": _p("reliability", "X: source cannot be assessed"),
    },
    "accuracy": {
        "1": _p("accuracy", "1: not in doubt"),
        "2": _p("accuracy", "2: known personally to the source"),
        "3": _p("accuracy", "3: not known personally, but corroborated"),
        "4": _p("accuracy", "4: not known personally and not corroborated"),
    },
    "release_purpose": {
        "national_system": _p("release_purpose", "To our national system"),
        "network": _p("release_purpose", "Into another network"),
        "party": _p("release_purpose", "To a named party"),
    },
    "release_status": {
        "pending": _p("release_status", "Waiting for a decision"),
        "granted": _p("release_status", "Granted"),
        "refused": _p("release_status", "Refused"),
        "withdrawn": _p("release_status", "Withdrawn"),
    },
    # Meetings.
    "meeting_kind": {
        "annual_meeting": _p("meeting_kind", "Annual meeting"),
        "technical_workshop": _p("meeting_kind", "Technical workshop"),
        "network_meeting": _p("meeting_kind", "Network meeting"),
        "webinar": _p("meeting_kind", "Webinar"),
    },
    "meeting_format": {
        "in_person": _p("meeting_format", "In person"),
        "virtual": _p("meeting_format", "Online"),
        "hybrid": _p("meeting_format", "Hybrid"),
    },
    "meeting_status": {
        "draft": _p("meeting_status", "Draft"),
        "published": _p("meeting_status", "Published"),
        "in_session": _p("meeting_status", "In session"),
        "concluded": _p("meeting_status", "Concluded"),
        "cancelled": _p("meeting_status", "Cancelled"),
    },
    "item_kind": {
        "opening": _p("item_kind", "Opening"),
        "session": _p("item_kind", "Session"),
        "panel": _p("item_kind", "Panel"),
        "break": _p("item_kind", "Break"),
        "closing": _p("item_kind", "Closing"),
    },
    "registration_status": {
        "pending": _p("registration_status", "Pending"),
        "confirmed": _p("registration_status", "Confirmed"),
        "declined": _p("registration_status", "Declined"),
    },
    "delegation_role": {
        "head": _p("delegation_role", "Head of delegation"),
        "delegate": _p("delegation_role", "Delegate"),
        "adviser": _p("delegation_role", "Adviser"),
    },
    "action_status": {
        "open": _p("action_status", "Open"),
        "in_progress": _p("action_status", "In progress"),
        "done": _p("action_status", "Done"),
    },
    # The audit trail.
    "outcome": {
        "ok": _p("outcome", "Done"),
        "denied": _p("outcome", "Denied"),
        "failed": _p("outcome", "Failed"),
    },
}


def label(kind: str, code: Any) -> str:
    """The reader's word for a code of a kind (``label("severity", "Severe")`` is "Grave" in French); the code
    itself when it is unknown, so a value from a newer CAP sender still shows.

    Kept on the language's catalogue once looked up (a list page writes a label per row and kind: the lazy
    string's lookup cost more than the rest of the row's tags). The catalogue is the one of the language being
    written, also inside ``force_locale`` (a mail in its recipient's language), and never changes once loaded."""
    value = str(getattr(code, "value", code))
    catalogue = request_catalogue()
    known: dict[tuple[str, str], str] | None = catalogue.__dict__.get(_KEPT)
    if known is None:
        known = catalogue.__dict__.setdefault(_KEPT, {})
    found = known.get((kind, value))
    if found is None:
        lazy = LABELS.get(kind, {}).get(value)
        if lazy is None:
            return value  # not kept: codes from outside (a newer CAP sender) must not grow the table
        found = known[(kind, value)] = str(lazy)
    return found


_KEPT = "_cmc_labels"


def choices(kind: str, codes: Iterable[Any] | None = None) -> list[tuple[str, Any]]:
    """(code, label) pairs of a kind, for a form's select (labels stay lazy): in their defined order, or those of
    ``codes`` in that order (a form whose first option is its default keeps it; an unknown code shows as it is)."""
    if codes is None:
        return list(LABELS[kind].items())
    table = LABELS[kind]
    return [(str(value), table.get(str(value), str(value)))
            for value in (getattr(code, "value", code) for code in codes)]
