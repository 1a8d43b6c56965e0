"""Rules about handling codes: who marks an item, who lowers its code, which export paths an H2 item may take
and for whom, who asks for and who decides a release, who reads the "who read what we shared" report.

An item is an alert, a document or a thread; its **originating party** is the alert's party, the document's
owning party, the thread author's party. These rules decide the handling part only: every caller has already
asked the item's own reading rule (an item a person may not read answers 404 before its code is looked at).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, or_, select

from cmc.extensions import db
from cmc.models import (
    Account,
    Alert,
    Document,
    HandlingCode,
    Network,
    ReleasePurpose,
    ReleaseRequest,
    ReleaseStatus,
    RollCall,
    Thread,
)
from cmc.models.types import utcnow
from cmc.permissions.core import is_focal_point, is_secretariat
from cmc.permissions.networks import can_moderate, can_post_in, can_read_network
from cmc.permissions.registry import rule

Item = Alert | Document | Thread

#: The ways an item leaves the platform. ``forward`` is sharing it into another network (``network`` given).
#: ``download`` is a reader of the item's audience opening its file from the page: that is how the audience the
#: originator chose reads a document, so it is open whatever the code (audited with the code); what H2 forbids
#: is taking the item beyond that audience (the other paths).
EXPORT_PATHS = ("cap", "atom", "api", "zip", "pdf", "download", "forward")


def item_type(item: Item) -> str:
    """``alert``, ``document`` or ``thread`` (the audit trail's and the release requests' word)."""
    if isinstance(item, Alert):
        return "alert"
    if isinstance(item, Document):
        return "document"
    return "thread"


def origin_party_id(item: Item) -> int:
    """The party that originated the item and alone decides where it goes."""
    if isinstance(item, Alert):
        return item.party_id
    if isinstance(item, Document):
        return item.owner_party_id
    if isinstance(item, RollCall):  # marked by its organiser (its statement names the organiser's party)
        return item.organiser_party_id
    return item.author.party_id


def item_network(item: Item) -> Network | None:
    """The network the item lives in (a document may have none)."""
    return item.network


def author_id(item: Item) -> int:
    """Who wrote the item (the uploader of a document)."""
    return item.uploader_id if isinstance(item, Document) else item.author_id


def is_originator(actor: Account | None, item: Item) -> bool:
    """Whether the actor is of the item's originating party."""
    return actor is not None and actor.party_id == origin_party_id(item)


def _may_post(actor: Account, item: Item) -> bool:
    network = item_network(item)
    return network is not None and can_post_in(actor, network)


@rule("handling.raise")
def can_raise(actor: Account, item: Item) -> bool:
    """Raising the code (to one that restricts strictly more) is always open to the originating party's
    people who post in the network, and to whoever moderates it (coordinators, the secretariat): restricting
    more can only protect the originator."""
    network = item_network(item)
    if not can_read_item(actor, item):
        return False
    if is_originator(actor, item) and (_may_post(actor, item) or author_id(item) == actor.id):
        return True
    return network is not None and can_moderate(actor, network)


@rule("handling.lower")
def can_lower(actor: Account, item: Item) -> bool:
    """Lowering the code, changing H3's text or the evaluation: the originating party alone, through the
    item's author or the party's focal point (not the secretariat, not a coordinator of another party)."""
    return (is_originator(actor, item) and (author_id(item) == actor.id or is_focal_point(actor))
            and can_read_item(actor, item))


def release_covers(party_id: int | None, item: Item, path: str, network_id: int | None = None,
                   at: datetime | None = None) -> bool:
    """Whether a granted, unexpired release of ``item`` covers ``party_id`` for ``path``: a release to the
    party's national system or a release naming the party covers every export path; a release to another
    network covers forwarding into that network only."""
    if party_id is None:
        return False
    granted = (ReleaseRequest.item_type == item_type(item), ReleaseRequest.item_id == item.id,
               ReleaseRequest.party_id == party_id, ReleaseRequest.status == ReleaseStatus.GRANTED,
               ReleaseRequest.valid_until > (at or utcnow()))
    if path == "forward":
        scope: Any = (ReleaseRequest.purpose == ReleasePurpose.NETWORK) & (ReleaseRequest.network_id == network_id)
    else:
        scope = or_(ReleaseRequest.purpose == ReleasePurpose.NATIONAL_SYSTEM,
                    ReleaseRequest.purpose == ReleasePurpose.PARTY)
    return bool(db.session.scalar(select(exists().where(*granted, scope))))


@rule("handling.export")
def can_export(actor: Account, item: Item, path: str, network_id: int | None = None) -> bool:
    """Whether the item may leave the platform by ``path`` (one of ``EXPORT_PATHS``) for the actor: any
    code but H2 may (H1 and H3 carry their warning and restriction); an H2 item only to its originating party
    or under a release that covers the actor's party (a reader's download excepted, see ``EXPORT_PATHS``)."""
    if path not in EXPORT_PATHS:
        raise LookupError(f"no export path named {path!r}")
    if path == "download" or item.handling_code != HandlingCode.H2 or is_originator(actor, item):
        return True
    return release_covers(actor.party_id, item, path, network_id)


@rule("release.request")
def can_request_release(actor: Account, item: Item) -> bool:
    """A member of another party who reads an H2 item asks its originator to release it."""
    return item.handling_code == HandlingCode.H2 and not is_originator(actor, item) and can_read_item(actor, item)


@rule("release.decide")
def can_decide_release(actor: Account, item: Item) -> bool:
    """The originating party's focal point, or the item's author, grants or refuses a release (the focal point
    decides for the party's items even in a network it does not take part in)."""
    return is_originator(actor, item) and (is_focal_point(actor) or author_id(item) == actor.id)


@rule("handling.report")
def can_read_shared_report(actor: Account, party_id: int) -> bool:
    """"Who read what we shared": a party's focal point for the party's own items; the secretariat (which
    reads the whole audit trail) for any party's."""
    return is_secretariat(actor) or (is_focal_point(actor) and actor.party_id == party_id)


def can_read_item(actor: Account, item: Item) -> bool:
    """The item's own reading rule (alerts, documents, threads: a reader of the thread's network)."""
    from cmc.permissions.registry import can

    if isinstance(item, Alert):
        return can(actor, "alert.read", item)
    if isinstance(item, Document):
        return can(actor, "document.read", item)
    return item.deleted_at is None and can_read_network(actor, item.network)
