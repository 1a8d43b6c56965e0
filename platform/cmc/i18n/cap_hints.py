"""What each CAP 1.2 choice of an alert means, in one line, for the compose form (``templates/alerts/
compose.html``): under each select, the meaning of the chosen value, and the meanings of all of them.

The meanings follow CAP 1.2's own definitions (OASIS, section 3.2.2: ``urgency``, ``severity``, ``certainty``,
``category``) in plain words; the value's word itself is its label (``cmc.i18n.labels``).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cmc.i18n.labels import LABELS, label

MEANINGS: dict[str, dict[str, Any]] = {
    "urgency": {
        "Immediate": _l("act now."),
        "Expected": _l("act soon, within the next hour."),
        "Future": _l("act in the near future."),
        "Past": _l("no action needed any more."),
        "Unknown": _l("urgency not known."),
    },
    "severity": {
        "Extreme": _l("extraordinary threat to life or property."),
        "Severe": _l("significant threat to life or property."),
        "Moderate": _l("possible threat to life or property."),
        "Minor": _l("minimal to no known threat to life or property."),
        "Unknown": _l("severity not known."),
    },
    "certainty": {
        "Observed": _l("it has happened or is happening."),
        "Likely": _l("more likely than not (over 50 %)."),
        "Possible": _l("possible but not likely (50 % or less)."),
        "Unlikely": _l("not expected to happen (about 0 %)."),
        "Unknown": _l("certainty not known."),
    },
    "category": {
        "Geo": _l("earthquakes, volcanoes, landslides, tsunamis."),
        "Met": _l("weather: hurricanes, storms, floods."),
        "Safety": _l("general emergency and public safety."),
        "Security": _l("law enforcement, border and maritime security, smuggling and trafficking."),
        "Rescue": _l("rescue and recovery, search at sea."),
        "Fire": _l("fire suppression and rescue."),
        "Health": _l("medical and public health."),
        "Env": _l("pollution and other environmental events."),
        "Transport": _l("public and private transport."),
        "Infra": _l("utilities, telecommunications and other infrastructure."),
        "CBRNE": _l("chemical, biological, radiological, nuclear or explosive threat or attack."),
        "Other": _l("anything else."),
    },
}


def hint(kind: str, code: str) -> str:
    """The one-line hint of a choice: its word and its meaning ("Severe: significant threat to life or
    property."); empty for an unknown code."""
    meaning = MEANINGS.get(kind, {}).get(code)
    if meaning is None:
        return ""
    return _("%(word)s: %(meaning)s", word=label(kind, code), meaning=meaning)


def meanings(kind: str) -> list[tuple[str, str, str]]:
    """Every choice of a kind as (code, word, meaning), in the form's order."""
    return [(code, label(kind, code), str(MEANINGS[kind][code])) for code in LABELS[kind] if code in MEANINGS[kind]]
