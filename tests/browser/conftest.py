"""Browser tests: the real server (``cmc serve``, gevent + websockets) in a subprocess, driven by Debian's
Chromium through Playwright.

The in-process fixtures of ``tests/conftest.py`` are not used here: these tests see the platform exactly as a
person does, through ``cmc db upgrade``, ``cmc seed --demo`` and ``cmc serve`` on an instance folder of their
own. One server serves the whole session; tests that need their own account invite one (or call
``live_server.cmc("accounts", "create", ...)``), so they do not depend on each other's order.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page, expect

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
AXE_JS = ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"

DEMO_PASSWORD = "caribbean-demo-2026"
SECRETARIAT = "secretariat@cmc.demo"

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
#: A path of None is found at run time (the edit page of Jamaica, whose id the seed decides).
SCREENS: dict[str, tuple[str | None, str | None, int]] = {
    "sign-in": ("/sign-in", None, 200),
    "home": ("/", SECRETARIAT, 200),
    "settings": ("/settings/", SECRETARIAT, 200),
    "settings-security": ("/settings/security", SECRETARIAT, 200),
    "settings-sessions": ("/settings/sessions", SECRETARIAT, 200),
    "settings-tokens": ("/settings/tokens", SECRETARIAT, 200),
    "admin-accounts": ("/admin/accounts", SECRETARIAT, 200),
    "admin-invite": ("/admin/accounts/invite", SECRETARIAT, 200),
    "admin-parties": ("/admin/parties", SECRETARIAT, 200),
    "admin-party-edit": (None, SECRETARIAT, 200),
    "error-404": ("/no-such-page-here", SECRETARIAT, 404),
}

SERVER_START_TIMEOUT = 20.0


# --------------------------------------------------------------------------------------------- collection

@pytest.hookimpl(tryfirst=True)  # before the mark plugin, so that `-m "not browser"` deselects them
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test in this directory drives a browser."""
    for item in items:
        if Path(str(item.path)).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that takes ``screen_name`` runs once for each page in SCREENS."""
    if "screen_name" in metafunc.fixturenames:
        metafunc.parametrize("screen_name", list(SCREENS))


# --------------------------------------------------------------------------------------------- the server

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cmc_executable() -> str:
    beside_python = Path(sys.executable).parent / "cmc"
    if beside_python.exists():
        return str(beside_python)
    return str(ROOT / ".venv" / "bin" / "cmc")


@dataclass
class LiveServer:
    """The running ``cmc serve``: where it answers, its instance folder, and its environment."""

    base_url: str
    instance_path: Path
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def url(self, path: str) -> str:
        return self.base_url + path

    def cmc(self, *args: str, input_text: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run ``cmc ARGS`` against the same instance (database) as the server; raise if it fails."""
        result = subprocess.run([_cmc_executable(), *args], env=self.env, cwd=ROOT, input=input_text,
                                capture_output=True, text=True, timeout=60, check=False)
        if result.returncode != 0:
            raise AssertionError(f"cmc {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result

    def output(self) -> str:
        """What the server has printed so far (stdout and stderr)."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


def _wait_healthy(server: LiveServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    assert server.process is not None
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"cmc serve exited with status {server.process.returncode} before answering.\n"
                               f"--- server output ---\n{server.output()}")
        try:
            with urllib.request.urlopen(server.url("/healthz"), timeout=2) as response:
                if response.status == 200:
                    return
                last_error = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last_error = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            last_error = str(exc)
        time.sleep(0.1)
    raise RuntimeError(f"cmc serve did not answer 200 on /healthz within {timeout:.0f} s (last: {last_error}).\n"
                       f"--- server output ---\n{server.output()}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real server on a free port, with a fresh migrated and demo-seeded database of its own."""
    instance = tmp_path_factory.mktemp("cmc-instance")
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CMC_")}  # hermetic: no stray settings
    env.update({
        "CMC_INSTANCE_PATH": str(instance),
        "CMC_SECRET_KEY": secrets.token_urlsafe(36),  # 48 characters
        "CMC_BASE_URL": base_url,
        "PYTHONUNBUFFERED": "1",
    })
    server = LiveServer(base_url=base_url, instance_path=instance, env=env, log_path=instance / "serve.log")
    server.cmc("db", "upgrade")
    server.cmc("seed", "--demo")

    with open(server.log_path, "wb") as log:
        server.process = subprocess.Popen(
            [_cmc_executable(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(server, SERVER_START_TIMEOUT)
        yield server
    finally:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


@pytest.fixture(autouse=True)
def server_log_stays_clean(live_server: LiveServer) -> Iterator[None]:
    """Fail a test during which the server logged an error or a traceback (a 500 behind a friendly page,
    a route without an access rule, a crashed greenlet), showing what it logged."""
    start = live_server.log_path.stat().st_size if live_server.log_path.exists() else 0
    yield
    with open(live_server.log_path, "rb") as log:
        log.seek(start)
        new = log.read().decode(errors="replace")
    bad = [line for line in new.splitlines() if re.search(r" (ERROR|CRITICAL) |^Traceback ", line)]
    if bad:
        pytest.fail("the server logged errors during this test:\n" + new[-4000:], pytrace=False)


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
class Secretariat:
    """The demo secretariat after it set up its second factor (mandatory for the role), and a signed-in
    session of it that tests looking only at pages share."""

    email: str
    name: str
    second_factor: SecondFactor
    storage_state: dict[str, Any]


@pytest.fixture(scope="session")
def secretariat(browser: Browser, live_server: LiveServer, browser_context_args: dict[str, Any]) -> Secretariat:
    """Sign the demo secretariat in through the form; the platform sends it to set up its second factor
    first; do that, continue to home, and keep the session."""
    context = browser.new_context(**browser_context_args)
    try:
        page = context.new_page()
        sign_in_through_form(page, SECRETARIAT)
        expect(page).to_have_url(re.compile(r"/settings/security"))
        factor = _enrol_second_factor(page)
        page.get_by_role("link", name="I have saved them, continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Ana Secretariat")
        return Secretariat(email=SECRETARIAT, name="Ana Secretariat", second_factor=factor,
                           storage_state=context.storage_state())
    finally:
        context.close()


@pytest.fixture
def sign_in(request: pytest.FixtureRequest) -> Callable[..., None]:
    """``sign_in(page, email, password=DEMO_PASSWORD)``: sign in through the form (with the authenticator
    code when the platform asks for one) and wait for home."""

    def do(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
        factor = None
        if email == SECRETARIAT:
            # Enrolment happens once, in its own browser, before this sign-in.
            factor = request.getfixturevalue("secretariat").second_factor
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
def new_signed_in_context(new_context: Callable[..., BrowserContext], secretariat: Secretariat
                          ) -> Callable[..., BrowserContext]:
    """``new_signed_in_context()``: a fresh context carrying the shared secretariat session."""

    def make(**kwargs: Any) -> BrowserContext:
        return new_context(storage_state=secretariat.storage_state, **kwargs)

    return make


@pytest.fixture
def open_screen(new_context: Callable[..., BrowserContext], new_signed_in_context: Callable[..., BrowserContext]
                ) -> Callable[..., Page]:
    """``open_screen(name, viewport={"width": .., "height": ..})``: a page on one of SCREENS, with the right
    person signed in, loaded, with the live connection up on signed-in pages."""

    def do(name: str, viewport: dict[str, int] | None = None) -> Page:
        path, who, status = SCREENS[name]
        context = new_signed_in_context() if who else new_context()
        page = context.new_page()
        page.set_viewport_size(viewport or DESKTOP)
        if path is None:  # the edit page of Jamaica
            page.goto("/admin/parties")
            row = page.get_by_role("row").filter(has=page.get_by_role("cell", name="JM", exact=True))
            path = row.get_by_role("link", name=re.compile(r"^Edit")).get_attribute("href")
            assert path, "no Edit link for Jamaica on /admin/parties"
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
