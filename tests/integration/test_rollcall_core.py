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


def test_the_board_adds_the_latest_answers_estimates_apart(world):  # noqa: F811
    from cmc.models import Quality
    from cmc.services.rollcalls import board

    roll_call = world.start()
    world.answer(roll_call, "JM", status=Affected.COPING, displaced=100, displaced_quality=Quality.ESTIMATE)
    world.answer(roll_call, "JM", status=Affected.ASSISTANCE, displaced=250, displaced_quality=Quality.CONFIRMED,
                 departed=12, departed_quality=Quality.ESTIMATE, needs="shelter;medical")
    world.answer(roll_call, "HT", status=Affected.ASSISTANCE, displaced=1000, displaced_quality=Quality.ESTIMATE,
                 needs="shelter")
    world.answer(roll_call, "TT", status=Affected.NOT_AFFECTED)
    picture = board.summary(roll_call)
    assert (picture.asked, picture.answered, picture.affected, picture.assistance_needed) == (5, 3, 2, 2)
    assert (picture.displaced.estimate, picture.displaced.confirmed) == (1000, 250)
    assert (picture.departed.estimate, picture.departed.confirmed) == (12, 0)
    assert picture.needs == {"shelter": 2, "medical": 1}
    assert [line.party.code for line in picture.lines[:2]] == ["AI", "BB"]  # the missing first, by name
    assert [a.name for a in picture.missing[0].focal_points] == ["Focal point AI"]
