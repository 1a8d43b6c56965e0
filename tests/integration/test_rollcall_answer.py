"""Answering a roll call for one's party: the service's refusals and the page without JavaScript (issue 19).

Each bad input of the issue has its test: a party not asked and an observer (403), after the deadline (409,
accepted again once reopened), negative and absurd numbers (Anguilla's million displaced: confirmation, then
flagged), two members editing at once (409 with the other answer shown), the history kept with author and
time, the focal point's mark, the banner on every page for the right people only.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from cmc.extensions import db
from cmc.models import Affected, AuditEvent, Quality, RollCallAnswer, RollCallState
from cmc.models.types import utcnow
from cmc.services import rollcalls
from cmc.services.errors import DeniedError, ValidationError
from cmc.services.rollcalls import AnswerConflict, AnswerInput, ConfirmationRequired, RollCallClosed, board
from tests.conftest import csrf_from
from tests.rollcall_world import world  # noqa: F401

GOOD = {"status": "affected_coping", "displaced": "120", "displaced_quality": "estimate", "departed": "4",
        "departed_quality": "confirmed", "needs": ["shelter", "medical"], "note": "Roads cut in the north."}


def answer_input(**values: Any) -> AnswerInput:
    """A valid answer to the default questions, with ``values`` changed."""
    data = {"status": "affected_coping", "displaced": 120, "displaced_quality": "estimate", "departed": 4,
            "departed_quality": "confirmed", "needs": ["shelter"], "note": ""}
    data.update(values)
    return AnswerInput(**data)


def count_answers(roll_call_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(RollCallAnswer)
                             .where(RollCallAnswer.roll_call_id == roll_call_id)) or 0


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


# --- the service -------------------------------------------------------------------------------------------


def test_an_answer_is_kept_with_its_author_revision_and_audit(world, ctx):  # noqa: F811
    roll_call = world.start()
    first = rollcalls.answer(world.delegate["JM"], roll_call.id, answer_input())
    assert (first.revision, first.status, first.displaced, first.displaced_quality) == (
        1, Affected.COPING, 120, Quality.ESTIMATE)
    assert first.author_id == world.delegate["JM"].id and not first.by_focal_point
    second = rollcalls.answer(world.focal["JM"], roll_call.id, answer_input(base_revision=1, displaced=300))
    assert second.revision == 2 and second.by_focal_point and second.displaced == 300
    assert [a.revision for a in rollcalls.history(roll_call.id, world.parties["JM"].id)] == [1, 2]
    audited = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "rollcall.answer")).all()
    assert [e.details["revision"] for e in audited] == [1, 2]


@pytest.mark.parametrize("who", ["outsider", "observer"])
def test_a_party_not_asked_and_an_observer_are_refused(world, ctx, who):  # noqa: F811
    roll_call = world.start(parties=["JM", "TT", "US"])
    actor = world.outsider if who == "outsider" else world.observer
    with pytest.raises(DeniedError) as refused:
        rollcalls.answer(actor, roll_call.id, answer_input())
    assert refused.value.status == 403
    assert ("not asked" if who == "outsider" else "Observers") in refused.value.message
    assert count_answers(roll_call.id) == 0


def test_an_unknown_roll_call_is_404(world, ctx):  # noqa: F811
    with pytest.raises(DeniedError) as refused:
        rollcalls.answer(world.delegate["JM"], 999_999, answer_input())
    assert refused.value.status == 404


def test_after_the_deadline_refused_then_accepted_once_reopened(world, ctx):  # noqa: F811
    roll_call = world.start(hours=-1, started_hours_ago=5)
    with pytest.raises(RollCallClosed) as refused:
        rollcalls.answer(world.delegate["JM"], roll_call.id, answer_input())
    assert refused.value.status == 409 and refused.value.code == "roll_call_closed"
    assert "deadline" in refused.value.message and "reopen" in refused.value.message
    roll_call.state, roll_call.closed_at = RollCallState.CLOSED, utcnow()
    db.session.commit()
    with pytest.raises(RollCallClosed, match="closed"):
        rollcalls.answer(world.delegate["JM"], roll_call.id, answer_input())
    roll_call.state, roll_call.deadline = RollCallState.OPEN, utcnow() + timedelta(hours=2)  # reopened
    db.session.commit()
    assert rollcalls.answer(world.delegate["JM"], roll_call.id, answer_input()).revision == 1


@pytest.mark.parametrize(("values", "field", "words"), [
    ({"displaced": -5}, "displaced", "0 or more"),
    ({"displaced": "-5"}, "displaced", "0 or more"),
    ({"displaced": 2.5}, "displaced", "whole number"),
    ({"displaced": "12a"}, "displaced", "whole number"),
    ({"displaced": True}, "displaced", "whole number"),
    ({"departed": 100_000_001}, "departed", "no larger"),
    ({"displaced_quality": None}, "displaced_quality", "estimate or confirmed"),
    ({"displaced_quality": "guess"}, "displaced_quality", "estimate or confirmed"),
    ({"status": "fine"}, "status", "answers offered"),
    ({"status": None}, "status", "required"),
    ({"needs": ["shelter", "pizza"]}, "needs", "needs offered"),
    ({"needs": "shelter"}, "needs", "needs offered"),
    ({"note": "x" * 4001}, "note", "4000"),
    ({"note": 12}, "note", "text"),
    ({"extra": {"q1": 3}}, "q1", "does not ask"),
    ({"extra": ["q1"]}, "extra", "question"),
])
def test_bad_values_are_refused_by_field(world, ctx, values, field, words):  # noqa: F811
    roll_call = world.start()
    with pytest.raises(ValidationError) as refused:
        rollcalls.answer(world.delegate["JM"], roll_call.id, answer_input(**values))
    assert refused.value.status == 422 and refused.value.code == "validation_failed"
    assert words in refused.value.fields[field], refused.value.fields
    assert count_answers(roll_call.id) == 0


def test_only_the_roll_calls_questions_are_taken_and_own_questions_by_kind(world, ctx):  # noqa: F811
    asked = [{"key": "status", "required": True},
             {"key": "q1", "kind": "count", "label": "Shelters open", "required": True},
             {"key": "q2", "kind": "yesno", "label": "Airport open?"},
             {"key": "q3", "kind": "text", "label": "Roads"}]
    roll_call = world.start(questions_=asked)
    with pytest.raises(ValidationError) as refused:
        rollcalls.answer(world.delegate["TT"], roll_call.id, AnswerInput(status="not_affected", displaced=5,
                                                                         extra={"q2": "maybe", "q3": 7}))
    assert set(refused.value.fields) == {"displaced", "q1", "q2", "q3"}
    saved = rollcalls.answer(world.delegate["TT"], roll_call.id, AnswerInput(
        status="not_affected", extra={"q1": "1 200", "q2": "no", "q3": " Coast road open "}))
    assert saved.extra == {"q1": 1200, "q2": False, "q3": "Coast road open"}
    assert saved.displaced is None and saved.needs == ""


def test_a_million_displaced_in_anguilla_needs_confirmation_then_is_flagged(world, ctx):  # noqa: F811
    roll_call = world.start()
    absurd = answer_input(status="assistance_needed", displaced=1_000_000, departed=10)
    with pytest.raises(ConfirmationRequired) as refused:
        rollcalls.answer(world.delegate["AI"], roll_call.id, absurd)
    assert refused.value.status == 422 and refused.value.code == "confirmation_required"
    assert refused.value.figures == ["displaced"]
    assert "1,000,000" in refused.value.fields["displaced"] and "15,900" in refused.value.fields["displaced"]
    assert count_answers(roll_call.id) == 0
    absurd.confirm = True
    saved = rollcalls.answer(world.delegate["AI"], roll_call.id, absurd)
    assert saved.flag_list == ["displaced"] and saved.displaced == 1_000_000
    summary = board.summary(roll_call)
    assert [line.party.code for line in summary.flagged] == ["AI"]


def test_displaced_and_departed_together_above_the_population(world, ctx):  # noqa: F811
    roll_call = world.start()
    with pytest.raises(ConfirmationRequired) as refused:
        rollcalls.answer(world.delegate["AI"], roll_call.id, answer_input(displaced=9000, departed=8000))
    assert refused.value.figures == ["displaced", "departed"]
    within = rollcalls.answer(world.delegate["AI"], roll_call.id, answer_input(displaced=9000, departed=6000))
    assert within.flag_list == []


def test_a_party_without_population_is_not_checked(world, ctx):  # noqa: F811
    world.parties["JM"].population = None
    db.session.commit()
    roll_call = world.start()
    saved = rollcalls.answer(world.delegate["JM"], roll_call.id, answer_input(displaced=90_000_000))
    assert saved.flag_list == []


def test_a_stale_base_revision_is_a_conflict_carrying_the_current_answer(world, ctx):  # noqa: F811
    roll_call = world.start()
    rollcalls.answer(world.focal["BB"], roll_call.id, answer_input(displaced=50))
    with pytest.raises(AnswerConflict) as refused:
        rollcalls.answer(world.delegate["BB"], roll_call.id, answer_input(displaced=70))
    assert refused.value.status == 409 and refused.value.code == "answer_conflict"
    assert refused.value.current.displaced == 50 and refused.value.current.author_id == world.focal["BB"].id
    assert "Focal point BB" in refused.value.message
    assert rollcalls.answer(world.delegate["BB"], roll_call.id, answer_input(base_revision=1)).revision == 2
    assert count_answers(roll_call.id) == 2


# --- the page ----------------------------------------------------------------------------------------------


def page_client(app, sign_in, account):
    client = app.test_client()
    assert sign_in(client, account).status_code == 302
    return client


def post(client, roll_call_id, values, *, base=None, confirm=False):
    path = f"/rollcalls/{roll_call_id}/answer"
    html = client.get(path).get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), **values}
    found = re.search(r'name="base_revision" type="hidden" value="(\d+)"', html)
    data["base_revision"] = str(base) if base is not None else (found.group(1) if found else "0")
    if confirm:
        data["confirm"] = "y"
    return client.post(path, data=data)


def test_the_page_answers_and_shows_the_answer_and_its_history(app, world, sign_in):  # noqa: F811
    roll_call = world.start(instructions="Answer by noon.\nCount shelters.")
    client = page_client(app, sign_in, world.focal["JM"])
    page = client.get(f"/rollcalls/{roll_call.id}/answer")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert roll_call.title in html and "Answer by noon.<br>Count shelters." in html
    assert "Emergency Assistance in Disasters" in html and 'name="status"' in html and "<script" not in html.split(
        "<main")[1].split("</main>")[0]
    saved = post(client, roll_call.id, GOOD)
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/rollcalls/{roll_call.id}/answer")
    html = client.get(f"/rollcalls/{roll_call.id}/answer").get_data(as_text=True)
    assert "revision 1" in html.lower() and "Confirmed by the focal point" in html and "Focal point JM" in html
    assert 'name="base_revision" type="hidden" value="1"' in html
    assert post(client, roll_call.id, {**GOOD, "displaced": "130"}).status_code == 302
    html = client.get(f"/rollcalls/{roll_call.id}/answer").get_data(as_text=True)
    now, history = html.split('id="history-title"')
    assert "Revision 2" in now.split('id="current-title"')[1] and "130" in now
    assert "Revision 1" in history and "120" in history and "Revision 2" not in history


def test_the_page_shows_messages_next_to_fields(app, world, sign_in):  # noqa: F811
    roll_call = world.start()
    client = page_client(app, sign_in, world.delegate["TT"])
    refused = post(client, roll_call.id, {**GOOD, "displaced": "-3", "displaced_quality": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="displaced-error"' in html and "0 or more" in html and 'value="-3"' in html
    assert 'id="displaced_quality-error"' in html and 'href="#displaced"' in html
    assert count_answers(roll_call.id) == 0


def test_the_page_asks_to_confirm_absurd_figures_then_keeps_them(app, world, sign_in):  # noqa: F811
    roll_call = world.start()
    client = page_client(app, sign_in, world.delegate["AI"])
    refused = post(client, roll_call.id, {**GOOD, "displaced": "1000000"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "I confirm these figures are right" in html and "15,900" in html and 'value="1000000"' in html
    saved = post(client, roll_call.id, {**GOOD, "displaced": "1000000"}, confirm=True)
    assert saved.status_code == 302
    assert rollcalls.latest_for(roll_call.id, world.parties["AI"].id).flag_list == ["displaced"]


def test_the_page_shows_the_other_members_answer_on_a_conflict(app, world, sign_in):  # noqa: F811
    roll_call = world.start()
    client = page_client(app, sign_in, world.delegate["HT"])
    with app.test_request_context():
        rollcalls.answer(world.focal["HT"], roll_call.id, answer_input(displaced=777))
    refused = post(client, roll_call.id, {**GOOD, "displaced": "888"}, base=0)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    conflict = html.split('class="alert alert-warning answer-conflict"')[1].split("</section>")[0]
    assert "Focal point HT" in conflict and "777" in conflict
    assert 'value="888"' in html and 'name="base_revision" type="hidden" value="1"' in html  # own input kept
    data = {"csrf_token": csrf_from(html), **GOOD, "displaced": "888", "base_revision": "1"}
    assert client.post(f"/rollcalls/{roll_call.id}/answer", data=data).status_code == 302
    assert rollcalls.latest_for(roll_call.id, world.parties["HT"].id).displaced == 888


def test_the_page_after_the_deadline_shows_no_form(app, world, sign_in):  # noqa: F811
    roll_call = world.start(hours=-1, started_hours_ago=3)
    world.answer(roll_call, "BB", status="not_affected")
    client = page_client(app, sign_in, world.delegate["BB"])
    page = client.get(f"/rollcalls/{roll_call.id}/answer")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "deadline" in html and "reopen" in html
    assert 'name="status"' not in html and "Not affected" in html  # the answer still shown
    assert client.post(f"/rollcalls/{roll_call.id}/answer", data={"csrf_token": csrf_from(
        client.get("/").get_data(as_text=True)) if 'name="csrf_token"' in client.get("/").get_data(
        as_text=True) else ""}).status_code in (400, 409)


@pytest.mark.parametrize(("who", "status"), [("observer", 403), ("outsider", 403)])
def test_the_page_refuses_those_who_may_not_answer(app, world, sign_in, who, status):  # noqa: F811
    roll_call = world.start(parties=["JM", "US"])
    client = page_client(app, sign_in, getattr(world, who))
    assert client.get(f"/rollcalls/{roll_call.id}/answer").status_code == status
    assert client.get("/rollcalls/999999/answer").status_code == 404
    denied = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "rollcall.answer")).all()
    assert denied and all(e.outcome.value == "denied" for e in denied)


# --- the banner --------------------------------------------------------------------------------------------


def banner(client) -> str:
    html = client.get("/").get_data(as_text=True)
    part = html.split('data-live-part="rollcalls">')[1].split("</div>")[0]
    return part


def test_the_banner_shows_to_the_asked_parties_until_they_answer(app, world, sign_in):  # noqa: F811
    roll_call = world.start(title="Hurricane Lena")
    world.start(title="Old one", hours=-1, started_hours_ago=4)  # past its deadline: no banner
    jm = page_client(app, sign_in, world.delegate["JM"])
    assert 'Roll call: <span lang="en">Hurricane Lena</span>' in banner(jm)
    assert f"/rollcalls/{roll_call.id}/answer" in banner(jm)
    assert "Old one" not in banner(jm)
    for other in (world.outsider, world.observer, world.coordinator):  # GY not asked; US observer; BB asked
        text = banner(page_client(app, sign_in, other))
        assert ("Hurricane Lena" in text) == (other is world.coordinator), other.name
    world.answer(roll_call, "JM", status="not_affected")
    assert "Hurricane Lena" not in banner(jm)
    parts = jm.get("/parts?part=rollcalls").get_json()
    assert parts["parts"]["rollcalls"].strip() == ""


def test_the_banner_names_three_then_and_n_more(app, world, sign_in):  # noqa: F811
    for n in range(5):
        world.start(title=f"Call {n}", hours=1 + n)
    client = page_client(app, sign_in, world.delegate["TT"])
    text = banner(client)
    assert [f"Call {n}" in text for n in range(5)] == [True, True, True, False, False]
    assert "and 2 more roll calls" in text


def test_the_banner_costs_one_query_per_page_and_follows_live(app, world, sign_in):  # noqa: F811
    from sqlalchemy import event

    client = page_client(app, sign_in, world.delegate["JM"])
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if "roll_call" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        client.get("/")
        assert len(seen) == 1, seen  # nothing waits: the one banner query
        roll_call_id = world.start(title="Hurricane Mara").id
        seen.clear()
        live = client.get("/parts?part=rollcalls").get_json()["parts"]["rollcalls"]
        # The banner query, then (only when one waits) the roll calls it named and the rule's look at the first
        # roll call's parties.
        assert len(seen) <= 3, seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert "Roll call: <span lang=\"en\">Hurricane Mara</span>" in live and f"/rollcalls/{roll_call_id}/answer" in live


def test_a_double_submit_of_the_page_keeps_one_revision(app, world, sign_in):  # noqa: F811
    roll_call = world.start()
    client = page_client(app, sign_in, world.delegate["TT"])
    path = f"/rollcalls/{roll_call.id}/answer"
    html = client.get(path).get_data(as_text=True)
    nonce = re.search(r'name="form_nonce" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="form_nonce" value="([^"]+)"', html)
    assert nonce, "no one-time nonce in the answer form"
    data = {"csrf_token": csrf_from(html), "form_nonce": nonce.group(1), "base_revision": "0", **GOOD}
    first, second = client.post(path, data=data), client.post(path, data=data)
    assert first.status_code == 302 and second.status_code == 302  # the repeat lands where the first did
    assert count_answers(roll_call.id) == 1
