"""The roll call core: the world fixture, the rules, the question check, the latest answers."""

from __future__ import annotations

import pytest

from cmc import permissions
from cmc.models import Affected
from cmc.services import rollcalls
from cmc.services.errors import DeniedError, ValidationError
from cmc.services.rollcalls import questions
from tests.rollcall_world import world  # noqa: F401


def test_rules_by_person(world):  # noqa: F811
    roll_call = world.start()
    assert permissions.can(world.coordinator, "rollcall.start", world.network)
    assert permissions.can(world.secretariat, "rollcall.start", world.network)
    assert not permissions.can(world.delegate["JM"], "rollcall.start", world.network)
    assert not permissions.can(world.observer, "rollcall.start", world.network)
    assert permissions.can(world.delegate["JM"], "rollcall.answer", roll_call)
    assert permissions.can(world.focal["AI"], "rollcall.answer", roll_call)
    assert not permissions.can(world.outsider, "rollcall.answer", roll_call)
    assert not permissions.can(world.observer, "rollcall.answer", roll_call)
    assert permissions.can(world.observer, "rollcall.board", roll_call)
    assert permissions.can(world.coordinator, "rollcall.manage", roll_call)
    assert not permissions.can(world.delegate["JM"], "rollcall.manage", roll_call)
    with pytest.raises(DeniedError) as refused:
        rollcalls.get(world.delegate["JM"], roll_call.id + 1000)
    assert refused.value.status == 404


def test_latest_answer_per_party(world):  # noqa: F811
    roll_call = world.start()
    world.answer(roll_call, "JM", status=Affected.COPING, displaced=100)
    world.answer(roll_call, "JM", status=Affected.ASSISTANCE, displaced=250)
    world.answer(roll_call, "TT", status=Affected.NOT_AFFECTED)
    latest = rollcalls.latest_answers(roll_call.id)
    assert {world.parties["JM"].id, world.parties["TT"].id} == set(latest)
    assert latest[world.parties["JM"].id].displaced == 250
    assert len(rollcalls.history(roll_call.id)) == 3


def test_a_question_list_is_checked():
    assert questions.validate(questions.default_questions())[0] == {"key": "status", "required": True}
    for bad in ([], None, [{"key": "status"}, {"key": "status"}], [{"key": "q1", "kind": "count"}],
                [{"key": "zz"}], [{"key": "needs", "options": ["beer"]}]):
        with pytest.raises(ValidationError):
            questions.validate(bad)
    own = questions.validate([{"key": "q1", "kind": "yesno", "label": " Ports open? ", "language": "en"}])
    assert own == [{"key": "q1", "kind": "yesno", "label": "Ports open?", "language": "en", "required": False}]
