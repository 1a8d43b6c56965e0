"""Starting a roll call (issue 19): the service and the start page, the parties asked, the deadline, the
questions, from an alert, as a follow-up, twice submitted, and who is told (live and by mail, in their language)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from cmc.extensions import db
from cmc.i18n import timefmt
from cmc.models import AuditEvent, Notification, NotificationKind, RollCall
from cmc.models.types import utcnow
from cmc.services import alerts, rollcalls
from cmc.services.errors import DeniedError, ValidationError
from tests.conftest import form_token
from tests.integration.test_invitations import Inbox, inbox  # noqa: F401 - a real local SMTP server
from tests.rollcall_world import NETWORK, World, world  # noqa: F401

ALL_MEMBERS = {"JM", "TT", "HT", "BB", "AI", "GY"}


def later(hours: float = 6) -> datetime:
    return utcnow() + timedelta(hours=hours)


def data(**changes: Any) -> rollcalls.StartInput:
    return rollcalls.StartInput(**{"title": "Hurricane Lena: how do you stand?", "deadline": later(), **changes})


def hurricane(world: World) -> Any:  # noqa: F811
    """A hurricane alert the coordinator published in the world's network (alerts switched on)."""
    world.network.alerts_enabled = True
    db.session.commit()
    info = alerts.InfoInput(headline="Hurricane Lena approaching", event="Hurricane", severity="Severe",
                            urgency="Immediate", description="Category 4.", area_desc="Eastern Caribbean",
                            geocodes=["BB", "AI"])
    alert, _ = alerts.publish(world.coordinator, NETWORK, alerts.AlertInput(infos=[info]))
    return alert


def codes(roll_call: RollCall) -> set[str]:
    return {party.code for party in roll_call.parties}


# --- the service ---------------------------------------------------------------------------------------------


def test_default_asks_every_member_party_but_never_the_observer(world: World) -> None:  # noqa: F811
    roll_call = rollcalls.start(world.coordinator, NETWORK, data())
    assert codes(roll_call) == ALL_MEMBERS  # GY is a member party of the network: asked by default
    assert "US" not in codes(roll_call)
    assert roll_call.questions[0] == {"key": "status", "required": True}
    assert roll_call.organiser_id == world.coordinator.id and roll_call.handling_code.value == "H0"
    assert roll_call.deadline.tzinfo is not None
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "rollcall.start", AuditEvent.target_id == str(roll_call.id))) == 1


@pytest.mark.parametrize(("asked", "named"), [(["JM", "US"], "US"), (["JM", "XX"], "XX"), (["FR"], "FR")])
def test_a_party_that_may_not_be_asked_is_refused_by_name(world: World, make_party: Any, asked: list[str],  # noqa: F811
                                                           named: str) -> None:
    make_party("FR", name="France")  # exists, but is outside the network
    with pytest.raises(ValidationError) as refused:
        rollcalls.start(world.coordinator, NETWORK, data(parties=asked))
    assert refused.value.status == 422 and named in refused.value.message
    assert db.session.scalar(select(func.count()).select_from(RollCall)) == 0


@pytest.mark.parametrize("moment", [
    lambda: utcnow() - timedelta(hours=1), lambda: utcnow() + timedelta(minutes=5),
    lambda: utcnow() + timedelta(days=31), lambda: datetime(2030, 1, 1, 12, 0)])  # the last: no zone
def test_a_deadline_past_too_soon_too_far_or_without_zone_is_refused(world: World, moment: Any) -> None:  # noqa: F811
    with pytest.raises(ValidationError) as refused:
        rollcalls.start(world.coordinator, NETWORK, data(deadline=moment()))
    assert "deadline" in refused.value.fields
    assert db.session.scalar(select(func.count()).select_from(RollCall)) == 0


def test_no_question_is_refused_readably(world: World) -> None:  # noqa: F811
    with pytest.raises(ValidationError) as refused:
        rollcalls.start(world.coordinator, NETWORK, data(questions=[]))
    assert refused.value.message == "A roll call needs at least one question."


def test_a_delegate_is_refused_403_and_an_outsider_404(world: World, make_account: Any) -> None:  # noqa: F811
    with pytest.raises(DeniedError) as denied:
        rollcalls.start(world.delegate["JM"], NETWORK, data())
    assert denied.value.status == 403
    stranger = make_account("delegate", party="JM", name="Not a member")
    with pytest.raises(DeniedError) as hidden:
        rollcalls.start(stranger, NETWORK, data())
    assert hidden.value.status == 404
    with pytest.raises(DeniedError) as observer:
        rollcalls.start(world.observer, NETWORK, data())
    assert observer.value.status == 403


def test_started_from_an_alert_of_its_network_only(world: World, make_account: Any) -> None:  # noqa: F811
    from cmc.services import networks

    alert = hurricane(world)
    roll_call = rollcalls.start(world.coordinator, NETWORK, data(alert_id=alert.id))
    assert roll_call.alert_id == alert.id
    networks.create_network(world.secretariat, networks.NetworkInput(
        slug="other", name="Other", party_codes=["JM", "TT", "BB"], alerts_enabled=True))
    networks.add_member(world.secretariat, "other", world.coordinator.id, role="coordinator")
    info = alerts.InfoInput(headline="Elsewhere", event="Storm", severity="Minor", urgency="Expected",
                            description="", area_desc="JM", geocodes=["JM"])
    other, _ = alerts.publish(world.coordinator, "other", alerts.AlertInput(infos=[info]))
    with pytest.raises(ValidationError) as refused:
        rollcalls.start(world.coordinator, NETWORK, data(alert_id=other.id))
    assert "alert_id" in refused.value.fields
    with pytest.raises(DeniedError) as unknown:
        rollcalls.start(world.coordinator, NETWORK, data(alert_id=999_999))
    assert unknown.value.status == 404


def test_follow_up_copies_the_previous_one(world: World) -> None:  # noqa: F811
    own = [{"key": "status", "required": True}, {"key": "q1", "kind": "count", "label": "Shelters open",
                                                 "language": "en", "required": False}]
    first = rollcalls.start(world.coordinator, NETWORK, data(parties=["JM", "BB"], questions=own,
                                                             handling_code="H3", handling_text="Only for relief"))
    previous, defaults = rollcalls.follow_up_defaults(world.coordinator, first.id)
    assert previous.id == first.id
    assert defaults.title == "Hurricane Lena: how do you stand? — follow-up"
    assert sorted(defaults.parties or []) == ["BB", "JM"] and defaults.questions == first.questions
    assert (defaults.handling_code, defaults.handling_text) == ("H3", "Only for relief")
    defaults.deadline = later(12)
    second = rollcalls.start(world.coordinator, NETWORK, defaults)
    assert second.previous_id == first.id and codes(second) == {"JM", "BB"}
    assert second.questions == first.questions and second.handling_code.value == "H3"


def test_everyone_of_each_asked_party_is_told_in_their_language(inbox: Inbox, world: World,  # noqa: F811
                                                                 make_account: Any) -> None:
    french = make_account("delegate", party="HT", name="Délégué HT")
    french.language = "fr"
    gone = make_account("delegate", party="JM", name="Left JM")
    gone.active = False
    db.session.commit()
    roll_call = rollcalls.start(world.coordinator, NETWORK, data(parties=["JM", "HT"]))
    told = set(db.session.scalars(select(Notification.account_id).where(
        Notification.roll_call_id == roll_call.id, Notification.kind == NotificationKind.ROLLCALL_ASKED)))
    expected = {world.focal["JM"].id, world.delegate["JM"].id, world.focal["HT"].id, world.delegate["HT"].id,
                french.id}
    assert told == expected  # none for the inactive account, none for the parties not asked (TT, BB, US...)
    by_address = {m["To"]: m for m in inbox.messages}
    assert set(by_address) == {world.focal["JM"].email, world.delegate["JM"].email, world.focal["HT"].email,
                               world.delegate["HT"].email, french.email}
    assert "Roll call in Emergency Assistance in Disasters" in str(by_address[world.focal["JM"].email]["Subject"])
    # In the reader's language: the deadline's month in French for the French reader (the sentence itself follows
    # once its translation is in the catalogue), in English for the others.
    french_mail = by_address[french.email].get_payload(decode=True).decode()
    english_mail = by_address[world.focal["HT"].email].get_payload(decode=True).decode()
    in_french = timefmt.show(roll_call.deadline, zone=french.timezone, locale="fr")
    in_english = timefmt.show(roll_call.deadline, zone=world.focal["HT"].timezone, locale="en")
    assert in_french != in_english
    assert in_french in french_mail and in_english not in french_mail
    assert in_english in english_mail


def test_the_list_shows_counts_and_what_my_party_must_answer(world: World) -> None:  # noqa: F811
    roll_call = rollcalls.start(world.coordinator, NETWORK, data(parties=["JM", "TT"]))
    world.answer(roll_call, "JM", status="not_affected")
    jamaica = rollcalls.visible_roll_calls(world.delegate["JM"])
    assert [(line.roll_call.id, line.answered, line.asked, line.must_answer) for line in jamaica] == [
        (roll_call.id, 1, 2, False)]
    assert rollcalls.visible_roll_calls(world.delegate["TT"])[0].must_answer
    assert not rollcalls.visible_roll_calls(world.observer)[0].must_answer  # reads the network, never answers
    assert rollcalls.visible_roll_calls(world.delegate["TT"], state="closed") == []


# --- the pages -----------------------------------------------------------------------------------------------


def start_path(**query: Any) -> str:
    tail = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/networks/{NETWORK}/rollcalls/new" + (f"?{tail}" if tail else "")


def local_deadline(hours: float = 6, zone: str = "America/Port_of_Spain") -> str:
    return (utcnow() + timedelta(hours=hours)).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def form(client: Any, path: str, **fields: Any) -> dict[str, Any]:
    page = client.get(path).get_data(as_text=True)
    nonce = re.search(r'name="form_nonce"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="form_nonce"', page)
    base = {"csrf_token": form_token(client, path), "form_nonce": nonce.group(1) if nonce else "",
            "title": "Hurricane Lena", "deadline": local_deadline(), "parties": ["JM", "TT", "BB"],
            "handling_code": "H0"}  # no template sent: the platform's standard questions
    base.update(fields)
    return base


def test_the_page_starts_one_and_the_deadline_is_read_in_my_zone(app: Any, world: World,  # noqa: F811
                                                                   sign_in: Any) -> None:
    client = app.test_client()
    sign_in(client, world.coordinator)
    page = client.get(start_path())
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('name="parties"') == 6 and 'value="US"' not in html
    assert "People who left by sea" in html and world.coordinator.timezone in html
    typed = local_deadline(5, world.coordinator.timezone)
    answer = client.post(start_path(), data=form(client, start_path(), deadline=typed))
    assert answer.status_code == 302
    roll_call = db.session.scalar(select(RollCall))
    assert answer.headers["Location"] == f"/rollcalls/{roll_call.id}"
    assert codes(roll_call) == {"JM", "TT", "BB"}
    wanted = datetime.fromisoformat(typed).replace(tzinfo=ZoneInfo(world.coordinator.timezone)).astimezone(UTC)
    assert roll_call.deadline == wanted


def test_the_page_shows_errors_readably_and_stores_nothing(app: Any, world: World, sign_in: Any) -> None:  # noqa: F811
    client = app.test_client()
    sign_in(client, world.coordinator)
    past = client.post(start_path(), data=form(client, start_path(), deadline=local_deadline(-2)))
    assert past.status_code == 422 and "at least 15 minutes from now" in past.get_data(as_text=True)
    observer = client.post(start_path(), data=form(client, start_path(), parties=["JM", "US"]))
    assert observer.status_code == 422 and "US cannot be asked" in observer.get_data(as_text=True)
    none = client.post(start_path(), data=form(client, start_path(), parties=[]))
    assert none.status_code == 422 and "at least one party" in none.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(RollCall)) == 0


def test_a_double_submit_makes_one_roll_call(app: Any, world: World, sign_in: Any) -> None:  # noqa: F811
    client = app.test_client()
    sign_in(client, world.coordinator)
    sent = form(client, start_path())
    first = client.post(start_path(), data=sent)
    second = client.post(start_path(), data=sent)
    assert first.status_code == 302 and second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(RollCall)) == 1


def test_who_reaches_the_page(app: Any, world: World, sign_in: Any, make_account: Any) -> None:  # noqa: F811
    client = app.test_client()
    sign_in(client, world.delegate["JM"])
    assert client.get(start_path()).status_code == 403
    stranger = make_account("delegate", party="JM", name="Not a member")
    other = app.test_client()
    sign_in(other, stranger)
    assert other.get(start_path()).status_code == 404


def test_from_an_alert_page_and_back(app: Any, world: World, sign_in: Any) -> None:  # noqa: F811
    alert = hurricane(world)
    client = app.test_client()
    sign_in(client, world.coordinator)
    shown = client.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert f"/networks/{NETWORK}/rollcalls/new?alert={alert.id}" in shown
    path = start_path(alert=alert.id)
    answer = client.post(path, data=form(client, path))
    assert answer.status_code == 302
    roll_call = db.session.scalar(select(RollCall))
    assert roll_call.alert_id == alert.id
    shown = client.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert f'href="/rollcalls/{roll_call.id}"' in shown
    reader = app.test_client()
    sign_in(reader, world.delegate["JM"])  # reads the alert, may not start: sees the link, not the button
    seen = reader.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert f'href="/rollcalls/{roll_call.id}"' in seen and "rollcalls/new" not in seen


def test_a_follow_up_page_is_filled_from_the_previous(app: Any, world: World, sign_in: Any) -> None:  # noqa: F811
    first = rollcalls.start(world.coordinator, NETWORK, data(parties=["JM", "HT"]))
    client = app.test_client()
    sign_in(client, world.coordinator)
    path = start_path(previous=first.id)
    html = client.get(path).get_data(as_text=True)
    assert "Hurricane Lena: how do you stand? — follow-up" in html
    answer = client.post(path, data=form(client, path, title="Lena: day 2", parties=["JM", "HT"],
                                         template_id="previous"))
    assert answer.status_code == 302
    second = db.session.scalar(select(RollCall).where(RollCall.id != first.id))
    assert second.previous_id == first.id and second.questions == first.questions


def test_the_list_page(app: Any, world: World, sign_in: Any) -> None:  # noqa: F811
    client = app.test_client()
    sign_in(client, world.delegate["TT"])
    empty = client.get("/rollcalls").get_data(as_text=True)
    assert "No roll calls yet." in empty
    roll_call = rollcalls.start(world.coordinator, NETWORK, data(parties=["JM", "TT"]))
    world.answer(roll_call, "JM", status="not_affected")
    html = client.get("/rollcalls").get_data(as_text=True)
    assert f'href="/rollcalls/{roll_call.id}"' in html and "1 of 2 answered" in html
    assert f'href="/rollcalls/{roll_call.id}/answer"' in html and "Answer for Trinidad and Tobago" in html
    assert "Start a roll call" not in html  # a delegate does not start one
    coordinator = app.test_client()
    sign_in(coordinator, world.coordinator)
    theirs = coordinator.get(f"/rollcalls?network={NETWORK}&state=open").get_data(as_text=True)
    assert "Start a roll call" in theirs and f'href="/rollcalls/{roll_call.id}/answer"' not in theirs.replace(
        "Answer for Barbados", "")  # Barbados is not asked here
    assert "No roll calls yet." in coordinator.get("/rollcalls?state=closed").get_data(as_text=True)


def test_the_cap_export_names_each_roll_call_and_stays_valid(app: Any, world: World,  # noqa: F811
                                                            sign_in: Any) -> None:
    from lxml import etree

    from cmc.services import cap

    alert = hurricane(world)
    plain = etree.fromstring(cap.to_xml(alert))
    assert cap.schema().validate(plain), cap.schema().error_log
    assert "CMC:roll-call" not in cap.to_xml(alert).decode()  # none started yet
    first = rollcalls.start(world.coordinator, NETWORK, data(alert_id=alert.id))
    second = rollcalls.start(world.coordinator, NETWORK, data(alert_id=alert.id, title="Lena: day 2"))
    rollcalls.start(world.coordinator, NETWORK, data(title="Not from the alert"))
    client = app.test_client()
    sign_in(client, world.delegate["JM"])
    answer = client.get(f"/api/v1/alerts/{alert.id}.cap")
    assert answer.status_code == 200
    document = etree.fromstring(answer.data)
    assert cap.schema().validate(document), cap.schema().error_log
    ns = {"cap": cap.CAP_NS}
    values = [p.findtext("cap:value", namespaces=ns) for p in document.iterfind(".//cap:info/cap:parameter", ns)
              if p.findtext("cap:valueName", namespaces=ns) == "CMC:roll-call"]
    base = app.config["BASE_URL"].rstrip("/")
    assert values == [f"{base}/rollcalls/{first.id}", f"{base}/rollcalls/{second.id}"]
    assert cap.validate_xml(answer.data) == []
    parsed = cap.parse(answer.data)  # the import reads it back, leaving the parameter it does not know
    assert parsed.infos[0].headline == "Hurricane Lena approaching"
