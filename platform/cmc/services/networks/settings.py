"""A network's own settings, kept by the secretariat: address, name, charter (and their translations), kind,
parties, archiving."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from cmc import i18n, permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import Account, Network, NetworkKind, Party
from cmc.models.types import utcnow
from cmc.services import audit, markup, text
from cmc.services.errors import ConflictError, ValidationError
from cmc.services.networks import texts
from cmc.services.networks.directory import entry
from cmc.services.networks.threads import BODY_MAX

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")


@dataclass
class NetworkInput:
    """What the secretariat sets on a network."""

    slug: str
    name: str
    description: str = ""
    charter: str = ""
    kind: str = NetworkKind.THEMATIC.value
    alerts_enabled: bool = False
    party_codes: list[str] = field(default_factory=list)
    #: The language ``name``, ``description`` and ``charter`` are written in.
    language: str = "en"
    #: The texts in other languages, {language: {name, description, charter}}; None leaves them as they are.
    texts: dict[str, dict[str, str]] | None = None


def _validate_network(data: NetworkInput) -> dict[str, Any]:
    fields = text.field_errors(name=data.name, description=data.description, charter=data.charter)
    slug = data.slug.strip().lower()
    if not _SLUG.match(slug):
        fields["slug"] = _("Use lower-case letters, digits and hyphens, for example migrant-smuggling.")
    name = " ".join(data.name.split())
    if not name or len(name) > 120:
        fields["name"] = _("Enter the network's name (up to 120 characters).")
    if len(data.description) > 500:
        fields["description"] = _("Keep the description under 500 characters.")
    if len(data.charter) > BODY_MAX:
        fields["charter"] = _("The charter is too long.")
    if not i18n.is_available(data.language):
        fields["language"] = _("Choose one of the offered languages.")
    if data.kind not in {k.value for k in NetworkKind}:
        fields["kind"] = _("Choose a kind of network.")
    codes = {c.strip().upper() for c in data.party_codes if c.strip()}
    parties = list(db.session.scalars(select(Party).where(Party.code.in_(codes)))) if codes else []
    if len(parties) != len(codes):
        fields["parties"] = _("One of the parties is unknown.")
    if fields:
        raise ValidationError(next(iter(fields.values())), fields=fields)
    return {"slug": slug, "name": name, "description": data.description.strip(), "charter": data.charter,
            "charter_html": markup.render(data.charter),
            "kind": NetworkKind(data.kind), "alerts_enabled": bool(data.alerts_enabled), "parties": parties,
            "language": data.language}


def _validated(data: NetworkInput) -> tuple[dict[str, Any], dict[str, dict[str, str]] | None]:
    """The network's values and its checked translations (None: leave them), every error reported at once."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    translations = None
    try:
        values = _validate_network(data)
    except ValidationError as exc:
        errors.update(exc.fields)
    if data.texts is not None:
        try:
            translations = texts.checked_texts(data.texts, data.language)
        except ValidationError as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationError(next(iter(errors.values())), fields=errors)
    return values, translations


def _refuse_taken_slug(slug: str, network_id: int | None = None) -> None:
    """409 when another network (than ``network_id``) already has the address ``slug``."""
    query = select(Network.id).where(Network.slug == slug)
    if network_id is not None:
        query = query.where(Network.id != network_id)
    if db.session.scalar(query) is not None:
        message = _("A network with this address already exists.")
        raise ConflictError(message, fields={"slug": message})


@contextmanager
def _managing(actor: Account, slug: str, action: str) -> Iterator[Network]:
    """The network ``slug`` inside a write transaction, once the actor may manage networks (secretariat)."""
    permissions.require(actor, "network.manage", action=action, target_type="network", target_id=slug)
    with write_transaction():
        yield entry(slug)


def create_network(actor: Account, data: NetworkInput) -> Network:
    """Create a network (secretariat)."""
    permissions.require(actor, "network.manage", action="network.create", target_type="network")
    with write_transaction():
        values, translations = _validated(data)
        _refuse_taken_slug(values["slug"])
        network = Network(**values)
        db.session.add(network)
        changed = texts.apply_texts(actor, network, translations or {})
        db.session.flush()
        audit.record(actor, "network.create", target_type="network", target_id=network.id,
                     details={"slug": network.slug, "language": network.language, "texts": changed})
    return network


def update_network(actor: Account, slug: str, data: NetworkInput) -> Network:
    """Edit a network (secretariat); parties removed from it keep their members until removed."""
    with _managing(actor, slug, "network.update") as network:
        values, translations = _validated(data)
        _refuse_taken_slug(values["slug"], network.id)
        for key, value in values.items():
            setattr(network, key, value)
        # A translation into what is now the original language goes: the original columns hold that text.
        changed = texts.apply_texts(actor, network, translations) if translations is not None else []
        audit.record(actor, "network.update", target_type="network", target_id=network.id,
                     details={"slug": network.slug, "language": network.language, "texts": changed})
    return network


def set_archived(actor: Account, slug: str, archived: bool) -> Network:
    """Archive (read-only) or reopen a network (secretariat)."""
    with _managing(actor, slug, "network.archive") as network:
        network.archived_at = utcnow() if archived else None
        audit.record(actor, "network.archive" if archived else "network.reopen", target_type="network",
                     target_id=network.id)
    return network
