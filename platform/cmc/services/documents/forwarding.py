"""Sharing a document in another network: a new document there holding a copy of the current file, with the
same title, description, kind, languages, audience and marking and the SAME owning party (the originator stays
the originator; the person sharing is the uploader). An H2 document goes only where its originator, or a release
into that very network, lets it (``handling.require_export(..., "forward", network_id=...)``)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import Account, Document, Network
from cmc.services import audit, handling, networks, search
from cmc.services.documents.files import kept_until_committed, new_version_row, text_of
from cmc.services.documents.reading import export_marking, find_version, require_file_export
from cmc.services.documents.writing import copy_of
from cmc.services.errors import ValidationError


def targets(actor: Account, document: Document) -> list[Network]:
    """The networks the actor may share the document in: those they may post in, other than its own."""
    ids = [i for i in networks.readable_network_ids(actor) if i != document.network_id]
    if not ids:
        return []
    found = db.session.scalars(select(Network).where(Network.id.in_(ids)).order_by(Network.name))
    return [network for network in found if permissions.can(actor, "network.post", network)]


def _target(actor: Account, document: Document, slug: str) -> Network:
    """The chosen network (422 on the ``network`` field for none, the document's own or one the actor may
    not post in)."""
    network = networks.by_slug(slug) if slug else None
    if network is None or network.id == document.network_id or not permissions.can(actor, "network.post", network):
        message = _("Choose another network you may post in.")
        raise ValidationError(message, fields={"network": message})
    return network


def forward(actor: Account, document_id: int, slug: str) -> Document:
    """Share the document in the network ``slug``: a new document there (audited ``document.forward`` against
    the owning party). 404 for a document the actor may not read, 422 for a network they may not post in,
    ``HandlingRestricted`` (403, audited as denied) for an H2 file no release into that network covers;
    nothing is created when refused."""
    document, version = find_version(actor, document_id)
    network = _target(actor, document, slug)
    networks.require_post(actor, network, "document.forward")
    require_file_export(actor, document, version, "forward", network_id=network.id)
    marking = handling.marking_of(export_marking(document, version))
    source_name = networks.network_name(document.network, plain=True) if document.network else ""
    with copy_of(version) as checked:
        extracted = text_of(checked)
        with kept_until_committed() as kept, write_transaction():
            copy = Document(network_id=network.id, owner_party_id=document.owner_party_id, uploader_id=actor.id,
                            title=document.title, description=document.description, kind=document.kind,
                            languages=document.languages, status=document.status, audience=document.audience)
            copy.named_parties = list(document.named_parties)
            db.session.add(copy)
            db.session.flush()
            note = _("Shared from %(network)s", network=source_name) if source_name else ""
            new_version_row(copy, actor, checked, note, extracted.status, kept, version.language, marking=marking)
            search.index(copy, extracted.text, version.language)
            audit.record(actor, "document.forward", target_type="document", target_id=document.id,
                         target_party_id=document.owner_party_id,
                         details={"version": version.number, "network_id": network.id, "document": copy.id,
                                  "handling_code": marking.code.value})
            networks.record_activity(network.id, actor, "document.new", "document", copy.id, copy.title)
    return copy
