"""Starting a roll call (from an alert, or as the follow-up of an earlier one), telling every person of the
asked parties, and the list of roll calls a person sees.

``start`` checks everything before it writes: the deadline (at least :data:`MIN_AHEAD` ahead, at most
:data:`MAX_AHEAD`), the parties (only the network's member parties that are not retired; an observer, a
support organisation, a party outside the network or an unknown code is refused by name), the questions (a
template's, or a list :func:`questions.validate` accepts), the alert (one the organiser reads, of the same
network) and the previous roll call (same network). Inside its one write transaction it stores the roll call
and one ``rollcall.asked`` notification per active account of each asked party (one ``INSERT ... SELECT`` per
party, whatever its size); after the commit each person is told live and by e-mail, in their language.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import JSON, Integer, String, and_, func, insert, literal, or_, select
from sqlalchemy.exc import IntegrityError

from cmc import i18n, permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import (
    Account,
    Alert,
    Network,
    Notification,
    NotificationKind,
    Party,
    PartyStatus,
    RollCall,
    RollCallAnswer,
    RollCallState,
)
from cmc.models.rollcall import roll_call_parties
from cmc.models.types import UTCDateTime, parse_id, utcnow
from cmc.services import audit, handling, idempotency, text
from cmc.services.errors import ValidationError
from cmc.services.networks.directory import open_network, readable_network_ids
from cmc.services.notifications.store import PENDING, forget_recorded, push_recorded
from cmc.services.rollcalls import access, live, questions
from cmc.services.rollcalls.templates import template_in

TITLE_MAX = 200
INSTRUCTIONS_MAX = 4000
MIN_AHEAD = timedelta(minutes=15)
MAX_AHEAD = timedelta(days=30)


@dataclass
class StartInput:
    """What a roll call is started with (the page's form and the API's body fill it; ``start`` judges it).

    ``parties`` None asks the network's member parties; ``questions`` None takes ``template_id``'s (the
    platform's default template when that is None too)."""

    title: str = ""
    deadline: datetime | None = None
    parties: list[str] | None = None
    template_id: int | None = None
    questions: list[dict[str, Any]] | None = None
    alert_id: int | None = None
    previous_id: int | None = None
    instructions: str = ""
    handling_code: str = "H0"
    handling_text: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def open_for_start(actor: Account, slug: str) -> Network:
    """The network a roll call would start in: 404 for a network the actor may not read, 403 for a reader who
    may not start one (a delegate, an observer)."""
    network = open_network(actor, slug)
    permissions.require(actor, "rollcall.start", network, action="rollcall.start", target_type="network",
                        target_id=network.id)
    return network


def member_parties(network: Network) -> list[Party]:
    """The parties a roll call of ``network`` may ask (and asks by default): its member parties, not retired."""
    return [party for party in network.parties if party.status == PartyStatus.MEMBER and not party.retired]


def _parties(network: Network, codes: list[str] | None) -> list[Party]:
    """The asked parties from their codes (``ValidationError`` naming the first code that may not be asked)."""
    allowed = {party.code: party for party in member_parties(network)}
    if codes is None:
        return list(allowed.values())
    chosen: dict[str, Party] = {}
    for raw in codes:
        code = str(raw or "").strip().upper()
        if code not in allowed:
            message = _("%(code)s cannot be asked: only the network's member parties answer a roll call.",
                        code=code[:12] or "?")
            raise ValidationError(message, fields={"parties": message})
        chosen[code] = allowed[code]
    if not chosen:
        message = _("Choose at least one party to ask.")
        raise ValidationError(message, fields={"parties": message})
    return sorted(chosen.values(), key=lambda party: party.name)


def _title(value: Any) -> str:
    return text.one_line(value, field="title", limit=TITLE_MAX, missing=_("Give the roll call a title."),
                         too_long=_("Keep the title under %(n)d characters.", n=TITLE_MAX))


def _deadline(value: datetime | None, now: datetime) -> datetime:
    if value is None or value.tzinfo is None:
        message = _("Give the deadline: a date and a time.")
        raise ValidationError(message, fields={"deadline": message})
    deadline = value.astimezone(UTC)
    if deadline < now + MIN_AHEAD:
        message = _("The deadline must be at least 15 minutes from now.")
        raise ValidationError(message, fields={"deadline": message})
    if deadline > now + MAX_AHEAD:
        message = _("The deadline must be within 30 days.")
        raise ValidationError(message, fields={"deadline": message})
    return deadline


def _questions(network: Network, data: StartInput) -> tuple[list[dict[str, Any]], int | None]:
    """The questions asked and the template they came from."""
    if data.questions is not None:
        return questions.validate(data.questions), None
    if data.template_id is None:
        from cmc.services.rollcalls.templates import ensure_default

        template = ensure_default()
    else:
        found = template_in(network, data.template_id)
        if found is None:
            message = _("Choose one of the network's templates.")
            raise ValidationError(message, fields={"template_id": message})
        template = found
    return questions.validate(template.questions), template.id


def _alert(actor: Account, network: Network, alert_id: int | None) -> Alert | None:
    if alert_id is None:
        return None
    from cmc.services.alerts.access import get as get_alert

    alert = get_alert(actor, alert_id, audit_read=False)  # 404 for an alert the actor may not read
    if alert.network_id != network.id:
        message = _("A roll call is started from an alert of its own network.")
        raise ValidationError(message, fields={"alert_id": message})
    return alert


def _previous(actor: Account, network: Network, previous_id: int | None) -> RollCall | None:
    if previous_id is None:
        return None
    previous = access.get(actor, previous_id)
    if previous.network_id != network.id:
        message = _("A follow-up continues a roll call of the same network.")
        raise ValidationError(message, fields={"previous_id": message})
    return previous


def start(actor: Account, slug: str, data: StartInput, *, idempotency_key: str | None = None,
          tell: bool = True) -> RollCall:
    """Start a roll call in the network ``slug`` (see the module): 404 outside the network, 403 for who may not
    start one, 422 naming the wrong field. With an ``idempotency_key`` this account already used for the same
    request, the roll call made then is returned and nobody is told twice (the key with another request: 422).
    ``tell`` False stores the notifications without pushing or mailing them (the demo's seed)."""
    network = open_for_start(actor, slug)
    digest = idempotency.fingerprint("rollcall.start", slug, data.__dict__)
    earlier = idempotency.replay(actor.id, "rollcall.start", idempotency_key, digest)
    if earlier is not None:
        return access.get(actor, earlier.target_id or 0)
    try:
        return _start(actor, network, data, idempotency_key, digest, tell)
    except IntegrityError as exc:
        if not idempotency.is_key_conflict(exc):
            raise
        db.session.rollback()  # a twin with the same key won the race: answer what it made
        return start(actor, slug, data, idempotency_key=idempotency_key, tell=tell)


def _start(actor: Account, network: Network, data: StartInput, key: str | None, digest: str, tell: bool
           ) -> RollCall:
    now = utcnow()
    title = _title(data.title)
    deadline = _deadline(data.deadline, now)
    parties = _parties(network, data.parties)
    asked, template_id = _questions(network, data)
    marking = handling.validate(data.handling_code, data.handling_text)
    instructions = str(data.instructions or "").strip()
    if len(instructions) > INSTRUCTIONS_MAX:
        message = _("Keep the instructions under %(n)d characters.", n=INSTRUCTIONS_MAX)
        raise ValidationError(message, fields={"instructions": message})
    alert = _alert(actor, network, parse_id(data.alert_id) if data.alert_id is not None else None)
    previous = _previous(actor, network, data.previous_id)
    with write_transaction():
        remembered = idempotency.remember(actor.id, "rollcall.start", key, digest) if key else None
        roll_call = RollCall(network_id=network.id, title=title, instructions=instructions,
                             language=i18n.language_of(actor), questions=asked, template_id=template_id,
                             alert_id=alert.id if alert else None, previous_id=previous.id if previous else None,
                             state=RollCallState.OPEN, started_at=now, deadline=deadline, organiser_id=actor.id,
                             organiser_party_id=actor.party_id)
        handling.mark(roll_call, handling.Marking(marking.code, marking.text))
        roll_call.parties = parties
        db.session.add(roll_call)
        db.session.flush()
        if remembered is not None:
            remembered.target_id = roll_call.id
        _record_asked(roll_call, network, parties)
        audit.record(actor, "rollcall.start", target_type="roll_call", target_id=roll_call.id,
                     details={"network": network.slug, "parties": [p.code for p in parties],
                              "deadline": deadline.isoformat(), "alert_id": roll_call.alert_id,
                              "previous_id": roll_call.previous_id, "handling_code": marking.code.value})
    if tell:
        push_recorded()
    else:  # the demo's seed: the notifications are stored (the bell shows them), nobody is mailed or pushed
        forget_recorded()
    live.changed(roll_call, "start")
    return roll_call


def _record_asked(roll_call: RollCall, network: Network, parties: list[Party]) -> None:
    """One ``rollcall.asked`` notification per active account of each asked party, one statement per party (a
    party of 500 accounts costs one INSERT, not 500), then queued for :func:`push_recorded` like ``record``."""
    now = utcnow()
    deadline = roll_call.deadline.astimezone(UTC).isoformat()
    for party in parties:
        params = {"title": roll_call.title, "network": network.name, "party": party.name, "deadline": deadline}
        recipients = select(Account.id, literal(NotificationKind.ROLLCALL_ASKED.value, String(40)),
                            literal(params, JSON), literal(roll_call.id, Integer), literal(now, UTCDateTime())) \
            .where(Account.party_id == party.id, Account.active.is_(True))
        db.session.execute(insert(Notification).from_select(
            ["account_id", "kind", "params", "roll_call_id", "created_at"], recipients))
    stored = db.session.scalars(select(Notification).where(
        Notification.roll_call_id == roll_call.id, Notification.kind == NotificationKind.ROLLCALL_ASKED)
        .order_by(Notification.id))
    db.session.info.setdefault(PENDING, []).extend(stored)


def follow_up_defaults(actor: Account, previous_id: object) -> tuple[RollCall, StartInput]:
    """The previous roll call (one the actor reads: 404 otherwise) and a ``StartInput`` copying it: its title
    with "— follow-up" in the organiser's language, its parties, questions and handling code."""
    previous = access.get(actor, previous_id)
    title = _("%(title)s — follow-up", title=previous.title)[:TITLE_MAX]
    return previous, StartInput(
        title=title, parties=[party.code for party in previous.parties], questions=list(previous.questions),
        previous_id=previous.id, alert_id=previous.alert_id, instructions=previous.instructions,
        handling_code=previous.handling_code.value, handling_text=previous.handling_text)


def with_defaults(data: StartInput, **changes: Any) -> StartInput:
    """A copy of ``data`` with ``changes`` (the page fills a follow-up's form from it)."""
    return replace(data, **changes)


@dataclass(frozen=True)
class RollCallLine:
    """One roll call in a person's list."""

    roll_call: RollCall
    asked: int
    answered: int
    must_answer: bool  # the person's party is asked, has not answered, and the roll call takes answers


def visible_roll_calls(actor: Account, network: Network | None = None, state: str | None = None) -> list[RollCallLine]:
    """The roll calls of networks the actor reads, and those asking the actor's party; newest first, each with
    its counts (two grouped queries for the whole list)."""
    mine = select(roll_call_parties.c.roll_call_id).where(roll_call_parties.c.party_id == actor.party_id)
    query = select(RollCall).where(or_(RollCall.network_id.in_(readable_network_ids(actor)), RollCall.id.in_(mine)))
    if network is not None:
        query = query.where(RollCall.network_id == network.id)
    if state in (RollCallState.OPEN.value, RollCallState.CLOSED.value):
        query = query.where(RollCall.state == RollCallState(state))
    calls = list(db.session.scalars(query.order_by(RollCall.started_at.desc(), RollCall.id.desc()).limit(500)))
    ids = [call.id for call in calls]
    if not ids:
        return []
    asked = dict(db.session.execute(select(roll_call_parties.c.roll_call_id, func.count()).where(
        roll_call_parties.c.roll_call_id.in_(ids)).group_by(roll_call_parties.c.roll_call_id)).all())
    answered_rows = db.session.execute(
        select(RollCallAnswer.roll_call_id, RollCallAnswer.party_id).join(roll_call_parties, and_(
            roll_call_parties.c.roll_call_id == RollCallAnswer.roll_call_id,
            roll_call_parties.c.party_id == RollCallAnswer.party_id))
        .where(RollCallAnswer.roll_call_id.in_(ids)).distinct()).all()
    answered: dict[int, set[int]] = {}
    for call_id, party_id in answered_rows:
        answered.setdefault(call_id, set()).add(party_id)
    asked_mine = set(db.session.scalars(mine.where(roll_call_parties.c.roll_call_id.in_(ids))))
    now = utcnow()
    lines = []
    for call in calls:
        done = answered.get(call.id, set())
        must = (call.id in asked_mine and actor.party_id not in done and not actor.is_observer
                and access.accepts_answers(call, now))
        lines.append(RollCallLine(roll_call=call, asked=asked.get(call.id, 0), answered=len(done),
                                  must_answer=must))
    return lines


def startable_networks(actor: Account) -> list[Network]:
    """The networks the actor may start a roll call in (the list page's "Start a roll call" buttons)."""
    ids = readable_network_ids(actor)
    if not ids:
        return []
    found = db.session.scalars(select(Network).where(Network.id.in_(ids)).order_by(Network.name))
    return [network for network in found if permissions.can(actor, "rollcall.start", network)]


def started_from(actor: Account, alert: Alert) -> list[RollCall]:
    """The roll calls started from ``alert`` that the actor may read (the alert page's links)."""
    found = db.session.scalars(select(RollCall).where(RollCall.alert_id == alert.id).order_by(RollCall.id))
    return [call for call in found if permissions.can(actor, "rollcall.read", call)]
