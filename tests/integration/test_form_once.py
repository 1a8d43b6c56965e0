"""Every page form that creates something, sent twice, makes one thing: the second sending (a double click, a
resent form, the back button) lands where the first did and changes nothing, also when both arrive at the
same moment. On SQLite and PostgreSQL.

Each form is read from its page and sent as a browser sends it (every field it draws, hidden ones included,
with the values a person types on top): so the test also proves that each form draws its one-time nonce.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from cmc.extensions import db
from cmc.models import (
    AccessToken,
    Account,
    ActionItem,
    AgendaItem,
    AgendaVersion,
    Alert,
    AuditEvent,
    AuthSession,
    CalendarFeed,
    Decision,
    Document,
    DocumentVersion,
    Invitation,
    Meeting,
    Minutes,
    Network,
    Party,
    Reply,
    Thread,
)
from cmc.services import accounts, alerts, documents, meetings, networks
from cmc.uploads import CheckedFile
from tests.files import pdf

SLUG = "migrant-smuggling"


# --- reading forms as a browser does -------------------------------------------------------------------------

class _Forms(HTMLParser):
    """Every ``<form method="post">`` of a page: its action and the fields a browser would send."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._select: tuple[str, list[tuple[str, bool]]] | None = None
        self._option: list[Any] | None = None
        self._textarea: list[Any] | None = None
        self._multiple = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get").lower(),
                               "fields": []})
            return
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("file", "submit", "button"):
                fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and a.get("name"):
            self._select = (a["name"], [])
            self._multiple = "multiple" in a
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, ""]
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option[2] += data
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None and self._select is not None:
            value, selected, text = self._option
            self._select[1].append((value if value is not None else text.strip(), selected))
            self._option = None
        elif tag == "select" and self._select is not None:
            name, options = self._select
            chosen = [v for v, s in options if s] or ([] if self._multiple else [v for v, _s in options[:1]])
            self.forms[-1]["fields"].extend((name, v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.forms[-1]["fields"].append(tuple(self._textarea))
            self._textarea = None


def form_on(html: str, action: str) -> list[tuple[str, str]]:
    """The fields of the POST form on ``html`` that sends to ``action`` (a path)."""
    parser = _Forms()
    parser.feed(html)
    matching = [f for f in parser.forms if f["method"] == "post" and (f["action"] or "") in (action, "")]
    exact = [f for f in matching if f["action"] == action] or matching
    assert exact, f"no form posting to {action}"
    return list(exact[0]["fields"])


# --- the world the forms act in ------------------------------------------------------------------------------

@dataclass
class World:
    app: Flask
    client: FlaskClient
    secretariat: Account
    ids: dict[str, Any] = field(default_factory=dict)


def _stored_document(app: Flask, actor: Account, title: str, versions: int) -> Document:
    document = None
    for number in range(versions):
        content = pdf(f"{title} version {number + 1}")
        temp = Path(app.config["UPLOAD_DIR"], "tmp", f"upload-{hashlib.sha256(content).hexdigest()[:12]}")
        temp.parent.mkdir(parents=True, exist_ok=True)
        temp.write_bytes(content)
        checked = CheckedFile(temp_path=temp, original_filename=f"{title}.pdf", extension="pdf",
                              content_type="application/pdf", size=len(content),
                              sha256=hashlib.sha256(content).hexdigest())
        if document is None:
            document = documents.upload(actor, SLUG, documents.DocumentInput(title=title), checked)
        else:
            documents.add_version(actor, document.id, checked)
    assert document is not None
    return document


@pytest.fixture
def world(app: Flask, make_party: Callable[..., Party], make_account: Callable[..., Account],
          sign_in: Callable[..., Any]) -> World:
    for code in ("TT", "JM", "BS"):
        make_party(code)
    secretariat = make_account("secretariat")
    network = networks.create_network(secretariat, networks.NetworkInput(
        slug=SLUG, name="Migrant Smuggling", alerts_enabled=True, party_codes=["TT", "JM", "BS", "IOM"]))
    delegate = make_account("delegate", party="TT")
    networks.add_member(secretariat, SLUG, delegate.id)
    candidate = make_account("delegate", party="JM")
    thread = networks.create_thread(secretariat, SLUG, "Route change", "Boats seen off the coast.")
    document = _stored_document(app, secretariat, "Patrol report", versions=2)
    alert, _created = alerts.publish(secretariat, SLUG, alerts.AlertInput(infos=[alerts.InfoInput(
        headline="Vessel left the north coast", event="Suspected smuggling vessel", severity="Severe",
        urgency="Immediate", certainty="Likely", category="Security", description="About 40 people.",
        instruction="Alert coast guard.", area_desc="Windward Passage", geocodes=["TT"])]))
    draft = meetings.save_meeting(secretariat, meetings.MeetingInput(
        title="Second CMC meeting", kind="annual_meeting", start_date=date(2027, 3, 10),
        end_date=date(2027, 3, 11), city="Port of Spain", host_party="TT", status="draft"))
    meetings.add_item(secretariat, draft.id, meetings.ItemInput(
        day=date(2027, 3, 10), title="Opening", start_time=time(9), end_time=time(10)), draft.agenda_revision)
    published = meetings.save_meeting(secretariat, meetings.MeetingInput(
        title="First CMC meeting", kind="annual_meeting", start_date=date(2027, 1, 10),
        end_date=date(2027, 1, 11), city="Kingston", host_party="JM", status="published"))
    meetings.add_action(secretariat, published.id, "Send the national protocol", owner_party="JM")
    invited = accounts.invite(secretariat, email="new.delegate@gov.tt", name="New Delegate", party_code="TT",
                              role="delegate", send=False)
    client = app.test_client()
    assert sign_in(client, secretariat).status_code == 302
    return World(app=app, client=client, secretariat=secretariat, ids={
        "network": network.id, "candidate": candidate.id, "thread": thread.id, "document": document.id,
        "alert": alert.id, "draft": draft.id, "published": published.id,
        "invitation": invited.link.rsplit("/", 1)[1]})


def count(model: Any, *where: Any) -> int:
    db.session.commit()
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def audits(action: str) -> int:
    return count(AuditEvent, AuditEvent.action == action)


def minutes_saved(w: World) -> int:
    db.session.commit()
    row = db.session.get(Minutes, w.ids["published"])
    return 0 if row is None else 1 + len(row.revisions or [])


# --- every create form --------------------------------------------------------------------------------------

@dataclass
class Case:
    """A form that creates something: the page that draws it, where it posts, what a person types into it,
    and a number that grows by one each time a sending of it does something."""

    page: Callable[[World], str]
    action: Callable[[World], str]
    typed: Callable[[World], dict[str, Any]]
    measure: Callable[[World], int]
    file: bool = False
    anonymous: bool = False
    #: The form is previewed first (alerts): what is sent twice is the preview's "Publish", with its token.
    preview: bool = False


def _meeting_form(w: World) -> dict[str, Any]:
    return {"title": "Third CMC meeting", "kind": "annual_meeting", "start_date": "2027-09-01",
            "end_date": "2027-09-02", "timezone": "America/Port_of_Spain", "status": "draft"}


CASES: dict[str, Case] = {
    "document upload": Case(
        page=lambda w: f"/networks/{SLUG}/documents/new", action=lambda w: f"/networks/{SLUG}/documents/new",
        typed=lambda w: {"title": "Northern harbour summary"}, measure=lambda w: count(Document), file=True),
    "document version": Case(
        page=lambda w: f"/documents/{w.ids['document']}", action=lambda w: f"/documents/{w.ids['document']}/versions",
        typed=lambda w: {"note": "Corrected figures"}, measure=lambda w: count(DocumentVersion), file=True),
    "document restore": Case(
        page=lambda w: f"/documents/{w.ids['document']}",
        action=lambda w: f"/documents/{w.ids['document']}/versions/1/restore", typed=lambda w: {},
        measure=lambda w: count(DocumentVersion)),
    "thread": Case(
        page=lambda w: f"/networks/{SLUG}/threads/new", action=lambda w: f"/networks/{SLUG}/threads/new",
        typed=lambda w: {"title": "New route", "body": "Seen off Tobago."}, measure=lambda w: count(Thread)),
    "reply": Case(
        page=lambda w: f"/threads/{w.ids['thread']}", action=lambda w: f"/threads/{w.ids['thread']}/replies",
        typed=lambda w: {"body": "Confirmed by our coast guard."}, measure=lambda w: count(Reply)),
    "network": Case(
        page=lambda w: "/networks/new", action=lambda w: "/networks/new",
        typed=lambda w: {"name": "Labour Migration", "slug": "labour-migration"}, measure=lambda w: count(Network)),
    "network member": Case(
        page=lambda w: f"/networks/{SLUG}/members", action=lambda w: f"/networks/{SLUG}/members",
        typed=lambda w: {"account_id": str(w.ids["candidate"]), "role": "member"},
        measure=lambda w: audits("network.member.add")),
    "invitation": Case(
        page=lambda w: "/admin/accounts/invite", action=lambda w: "/admin/accounts/invite",
        typed=lambda w: {"email": "ana@gov.jm", "name": "Ana Brown", "party": "JM", "role": "delegate"},
        measure=lambda w: count(Invitation)),
    "party": Case(
        page=lambda w: "/admin/parties/new", action=lambda w: "/admin/parties/new",
        typed=lambda w: {"code": "GY", "name": "Guyana", "languages": "en"}, measure=lambda w: count(Party)),
    "registration by invitation": Case(
        page=lambda w: f"/invitations/{w.ids['invitation']}", action=lambda w: f"/invitations/{w.ids['invitation']}",
        typed=lambda w: {"password": "a long and unusual passphrase", "confirm": "a long and unusual passphrase"},
        measure=lambda w: count(AuthSession), anonymous=True),
    "access token": Case(
        page=lambda w: "/settings/tokens", action=lambda w: "/settings/tokens",
        typed=lambda w: {"name": "Reporting script"}, measure=lambda w: count(AccessToken)),
    "calendar address": Case(
        page=lambda w: "/settings/calendar", action=lambda w: "/settings/calendar",
        typed=lambda w: {}, measure=lambda w: count(CalendarFeed)),
    "alert": Case(
        page=lambda w: f"/networks/{SLUG}/alerts/new", action=lambda w: f"/networks/{SLUG}/alerts/new",
        typed=lambda w: {"headline": "Second vessel sighted", "event": "Suspected smuggling vessel",
                         "severity": "Severe", "urgency": "Immediate", "certainty": "Likely",
                         "area_desc": "Windward Passage", "description": "Seen at dawn."},
        measure=lambda w: count(Alert), preview=True),
    "alert update": Case(
        page=lambda w: f"/alerts/{w.ids['alert']}/update", action=lambda w: f"/alerts/{w.ids['alert']}/update",
        typed=lambda w: {"headline": "Vessel turned back"}, measure=lambda w: count(Alert), preview=True),
    "alert cancel": Case(
        page=lambda w: f"/alerts/{w.ids['alert']}", action=lambda w: f"/alerts/{w.ids['alert']}/cancel",
        typed=lambda w: {}, measure=lambda w: count(Alert)),
    "alert event type": Case(
        page=lambda w: f"/networks/{SLUG}/alerts/event-types", action=lambda w: f"/networks/{SLUG}/alerts/event-types",
        typed=lambda w: {"code": "smuggling", "event": "Suspected smuggling vessel"},
        measure=lambda w: audits("alert.event_type")),
    "meeting": Case(
        page=lambda w: "/meetings/new", action=lambda w: "/meetings/new", typed=_meeting_form,
        measure=lambda w: count(Meeting)),
    "agenda item": Case(
        page=lambda w: f"/meetings/{w.ids['draft']}/agenda", action=lambda w: f"/meetings/{w.ids['draft']}/items",
        typed=lambda w: {"title": "Smuggling routes", "day": "2027-03-10", "start_time": "10:00",
                         "end_time": "11:00"}, measure=lambda w: count(AgendaItem)),
    "agenda version": Case(
        page=lambda w: f"/meetings/{w.ids['draft']}/agenda", action=lambda w: f"/meetings/{w.ids['draft']}/publish",
        typed=lambda w: {}, measure=lambda w: count(AgendaVersion)),
    "carried-forward items": Case(
        page=lambda w: f"/meetings/{w.ids['draft']}/agenda",
        action=lambda w: f"/meetings/{w.ids['draft']}/carry-forward", typed=lambda w: {},
        measure=lambda w: count(AgendaItem)),
    "delegation registration": Case(
        page=lambda w: f"/meetings/{w.ids['published']}", action=lambda w: f"/meetings/{w.ids['published']}/register",
        typed=lambda w: {"party": "TT", "name": ["Kamla Persad", "", ""]},
        measure=lambda w: audits("meeting.register")),
    "minutes": Case(
        page=lambda w: f"/meetings/{w.ids['published']}", action=lambda w: f"/meetings/{w.ids['published']}/minutes",
        typed=lambda w: {"body": "The meeting opened at nine."}, measure=minutes_saved),
    "decision": Case(
        page=lambda w: f"/meetings/{w.ids['published']}",
        action=lambda w: f"/meetings/{w.ids['published']}/decisions",
        typed=lambda w: {"decision": "Create the network."}, measure=lambda w: count(Decision)),
    "action item": Case(
        page=lambda w: f"/meetings/{w.ids['published']}", action=lambda w: f"/meetings/{w.ids['published']}/actions",
        typed=lambda w: {"action_title": "Share the statistics", "owner_party": "TT"},
        measure=lambda w: count(ActionItem)),
}


def filled(w: World, case: Case, client: FlaskClient) -> list[tuple[str, Any]]:
    """The form as the page draws it, with what a person types; checks that it carries a nonce."""
    page = client.get(case.page(w))
    assert page.status_code == 200, (case.page(w), page.status_code)
    fields = form_on(page.get_data(as_text=True), case.action(w))
    nonces = [value for name, value in fields if name == "form_nonce"]
    assert len(nonces) == 1 and re.fullmatch(r"[A-Za-z0-9_-]{16,64}", nonces[0]), \
        f"the form posting to {case.action(w)} carries no one-time nonce"
    typed = case.typed(w)
    fields = [(n, v) for n, v in fields if n not in typed] + [
        (name, item) for name, value in typed.items() for item in (value if isinstance(value, list) else [value])]
    if case.preview:
        shown = send(client, case.action(w), [*fields, ("action", "preview")], case.file)
        assert shown.status_code == 200, shown.get_data(as_text=True)[:800]
        drawn = form_on(shown.get_data(as_text=True), case.action(w))
        fields = [*drawn, ("action", "publish"), ("confirm_severe", "y")]
    return fields


def send(client: FlaskClient, action: str, fields: list[tuple[str, Any]], file: bool) -> Any:
    data: dict[str, Any] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    if file:
        data["file"] = (io.BytesIO(pdf("Northern harbour patrol, second count")), "patrol.pdf")
    return client.post(action, data=data, content_type="multipart/form-data" if file else None)


def landing(answer: Any, action: str) -> str:
    """Where an answer leaves the person: its redirect, or the page it drew."""
    assert answer.status_code < 400, (answer.status_code, answer.get_data(as_text=True)[:800])
    return answer.headers.get("Location") or action


def twin(w: World) -> FlaskClient:
    """A second client with the first one's cookies: the same browser, a second connection."""
    other = w.app.test_client()
    for cookie in w.client._cookies.values():
        other.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return other


@pytest.mark.parametrize("kind", list(CASES))
def test_a_create_form_sent_twice_makes_one_thing(world: World, kind: str) -> None:
    case = CASES[kind]
    if case.anonymous:
        world.client = world.app.test_client()
    action = case.action(world)
    fields = filled(world, case, world.client)
    before = case.measure(world)

    # Two sendings at the same moment (a double click): one thing, and both land where it is.
    answers: list[Any] = [None, None]
    start = threading.Barrier(2)

    def sending(slot: int, client: FlaskClient) -> None:
        start.wait()
        answers[slot] = send(client, action, fields, case.file)

    threads = [threading.Thread(target=sending, args=(0, world.client)),
               threading.Thread(target=sending, args=(1, twin(world)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert case.measure(world) == before + 1, f"{kind}: two sendings of one form made {case.measure(world) - before}"
    first_landing = landing(answers[0], action)
    assert landing(answers[1], action) == first_landing

    # The same form sent again later (the back button, a resend): nothing new, the same place, and a note.
    again = send(world.client, action, fields, case.file)
    assert case.measure(world) == before + 1
    if case.anonymous and again.status_code == 400:
        # Accepting the invitation signed the person in with a new session: the old form's CSRF token is
        # refused first, with the "form expired" page (never a 500, never a second account session).
        assert "The form expired" in again.get_data(as_text=True)
        return
    assert again.status_code == 302 and again.headers["Location"] == first_landing, \
        (again.status_code, again.get_data(as_text=True)[:500])
    assert "already sent" in world.client.get(first_landing, follow_redirects=True).get_data(as_text=True)


def test_a_form_refused_for_an_error_may_be_sent_again_with_the_same_nonce(world: World) -> None:
    case = CASES["thread"]
    fields = filled(world, case, world.client)
    before = count(Thread)
    empty_title = [(n, "" if n == "title" else v) for n, v in fields]
    assert send(world.client, case.action(world), empty_title, False).status_code == 422
    created = send(world.client, case.action(world), fields, False)
    assert created.status_code == 302 and count(Thread) == before + 1


def test_a_form_drawn_twice_gets_two_nonces(world: World) -> None:
    html = world.client.get(f"/meetings/{world.ids['published']}").get_data(as_text=True)
    nonces = re.findall(r'name="form_nonce" type="hidden" value="([^"]+)"', html)
    assert len(nonces) >= 3 and len(set(nonces)) == len(nonces), "forms on one page share a nonce"


def test_an_upload_sent_twice_by_the_pages_script_leads_both_times_to_the_document(world: World) -> None:
    case = CASES["document upload"]
    fields = filled(world, case, world.client)
    before = count(Document)

    def sent() -> Any:
        data: dict[str, Any] = {}
        for name, value in fields:
            data.setdefault(name, []).append(value)
        data["file"] = (io.BytesIO(pdf("Sent by the script")), "patrol.pdf")
        return world.client.post(case.action(world), data=data, content_type="multipart/form-data",
                                 headers={"X-Requested-With": "fetch"})

    first, second = sent(), sent()
    assert first.status_code == 201 and second.status_code == 200
    assert first.get_json()["location"] == second.get_json()["location"]
    assert first.get_json()["location"].startswith("/documents/")
    assert count(Document) == before + 1
