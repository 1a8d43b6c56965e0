"""Parties, networks, accounts and memberships of the benchmark data."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from cmc.devtools import model
from cmc.devtools.bulk import insert
from cmc.devtools.model import BIG_NETWORK, SCALE_TOTP_SECRET, Net, Run, email_of
from cmc.devtools.words import FIRST_NAMES, LAST_NAMES, NETWORK_THEMES, TITLES
from cmc.extensions import db
from cmc.models import Account, Membership, Network, NetworkRole, Party, PartyStatus, Role
from cmc.services import alerts as alert_service
from cmc.services import networks


def load_parties(run: Run) -> None:
    """The current parties (the normal seed's), as the other sections need them."""
    for party in db.session.scalars(select(Party).where(Party.retired_at.is_(None)).order_by(Party.id)):
        run.party_ids.append(party.id)
        run.party_code[party.id] = party.code
        run.party_status[party.id] = party.status
        run.party_languages[party.id] = party.language_list or ["en"]
    run.step("parties", len(run.party_ids))


def make_networks(run: Run) -> None:
    """The seed's networks plus generated ones up to the planned count, every current party taking part."""
    codes = [run.party_code[i] for i in run.party_ids]
    existing = {n.slug: n for n in db.session.scalars(select(Network).order_by(Network.id))}
    themes = [t for t in NETWORK_THEMES if t[0] not in existing]
    for number in range(run.plan.networks - len(existing)):
        slug, name, kind, with_alerts = themes[number % len(themes)]
        if number >= len(themes):  # beyond the themes (scale > 2): numbered sub-networks
            slug, name = f"{slug}-{number // len(themes) + 1}", f"{name} {number // len(themes) + 1}"
        values = networks._validate_network(networks.NetworkInput(
            slug=slug, name=name, kind=kind.value, alerts_enabled=with_alerts, party_codes=codes,
            description=f"Regional {kind.value.split('_')[0]} network on {name.lower()}.",
            charter=f"Set up by the consultations to exchange practice on {name.lower()}."))
        network = Network(**values, created_at=run.start)
        db.session.add(network)
        existing[slug] = network
    db.session.flush()
    for network in existing.values():
        if network.alerts_enabled:
            alert_service.seed_event_types(network)
        run.nets.append(Net(id=network.id, slug=network.slug, alerts_enabled=network.alerts_enabled,
                            party_ids=[p.id for p in network.parties]))
    db.session.flush()
    run.step("networks", len(run.nets))


def make_accounts(run: Run, password_hash: str) -> None:
    """Accounts over the parties, then memberships: every account in the big network, about a third in
    each other one; two coordinators per network, with a second factor."""
    rng = model.rng("accounts")
    first = model.next_id(Account)
    ids = list(range(first, first + run.plan.accounts))
    _place_accounts(run, rng, ids)
    memberships, coordinators = _memberships(run, rng, ids)
    rows = _account_rows(run, rng, ids, coordinators, password_hash)
    insert(Account, rows)
    run.step("accounts", len(rows))
    insert(Membership, memberships)
    run.step("memberships", len(memberships))


def _place_accounts(run: Run, rng: random.Random, ids: list[int]) -> None:
    """Each account's party and name; the first account of a party (but member0001) is its focal point."""
    posting = [p for p in run.party_ids if run.party_status[p] != PartyStatus.OBSERVER]
    # Observers send few people; the support organisations (IOM, UNHCR) more than a state.
    weights = [0.3 if run.party_status[p] == PartyStatus.OBSERVER else
               1.5 if run.party_status[p] == PartyStatus.SUPPORT else 1.0 for p in run.party_ids]
    jamaica = next((p for p in posting if run.party_code[p] == "JM"), posting[0])
    for number, account_id in enumerate(ids, start=1):
        # member0001 is a plain Jamaican delegate in every network; member0002 can always post.
        party = jamaica if number == 1 else rng.choice(posting) if number == 2 else rng.choices(
            run.party_ids, weights)[0]
        run.account_party[account_id] = party
        run.account_name[account_id] = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if number > 1 and party not in run.focal_point:
            run.focal_point[party] = account_id


def _memberships(run: Run, rng: random.Random, ids: list[int]) -> tuple[list[dict[str, Any]], set[int]]:
    """The membership rows of every network, and the accounts that coordinate at least one."""
    first, count = ids[0], len(ids)
    memberships = []
    coordinators: set[int] = set()
    for net in run.nets:
        share = rng.uniform(0.25, 0.45)
        net.members = [a for a in ids if net.slug == BIG_NETWORK or a == first or rng.random() < share]
        member_set = set(net.members)
        net.posters = [a for a in net.members if run.party_status[run.account_party[a]] != PartyStatus.OBSERVER]
        candidates = [a for a in net.posters if a != first]
        if not candidates and count > 1:  # a tiny scale: the second account (never an observer) coordinates
            candidates = [ids[1]]
            if ids[1] not in member_set:
                net.members.append(ids[1])
                net.posters.append(ids[1])
        net.coordinators = rng.sample(candidates, min(2, len(candidates)))
        coordinators.update(net.coordinators)
        for account_id in net.members:
            net.by_party.setdefault(run.account_party[account_id], []).append(account_id)
            memberships.append({
                "network_id": net.id, "account_id": account_id, "added_by_id": None,
                "role": NetworkRole.COORDINATOR if account_id in net.coordinators else NetworkRole.MEMBER,
                "created_at": run.start + timedelta(days=rng.randint(0, 60))})
    return memberships, coordinators


def _account_rows(run: Run, rng: random.Random, ids: list[int], coordinators: set[int],
                  password_hash: str) -> list[dict[str, Any]]:
    """The account rows: focal points and delegates; coordinators with the shared second factor."""
    focal_points = set(run.focal_point.values())
    rows = []
    for number, account_id in enumerate(ids, start=1):
        created = run.start - timedelta(days=rng.randint(1, 90))
        coordinator = account_id in coordinators
        rows.append({
            "id": account_id, "email": email_of(number), "name": run.account_name[account_id],
            "title": rng.choice(TITLES), "party_id": run.account_party[account_id],
            "role": Role.FOCAL_POINT if account_id in focal_points else Role.DELEGATE, "active": True,
            "language": "en", "timezone": "America/Port_of_Spain", "password_hash": password_hash,
            "created_at": created, "password_changed_at": created,
            "totp_secret": SCALE_TOTP_SECRET if coordinator else None, "totp_pending_secret": None,
            "totp_enabled_at": created if coordinator else None, "totp_last_step": 0})
    return rows
