"""What people read for the platform's codes: CAP's values, roles, kinds and statuses, in the reader's language.

The codes themselves (``Severe``, ``focal_point``, ``in_session``) are data and protocol values: they stay as
they are in the database, the API, CAP XML and the audit trail. Pages, emails, notifications and the PDF show
``label(kind, code)`` instead (Jinja: ``{{ code|label('severity') }}``); an unknown code is shown as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l

LABELS: dict[str, dict[str, Any]] = {
    # CAP 1.2 (OASIS), as civil-protection services write them in each language (docs/glossary/).
    "severity": {"Extreme": _l("Extreme"), "Severe": _l("Severe"), "Moderate": _l("Moderate"),
                 "Minor": _l("Minor"), "Unknown": _l("Unknown")},
    "urgency": {"Immediate": _l("Immediate"), "Expected": _l("Expected"), "Future": _l("Future"),
                "Past": _l("Past"), "Unknown": _l("Unknown")},
    "certainty": {"Observed": _l("Observed"), "Likely": _l("Likely"), "Possible": _l("Possible"),
                  "Unlikely": _l("Unlikely"), "Unknown": _l("Unknown")},
    "category": {"Geo": _l("Geophysical"), "Met": _l("Meteorological"), "Safety": _l("Public safety"),
                 "Security": _l("Security"), "Rescue": _l("Rescue and recovery"), "Fire": _l("Fire"),
                 "Health": _l("Health"), "Env": _l("Environment"), "Transport": _l("Transport"),
                 "Infra": _l("Infrastructure"), "CBRNE": _l("CBRNE"), "Other": _l("Other")},
    "cap_status": {"Actual": _l("Actual"), "Exercise": _l("Exercise"), "System": _l("System"),
                   "Test": _l("Test"), "Draft": _l("Draft")},
    "msg_type": {"Alert": _l("Alert"), "Update": _l("Update"), "Cancel": _l("Cancellation")},
    "alert_state": {"draft": _l("Draft"), "submitted": _l("Waiting for approval"),
                    "returned": _l("Returned to its author"), "published": _l("Published")},
    # People and parties.
    "role": {"secretariat": _l("Secretariat"), "focal_point": _l("National focal point"),
             "delegate": _l("Delegate")},
    "network_role": {"coordinator": _l("Coordinator"), "member": _l("Member")},
    "party_kind": {"state": _l("State"), "territory": _l("Territory"), "organization": _l("Organisation")},
    "party_status": {"member": _l("Member"), "observer": _l("Observer"), "support": _l("Support organisation")},
    "network_kind": {"thematic_network": _l("Thematic network"), "technical_network": _l("Technical network"),
                     "dialogue_space": _l("Dialogue space")},
    # Documents.
    "document_kind": {"report": _l("Report"), "protocol": _l("Protocol"), "presentation": _l("Presentation"),
                      "statement": _l("Statement"), "minutes": _l("Minutes"), "statistics": _l("Statistics"),
                      "other": _l("Other")},
    # What the upload form has always offered: "named" includes the secretariat, readers should know.
    "audience": {"network": _l("Members of the network"), "all": _l("All CMC parties"),
                 "named": _l("Named parties and the secretariat")},
    "protocol_status": {"draft": _l("Draft"), "under_review": _l("Under review"), "adopted": _l("Adopted")},
    # Meetings.
    "meeting_kind": {"annual_meeting": _l("Annual meeting"), "technical_workshop": _l("Technical workshop"),
                     "network_meeting": _l("Network meeting"), "webinar": _l("Webinar")},
    "meeting_format": {"in_person": _l("In person"), "virtual": _l("Online"), "hybrid": _l("Hybrid")},
    "meeting_status": {"draft": _l("Draft"), "published": _l("Published"), "in_session": _l("In session"),
                       "concluded": _l("Concluded"), "cancelled": _l("Cancelled")},
    "item_kind": {"opening": _l("Opening"), "session": _l("Session"), "panel": _l("Panel"), "break": _l("Break"),
                  "closing": _l("Closing")},
    "registration_status": {"pending": _l("Pending"), "confirmed": _l("Confirmed"), "declined": _l("Declined")},
    "delegation_role": {"head": _l("Head of delegation"), "delegate": _l("Delegate"), "adviser": _l("Adviser")},
    "action_status": {"open": _l("Open"), "in_progress": _l("In progress"), "done": _l("Done")},
    # The audit trail.
    "outcome": {"ok": _l("Done"), "denied": _l("Denied"), "failed": _l("Failed")},
}


def label(kind: str, code: Any) -> str:
    """The reader's word for a code of a kind (``label("severity", "Severe")`` is "Grave" in French); the code
    itself when it is unknown, so a value from a newer CAP sender still shows."""
    value = getattr(code, "value", code)
    found = LABELS.get(kind, {}).get(str(value))
    return str(found) if found is not None else str(value)


def choices(kind: str, codes: Iterable[Any] | None = None) -> list[tuple[str, Any]]:
    """(code, label) pairs of a kind, for a form's select (labels stay lazy): in their defined order, or those of
    ``codes`` in that order (a form whose first option is its default keeps it; an unknown code shows as it is)."""
    if codes is None:
        return list(LABELS[kind].items())
    table = LABELS[kind]
    return [(str(value), table.get(str(value), str(value)))
            for value in (getattr(code, "value", code) for code in codes)]
