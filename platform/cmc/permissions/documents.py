"""Rules about documents: reading, changing (versions, metadata, restore) and choosing the audience.

``cmc.services.documents.readable_clause`` is the same reading rule written as SQL for lists and search.
"""

from __future__ import annotations

from collections.abc import Collection

from cmc.models import Account, Audience, Document
from cmc.permissions.core import is_focal_point, is_secretariat, network_role
from cmc.permissions.networks import can_moderate, can_post_in
from cmc.permissions.registry import rule


@rule("document.read")
def can_read(actor: Account, document: Document) -> bool:
    """Whether ``actor`` may read ``document`` (the same rule as ``readable_clause``)."""
    if not actor.is_active:
        return False
    if is_secretariat(actor):
        return True
    if document.audience == Audience.ALL:
        return True
    if document.audience == Audience.NETWORK:
        return document.network is not None and network_role(actor, document.network) is not None
    return document.owner_party_id == actor.party_id or any(p.id == actor.party_id for p in document.named_parties)


def party_may_read(document: Document, party_id: int, network_party_ids: Collection[int],
                   named_party_ids: Collection[int]) -> bool:
    """Whether the audience of ``document`` lets the people of a party read it: ``can_read`` decided for a
    whole party rather than one person (a network document for the parties taking part in its network, a named
    one for its owner and the parties named). ``network_party_ids`` are the parties of the document's network,
    ``named_party_ids`` its named parties: the caller reads them for many documents at once."""
    if document.audience == Audience.ALL:
        return True
    if document.audience == Audience.NETWORK:
        return document.network_id is not None and party_id in network_party_ids
    return party_id == document.owner_party_id or party_id in named_party_ids


@rule("document.change")
def can_change(actor: Account, document: Document) -> bool:
    """New versions, metadata, restore: the uploader, people of the owning party who may post in the network,
    the network's coordinators, and the secretariat."""
    if is_secretariat(actor):
        return True
    network = document.network
    if network is None or not can_post_in(actor, network):
        return False
    return (document.uploader_id == actor.id or actor.party_id == document.owner_party_id
            or can_moderate(actor, network))


@rule("document.audience")
def can_change_audience(actor: Account, document: Document) -> bool:
    """The originating party (its uploader or focal point) narrows or widens the audience; and the secretariat."""
    if is_secretariat(actor):
        return True
    if document.network is not None and document.network.archived:
        return False
    return actor.party_id == document.owner_party_id and (
        document.uploader_id == actor.id or is_focal_point(actor))


@rule("document.read_all")
def can_read_every_document(actor: Account) -> bool:
    """The secretariat reads every document, whatever its audience."""
    return is_secretariat(actor)
