"""Parties: list, add, edit, retire and restore (secretariat), and the seed from the bundled CSV."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from importlib import resources

from flask_babel import gettext as _
from sqlalchemy import func, select

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import Account, Party, PartyKind, PartyStatus
from cmc.models.types import utcnow
from cmc.realtime import notify
from cmc.services import audit, text
from cmc.services.auth import end_all_sessions
from cmc.services.errors import ConflictError, ValidationError

_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,11}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


@dataclass
class PartyInput:
    """What a person may set on a party."""

    code: str
    name: str
    kind: str
    status: str
    languages: str = "en"
    founding: bool = False
    #: The resident population (a whole number, or None: not known); :data:`KEEP` leaves it as it is (callers
    #: that do not edit it, such as an older API client).
    population: int | str | None = "keep"


#: ``PartyInput.population`` that changes nothing.
KEEP = "keep"
POPULATION_MAX = 2_000_000_000


def _population(value: int | str | None) -> tuple[int | None, str | None]:
    """The population as a number (None: unknown), or the message saying what is wrong."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, str):
        text = re.sub(r"[\s,\u00a0\u202f]", "", value)
        value = int(text) if re.fullmatch(r"\d{1,10}", text) else -1
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= POPULATION_MAX:
        return None, _("Enter the population as a whole number of 0 or more, or leave it empty if unknown.")
    return value, None


def list_parties(*, include_retired: bool = True) -> list[Party]:
    """Every party ordered by name (any signed-in person may read the list)."""
    query = select(Party).order_by(Party.name)
    if not include_retired:
        query = query.where(Party.retired_at.is_(None))
    return list(db.session.scalars(query))


def get_party(party_id: int) -> Party:
    """One party by id (404 when unknown)."""
    party = db.session.get(Party, party_id)
    permissions.check(party is not None, action="party.view", target_type="party", target_id=party_id,
                      hide=True)
    assert party is not None
    return party


def _validate(data: PartyInput) -> dict[str, object]:
    fields = text.field_errors(name=data.name)
    code = data.code.strip().upper()
    if not _CODE.match(code):
        fields["code"] = _("Use 2 to 12 capital letters or digits, starting with a letter (ISO code or acronym).")
    name = " ".join(data.name.split())
    if not name or len(name) > 120:
        fields["name"] = _("Enter the party's name (up to 120 characters).")
    if data.kind not in {k.value for k in PartyKind}:
        fields["kind"] = _("Choose state, territory or organization.")
    if data.status not in {s.value for s in PartyStatus}:
        fields["status"] = _("Choose member, observer or support.")
    languages = [code.strip().lower() for code in re.split(r"[;,\s]+", data.languages) if code.strip()]
    if not languages or not all(_LANGUAGE.match(code) for code in languages):
        fields["languages"] = _("List language codes separated by ';', for example en;es.")
    population: int | None = None
    if data.population != KEEP:
        population, problem = _population(data.population)
        if problem:
            fields["population"] = problem
    if fields:
        raise ValidationError(next(iter(fields.values())), fields=fields)
    values: dict[str, object] = {"code": code, "name": name, "kind": PartyKind(data.kind),
                                 "status": PartyStatus(data.status), "languages": ";".join(languages),
                                 "founding": bool(data.founding)}
    if data.population != KEEP:
        values["population"] = population  # the roll calls' plausibility check reads it
    return values


def create_party(actor: Account, data: PartyInput) -> Party:
    """Add a party (secretariat)."""
    permissions.require(actor, "party.manage", action="party.create", target_type="party")
    permissions.require_fresh_sign_in(actor)  # a party's status decides who may be secretariat
    values = _validate(data)
    with write_transaction():
        if db.session.scalar(select(Party).where(func.upper(Party.code) == values["code"])) is not None:
            message = _("A party with the code %(code)s already exists.", code=values["code"])
            raise ConflictError(message, fields={"code": message})
        party = Party(**values)  # type: ignore[arg-type]
        db.session.add(party)
        db.session.flush()
        audit.record(actor, "party.create", target_type="party", target_id=party.id, target_party_id=party.id,
                     details={"code": party.code, "name": party.name})
    return party


def update_party(actor: Account, party_id: int, data: PartyInput) -> Party:
    """Edit a party (secretariat); the trail keeps what changed."""
    permissions.require(actor, "party.manage", action="party.update", target_type="party",
                        target_id=party_id, target_party_id=party_id)
    permissions.require_fresh_sign_in(actor)
    values = _validate(data)
    with write_transaction():
        party = get_party(party_id)
        clash = db.session.scalar(
            select(Party).where(func.upper(Party.code) == values["code"], Party.id != party.id)
        )
        if clash is not None:
            message = _("A party with the code %(code)s already exists.", code=values["code"])
            raise ConflictError(message, fields={"code": message})
        changes = {
            key: {"before": str(getattr(party, key)), "after": str(value)}
            for key, value in values.items()
            if getattr(party, key) != value
        }
        for key, value in values.items():
            setattr(party, key, value)
        if changes:
            audit.record(actor, "party.update", target_type="party", target_id=party.id,
                         target_party_id=party.id, details={"changes": changes})
    return party


def set_retired(actor: Account, party_id: int, retired: bool) -> Party:
    """Retire a party (its accounts can no longer sign in; their sessions end) or restore it."""
    permissions.require(actor, "party.manage", action="party.retire", target_type="party",
                        target_id=party_id, target_party_id=party_id)
    permissions.require_fresh_sign_in(actor)
    ended: list[int] = []
    account_ids: list[int] = []
    with write_transaction():
        party = get_party(party_id)
        if party.id == actor.party_id and retired:
            message = _("You cannot retire your own party.")
            raise ValidationError(message, fields={"party": message})
        if party.retired == retired:
            return party
        party.retired_at = utcnow() if retired else None
        if retired:
            account_ids = list(db.session.scalars(select(Account.id).where(Account.party_id == party.id)))
            for account_id in account_ids:
                ended += end_all_sessions(account_id)
        audit.record(actor, "party.retire" if retired else "party.restore", target_type="party",
                     target_id=party.id, target_party_id=party.id)
    for account_id in account_ids:
        notify.disconnect_account(account_id)
    notify.disconnect_sessions(ended)
    return party


def seed_parties() -> int:
    """Insert the bundled parties that are not there yet (matched by code); return how many were added."""
    source = resources.files("cmc").joinpath("data/parties.csv").read_text(encoding="utf-8")
    added = 0
    with write_transaction():
        existing = set(db.session.scalars(select(Party.code)))
        for row in csv.DictReader(source.splitlines()):
            if row["code"] in existing:
                continue
            db.session.add(Party(code=row["code"], name=row["name"], kind=PartyKind(row["kind"]),
                                 status=PartyStatus(row["status"]), languages=row["languages"],
                                 founding=row["founding"].strip().lower() == "yes",
                                 population=int(row["population"]) if row.get("population") else None))
            added += 1
        if added:
            audit.record(None, "party.seed", target_type="party", details={"added": added}, actor_label="seed")
    return added
