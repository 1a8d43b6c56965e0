"""Release requests: a member asks the originating party to release an H2 item (to their national system, into
another network, to a named party), with a reason; the originating party's focal point or the item's author
grants it (scoped: which party, what for, until when) or refuses it, with a note. Both sides are notified; the
history stays on the item; every step is audited against the originating party (its "who read what we
shared" report lists them).

A release never widens the audience: the party it covers must already be able to read the item (a document
named to other parties, an alert of a network the party is not in: refused), and the network of a release
into another network must be one the asking person may post in.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import (
    Account,
    Alert,
    AuditEvent,
    Document,
    HandlingCode,
    Network,
    NotificationKind,
    Outcome,
    Party,
    ReleasePurpose,
    ReleaseRequest,
    ReleaseStatus,
    Role,
    Thread,
)
from cmc.models.types import utcnow
from cmc.permissions.handling import Item, author_id, item_network, item_type, origin_party_id
from cmc.services import audit
from cmc.services.errors import ConflictError, ValidationError
from cmc.services.notifications import store

#: How long a grant may last at most, and the default offered.
MAX_DAYS = 365
DEFAULT_DAYS = 7
REASON_MAX = 1000
_MODELS: dict[str, Any] = {"alert": Alert, "document": Document, "thread": Thread}


def load_item(actor: Account, kind: str, item_id: int) -> Item:
    """The alert, document or thread the actor may read (404 otherwise, unknown kinds included)."""
    model = _MODELS.get(kind)
    item = db.session.get(model, item_id) if model is not None else None
    permissions.check(item is not None and permissions.handling.can_read_item(actor, item), action="release.read",
                      target_type=kind, target_id=item_id, hide=True)
    assert item is not None
    return item


def item_title(item: Item) -> str:
    """The item's title as its notifications and the report name it."""
    if isinstance(item, Alert):
        return item.infos[0].headline if item.infos else item.identifier
    return item.title


def _party_reads(party_id: int, item: Item) -> bool:
    """Whether the people of ``party_id`` may read the item (its audience as the originator set it)."""
    if isinstance(item, Document):
        network_parties = {p.id for p in item.network.parties} if item.network is not None else set()
        return permissions.documents.party_may_read(item, party_id, network_parties,
                                                    {p.id for p in item.named_parties})
    network = item_network(item)
    return network is not None and any(p.id == party_id for p in network.parties)


def audience_parties(item: Item) -> list[Party]:
    """The parties a release may name: those in the item's audience as its originator set it, other than the
    originating party (a release never widens the audience), by name."""
    if isinstance(item, Document):
        candidates = list(db.session.scalars(select(Party).where(Party.retired_at.is_(None))))
    else:
        network = item_network(item)
        candidates = list(network.parties) if network is not None else []
    origin = origin_party_id(item)
    return sorted((p for p in candidates if p.id != origin and _party_reads(p.id, item)), key=lambda p: p.name)


def network_choices(actor: Account, item: Item) -> list[Network]:
    """The networks a release into another network may name: those the actor may post in, not the item's own."""
    from cmc.services.networks import readable_network_ids

    own = item_network(item)
    ids = readable_network_ids(actor)
    found = db.session.scalars(select(Network).where(Network.id.in_(ids)).order_by(Network.name)) if ids else []
    return [n for n in found if n is not own and permissions.can(actor, "network.post", n)]


def request(actor: Account, item: Item, *, purpose: Any, reason: str, network_id: int | None = None,
            party_id: int | None = None) -> ReleaseRequest:
    """Ask the originating party to release ``item``. 403 when the item is not H2 or is the actor's own
    party's; 422 for a missing reason, an unknown purpose, a network or party outside what the item reaches."""
    kind = item_type(item)
    # Callers load the item through ``load_item``; a direct call for an item the actor cannot read is refused
    # the same way (404), never recorded as a request.
    permissions.check(permissions.handling.can_read_item(actor, item), action="release.request",
                      target_type=kind, target_id=item.id, hide=True)
    permissions.require(actor, "release.request", item, action="release.request", target_type=kind,
                        target_id=item.id, target_party_id=origin_party_id(item),
                        message=_("Only an H2 item of another party can be asked for release."))
    problems: dict[str, str] = {}
    try:
        goal = ReleasePurpose(str(purpose))
    except ValueError:
        goal = ReleasePurpose.NATIONAL_SYSTEM
        problems["purpose"] = _("Choose where the item would go.")
    text = " ".join(str(reason or "").split())
    if not text:
        problems["reason"] = _("Say why you need the item released.")
    elif len(text) > REASON_MAX:
        problems["reason"] = _("Keep the reason under %(n)d characters.", n=REASON_MAX)
    covered = actor.party_id
    target_network: int | None = None
    if goal == ReleasePurpose.NETWORK:
        network = db.session.get(Network, network_id) if network_id else None
        if network is None or not permissions.can(actor, "network.post", network) or network is item_network(item):
            problems["network_id"] = _("Choose another network you take part in.")
        else:
            target_network = network.id
    elif goal == ReleasePurpose.PARTY:
        party = db.session.get(Party, party_id) if party_id else None
        if party is None or party.id == origin_party_id(item):
            problems["party_id"] = _("Choose the party the item would go to.")
        elif not _party_reads(party.id, item):
            problems["party_id"] = _("%(party)s is not in the audience its originator chose: a release never "
                                     "widens the audience.", party=party.name)
        else:
            covered = party.id
    if problems:
        raise ValidationError(next(iter(problems.values())), fields=problems)
    with write_transaction():
        release = ReleaseRequest(item_type=kind, item_id=item.id, origin_party_id=origin_party_id(item),
                                 requester_id=actor.id, requester_party_id=actor.party_id, purpose=goal,
                                 party_id=covered, network_id=target_network, reason=text,
                                 status=ReleaseStatus.PENDING, created_at=utcnow(), decision_note="")
        db.session.add(release)
        db.session.flush()
        audit.record(actor, "release.request", target_type=kind, target_id=item.id,
                     target_party_id=origin_party_id(item),
                     details={"release": release.id, "purpose": goal.value, "party_id": covered,
                              "network_id": target_network})
        for account_id in _deciders(item):
            _notify(account_id, NotificationKind.RELEASE_REQUESTED, item, release, party=actor.party.name)
    store.push_recorded()
    return release


def open_release(actor: Account, release_id: int) -> ReleaseRequest:
    """A release request of an item the actor may read (404 otherwise: a missing request and another
    network's answer alike)."""
    release = db.session.get(ReleaseRequest, release_id)
    permissions.check(release is not None, action="release.read", target_type="release", target_id=release_id,
                      hide=True)
    assert release is not None
    load_item(actor, release.item_type, release.item_id)
    return release


def decide(actor: Account, release_id: int, *, grant: bool, note: str = "", days: int | None = DEFAULT_DAYS,
           at: datetime | None = None) -> ReleaseRequest:
    """Grant (for ``days``, 1 to ``MAX_DAYS``) or refuse a pending request. 404 for a request of an item the
    actor may not read, 403 for someone not of the originating party (or neither its focal point nor the
    author), 409 when the request was already decided, 422 for a bad duration."""
    release = db.session.get(ReleaseRequest, release_id)
    permissions.check(release is not None, action="release.decide", target_type="release", target_id=release_id,
                      hide=True)
    assert release is not None
    item = db.session.get(_MODELS[release.item_type], release.item_id)
    permissions.check(item is not None and (permissions.handling.is_originator(actor, item)
                                            or permissions.handling.can_read_item(actor, item)),
                      action="release.decide", target_type="release", target_id=release_id, hide=True)
    assert item is not None
    permissions.require(actor, "release.decide", item, action="release.decide", target_type=release.item_type,
                        target_id=item.id, target_party_id=origin_party_id(item),
                        message=_("Only the originating party's focal point or the item's author decides a "
                                  "release."))
    if release.status != ReleaseStatus.PENDING:
        raise ConflictError(_("This request was already decided."))
    text = " ".join(str(note or "").split())[:REASON_MAX]
    until: datetime | None = None
    if grant:
        try:
            length = int(days) if days is not None else 0
        except (TypeError, ValueError):
            length = 0  # not a number: refused below like an out-of-range one (422, not 500)
        if not 1 <= length <= MAX_DAYS:
            raise ValidationError(_("Grant a release for 1 to %(n)d days.", n=MAX_DAYS),
                                  fields={"days": _("Grant a release for 1 to %(n)d days.", n=MAX_DAYS)})
        until = (at or utcnow()) + timedelta(days=length)
    with write_transaction():
        release.status = ReleaseStatus.GRANTED if grant else ReleaseStatus.REFUSED
        release.decided_by_id = actor.id
        release.decided_at = at or utcnow()
        release.decision_note = text
        release.valid_until = until
        audit.record(actor, "release.grant" if grant else "release.refuse", target_type=release.item_type,
                     target_id=item.id, target_party_id=origin_party_id(item),
                     details={"release": release.id, "party_id": release.party_id,
                              "purpose": release.purpose.value,
                              "valid_until": until.isoformat() if until else None})
        _notify(release.requester_id, NotificationKind.RELEASE_DECIDED, item, release, granted=grant)
    store.push_recorded()
    return release


def withdraw(actor: Account, release_id: int) -> ReleaseRequest:
    """The asker withdraws a pending request (or ends a granted one early)."""
    release = db.session.get(ReleaseRequest, release_id)
    permissions.check(release is not None and release.requester_id == actor.id, action="release.withdraw",
                      target_type="release", target_id=release_id, hide=True)
    assert release is not None
    if release.status not in (ReleaseStatus.PENDING, ReleaseStatus.GRANTED):
        raise ConflictError(_("This request was already decided."))
    with write_transaction():
        release.status = ReleaseStatus.WITHDRAWN
        audit.record(actor, "release.withdraw", target_type=release.item_type, target_id=release.item_id,
                     target_party_id=release.origin_party_id, details={"release": release.id})
    return release


def history(actor: Account, item: Item) -> list[ReleaseRequest]:
    """The requests of an item the actor sees: every one for its originating party (and the secretariat), the
    actor's party's own otherwise. Newest first."""
    query = select(ReleaseRequest).where(ReleaseRequest.item_type == item_type(item),
                                         ReleaseRequest.item_id == item.id).order_by(ReleaseRequest.id.desc())
    if actor.party_id != origin_party_id(item) and not permissions.is_secretariat(actor):
        query = query.where((ReleaseRequest.requester_party_id == actor.party_id)
                            | (ReleaseRequest.party_id == actor.party_id))
    return list(db.session.scalars(query))


def is_current(release: ReleaseRequest, at: datetime | None = None) -> bool:
    """Whether a grant still covers its party."""
    return (release.status == ReleaseStatus.GRANTED and release.valid_until is not None
            and release.valid_until > (at or utcnow()))


def pending_for(actor: Account) -> list[ReleaseRequest]:
    """Requests waiting for the actor's party's decision (for its focal point), newest first."""
    return list(db.session.scalars(select(ReleaseRequest).where(
        ReleaseRequest.origin_party_id == actor.party_id, ReleaseRequest.status == ReleaseStatus.PENDING)
        .order_by(ReleaseRequest.id.desc())))


def exported_under_release(actor: Account, item: Item, path: str, *, network_id: int | None = None) -> None:
    """Record an H2 export a release allowed, and tell the originating party's deciders."""
    kind = item_type(item)
    with write_transaction():
        told = _told_today(actor, kind, item.id)
        audit.record(actor, "handling.export", target_type=kind, target_id=item.id,
                     target_party_id=origin_party_id(item),
                     details={"export": path, "handling_code": HandlingCode.H2.value, "released": True,
                              "network_id": network_id})
        for account_id in [] if told else _deciders(item):
            _notify(account_id, NotificationKind.RELEASE_USED, item, None, party=actor.party.name, export=path)
    store.push_recorded()


def _told_today(actor: Account, kind: str, item_id: int) -> bool:
    """Whether the actor's party already exported the item under its release in the last day: every export is
    audited, but a national system polling a feed each minute must not send the originator a notification each
    minute (one a day per party and item)."""
    return db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "handling.export", AuditEvent.outcome == Outcome.OK,
        AuditEvent.target_type == kind, AuditEvent.target_id == str(item_id),
        AuditEvent.actor_party_id == actor.party_id, AuditEvent.at > utcnow() - timedelta(days=1)).limit(1)) is not None


def _deciders(item: Item) -> list[int]:
    """Who decides for the originating party: its active focal points and the item's author."""
    ids = set(db.session.scalars(select(Account.id).where(
        Account.party_id == origin_party_id(item), Account.role == Role.FOCAL_POINT, Account.active.is_(True))))
    ids.add(author_id(item))
    return sorted(ids)


def _notify(account_id: int, kind: NotificationKind, item: Item, release: ReleaseRequest | None,
            **params: Any) -> None:
    store.record(account_id, kind, alert_id=item.id if isinstance(item, Alert) else None,
                 item_type=item_type(item), item_id=item.id, title=item_title(item),
                 release=release.id if release is not None else None, **params)
