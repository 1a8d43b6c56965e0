"""Characters XML 1.0 forbids are refused at input, in every kind of field (hardening issue, item 3).

Each case sends one text with a forbidden character (NUL, vertical tab, form feed, escape, U+FFFE, U+FFFF;
through JSON also a lone surrogate, which a browser form cannot carry) into one field, through the page a
person fills in and through the API a national system calls. The page answers with the field's error, the
API 422 naming the field, and afterwards no text column of any table holds a forbidden character (on
PostgreSQL, NUL used to be a 500).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from itertools import cycle
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import JSON, String, Text, select

from cmc.extensions import db
from cmc.services import alerts, auth, meetings, networks, text
from tests.conftest import form_token
from tests.files import pdf

FORM_CHARACTERS = ["\x00", "\x0b", "\x0c", "\x1b", "\ufffe", "\uffff", "\x01", "\x1f"]
JSON_CHARACTERS = [*FORM_CHARACTERS, "\ud800", "\udfff"]
START = date(2027, 3, 10)


def bad(char: str) -> str:
    return f"Vessel{char}seen"


class _Forms(HTMLParser):
    """The hidden inputs of each form of a page, by the form's action."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._current: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = self.forms.setdefault(values.get("action", ""), {})
        elif tag == "input" and self._current is not None and values.get("type") == "hidden" and values.get("name"):
            self._current[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def submit(client: FlaskClient, page: str, action: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """Open ``page`` and send its form whose action is ``action`` ("" for the page itself) with ``data`` and the
    form's hidden fields (the CSRF token, and any one-time key the form carries)."""
    parser = _Forms()
    parser.feed(client.get(page).get_data(as_text=True))
    hidden = parser.forms.get(action) or parser.forms.get(page) or {}
    assert hidden, f"no form {action or page!r} on {page}: {list(parser.forms)}"
    return client.post(action or page, data={**hidden, **data}, **kwargs)


@dataclass
class World:
    """A network with alerts on, its coordinator, a thread, an alert and a meeting open for registration."""

    slug: str
    coordinator: Any
    admin: Any
    thread_id: int
    alert_id: int
    meeting_id: int


@pytest.fixture
def world(make_party: Any, make_account: Any) -> World:
    for code in ("TT", "JM", "BS"):
        make_party(code)
    admin = make_account("secretariat")
    network = networks.create_network(admin, networks.NetworkInput(
        slug="migrant-smuggling", name="Migrant Smuggling", alerts_enabled=True, party_codes=["TT", "JM", "BS"]))
    coordinator = make_account("delegate", party="BS", second_factor=True)
    networks.add_member(admin, network.slug, coordinator.id, "coordinator")
    thread = networks.create_thread(coordinator, network.slug, "Routes", "What do we see?")
    alert, _ = alerts.publish(coordinator, network.slug, alerts.AlertInput(infos=[alerts.InfoInput(
        headline="Vessel left", event="Suspected smuggling vessel", severity="Severe")]))
    meeting = meetings.save_meeting(admin, meetings.MeetingInput(
        title="Second CMC meeting", kind="annual_meeting", start_date=START, end_date=START, status="published"))
    return World(slug=network.slug, coordinator=coordinator, admin=admin, thread_id=thread.id,
                 alert_id=alert.id, meeting_id=meeting.id)


def forbidden_anywhere() -> list[str]:
    """Every (table.column) whose stored text holds a character XML 1.0 forbids, in the whole database."""
    db.session.commit()
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        for column in columns:
            for value in db.session.execute(select(column)).scalars():
                if value is not None and text.first_forbidden(value if isinstance(value, str) else repr(value)):
                    found.append(f"{table.name}.{column.name}")
                    break
    return found


# --- the API --------------------------------------------------------------------------------------------

def _info(**overrides: Any) -> dict[str, Any]:
    return {"headline": "Vessel left", "event": "Suspected smuggling vessel", "severity": "Severe", **overrides}


#: case -> (who calls, method, path, body (``{v}`` is the bad text), the field the error must name).
API_CASES: dict[str, tuple[str, str, str, Callable[[str, World], dict[str, Any]], str]] = {
    "alert headline": ("coordinator", "POST", "/networks/{slug}/alerts",
                       lambda v, w: {"infos": [_info(headline=v)]}, "headline"),
    "alert description": ("coordinator", "POST", "/networks/{slug}/alerts",
                          lambda v, w: {"infos": [_info(description=v)]}, "description"),
    "alert area": ("coordinator", "POST", "/networks/{slug}/alerts",
                   lambda v, w: {"infos": [_info(area_desc=v)]}, "area_desc"),
    "alert Spanish instruction": ("coordinator", "POST", "/networks/{slug}/alerts",
                                  lambda v, w: {"infos": [_info(), _info(language="es", instruction=v)]},
                                  "instruction_es"),
    "alert restriction": ("coordinator", "POST", "/networks/{slug}/alerts",
                          lambda v, w: {"restriction": v, "infos": [_info()]}, "restriction"),
    "alert update event": ("coordinator", "POST", "/alerts/{alert}/update",
                           lambda v, w: {"infos": [_info(event=v)]}, "event"),
    "alert cancel note": ("coordinator", "POST", "/alerts/{alert}/cancel", lambda v, w: {"note": v}, "note"),
    "thread title": ("coordinator", "POST", "/networks/{slug}/threads", lambda v, w: {"title": v, "body": "x"},
                     "title"),
    "thread body": ("coordinator", "POST", "/networks/{slug}/threads", lambda v, w: {"title": "x", "body": v},
                    "body"),
    "reply body": ("coordinator", "POST", "/threads/{thread}/replies", lambda v, w: {"body": v}, "body"),
    "agenda item title": ("admin", "POST", "/meetings/{meeting}/items",
                          lambda v, w: {"day": START.isoformat(), "title": v, "revision": 0}, "title"),
    "agenda item presenters": ("admin", "POST", "/meetings/{meeting}/items",
                               lambda v, w: {"day": START.isoformat(), "title": "x", "presenters": v,
                                             "revision": 0}, "presenters"),
    "delegation member": ("admin", "POST", "/meetings/{meeting}/registrations",
                          lambda v, w: {"party": "JM", "members": [{"name": v, "role": "head"}]}, "members"),
    "party name": ("admin", "POST", "/parties",
                   lambda v, w: {"code": "KN", "name": v, "kind": "state", "status": "member"}, "name"),
}


#: Where the request guard finds a nested field (top-level fields keep their names).
GUARD_NAMES = {"alert headline": ["infos[0].headline"], "alert description": ["infos[0].description"],
               "alert area": ["infos[0].area_desc"], "alert Spanish instruction": ["infos[1].instruction"],
               "alert update event": ["infos[0].event"], "delegation member": ["members[0].name"]}


@pytest.mark.parametrize("case", list(API_CASES))
def test_the_api_refuses_a_forbidden_character_naming_the_field(world: World, client: FlaskClient,
                                                                case: str) -> None:
    who, method, path, body, field = API_CASES[case]
    account = world.coordinator if who == "coordinator" else world.admin
    token = auth.create_token(account, "tests")[1]
    url = "/api/v1" + path.format(slug=world.slug, alert=world.alert_id, thread=world.thread_id,
                                  meeting=world.meeting_id)
    for char in JSON_CHARACTERS:
        response = client.open(url, method=method, json=body(bad(char), world),
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 422, (case, repr(char), response.get_json())
        error = response.get_json()["error"]
        # NUL and lone surrogates are stopped before the view (web/unstorable.py), which names a JSON field by
        # its path (infos[1].instruction); the services name the others as the pages do (instruction_es).
        names = {field, *GUARD_NAMES.get(case, ())} if char in "\x00\ud800\udfff" else {field}
        assert error["code"] == "validation_failed" and names & set(error["fields"]), (case, repr(char), error)
    assert forbidden_anywhere() == []


def test_a_document_upload_through_the_api_refuses_a_forbidden_title(world: World, client: FlaskClient) -> None:
    token = auth.create_token(world.coordinator, "tests")[1]
    for char, field in zip(FORM_CHARACTERS, cycle(["title", "description"]), strict=False):
        response = client.post(f"/api/v1/networks/{world.slug}/documents",
                               headers={"Authorization": f"Bearer {token}"},
                               data={"file": (io.BytesIO(pdf()), "report.pdf"), "title": "Report", "kind": "report",
                                     field: bad(char)},
                               content_type="multipart/form-data")
        assert response.status_code == 422, (repr(char), response.get_json())
        assert field in response.get_json()["error"]["fields"]
    assert forbidden_anywhere() == []


# --- the pages ------------------------------------------------------------------------------------------

#: case -> (who, page with the form, form action ("" = the page), the fields to send (``{v}`` is the bad
#: text), whether the page answers at once (422) or after a redirect with a message (the POST-only forms)).
PAGE_CASES: dict[str, tuple[str, str, str, Callable[[str], dict[str, Any]], bool]] = {
    "alert compose headline": ("coordinator", "/networks/{slug}/alerts/new", "", lambda v: {
        "headline": v, "event": "Vessel", "severity": "Severe", "urgency": "Immediate", "certainty": "Likely",
        "category": "Security", "restriction": "Members only", "ack_within_minutes": "30"}, True),
    "alert compose French description": ("coordinator", "/networks/{slug}/alerts/new", "", lambda v: {
        "headline": "Boat", "headline_fr": "Bateau", "description_fr": v, "event": "Vessel",
        "severity": "Severe", "urgency": "Immediate", "certainty": "Likely", "category": "Security",
        "restriction": "Members only", "ack_within_minutes": "30"}, True),
    "alert event type template": ("coordinator", "/networks/{slug}/alerts/event-types", "", lambda v: {
        "code": "vessel2", "event": "Vessel", "category": "Security", "urgency": "Immediate",
        "severity": "Severe", "certainty": "Likely", "headline_template": v}, True),
    "thread title": ("coordinator", "/networks/{slug}/threads/new", "", lambda v: {"title": v, "body": "x"}, True),
    "reply body": ("coordinator", "/threads/{thread}", "/threads/{thread}/replies", lambda v: {"body": v}, True),
    "network description": ("admin", "/networks/{slug}/edit", "", lambda v: {
        "name": "Migrant Smuggling", "slug": "migrant-smuggling", "kind": "thematic_network",
        "description": v, "parties": ["TT", "JM", "BS"]}, True),
    "party name": ("admin", "/admin/parties/new", "", lambda v: {
        "code": "KN", "name": v, "kind": "state", "status": "member", "languages": "en"}, True),
    "invited person's name": ("admin", "/admin/accounts/invite", "", lambda v: {
        "email": "new.person@example.org", "name": v, "party": "JM", "role": "delegate"}, True),
    "own title": ("coordinator", "/settings/", "/settings/profile", lambda v: {
        "name": "Coordinator", "title": v, "language": "en", "timezone": "America/Port_of_Spain"}, True),
    "token name": ("coordinator", "/settings/tokens", "", lambda v: {"name": v, "expires_in_days": "30"}, True),
    "meeting venue": ("admin", "/meetings/new", "", lambda v: {
        "title": "Third meeting", "kind": "annual_meeting", "start_date": "2027-05-01",
        "end_date": "2027-05-02", "timezone": "America/Port_of_Spain", "venue": v, "format": "in_person",
        "status": "draft"}, True),
    "agenda item description": ("admin", "/meetings/{meeting}/agenda", "/meetings/{meeting}/items", lambda v: {
        "day": START.isoformat(), "title": "Opening", "description": v, "kind": "session"}, True),
    "minutes": ("admin", "/meetings/{meeting}", "/meetings/{meeting}/minutes", lambda v: {"body": v}, True),
    "decision": ("admin", "/meetings/{meeting}", "/meetings/{meeting}/decisions", lambda v: {"decision": v}, True),
    "action item": ("admin", "/meetings/{meeting}", "/meetings/{meeting}/actions", lambda v: {
        "action_title": v, "owner_party": "JM"}, True),
}


@pytest.mark.parametrize("case", list(PAGE_CASES))
def test_the_page_shows_the_field_error_and_stores_nothing(world: World, signed_in: Any, sign_in: Any,
                                                           app: Any, case: str) -> None:
    who, page, action, fields, at_once = PAGE_CASES[case]
    account = world.coordinator if who == "coordinator" else world.admin
    client = app.test_client()
    assert sign_in(client, account).status_code == 302
    values = {"slug": world.slug, "thread": world.thread_id, "meeting": world.meeting_id}
    page, action = page.format(**values), action.format(**values)
    for char in FORM_CHARACTERS[:4]:
        response = submit(client, page, action, fields(bad(char)), follow_redirects=not at_once)
        body = response.get_data(as_text=True)
        # NUL never reaches a view (web/unstorable.py): an error page naming it, where a form that redirects
        # with a message would otherwise answer.
        assert response.status_code == (422 if at_once or char == "\x00" else 200), (case, repr(char), body[:300])
        assert f"U+{ord(char):04X}" in body and "control character" in body, (case, repr(char))
    assert forbidden_anywhere() == []


def test_a_document_upload_page_refuses_a_forbidden_description(world: World, app: Any, sign_in: Any) -> None:
    client = app.test_client()
    assert sign_in(client, world.coordinator).status_code == 302
    page = f"/networks/{world.slug}/documents/new"
    response = submit(client, page, "", {"file": (io.BytesIO(pdf()), "report.pdf"), "title": "Report", "kind": "report",
                                         "languages": ["en"], "audience": "network",
                                         "description": bad("\x1b")}, content_type="multipart/form-data")
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert "U+001B" in response.get_data(as_text=True)
    assert forbidden_anywhere() == []


def test_a_cancel_or_a_returned_draft_with_a_forbidden_character_is_refused_in_the_page(
        world: World, app: Any, sign_in: Any) -> None:
    client = app.test_client()
    assert sign_in(client, world.coordinator).status_code == 302
    token = form_token(client, f"/alerts/{world.alert_id}")
    cancelled = client.post(f"/alerts/{world.alert_id}/cancel", data={"csrf_token": token, "note": bad("\x00")})
    assert cancelled.status_code == 422 and "U+0000" in cancelled.get_data(as_text=True)
    assert forbidden_anywhere() == []


# --- any other value: NUL or a lone surrogate never reaches a query -------------------------------------

#: case -> (who, method, path, JSON body or form, the answer, the field a 422 names).
ANYWHERE_CASES: dict[str, tuple[str, str, str, Any, int, str]] = {
    "a network's address": ("coordinator", "GET", "/networks/a%00b", None, 404, ""),
    "an API address": ("coordinator", "GET", "/api/v1/networks/a%00b/alerts.atom", None, 404, ""),
    "an API filter": ("coordinator", "GET", "/api/v1/alerts?network=a%00b", None, 422, "network"),
    "a document search": ("coordinator", "GET", "/documents?q=a%00b", None, 422, "q"),
    "an audit filter": ("admin", "GET", "/admin/audit?actor=a%00b", None, 422, "actor"),
    "a party code in JSON": ("admin", "POST", "/api/v1/meetings/{meeting}/registrations",
                             {"party": "J\ud800", "members": [{"name": "A", "role": "head"}]}, 422, "party"),
    "a role in JSON": ("coordinator", "POST", "/api/v1/networks/{slug}/members",
                       {"account_id": 1, "role": "member\x00"}, 422, "role"),
}


@pytest.mark.parametrize("case", list(ANYWHERE_CASES))
def test_nul_or_a_lone_surrogate_anywhere_in_a_request_is_an_answer_not_a_500(
        world: World, app: Any, sign_in: Any, case: str) -> None:
    who, method, path, body, status, field = ANYWHERE_CASES[case]
    client = app.test_client()
    assert sign_in(client, world.coordinator if who == "coordinator" else world.admin).status_code == 302
    headers = {"X-CSRFToken": form_token(client, "/")}
    url = path.format(slug=world.slug, meeting=world.meeting_id)
    response = client.open(url, method=method, json=body, headers=headers)
    assert response.status_code == status, (case, response.get_data(as_text=True)[:300])
    if field and url.startswith("/api/"):
        assert field in response.get_json()["error"]["fields"], response.get_json()
    assert forbidden_anywhere() == []


def test_a_sign_in_with_nul_in_the_address_is_refused_not_a_500(world: World, client: FlaskClient) -> None:
    response = submit(client, "/sign-in", "", {"email": "coordinator\x00@example.org", "password": "x"})
    assert response.status_code == 422 and "U+0000" in response.get_data(as_text=True)
