"""Browser tests: the real server (``cmc serve``, gevent + websockets) in a subprocess, driven by Debian's
Chromium through Playwright.

The in-process fixtures of ``tests/conftest.py`` are not used here: these tests see the platform exactly as a
person does, through ``cmc db upgrade``, ``cmc seed --demo`` and ``cmc serve`` on an instance folder of their
own (the machinery is in ``tests/live_server.py``, shared with ``tests/integration/test_realtime_live.py``).
One server serves the whole session; tests that need their own account invite one (or call
``live_server.cmc("accounts", "create", ...)``), so they do not depend on each other's order.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyotp
import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page, expect

from tests.files import docx, pdf
from tests.live_server import DEMO_PASSWORD, ROOT, LiveServer, running_live_server

HERE = Path(__file__).resolve().parent
AXE_JS = ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"

SECRETARIAT = "secretariat@cmc.demo"
COORDINATOR = "coordinator.bs@cmc.demo"  # coordinates Migrant Smuggling; must set up a second factor

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

DESKTOP = {"width": 1280, "height": 800}

#: The pages every visual and accessibility check covers: name -> (path, who is signed in, expected status).
#: A path of None is found at run time by ``_screen_path`` (the edit page of Jamaica, whose id the seed decides;
#: a thread of Migrant Smuggling, posted by the ``sample_thread`` fixture; the documents pages, once the
#: ``sample_document`` fixture has uploaded a document with two versions; the alerts pages, once the
#: ``sample_alerts`` fixture has published alerts and submitted a draft; the meeting pages, once the
#: ``sample_meeting`` fixture has planned a meeting and published its agenda twice). The secretariat reads every
#: network; the coordinator of Migrant Smuggling (``COORDINATOR``) sees the compose form and the acknowledgement grid.
SCREENS: dict[str, tuple[str | None, str | None, int]] = {
    "sign-in": ("/sign-in", None, 200),
    "home": ("/", SECRETARIAT, 200),
    "settings": ("/settings/", SECRETARIAT, 200),
    "settings-security": ("/settings/security", SECRETARIAT, 200),
    "settings-sessions": ("/settings/sessions", SECRETARIAT, 200),
    "settings-tokens": ("/settings/tokens", SECRETARIAT, 200),
    "settings-calendar": ("/settings/calendar", SECRETARIAT, 200),
    "admin-accounts": ("/admin/accounts", SECRETARIAT, 200),
    "admin-invite": ("/admin/accounts/invite", SECRETARIAT, 200),
    "admin-parties": ("/admin/parties", SECRETARIAT, 200),
    "admin-party-edit": (None, SECRETARIAT, 200),
    "networks": ("/networks", SECRETARIAT, 200),
    "network-workspace": ("/networks/migrant-smuggling", SECRETARIAT, 200),
    "network-thread": (None, SECRETARIAT, 200),
    "network-members": ("/networks/migrant-smuggling/members", SECRETARIAT, 200),
    "network-new-thread": ("/networks/migrant-smuggling/threads/new", SECRETARIAT, 200),
    "network-documents": (None, SECRETARIAT, 200),
    "network-upload": ("/networks/migrant-smuggling/documents/new", SECRETARIAT, 200),
    "document": (None, SECRETARIAT, 200),
    "documents-search": (None, SECRETARIAT, 200),
    "alerts": (None, SECRETARIAT, 200),
    "network-alerts": (None, COORDINATOR, 200),
    "alert-compose": ("/networks/migrant-smuggling/alerts/new", COORDINATOR, 200),
    "alert": (None, COORDINATOR, 200),
    "meetings": (None, SECRETARIAT, 200),
    "meeting": (None, SECRETARIAT, 200),
    "meeting-agenda": (None, SECRETARIAT, 200),
    "meeting-version": (None, SECRETARIAT, 200),
    "error-404": ("/no-such-page-here", SECRETARIAT, 404),
}

# --------------------------------------------------------------------------------------------- collection

@pytest.hookimpl(tryfirst=True)  # before the mark plugin, so that `-m "not browser"` deselects them
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test in this directory drives a browser."""
    for item in items:
        if Path(str(item.path)).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


#: App bugs the suite has found and reported but that are not fixed yet: (test function, screen) -> the bug.
#: Marked strict xfail, so the test turns red (XPASS) the day the app is fixed: then delete the entry.
KNOWN_APP_BUGS: dict[tuple[str, str], str] = {}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that takes ``screen_name`` runs once for each page in SCREENS."""
    if "screen_name" in metafunc.fixturenames:
        params = []
        for name in SCREENS:
            bug = KNOWN_APP_BUGS.get((metafunc.function.__name__, name))
            marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
            params.append(pytest.param(name, marks=marks, id=name))
        metafunc.parametrize("screen_name", params)


# --------------------------------------------------------------------------------------------- the server

@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real server on a free port, with a fresh migrated and demo-seeded database of its own
    (``tests/live_server.py``)."""
    with running_live_server(tmp_path_factory.mktemp("cmc-instance")) as server:
        yield server


@pytest.fixture(autouse=True)
def server_log_stays_clean(live_server: LiveServer) -> Iterator[None]:
    """Fail a test during which the server logged an error or a traceback (a 500 behind a friendly page,
    a route without an access rule, a crashed greenlet), showing what it logged."""
    mark = live_server.log_mark()
    yield
    problems = live_server.problems_since(mark)
    if problems:
        pytest.fail("the server logged errors during this test:\n" + problems, pytrace=False)


# --------------------------------------------------------------------------------------------- Playwright

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium (``playwright install`` must never run here)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    """Relative ``page.goto("/...")`` calls go to the live server."""
    return live_server.base_url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Desktop size unless a test says otherwise."""
    return {**browser_context_args, "viewport": DESKTOP}


# --------------------------------------------------------------------------------------------- helpers

def sign_in_through_form(page: Page, email: str, password: str = DEMO_PASSWORD, path: str = "/sign-in") -> None:
    """Open the sign-in page and submit the real form (does not check the outcome)."""
    page.goto(path)
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("main").get_by_role("button", name="Sign in").click()


@pytest.fixture(scope="session")
def submit_sign_in() -> Callable[..., None]:
    """``submit_sign_in(page, email, password, path="/sign-in")``: fill and send the form, nothing more."""
    return sign_in_through_form


@dataclass
class SecondFactor:
    """What the tests know of an account's authenticator: its secret, the last time step used (the server
    refuses a code twice), and its unused recovery codes."""

    secret: str
    last_step: int
    recovery_codes: list[str]

    def next_code(self) -> str:
        """A code the server will accept now: the current step or the next (inside its skew window) if not
        used yet, else a recovery code. Never sleeps."""
        now = int(time.time())
        totp = pyotp.TOTP(self.secret)
        for offset in (0, 1):
            step = totp.timecode(datetime.fromtimestamp(now)) + offset
            if step > self.last_step:
                self.last_step = step
                return totp.at(now, counter_offset=offset)
        assert self.recovery_codes, "no TOTP step and no recovery code left; sign in less often"
        return self.recovery_codes.pop()


def _enrol_second_factor(page: Page) -> SecondFactor:
    """On the enrolment page: read the key, confirm with a code, keep the recovery codes shown once."""
    expect(page.get_by_role("heading", name="Set up an authenticator app")).to_be_visible()
    secret = "".join(page.locator("#totp-key").inner_text().split())
    totp = pyotp.TOTP(secret)
    now = int(time.time())
    page.locator("main form").get_by_label("Code").fill(totp.at(now))
    page.get_by_role("button", name="Turn on second factor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Second factor is on")
    codes = [c.strip() for c in page.locator("#recovery-codes code").all_inner_texts()]
    assert len(codes) >= 5, codes
    return SecondFactor(secret=secret, last_step=totp.timecode(datetime.fromtimestamp(now)), recovery_codes=codes)


@pytest.fixture(scope="session")
def enrol_second_factor() -> Callable[[Page], SecondFactor]:
    """``factor = enrol_second_factor(page)`` on the enrolment page: returns what the tests must know."""
    return _enrol_second_factor


@dataclass
class EnrolledAccount:
    """A demo account after it set up its second factor at its first sign-in (mandatory for the secretariat
    and for network coordinators), and a signed-in session of it that tests may share."""

    email: str
    name: str
    second_factor: SecondFactor
    storage_state: dict[str, Any]


#: The session-scoped fixture that enrols each demo account with a mandatory second factor.
ENROLLED = {SECRETARIAT: "secretariat", COORDINATOR: "coordinator"}


def _first_sign_in_with_enrolment(browser: Browser, context_args: dict[str, Any], email: str, name: str
                                  ) -> EnrolledAccount:
    """Sign in through the form; the platform sends the account to set up its second factor first; do that
    on the real page, continue to home, and keep the session."""
    context = browser.new_context(**context_args)
    try:
        page = context.new_page()
        sign_in_through_form(page, email)
        expect(page).to_have_url(re.compile(r"/settings/security"))
        factor = _enrol_second_factor(page)
        page.get_by_role("link", name="I have saved them, continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {name}")
        return EnrolledAccount(email=email, name=name, second_factor=factor, storage_state=context.storage_state())
    finally:
        context.close()


@pytest.fixture(scope="session")
def secretariat(browser: Browser, live_server: LiveServer, browser_context_args: dict[str, Any]
                ) -> EnrolledAccount:
    """The demo secretariat, second factor set up, with a session that tests looking only at pages share."""
    return _first_sign_in_with_enrolment(browser, browser_context_args, SECRETARIAT, "Ana Secretariat")


@pytest.fixture(scope="session")
def coordinator(browser: Browser, live_server: LiveServer, browser_context_args: dict[str, Any]
                ) -> EnrolledAccount:
    """The demo coordinator of Migrant Smuggling (Bahamas), second factor set up at its first sign-in."""
    return _first_sign_in_with_enrolment(browser, browser_context_args, COORDINATOR, "Keisha Rolle")


@pytest.fixture
def sign_in(request: pytest.FixtureRequest) -> Callable[..., None]:
    """``sign_in(page, email, password=DEMO_PASSWORD)``: sign in through the form (with the authenticator
    code when the platform asks for one) and wait for home."""

    def do(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
        factor = None
        if email in ENROLLED:
            # Enrolment happens once, in its own browser, before this sign-in.
            factor = request.getfixturevalue(ENROLLED[email]).second_factor
        sign_in_through_form(page, email, password)
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_have_text(re.compile(r"^(Welcome, |Enter your code$)"))
        if heading.inner_text().strip() == "Enter your code":
            assert factor is not None, f"{email} has a second factor the tests do not know"
            page.get_by_label("Code").fill(factor.next_code())
            page.get_by_role("button", name="Continue").click()
        expect(heading).to_have_text(re.compile(r"^Welcome, "))

    return do


@pytest.fixture
def new_signed_in_context(new_context: Callable[..., BrowserContext], secretariat: EnrolledAccount
                          ) -> Callable[..., BrowserContext]:
    """``new_signed_in_context()``: a fresh context carrying the shared secretariat session."""

    def make(**kwargs: Any) -> BrowserContext:
        return new_context(storage_state=secretariat.storage_state, **kwargs)

    return make


@pytest.fixture(scope="session")
def sample_thread(live_server: LiveServer) -> int:
    """The id of a Migrant Smuggling thread with Markdown and two replies from members of two parties,
    posted through the JSON API with personal access tokens (for the screens of a thread page)."""
    tt = live_server.create_token("delegate.tt@cmc.demo", "sample thread")
    do = live_server.create_token("delegate.do@cmc.demo", "sample thread")
    created = live_server.api("POST", "/networks/migrant-smuggling/threads", token=tt, json_body={
        "title": "Boat arrivals on the southern coast: what are you seeing this month?",
        "body": "Since **early November** our coast guard reports more small boats landing at night.\n\n"
                "- Are other parties seeing the same route?\n- Which vessels, and how many people?\n\n"
                "See the [regional protocol](https://example.org/protocol) for the alert thresholds."})
    assert created.status == 201, created
    thread_id = int(created.body["id"])
    for token, body in ((do, "Yes: three landings in the east since October, mostly from the same port."),
                        (tt, "Thank you. Could you share the dates? We will compare with *our* logs.")):
        answer = live_server.api("POST", f"/threads/{thread_id}/replies", token=token, json_body={"body": body})
        assert answer.status == 201, answer
    return thread_id


@dataclass
class SampleDocument:
    """A document of Migrant Smuggling with two versions, and a word that search finds inside its PDF."""

    id: int
    search_word: str


def _api_upload(live_server: LiveServer, token: str, path: str, fields: dict[str, str], filename: str,
                content: bytes, content_type: str) -> dict[str, Any]:
    """POST a multipart upload to the JSON API (``path`` below ``/api/v1``); return the created resource."""
    answer = requests.post(live_server.url("/api/v1" + path), timeout=30, data=fields,
                           headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                           files={"file": (filename, content, content_type)})
    assert answer.status_code == 201, f"POST {path}: {answer.status_code} {answer.text[:500]}"
    return dict(answer.json())


@pytest.fixture(scope="session")
def sample_document(live_server: LiveServer) -> SampleDocument:
    """A Migrant Smuggling report uploaded by Trinidad and Tobago through the JSON API: a PDF as version 1
    and a Word file with a note as version 2, with the long file names people give their files (for the
    screens of the documents pages)."""
    token = live_server.create_token("delegate.tt@cmc.demo", "sample document")
    document = _api_upload(
        live_server, token, "/networks/migrant-smuggling/documents",
        {"title": "Regional assessment of maritime smuggling routes in the eastern Caribbean, 2026",
         "description": "Routes, vessels and landing points reported by the coast guards of six parties "
                        "between January and October. Comments are welcome before the December meeting.",
         "kind": "report", "languages": "en"},
        "CMC-regional-assessment-maritime-smuggling-routes-eastern-caribbean-2026-draft-v1.pdf",
        pdf("Landing points reported by the coast guards: Icacos, Cedros, Speyside"), "application/pdf")
    _api_upload(live_server, token, f"/documents/{document['id']}/versions", {"note": "Figures for October added"},
                "CMC-regional-assessment-maritime-smuggling-routes-eastern-caribbean-2026-final.docx",
                docx("Landing points reported by the coast guards: Icacos, Cedros, Speyside, Toco"),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    return SampleDocument(id=int(document["id"]), search_word="Speyside")


@pytest.fixture(scope="session")
def sample_alerts(live_server: LiveServer, coordinator: EnrolledAccount) -> int:
    """Alerts of Migrant Smuggling for the screens of the alerts pages, through the JSON API: a Severe alert in
    English and Spanish with an area, acknowledged by Trinidad and Tobago (so the grid mixes states), a Moderate
    exercise, and a draft a Dominican Republic delegate submitted for approval. Returns the Severe alert's id."""
    coordinator_token = live_server.create_token(COORDINATOR, "sample alerts")
    area = {"area_desc": "Gulf of Paria and the Serpent's Mouth, between Icacos Point and the Venezuelan coast",
            "geocodes": ["TT"], "circle": "10.05,-61.9 25"}
    severe = live_server.api("POST", "/networks/migrant-smuggling/alerts", token=coordinator_token, json_body={
        "status": "Actual", "ack_within_minutes": 120, "infos": [
            {"language": "en", "headline": "Two pirogues with about 60 people left Tucupita for the south coast "
                                           "of Trinidad", "event": "Suspected smuggling vessel",
             "severity": "Severe", "urgency": "Immediate", "certainty": "Likely",
             "description": "The coast guard of Trinidad and Tobago reports two wooden pirogues with outboard "
                            "engines, about 30 people each, seen leaving the Orinoco delta at 21:00.",
             "instruction": "Alert coast guard and immigration posts on the south coast; refer people in need "
                            "of protection to UNHCR and IOM.", **area},
            {"language": "es", "headline": "Dos peñeros con unas 60 personas salieron de Tucupita hacia la costa "
                                           "sur de Trinidad", "event": "Embarcación sospechosa de tráfico",
             "severity": "Severe", "urgency": "Immediate", "certainty": "Likely", **area}]})
    assert severe.status == 201, severe
    exercise = live_server.api("POST", "/networks/migrant-smuggling/alerts", token=coordinator_token, json_body={
        "status": "Exercise", "infos": [{"headline": "Exercise: document fraud pattern at Punta Cana airport",
                                         "event": "Document fraud pattern", "severity": "Moderate"}]})
    assert exercise.status == 201, exercise
    tt = live_server.create_token("delegate.tt@cmc.demo", "sample alerts")
    acked = live_server.api("POST", f"/alerts/{severe.body['id']}/ack", token=tt)
    assert acked.status == 200, acked
    do = live_server.create_token("delegate.do@cmc.demo", "sample alerts")
    draft = live_server.api("POST", "/networks/migrant-smuggling/alerts", token=do, json_body={
        "submit": True, "infos": [{"headline": "Route change: boats now land east of Samaná at dawn",
                                   "event": "Route change", "severity": "Moderate"}]})
    assert draft.status == 201 and draft.body["state"] == "submitted", draft
    return int(severe.body["id"])


@pytest.fixture(scope="session")
def sample_meeting(browser: Browser, browser_context_args: dict[str, Any], secretariat: EnrolledAccount,
                   live_server: LiveServer) -> int:
    """A two-day plenary meeting for the screens of the meeting pages: planned by the secretariat through the
    "Plan a meeting" form (the API does not create meetings), its agenda added through the JSON API and
    published twice (version 2 adds an item), and the delegation of Jamaica registered by its focal point.
    Returns the meeting's id."""
    context = browser.new_context(**browser_context_args, storage_state=secretariat.storage_state)
    try:
        page = context.new_page()
        page.goto("/meetings/new")
        page.get_by_label("Title", exact=True).fill(
            "Twentieth Annual Meeting of the Caribbean Migration Consultations: protection at sea and regular "
            "pathways")
        page.get_by_label("First day").fill("2036-11-17")
        page.get_by_label("Last day").fill("2036-11-18")
        page.get_by_label("Venue").fill("Hyatt Regency Trinidad, Queen's Park Ballroom")
        page.get_by_label("City").fill("Port of Spain")
        page.get_by_label("Host party").select_option(label="Trinidad and Tobago")
        page.get_by_label("Description").fill("Two days on protection at sea, regular pathways and the "
                                              "regional plan of action.")
        page.get_by_role("button", name="Save meeting").click()
        expect(page).to_have_url(re.compile(r"/meetings/\d+$"))
        meeting_id = int(page.url.rsplit("/", 1)[1])
    finally:
        context.close()
    token = live_server.create_token(SECRETARIAT, "sample meeting")
    revision = 0
    items = [
        ("2036-11-17", "09:00", "09:30", "opening", "Opening of the meeting and adoption of the agenda",
         "Chair (Trinidad and Tobago)", ""),
        ("2036-11-17", "09:30", "11:00", "panel", "Protection at sea: disembarkation, screening and referral",
         "Bahamas, Dominican Republic, UNHCR", "Each panellist speaks for ten minutes; questions follow."),
        ("2036-11-17", "11:00", "11:30", "break", "Coffee break", "", ""),
        ("2036-11-18", "09:00", "12:00", "session", "Regular pathways and labour mobility in the region",
         "Jamaica, IOM", ""),
    ]
    for day, start, end, kind, title, presenters, description in items:
        added = live_server.api("POST", f"/meetings/{meeting_id}/items", token=token, json_body={
            "day": day, "start_time": start, "end_time": end, "kind": kind, "title": title,
            "presenters": presenters, "description": description, "revision": revision})
        assert added.status == 201, added
        revision = int(added.body["agenda_revision"])
    published = live_server.api("POST", f"/meetings/{meeting_id}/publish", token=token,
                                json_body={"revision": revision})
    assert published.status == 201, published
    added = live_server.api("POST", f"/meetings/{meeting_id}/items", token=token, json_body={
        "day": "2036-11-18", "start_time": "12:00", "end_time": "12:30", "kind": "closing",
        "title": "Closing: conclusions of the chair and venue of the next meeting", "revision": revision})
    assert added.status == 201, added
    published = live_server.api("POST", f"/meetings/{meeting_id}/publish", token=token,
                                json_body={"revision": int(added.body["agenda_revision"])})
    assert published.status == 201, published
    focal = live_server.create_token("focal.jm@cmc.demo", "sample meeting")
    registered = live_server.api("POST", f"/meetings/{meeting_id}/registrations", token=focal, json_body={
        "members": [{"name": "Marcus Campbell", "role": "head"}, {"name": "Simone Clarke", "role": "delegate"}]})
    assert registered.status == 201, registered
    return meeting_id


def _screen_path(name: str, page: Page, request: pytest.FixtureRequest) -> str:
    """The path of a screen whose address the data decides (SCREENS has None for it)."""
    if name == "admin-party-edit":  # the edit page of Jamaica, whose id the seed decides
        page.goto("/admin/parties")
        row = page.get_by_role("row").filter(has=page.get_by_role("cell", name="JM", exact=True))
        path = row.get_by_role("link", name=re.compile(r"^Edit")).get_attribute("href")
        assert path, "no Edit link for Jamaica on /admin/parties"
        return path
    if name == "network-thread":
        return f"/threads/{request.getfixturevalue('sample_thread')}"
    if name in ("network-documents", "document", "documents-search"):
        document: SampleDocument = request.getfixturevalue("sample_document")
        return {"network-documents": "/networks/migrant-smuggling/documents",
                "document": f"/documents/{document.id}",
                "documents-search": f"/documents?q={document.search_word}"}[name]
    if name in ("alerts", "network-alerts", "alert"):
        alert_id: int = request.getfixturevalue("sample_alerts")
        return {"alerts": "/alerts", "network-alerts": "/networks/migrant-smuggling/alerts",
                "alert": f"/alerts/{alert_id}"}[name]
    if name in ("meetings", "meeting", "meeting-agenda", "meeting-version"):
        meeting_id: int = request.getfixturevalue("sample_meeting")
        return {"meetings": "/meetings", "meeting": f"/meetings/{meeting_id}",
                "meeting-agenda": f"/meetings/{meeting_id}/agenda",
                "meeting-version": f"/meetings/{meeting_id}/agenda/2"}[name]
    raise AssertionError(f"SCREENS[{name!r}] has no path and no rule to find one")


@pytest.fixture
def open_screen(new_context: Callable[..., BrowserContext], new_signed_in_context: Callable[..., BrowserContext],
                request: pytest.FixtureRequest) -> Callable[..., Page]:
    """``open_screen(name, viewport={"width": .., "height": ..})``: a page on one of SCREENS, with the right
    person signed in, loaded, with the live connection up on signed-in pages."""

    def do(name: str, viewport: dict[str, int] | None = None) -> Page:
        path, who, status = SCREENS[name]
        if who == COORDINATOR:
            context = new_context(storage_state=request.getfixturevalue("coordinator").storage_state)
        else:
            context = new_signed_in_context() if who else new_context()
        page = context.new_page()
        page.set_viewport_size(viewport or DESKTOP)
        if path is None:
            path = _screen_path(name, page, request)
        response = page.goto(path)
        assert response is not None
        assert response.status == status, f"{name}: GET {path} answered {response.status}, expected {status}"
        if who:
            expect(page.locator("#live-status")).to_have_attribute("data-state", "online", timeout=10_000)
        return page

    return do


@dataclass
class PageProblems:
    """Console errors and uncaught exceptions of a page."""

    errors: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> PageProblems:
        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                location = message.location or {}
                self.errors.append(f"console error: {message.text} ({location.get('url', '')})")

        def on_page_error(error: Error) -> None:
            self.errors.append(f"page error: {error.message}")

        page.on("console", on_console)
        page.on("pageerror", on_page_error)
        return self


@pytest.fixture
def watch_console() -> Callable[[Page], PageProblems]:
    """``problems = watch_console(page)`` before navigating; ``problems.errors`` afterwards."""
    return lambda page: PageProblems().attach(page)


@pytest.fixture
def unique_email() -> Callable[[str], str]:
    """``unique_email("invitee")`` -> a never-used address, so tests can run in any order, and again."""
    return lambda stem: f"{stem}.{uuid.uuid4().hex[:10]}@example.org"


def format_violations(violations: list[dict[str, Any]]) -> str:
    """axe violations as readable lines: rule, impact, help, and the offending nodes."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"][:8]:
            lines.append(f"    {json.dumps(node['target'])}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The vendored axe-core source."""
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def axe_check(axe_source: str) -> Callable[[Page], list[str]]:
    """``axe_check(page)``: run axe-core on the page as it is now; return its serious and critical
    violations (empty when none), each formatted for an assertion message. axe is injected with
    ``page.evaluate`` because the strict CSP blocks ``add_script_tag``."""

    def check(page: Page) -> list[str]:
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(axe_source)
        result = page.evaluate(
            "async () => { const r = await axe.run(document);"
            " return {violations: r.violations, passes: r.passes.length}; }"
        )
        assert result["passes"] > 10, f"axe checked almost nothing on {page.url}: {result['passes']} rules passed"
        bad = [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]
        return [format_violations([v]) for v in bad]

    return check
