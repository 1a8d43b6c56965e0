"""One way to handle forms (issue 13, item 5): views read what was sent through WTForms form classes, never
``request.form`` by hand, and every field drawn with an error (whether WTForms or a service found it) carries
``aria-invalid="true"`` and points at its message, through the one field macro."""

from __future__ import annotations

import ast
import io
from collections.abc import Callable
from datetime import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from cmc.extensions import db
from tests.files import pdf
from tests.integration.test_text_input import START, World, submit, world  # noqa: F401 (the fixture)

WEB = Path(__file__).resolve().parents[2] / "platform" / "cmc" / "web"
#: What was sent, read raw: the data a form class reads, by hand.
RAW = {"form", "files", "values"}
#: Machinery around the views that must see the raw request, by (module, function): the sign-in limiter's key
#: (before any view runs), the guard that refuses unstorable characters in every field, the one-time nonce of
#: ``@once``, and the re-authentication that carries the whole refused form to send it again.
MACHINERY = {("auth_views.py", "_account_key"), ("unstorable.py", "_values"), ("once.py", "wrapper"),
             ("reauth.py", "respond")}


def _raw_reads(path: Path) -> list[tuple[str, int]]:
    """(enclosing function, line) of every ``request.form``/``files``/``values`` in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            if (isinstance(child, ast.Attribute) and child.attr in RAW and isinstance(child.value, ast.Name)
                    and child.value.id == "request"):
                found.append((name, child.lineno))
            visit(child, name)

    visit(tree, "<module>")
    return found


def test_no_view_reads_what_was_sent_by_hand() -> None:
    """Every page reads a form through a form class (fields named once, drawn by the one macro)."""
    offenders = [f"{path.relative_to(WEB)}:{line} in {function}()" for path in sorted(WEB.rglob("*.py"))
                 for function, line in _raw_reads(path) if (path.name, function) not in MACHINERY]
    assert offenders == [], "read through a form class (cmc.web.forms and friends):\n" + "\n".join(offenders)


def test_the_raw_read_check_finds_a_raw_read(tmp_path: Path) -> None:
    """The check itself: a view reading ``request.form`` is found, so the test above cannot pass blind."""
    module = tmp_path / "view.py"
    module.write_text("from flask import request\n\ndef view():\n    return request.form.get('x')\n")
    assert _raw_reads(module) == [("view", 4)]


class _Page(HTMLParser):
    """The ids the error summary links to, and for each element id: its attributes, and for a fieldset the
    attributes of the inputs in it."""

    def __init__(self) -> None:
        super().__init__()
        self.summary_links: list[str] = []
        self.by_id: dict[str, dict[str, str]] = {}
        self.group_inputs: dict[str, list[dict[str, str]]] = {}
        self.invalid: list[dict[str, str]] = []
        self._fieldsets: list[str] = []
        self._in_summary = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if values.get("id"):
            self.by_id[values["id"]] = {"tag": tag, **values}
        if "is-invalid" in values.get("class", "").split():
            self.invalid.append({"tag": tag, **values})
        if tag == "div" and "error-summary" in values.get("class", ""):
            self._in_summary = 1
        elif tag == "div" and self._in_summary:
            self._in_summary += 1
        if tag == "a" and self._in_summary and values.get("href", "").startswith("#"):
            self.summary_links.append(values["href"][1:])
        if tag == "fieldset":
            self._fieldsets.append(values.get("id", ""))
        if tag in ("input", "select", "textarea"):
            for group in self._fieldsets:
                self.group_inputs.setdefault(group, []).append(values)

    def handle_endtag(self, tag: str) -> None:
        if tag == "fieldset" and self._fieldsets:
            self._fieldsets.pop()
        if tag == "div" and self._in_summary:
            self._in_summary -= 1


def _controls(page: _Page, target: str) -> list[dict[str, str]]:
    element = page.by_id.get(target)
    assert element is not None, f"the error summary links to #{target}, which is not on the page"
    return page.group_inputs.get(target, []) if element["tag"] == "fieldset" else [element]


def _document_id(client: FlaskClient, slug: str) -> int:
    response = submit(client, f"/networks/{slug}/documents/new", "", {
        "file": (io.BytesIO(pdf()), "report.pdf"), "title": "Report", "kind": "report", "languages": ["en"],
        "audience": "network"}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


ALERT = {"headline": "Boat", "event": "Vessel", "severity": "Severe", "urgency": "Immediate", "certainty": "Likely",
         "category": "Security", "restriction": "Members only", "ack_within_minutes": "30"}
MEETING = {"title": "Third meeting", "kind": "annual_meeting", "start_date": "2027-05-01", "end_date": "2027-05-02",
           "timezone": "America/Port_of_Spain", "format": "in_person", "status": "draft"}
#: case -> (who, page, action, what is sent, the fields that must be marked invalid). Several cases are errors a
#: service finds (a choice outside the list, a time before the start, a named audience without parties).
CASES: dict[str, tuple[str, str, str, Callable[[World, FlaskClient], dict[str, Any]], set[str]]] = {
    "upload without a file or title": ("coordinator", "/networks/{slug}/documents/new", "", lambda w, c: {
        "title": "", "kind": "report", "languages": ["en"], "audience": "network"}, {"file"}),
    "upload to named parties without parties": ("coordinator", "/networks/{slug}/documents/new", "", lambda w, c: {
        "file": (io.BytesIO(pdf()), "r.pdf"), "title": "R", "kind": "report", "languages": ["en"],
        "audience": "named"}, {"parties"}),
    "audience that is none of the choices": ("coordinator", "/documents/{document}", "/documents/{document}/audience",
                                             lambda w, c: {"audience": "everyone"}, {"audience"}),
    "document details without a title": ("coordinator", "/documents/{document}", "/documents/{document}/details",
                                         lambda w, c: {"title": "", "kind": "report", "languages": ["en"]},
                                         {"title"}),
    "named audience without parties": ("coordinator", "/documents/{document}", "/documents/{document}/audience",
                                       lambda w, c: {"audience": "named"}, {"parties"}),
    "alert without a headline": ("coordinator", "/networks/{slug}/alerts/new", "",
                                 lambda w, c: {**ALERT, "headline": ""}, {"headline"}),
    "alert with an unknown severity": ("coordinator", "/networks/{slug}/alerts/new", "",
                                       lambda w, c: {**ALERT, "severity": "Apocalyptic"}, {"severity"}),
    "alert expiring on no date": ("coordinator", "/networks/{slug}/alerts/new", "",
                                  lambda w, c: {**ALERT, "expires": "soon"}, {"expires"}),
    "event type without a code": ("coordinator", "/networks/{slug}/alerts/event-types", "", lambda w, c: {
        "code": "", "event": "", "category": "Security", "urgency": "Immediate", "severity": "Severe",
        "certainty": "Likely"}, {"code"}),
    "meeting without a title": ("admin", "/meetings/new", "", lambda w, c: {**MEETING, "title": ""}, {"title"}),
    "meeting ending before it starts": ("admin", "/meetings/new", "", lambda w, c: {
        **MEETING, "end_date": "2027-04-01"}, {"end_date"}),
    "agenda item ending before it starts": ("admin", "/meetings/{meeting}/agenda", "/meetings/{meeting}/items",
                                            lambda w, c: {"day": START.isoformat(), "title": "Opening",
                                                          "start_time": "10:00", "end_time": "09:00",
                                                          "kind": "session"}, {"end_time"}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_field_with_an_error_is_marked_invalid_and_points_at_its_message(
        world: World, app: Any, sign_in: Any, case: str) -> None:  # noqa: F811 (the fixture)
    who, page, action, fields, expected = CASES[case]
    client = app.test_client()
    assert sign_in(client, world.coordinator if who == "coordinator" else world.admin).status_code == 302
    document = _document_id(client, world.slug) if "{document}" in page else 0
    values = {"slug": world.slug, "meeting": world.meeting_id, "document": document}
    page, action = page.format(**values), action.format(**values)
    response = submit(client, page, action, fields(world, client), content_type="multipart/form-data")
    assert response.status_code in (413, 415, 422), (case, response.status_code)
    parsed = _Page()
    parsed.feed(response.get_data(as_text=True))
    assert expected <= set(parsed.summary_links), (case, parsed.summary_links)
    for target in parsed.summary_links:
        controls = _controls(parsed, target)
        assert controls, (case, target)
        for control in controls:
            assert control.get("aria-invalid") == "true", (case, target, control)
            assert f"{target}-error" in control.get("aria-describedby", "").split(), (case, target, control)
        assert f"{target}-error" in parsed.by_id, (case, target)
    for control in parsed.invalid:  # nothing drawn as invalid without saying so to a screen reader
        assert control.get("aria-invalid") == "true", (case, control)


# --- the meeting page's and the agenda builder's small forms ---------------------------------------------

def _meeting_items_and_actions(w: World) -> tuple[int, int]:
    """An agenda item (09:00 to 10:00) and an action item of the world's meeting: (item id, action id)."""
    from cmc.models import Meeting
    from cmc.services import meetings

    meeting = db.session.get(Meeting, w.meeting_id)
    item = meetings.add_item(w.admin, w.meeting_id, meetings.ItemInput(
        day=START, title="Opening", start_time=time(9), end_time=time(10)), meeting.agenda_revision)
    action = meetings.add_action(w.admin, w.meeting_id, "Share the statistics", owner_party="JM")
    return item.id, action.id


def _written() -> list[Any]:
    """What the meeting forms write: their rows, and the state an edit or a status change sets."""
    from cmc.models import ActionItem, AgendaItem, Decision, Minutes, Registration

    db.session.expire_all()
    counts = [db.session.scalar(select(func.count()).select_from(model))
              for model in (Minutes, Decision, ActionItem, Registration, AgendaItem)]
    return [*counts, [(i.title, i.start_time, i.end_time) for i in db.session.scalars(select(AgendaItem))],
            [a.status for a in db.session.scalars(select(ActionItem))]]


#: case -> (page, action, what is sent, the fields that must be marked invalid); all sent by the secretariat.
MEETING_CASES: dict[str, tuple[str, str, dict[str, Any], set[str]]] = {
    "minutes with a control character": ("/meetings/{meeting}", "/meetings/{meeting}/minutes",
                                         {"body": "Opened\x1bat nine"}, {"minutes-body"}),
    "an empty decision": ("/meetings/{meeting}", "/meetings/{meeting}/decisions", {"decision": "  "}, {"decision"}),
    "an action item without a title": ("/meetings/{meeting}", "/meetings/{meeting}/actions",
                                       {"action_title": "", "owner_party": "JM"}, {"action_title"}),
    "an action item with two owners": ("/meetings/{meeting}", "/meetings/{meeting}/actions", {
        "action_title": "Report", "owner_party": "JM", "owner_network": "migrant-smuggling"}, {"owner_party"}),
    "an action item due on no date": ("/meetings/{meeting}", "/meetings/{meeting}/actions", {
        "action_title": "Report", "owner_party": "JM", "due_date": "next week"}, {"due_date"}),
    "an action item status that is none": ("/meetings/{meeting}", "/meetings/actions/{action}/status",
                                           {"status": "finished"}, {"status-{action}"}),
    "a delegation without a name": ("/meetings/{meeting}", "/meetings/{meeting}/register",
                                    {"party": "JM", "name": ["", "", ""]}, {"members"}),
    "a delegation with two heads": ("/meetings/{meeting}", "/meetings/{meeting}/register", {
        "party": "JM", "name": ["Ana", "Ben", ""], "role": ["head", "head", "delegate"],
        "member_title": ["", "", ""]}, {"members"}),
    "an item edit ending before it starts": ("/meetings/{meeting}/agenda", "/meetings/{meeting}/items/{item}", {
        "title": "Opening", "day": START.isoformat(), "start_time": "11:00", "end_time": "10:00"}, {"end-{item}"}),
    "an item edit without a title": ("/meetings/{meeting}/agenda", "/meetings/{meeting}/items/{item}",
                                     {"title": "", "day": START.isoformat()}, {"title-{item}"}),
    "an item edit at no time": ("/meetings/{meeting}/agenda", "/meetings/{meeting}/items/{item}",
                                {"title": "Opening", "day": START.isoformat(), "start_time": "nine"},
                                {"start-{item}"}),
}


@pytest.mark.parametrize("case", list(MEETING_CASES))
def test_a_refused_meeting_form_is_drawn_in_its_page_marked_and_writes_nothing(
        world: World, app: Any, sign_in: Any, case: str) -> None:  # noqa: F811 (the fixture)
    page, action, sent, expected = MEETING_CASES[case]
    item, action_item = _meeting_items_and_actions(world)
    client = app.test_client()
    assert sign_in(client, world.admin).status_code == 302
    values = {"meeting": world.meeting_id, "item": item, "action": action_item}
    page, action = page.format(**values), action.format(**values)
    before = _written()
    response = submit(client, page, action, sent)
    body = response.get_data(as_text=True)
    assert response.status_code == 422, (case, response.status_code, body[:300])
    assert _written() == before, case
    parsed = _Page()
    parsed.feed(body)
    assert {target.format(**values) for target in expected} <= set(parsed.summary_links), (case, parsed.summary_links)
    for target in parsed.summary_links:
        for control in _controls(parsed, target):
            assert control.get("aria-invalid") == "true", (case, target, control)
            assert f"{target}-error" in control.get("aria-describedby", "").split(), (case, target, control)
        assert f"{target}-error" in parsed.by_id, (case, target)
    for control in parsed.invalid:
        assert control.get("aria-invalid") == "true", (case, control)
    if "items/" in action:  # the edited item's form is open, and the add form is not marked
        assert '<details class="mt-1" open>' in body, case
        assert not any(c.get("id") in ("title", "end_time", "start_time") for c in parsed.invalid), case
