"""The live board of a roll call: who sees it, its counts and totals (estimates apart, latest answers only), the
missing parties first with their focal points, flags, the timeline, the changes since the previous roll call,
its live parts and the API."""

from __future__ import annotations

import re

from cmc.extensions import db
from cmc.models import Affected, Quality, RollCallState
from cmc.services.rollcalls import board, timeline
from tests.conftest import bearer_headers
from tests.rollcall_world import world  # noqa: F401


def _answers(world, roll_call):  # noqa: F811
    """Three of five answered; JM updated its answer (only the latest counts)."""
    world.answer(roll_call, "JM", status=Affected.COPING, displaced=100, displaced_quality=Quality.ESTIMATE,
                 needs="shelter")
    world.answer(roll_call, "JM", author=world.focal["JM"], status=Affected.ASSISTANCE, displaced=1200,
                 displaced_quality=Quality.ESTIMATE, departed=40, departed_quality=Quality.CONFIRMED,
                 needs="shelter;medical")
    world.answer(roll_call, "HT", status=Affected.ASSISTANCE, displaced=5000, displaced_quality=Quality.CONFIRMED,
                 departed=300, departed_quality=Quality.ESTIMATE, needs="shelter;search_rescue")
    world.answer(roll_call, "AI", status=Affected.COPING, displaced=900_000, displaced_quality=Quality.ESTIMATE,
                 flags="displaced")


def test_the_api_board_adds_the_latest_answers_estimates_apart(world, client):  # noqa: F811
    roll_call = world.start()
    _answers(world, roll_call)
    answer = client.get(f"/api/v1/rollcalls/{roll_call.id}/board", headers=bearer_headers(world.observer))
    assert answer.status_code == 200
    body = answer.json
    assert (body["asked"], body["answered"], body["affected"], body["assistance_needed"]) == (5, 3, 3, 2)
    assert body["totals"] == {"displaced": {"estimate": 1200 + 900_000, "confirmed": 5000},
                              "departed": {"estimate": 300, "confirmed": 40}}
    assert body["needs"] == {"shelter": 2, "medical": 1, "search_rescue": 1}
    assert [p["code"] for p in body["parties"]] == ["BB", "TT", "AI", "HT", "JM"]  # missing first, by name
    missing = body["parties"][0]
    assert missing["answered"] is False and missing["status"] is None and missing["revision"] == 0
    assert missing["focal_points"] == [{"name": "Focal point BB", "email": world.focal["BB"].email}]
    jm = body["parties"][-1]
    assert (jm["status"], jm["displaced"], jm["displaced_quality"], jm["revision"], jm["by_focal_point"]) == (
        "assistance_needed", 1200, "estimate", 2, True)
    assert body["parties"][2]["flags"] == ["displaced"]
    assert set(body) == {"id", "state", "deadline", "asked", "answered", "affected", "assistance_needed",
                         "totals", "needs", "parties"}


def test_the_api_board_is_hidden_from_non_readers(world, client, make_account):  # noqa: F811
    roll_call = world.start()
    stranger = make_account("delegate", party="GY")  # of a network party, not a member of the network
    assert client.get(f"/api/v1/rollcalls/{roll_call.id}/board", headers=bearer_headers(stranger)).status_code == 404
    asked_outside = make_account("delegate", party="HT")  # reads the roll call (asked), not the board
    assert client.get(f"/api/v1/rollcalls/{roll_call.id}/board",
                      headers=bearer_headers(asked_outside)).status_code == 404


def test_who_sees_the_board_page(world, sign_in, app, make_account):  # noqa: F811
    roll_call = world.start()
    page = f"/rollcalls/{roll_call.id}"
    observer = app.test_client()
    sign_in(observer, world.observer)
    assert observer.get(page).status_code == 200
    asked_outside = make_account("delegate", party="HT")
    member = app.test_client()
    sign_in(member, asked_outside)
    moved = member.get(page)
    assert moved.status_code == 302 and moved.headers["Location"].endswith(f"/rollcalls/{roll_call.id}/answer")
    assert member.get(f"{page}/board-part").status_code == 404
    stranger = app.test_client()
    sign_in(stranger, make_account("delegate", party="GY"))
    assert stranger.get(page).status_code == 404
    assert stranger.get(f"/rollcalls/{roll_call.id + 99}").status_code == 404


def _section(html: str, start: str, end: str) -> str:
    return html[html.index(start):html.index(end)]


def test_the_page_shows_missing_parties_first_with_focal_points(world, sign_in, app):  # noqa: F811
    roll_call = world.start()
    _answers(world, roll_call)
    browser = app.test_client()
    sign_in(browser, world.secretariat)
    html = browser.get(f"/rollcalls/{roll_call.id}").get_data(as_text=True)
    assert re.search(r'id="board-answered"[^>]*>3 of 5<', html)
    missing = _section(html, 'id="board-missing"', 'id="board-answers"')
    assert html.index('id="board-missing"') < html.index('id="board-answers"')
    assert "Barbados" in missing and "Trinidad and Tobago" in missing and "Haiti" not in missing
    assert f'mailto:{world.focal["BB"].email}' in missing and "Focal point TT" in missing
    assert missing.count(">Remind<") == 2 and "Remind all not yet answered" in missing
    answers = html[html.index('id="board-answers"'):]
    assert "Exceptional, confirmed by the party" in answers  # Anguilla's flagged number
    assert "Confirmed by the focal point" in answers  # Jamaica's latest revision
    assert "2 revisions" in answers
    totals = _section(html, 'id="board-totals"', "</table>")
    assert re.search(r'data-quality="estimate">901,200<', totals) and re.search(
        r'data-quality="confirmed">5,000<', totals)
    assert "Answer for" not in html  # the secretariat's party is not asked


def test_a_member_of_an_asked_party_gets_the_answer_link_and_no_remind_button(world, sign_in, app):  # noqa: F811
    roll_call = world.start()
    browser = app.test_client()
    sign_in(browser, world.delegate["TT"])
    html = browser.get(f"/rollcalls/{roll_call.id}").get_data(as_text=True)
    assert "Answer for Trinidad and Tobago" in html and f'href="/rollcalls/{roll_call.id}/answer"' in html
    assert ">Remind<" not in html and "Remind all" not in html
    observer = app.test_client()
    sign_in(observer, world.observer)
    assert "Answer for" not in observer.get(f"/rollcalls/{roll_call.id}").get_data(as_text=True)


def test_the_live_part_matches_the_page(world, sign_in, app):  # noqa: F811
    roll_call = world.start()
    _answers(world, roll_call)
    browser = app.test_client()
    sign_in(browser, world.observer)
    part = browser.get(f"/rollcalls/{roll_call.id}/board-part").json
    assert (part["answered"], part["asked"]) == (3, 5)
    assert set(part["parts"]) == {"state", "deadline", "handling", "counts", "parties", "timeline", "changes"}
    assert ">3 of 5<" in part["parts"]["counts"]
    assert "Open for answers" in part["parts"]["state"] and "Deadline:" in part["parts"]["deadline"]
    page = browser.get(f"/rollcalls/{roll_call.id}").get_data(as_text=True)
    for name, html in part["parts"].items():  # the page holds each part as the live answer renders it
        assert f'<div data-board-part="{name}">{html}</div>' in page, name
    statuses = {item["code"]: item["status"] for item in part["map"]}
    assert statuses == {"JM": "assistance_needed", "HT": "assistance_needed", "AI": "affected_coping",
                        "BB": "missing", "TT": "missing"}
    assert all(item["word"] for item in part["map"])
    assert part["announce"] == "3 of 5 parties answered."


def test_the_timeline_lists_answers_and_the_start_newest_first(world):  # noqa: F811
    roll_call = world.start()
    _answers(world, roll_call)
    entries = timeline.timeline(roll_call)
    assert [e.kind for e in entries] == ["answer", "answer", "answer", "answer", "start"]
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    assert entries[-1].who == world.coordinator.name


def test_changes_since_the_previous_roll_call(world, sign_in, app):  # noqa: F811
    first = world.start(title="Lena, first day")
    world.answer(first, "JM", status=Affected.COPING, displaced=100, departed=10)
    world.answer(first, "HT", status=Affected.NOT_AFFECTED)
    first.state = RollCallState.CLOSED
    db.session.commit()
    second = world.start(title="Lena, second day", previous_id=first.id)
    world.answer(second, "JM", status=Affected.ASSISTANCE, displaced=350, departed=4)
    world.answer(second, "TT", status=Affected.COPING)
    found = {c.party.code: c for c in timeline.changes(second)}
    assert found["JM"].status_changed and found["JM"].worse and found["JM"].difference("displaced") == 250
    assert found["JM"].difference("departed") == -6
    assert found["TT"].new_answer and found["HT"].now is None and found["HT"].before is not None
    assert found["BB"].now is None and found["BB"].before is None
    assert timeline.changes(first) == []
    browser = app.test_client()
    sign_in(browser, world.secretariat)
    html = browser.get(f"/rollcalls/{second.id}").get_data(as_text=True)
    changes = html[html.index('id="board-changes"'):]
    assert "Changes since the previous roll call" in changes and "Lena, first day" in changes
    assert "100 &rarr; 350 <span class=\"small\">(+250)</span>" in changes
    assert "10 &rarr; 4 <span class=\"small\">(-6)</span>" in changes
    assert "new answer" in changes and "no answer yet" in changes
    first_html = browser.get(f"/rollcalls/{first.id}").get_data(as_text=True)
    assert 'id="board-changes"' not in first_html
    assert "Remind all not yet answered" not in first_html and ">Closed<" in first_html  # closed: no reminders


def test_summary_counts_only_latest_revisions(world):  # noqa: F811
    roll_call = world.start()
    world.answer(roll_call, "TT", status=Affected.ASSISTANCE, displaced=10, displaced_quality=Quality.CONFIRMED)
    world.answer(roll_call, "TT", status=Affected.NOT_AFFECTED, displaced=None)
    seen = board.summary(roll_call)
    assert (seen.answered, seen.affected, seen.assistance_needed) == (1, 0, 0)
    assert (seen.displaced.estimate, seen.displaced.confirmed) == (0, 0)
