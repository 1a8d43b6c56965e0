"""A network's event types: the templates a compose form starts from, and the standard ones of migrant
smuggling that a network with alerts is seeded with.

(Named ``event_templates`` rather than ``event_types``: a submodule of that name would be shadowed by the
``event_types`` function the package re-exports.)"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select

from cmc import i18n, permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import Account, AlertEventType, Network
from cmc.models.alert import CATEGORIES, CERTAINTIES, SEVERITIES, URGENCIES
from cmc.services import audit, networks, text
from cmc.services.errors import ValidationError

SMUGGLING_EVENT_TYPES = (
    ("vessel", "Suspected smuggling vessel", "Security", "Immediate", "Severe", "Likely",
     "Suspected smuggling vessel left {area}", "Alert coast guard and immigration posts; report sightings."),
    ("arrival", "Large irregular arrival", "Rescue", "Immediate", "Severe", "Observed",
     "Large irregular arrival at {area}", "Prepare reception, screening and protection referral."),
    ("route", "Route change", "Security", "Expected", "Moderate", "Likely",
     "Smuggling route change towards {area}", "Review patrol plans; share sightings."),
    ("fraud", "Document fraud pattern", "Security", "Expected", "Moderate", "Observed",
     "Document fraud pattern seen at {area}", "Check documents of the described type closely at entry."),
    ("displacement", "Mass displacement after a disaster", "Rescue", "Immediate", "Extreme", "Likely",
     "Mass displacement expected from {area}", "Activate emergency assistance and reception plans."),
)


def event_types(network: Network) -> list[AlertEventType]:
    """The event types and templates configured for a network."""
    return list(db.session.scalars(select(AlertEventType).where(AlertEventType.network_id == network.id)
                                   .order_by(AlertEventType.event)))


def _event_type_errors(*, code: str, event: str, category: str, urgency: str, severity: str, certainty: str,
                       headline_template: str, instruction_template: str) -> dict[str, str]:
    fields = text.field_errors(event=event, headline_template=headline_template,
                               instruction_template=instruction_template)
    if not re.match(r"^[a-z0-9-]{2,40}$", code):
        fields["code"] = _("Use 2 to 40 lower-case letters, digits or hyphens.")
    if not event.strip() or len(event) > 120:
        fields["event"] = _("Name the event.")
    if severity not in SEVERITIES or urgency not in URGENCIES or certainty not in CERTAINTIES \
            or category not in CATEGORIES:
        fields["severity"] = _("Choose a category, urgency, severity and certainty from the lists.")
    return fields


#: The texts of an event type that have a version per language (the CAP choices are codes, the same in all).
TEXT_FIELDS = ("event", "headline", "instruction")
#: The language of an event type's own fields: the compose form's first block, which is English.
TEMPLATE_LANGUAGE = "en"


def _texts_errors(texts: dict[str, dict[str, str]]) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """The per-language texts trimmed (a language with nothing is dropped) and a message per bad field, named
    as the form names it (``headline_template_es``)."""
    names = {"event": "event", "headline": "headline_template", "instruction": "instruction_template"}
    clean: dict[str, dict[str, str]] = {}
    fields: dict[str, str] = {}
    for code, given in texts.items():
        if not i18n.is_available(code) or code == TEMPLATE_LANGUAGE or not isinstance(given, dict) \
                or any(not isinstance(given.get(f, ""), str) for f in TEXT_FIELDS):
            fields["texts"] = _("Translations are given in the other offered languages only.")
            continue
        values = {f: " ".join(given.get(f, "").split()) if f != "instruction" else given.get(f, "").strip()
                  for f in TEXT_FIELDS}
        fields.update({f"{names[f]}_{code}": m for f, m in text.field_errors(**values).items()})
        for field, limit in (("event", 120), ("headline", 160), ("instruction", 2000)):
            if len(values[field]) > limit:
                fields[f"{names[field]}_{code}"] = _("Keep it under %(n)d characters.", n=limit)
        if any(values.values()):
            clean[code] = values
    return clean, fields


def template_text(row: AlertEventType, language: str) -> dict[str, str]:
    """An event type's event, headline and instruction for a block in ``language``: that language's text
    where there is one, field by field, else the type's own."""
    own = {"event": row.event, "headline": row.headline_template, "instruction": row.instruction_template}
    given = (row.texts or {}).get(language) or {} if language != TEMPLATE_LANGUAGE else {}
    return {f: given.get(f) or own[f] for f in TEXT_FIELDS}


def save_event_type(actor: Account, slug: str, *, code: str, event: str, category: str, urgency: str,
                    severity: str, certainty: str, headline_template: str = "",
                    instruction_template: str = "",
                    texts: dict[str, dict[str, str]] | None = None) -> AlertEventType:
    """A coordinator adds or changes an event type of their network; ``texts`` ({language: {event, headline,
    instruction}}) are its templates in the other languages (None leaves them as they are)."""
    network = networks.open_network(actor, slug)
    permissions.require(actor, "alert.publish", network, action="alert.event_type", target_type="network",
                        target_id=network.id)
    fields = _event_type_errors(code=code, event=event, category=category, urgency=urgency, severity=severity,
                                certainty=certainty, headline_template=headline_template,
                                instruction_template=instruction_template)
    translations, text_fields = _texts_errors(texts or {})
    fields.update(text_fields)
    if fields:
        raise ValidationError(next(iter(fields.values())), fields=fields)
    with write_transaction():
        row = db.session.scalar(select(AlertEventType).where(AlertEventType.network_id == network.id,
                                                             AlertEventType.code == code))
        if row is None:
            row = AlertEventType(network_id=network.id, code=code)
            db.session.add(row)
        row.event, row.category, row.urgency, row.severity, row.certainty = (
            event.strip(), category, urgency, severity, certainty)
        row.headline_template, row.instruction_template = headline_template.strip(), instruction_template.strip()
        if texts is not None:
            row.texts = translations  # a new dict: SQLAlchemy sees a JSON column change only on assignment
        audit.record(actor, "alert.event_type", target_type="network", target_id=network.id,
                     details={"code": code, "languages": sorted(row.texts or {})})
    return row


def seed_event_types(network: Network) -> None:
    """Give a network with alerts on the standard event types of migrant smuggling (inside a transaction)."""
    existing = set(db.session.scalars(select(AlertEventType.code).where(AlertEventType.network_id == network.id)))
    for code, event, category, urgency, severity, certainty, headline, instruction in SMUGGLING_EVENT_TYPES:
        if code not in existing:
            db.session.add(AlertEventType(network_id=network.id, code=code, event=event, category=category,
                                          urgency=urgency, severity=severity, certainty=certainty,
                                          headline_template=headline, instruction_template=instruction))
