"""What a person writes for an alert (``AlertInput`` with its ``InfoInput`` blocks), the profile an alert must
meet (``validate``, with a message per field, areas included), and the model rows made from it."""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _

from cmc.models import Alert, AlertInfo, CapStatus, Network
from cmc.models.alert import CATEGORIES, CERTAINTIES, SEVERITIES, URGENCIES
from cmc.models.types import utcnow
from cmc.services import handling, text
from cmc.services.errors import ValidationError

LANGUAGES = ("en", "es", "fr", "nl")
MAX_DESCRIPTION = 20_000
MAX_EXPIRY = timedelta(days=366)
#: The largest circle an alert may draw: wider than the widest sea crossing of the region, smaller than the
#: region itself (a circle of 5,000 km would cover the Americas and say nothing about where to look).
MAX_RADIUS_KM = 1000
_COORD = re.compile(r"^-?\d{1,2}(\.\d+)?,-?\d{1,3}(\.\d+)?$")


@dataclass
class InfoInput:
    """One CAP info block as a person fills it in."""

    headline: str
    event: str
    severity: str
    urgency: str = "Expected"
    certainty: str = "Likely"
    category: str = "Security"
    language: str = "en"
    description: str = ""
    instruction: str = ""
    expires: datetime | None = None
    area_desc: str = ""
    geocodes: list[str] = field(default_factory=list)
    circle: str = ""
    polygon: str = ""


@dataclass
class AlertInput:
    """A whole alert: envelope and info blocks."""

    infos: list[InfoInput]
    status: str = CapStatus.ACTUAL.value
    restriction: str = "For members of the network only"
    note: str = ""
    ack_within_minutes: int = 60
    #: The marking as sent (``cmc.services.handling.validate`` judges it). ``handling_code`` None: nothing sent,
    #: so a new alert is H0 and an Update inherits the marking of the alert it references.
    handling_code: str | None = None
    handling_text: str = ""
    source_reliability: str | None = None
    info_accuracy: str | None = None


def _check_polygon(value: str) -> str | None:
    points = value.split()
    if len(points) < 4 or not all(_COORD.match(p) for p in points):
        return _("A polygon needs at least four points written lat,lon separated by spaces.")
    if points[0] != points[-1]:
        return _("The polygon does not close: its last point must repeat the first.")
    return None


def _check_circle(value: str) -> str | None:
    parts = value.split()
    if len(parts) != 2 or not _COORD.match(parts[0]):
        return _("Write a circle as lat,lon radius, for example 18.0,-76.8 25.")
    try:
        radius = float(parts[1])
    except ValueError:
        return _("The radius of the circle must be a number of kilometres.")
    if not math.isfinite(radius) or radius <= 0:
        return _("The radius of the circle must be more than 0 km.")
    if radius > MAX_RADIUS_KM:
        return _("The radius of the circle must be at most %(km)d km: draw a polygon for a larger area.",
                 km=MAX_RADIUS_KM)
    return None


def validate(data: AlertInput, network: Network) -> None:
    """Refuse an alert that breaks the profile, with a message per field (the first one as the message)."""
    fields = _envelope_errors(data)
    participating = {p.code for p in network.parties}
    now = utcnow()
    languages: set[str] = set()
    for info in data.infos:
        if info.language not in LANGUAGES:
            fields["language"] = _("Choose English, Spanish, French or Dutch.")
        elif info.language in languages:
            fields["language"] = _("Write one information block per language.")
        languages.add(info.language)
        fields.update(info_errors(info, now))
        fields.update(_area_errors(info, participating))
        fields.update(info_text_errors(info))
    fields.update(marking_errors(data))
    if fields:
        raise ValidationError(next(iter(fields.values())), fields=fields)


def marking_errors(data: AlertInput) -> dict[str, str]:
    """Field errors of the marking sent (none when nothing was sent: the alert is H0, or inherits)."""
    if data.handling_code is None:
        return {}
    try:
        handling.validate(data.handling_code, data.handling_text, data.source_reliability, data.info_accuracy)
    except ValidationError as exc:
        return dict(exc.fields or {})
    return {}


def marking(data: AlertInput, inherited: handling.Marking | None = None) -> handling.Marking:
    """The marking the alert gets: the one sent (ValidationError when it is wrong), else ``inherited`` (an
    Update's referenced alert), else H0 without evaluation."""
    if data.handling_code is None:
        return inherited or handling.Marking()
    return handling.validate(data.handling_code, data.handling_text, data.source_reliability, data.info_accuracy)


def _envelope_errors(data: AlertInput) -> dict[str, str]:
    """Field errors of the envelope: status, restriction, the acknowledgement window, at least one block."""
    fields = text.field_errors(restriction=data.restriction, note=data.note)
    if data.status not in {s.value for s in CapStatus}:
        fields["status"] = _("Choose Actual, Exercise or Test.")
    if not data.restriction.strip():
        fields["restriction"] = _("A restricted alert needs a restriction text: who may see it.")
    elif len(data.restriction) > 300:
        fields["restriction"] = _("Keep the restriction under 300 characters.")
    if not 5 <= data.ack_within_minutes <= 7 * 24 * 60:
        fields["ack_within_minutes"] = _("Ask for acknowledgement within 5 minutes to 7 days.")
    if not data.infos:
        fields["headline"] = _("Write at least the English information block.")
    return fields


def info_errors(info: InfoInput, now: datetime) -> dict[str, str]:
    """Field errors of an info block's words, choices and expiry."""
    fields: dict[str, str] = {}
    if not info.headline.strip():
        fields["headline"] = _("Write a headline: what happened, where.")
    elif len(info.headline) > 160:
        fields["headline"] = _("Keep the headline to 160 characters.")
    if not info.event.strip() or len(info.event) > 120:
        fields["event"] = _("Say what kind of event this is.")
    if info.severity not in SEVERITIES:
        fields["severity"] = _("Choose a severity: Extreme, Severe, Moderate, Minor or Unknown.")
    if info.urgency not in URGENCIES:
        fields["urgency"] = _("Choose an urgency.")
    if info.certainty not in CERTAINTIES:
        fields["certainty"] = _("Choose a certainty.")
    if info.category not in CATEGORIES:
        fields["category"] = _("Choose a category.")
    if len(info.description) > MAX_DESCRIPTION:
        fields["description"] = _("The description is longer than %(n)d characters. Share the details as a "
                                  "document and link it.", n=MAX_DESCRIPTION)
    if len(info.instruction) > 5000:
        fields["instruction"] = _("Keep the instruction under 5,000 characters.")
    if info.expires is not None and info.expires <= now:
        fields["expires"] = _("The expiry is in the past. Choose a later time.")
    elif info.expires is not None and info.expires > now + MAX_EXPIRY:
        fields["expires"] = _("An alert expires within a year. Choose an earlier time.")
    return fields


def _area_errors(info: InfoInput, participating: set[str]) -> dict[str, str]:
    """Field errors of an info block's area: parties of the network, a closed polygon, a circle, a text."""
    fields: dict[str, str] = {}
    unknown = [code for code in info.geocodes if code not in participating]
    if unknown:
        fields["geocodes"] = _("These parties do not take part in the network: %(codes)s.",
                               codes=", ".join(unknown))
    if info.polygon.strip() and (problem := _check_polygon(info.polygon.strip())):
        fields["polygon"] = problem
    if info.circle.strip() and (problem := _check_circle(info.circle.strip())):
        fields["circle"] = problem
    if len(info.area_desc) > 300:
        fields["area_desc"] = _("Keep the area description under 300 characters.")
    return fields


def info_text_errors(info: InfoInput) -> dict[str, str]:
    """Field errors for text of an info block that could never be exported (see ``services/text.py``); an
    info block in another language than English names its fields as the compose form does (headline_es)."""
    suffix = "" if info.language == "en" else f"_{info.language}"
    errors = text.field_errors(event=info.event, area_desc=info.area_desc, circle=info.circle,
                               polygon=info.polygon)
    errors.update({f"{name}{suffix}": message for name, message in text.field_errors(
        headline=info.headline, description=info.description, instruction=info.instruction).items()})
    return errors


def info_rows(data: AlertInput) -> list[AlertInfo]:
    """The info blocks of the input as model rows, trimmed."""
    return [AlertInfo(language=i.language, category=i.category, event=i.event.strip(), urgency=i.urgency,
                      severity=i.severity, certainty=i.certainty, headline=i.headline.strip(),
                      description=i.description.strip(), instruction=i.instruction.strip(), expires=i.expires,
                      area_desc=i.area_desc.strip(), geocodes=list(dict.fromkeys(i.geocodes)),
                      circle=i.circle.strip(), polygon=i.polygon.strip()) for i in data.infos]


def as_input(alert: Alert) -> AlertInput:
    """An existing alert as input again (to check a draft before approval, or to write its Cancel)."""
    kept = handling.marking_of(alert)
    return AlertInput(status=str(alert.status), restriction=alert.restriction, note=alert.note,
                      ack_within_minutes=alert.ack_within_minutes, handling_code=kept.code.value,
                      handling_text=kept.text, source_reliability=kept.reliability.value if kept.reliability else None,
                      info_accuracy=kept.accuracy.value if kept.accuracy else None,
                      infos=[InfoInput(headline=i.headline, event=i.event, severity=i.severity, urgency=i.urgency,
                                       certainty=i.certainty, category=i.category, language=i.language,
                                       description=i.description, instruction=i.instruction, expires=None,
                                       area_desc=i.area_desc, geocodes=list(i.geocodes), circle=i.circle,
                                       polygon=i.polygon) for i in alert.infos])


def identifier(network: Network) -> str:
    """A new CAP identifier for an alert of the network."""
    # CAP identifiers may not contain spaces, commas or restricted characters.
    return f"cmc-{network.slug}-{uuid.uuid4().hex}"
