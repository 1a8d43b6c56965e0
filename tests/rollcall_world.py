"""A small region for roll call tests: five member parties of a disaster network, an observer, a party of the
network that a roll call may leave out, and the people of each.

Use the fixture by importing it into a test module (``from tests.rollcall_world import world  # noqa: F401``);
``world.start(...)`` makes a roll call straight in the database (the tests of starting one go through the
service), ``world.answer(...)`` a party's answer revision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from cmc.extensions import db
from cmc.models import (
    Account,
    Network,
    NetworkRole,
    Party,
    RollCall,
    RollCallAnswer,
)
from cmc.models.types import utcnow
from cmc.services.rollcalls import questions

NETWORK = "emergency-assistance"
#: The parties asked by default (the network's members but GY), with their population.
ASKED = {"JM": 2_825_500, "TT": 1_534_900, "HT": 11_724_800, "BB": 281_600, "AI": 15_900}


@dataclass
class World:
    """The parties, the network and the people (see the module)."""

    network: Network
    parties: dict[str, Party]
    secretariat: Account
    coordinator: Account  # coordinator of the network, of Barbados
    focal: dict[str, Account]  # a focal point of each asked party
    delegate: dict[str, Account]  # a delegate of each asked party (and of GY), member of the network
    observer: Account  # a delegate of the United States (observer), member of the network
    outsider: Account  # a delegate of Guyana, a party of the network left out of the roll calls
    started: list[RollCall] = field(default_factory=list)

    def start(self, *, parties: list[str] | None = None, hours: float = 24, organiser: Account | None = None,
              questions_: list[dict[str, Any]] | None = None, title: str = "Hurricane Lena: how do you stand?",
              started_hours_ago: float = 0, **columns: Any) -> RollCall:
        """A roll call asking ``parties`` (default: the five of :data:`ASKED`), its deadline ``hours`` after
        now, started ``started_hours_ago``."""
        organiser = organiser or self.coordinator
        now = utcnow()
        roll_call = RollCall(network_id=self.network.id, title=title, organiser_id=organiser.id,
                             organiser_party_id=organiser.party_id,
                             questions=questions_ if questions_ is not None else questions.default_questions(),
                             started_at=now - timedelta(hours=started_hours_ago),
                             deadline=now + timedelta(hours=hours), **columns)
        roll_call.parties = [self.parties[code] for code in (parties or list(ASKED))]
        db.session.add(roll_call)
        db.session.commit()
        self.started.append(roll_call)
        return roll_call

    def answer(self, roll_call: RollCall, code: str, *, author: Account | None = None,
               at: datetime | None = None, **values: Any) -> RollCallAnswer:
        """The next revision of the party's answer (``status``, ``displaced``, ... as the model's columns)."""
        party = self.parties[code]
        author = author or self.delegate[code]
        last = db.session.scalar(select(func.max(RollCallAnswer.revision)).where(
            RollCallAnswer.roll_call_id == roll_call.id, RollCallAnswer.party_id == party.id)) or 0
        answer = RollCallAnswer(roll_call_id=roll_call.id, party_id=party.id, revision=last + 1,
                                author_id=author.id, by_focal_point=author.role.value == "focal_point",
                                created_at=at or utcnow(), **values)
        db.session.add(answer)
        db.session.commit()
        return answer


@pytest.fixture
def world(app: Any, make_party: Callable[..., Party], make_account: Callable[..., Account]) -> World:
    """The region of the module."""
    from cmc.services import networks

    parties = {}
    for code, population in ASKED.items():
        party = make_party(code, name={"JM": "Jamaica", "TT": "Trinidad and Tobago", "HT": "Haiti",
                                       "BB": "Barbados", "AI": "Anguilla"}[code],
                           kind="territory" if code == "AI" else "state")
        party.population = population
        parties[code] = party
    parties["GY"] = make_party("GY", name="Guyana")
    parties["GY"].population = 813_800
    parties["US"] = make_party("US", name="United States", status="observer")
    db.session.commit()
    secretariat = make_account("secretariat")
    networks.create_network(secretariat, networks.NetworkInput(
        slug=NETWORK, name="Emergency Assistance in Disasters", party_codes=[*ASKED, "GY", "US"]))
    network = db.session.scalar(select(Network).where(Network.slug == NETWORK))
    assert network is not None
    coordinator = make_account("delegate", party="BB", name="Coordinator of Barbados", second_factor=True)
    networks.add_member(secretariat, NETWORK, coordinator.id, role=NetworkRole.COORDINATOR)
    focal = {code: make_account("focal_point", party=code, name=f"Focal point {code}") for code in ASKED}
    delegate = {}
    for code in [*ASKED, "GY"]:
        delegate[code] = make_account("delegate", party=code, name=f"Delegate {code}")
        networks.add_member(secretariat, NETWORK, delegate[code].id)
    for account in focal.values():
        networks.add_member(secretariat, NETWORK, account.id)
    observer = make_account("delegate", party="US", name="Observer US")
    networks.add_member(secretariat, NETWORK, observer.id)
    return World(network=network, parties=parties, secretariat=secretariat, coordinator=coordinator, focal=focal,
                 delegate=delegate, observer=observer, outsider=delegate["GY"])
