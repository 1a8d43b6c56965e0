"""The languages issue, done when: a delegate whose language is French, in a browser that asks for English, walks
home, a network workspace, an alert that arrives live as a toast, the alert's page, a meeting and settings, and
reads French everywhere the platform speaks (navigation, headings, buttons, labels, badges, hints, the toast,
dates), with no English left from a list of common English words.

The expected French comes from the French catalogue itself (``fr(msgid)``), so the test checks that the page
says what the translator wrote, not a copy of it here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest
from babel.dates import format_date
from babel.messages.pofile import read_po
from playwright.sync_api import BrowserContext, Page, expect

from cmc.i18n import timefmt
from tests.browser.conftest import COORDINATOR, sign_in_through_form
from tests.live_server import ROOT, LiveServer

SLUG = "migrant-smuggling"
PASSWORD = "coral reef watch 2026"
LIVE_WAIT_MS = 5_000

#: Words of the interface in English that must not be left on a French page (none is also a French word: not
#: "zone", which French uses too, as in "Description de la zone").
ENGLISH = {"the", "and", "your", "you", "with", "from", "this", "not", "yet", "Sign", "Settings", "Home",
           "Networks", "Alerts", "Meetings", "Acknowledge", "Acknowledged", "Open", "Save", "Published", "Members",
           "Threads", "Search", "Upload", "Delegate", "Network", "Alert", "Meeting", "Welcome", "What", "needs",
           "New", "Edit", "Delete", "Live", "Connecting", "Offline", "Severe", "Immediate", "Likely", "Party",
           "Language", "Password", "Change", "Profile", "Time", "Draft", "Version", "due", "Back",
           "Filter", "All", "Apply", "Register", "Title", "Name", "Email", "Today", "Skip", "main", "content"}
#: Where the platform speaks, as opposed to what people wrote (titles, names, messages).
CHROME = ("header nav, footer, main button, main label, main th, main .badge, main .form-text, "
          "main .breadcrumb-item:not(.active), main h2, main .alert, .alert-toast, main legend, main .nav-tabs")


@cache
def _catalogue() -> dict[str, str]:
    path = ROOT / "platform" / "cmc" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return {m.id: m.string for m in read_po(handle)
                if isinstance(m.id, str) and m.id and not m.context}


def fr(msgid: str, **values: Any) -> str:
    """The French the catalogue gives for an English message, with its placeholders filled."""
    text = _catalogue()[msgid]
    return text % values if values else text


def english_leftovers(page: Page) -> dict[str, set[str]]:
    """Each text of the platform's own parts of the page that holds common English words, with those words."""
    found = {}
    # What people wrote inside the platform's parts (a roll call's title in the banner) carries its own language
    # (``lang``): it is content, not interface, and is left out.
    texts = page.locator(CHROME).evaluate_all(
        """elements => elements.map(element => { const copy = element.cloneNode(true);
             copy.querySelectorAll('[lang]:not([lang^="fr"])').forEach(node => node.remove());
             return copy.textContent; })""")
    for text in texts:
        words = set(re.findall(r"[A-Za-z]+", text)) & ENGLISH
        if words:
            found[text.strip()[:80]] = words
    return found


def _walk_check(page: Page, what: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    leftovers = english_leftovers(page)
    assert not leftovers, f"English left on {what} ({page.url}): {leftovers}"


@pytest.fixture
def french_delegate(live_server: LiveServer, coordinator: Any) -> str:
    """A fresh delegate of Haiti, in French, member of Migrant Smuggling (added by its coordinator)."""
    token = live_server.create_token(COORDINATOR, "french walk")
    tag = uuid.uuid4().hex[:8]
    email = f"walk.{tag}@gouv.ht"
    out = live_server.cmc("accounts", "create", "--email", email, "--name", f"Marie-Claire Joseph {tag}",
                          "--party", "HT", "--role", "delegate", "--language", "fr", "--password-stdin",
                          input_text=PASSWORD + "\n").stdout
    match = re.search(r"Created account (\d+)", out)
    assert match, out
    added = live_server.api("POST", f"/networks/{SLUG}/members", token=token,
                            json_body={"account_id": int(match.group(1)), "role": "member"})
    assert added.status == 201, added
    return email


def test_a_french_delegate_reads_french_everywhere(
    live_server: LiveServer, coordinator: Any, french_delegate: str, sample_meeting: int,
    new_context: Callable[..., BrowserContext], watch_console: Callable[[Page], Any],
) -> None:
    # A browser that asks for English, in Haiti's time zone: the account's language wins.
    page = new_context(locale="en-US", timezone_id="America/Port-au-Prince").new_page()
    problems = watch_console(page)
    sign_in_through_form(page, french_delegate, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^" + re.escape(fr("Welcome, %(name)s",
                                                                                          name="Marie-Claire"))))
    _walk_check(page, "home")
    nav = page.get_by_role("navigation", name=fr("Main"))
    expect(nav.get_by_role("link", name=fr("Networks"))).to_be_visible()

    # A workspace.
    page.goto(f"/networks/{SLUG}")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "online", timeout=10_000)
    expect(page.locator("#live-status")).to_have_attribute("title", re.compile(re.escape(fr("Live"))))
    _walk_check(page, "the workspace")

    # An alert arrives live, as a French toast.
    token = live_server.create_token(COORDINATOR, "french walk alert")
    headline = f"Deux embarcations signalées au large du Cap-Haïtien ({uuid.uuid4().hex[:6]})"
    answer = live_server.api("POST", f"/networks/{SLUG}/alerts", token=token, json_body={
        "status": "Actual", "infos": [{"language": "fr", "headline": headline, "event": "Embarcation suspecte",
                                       "severity": "Severe", "urgency": "Immediate", "certainty": "Likely"}]})
    assert answer.status == 201, answer
    toast = page.locator(f'.alert-toast[data-alert-id="{answer.body["id"]}"]')
    expect(toast).to_be_visible(timeout=LIVE_WAIT_MS)
    expect(toast.locator(".severity-badge")).to_have_text(re.compile(re.escape(fr("Severe")) + "$"))
    expect(toast.get_by_role("button", name=fr("Acknowledge"))).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text(fr("%(severity)s alert: %(headline)s", severity=fr("Severe"),
                                                      headline=headline))
    _walk_check(page, "the workspace with a toast")

    # The alert's page, opened from the toast; its date in French, in the reader's zone.
    toast.get_by_role("link", name=fr("Open")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(headline)
    # The month in the reader's zone (UTC-4 or -5), not UTC's: just after midnight UTC it is still yesterday there.
    months = {format_date(datetime.now(UTC) - timedelta(hours=hours), "MMM", locale="fr") for hours in (4, 5)}
    month = "|".join(re.escape(m) for m in sorted(months))
    expect(page.locator("main")).to_contain_text(re.compile(rf"\b(?:{month})\s.*UTC\u2212[45]\b"))
    _walk_check(page, "the alert")

    # A meeting, and settings.
    page.goto(f"/meetings/{sample_meeting}")
    expect(page.locator("main")).to_contain_text(format_date(datetime(2036, 11, 17), "full", locale="fr"))
    _walk_check(page, "a meeting")
    page.goto("/settings/")
    expect(page.get_by_role("heading", level=1)).to_have_text(fr("Settings"))
    expect(page.get_by_label(fr("Interface language"))).to_have_value("fr")
    _walk_check(page, "settings")

    # Scripts write a time exactly as the server's one helper does, in the zone the browser gave at sign-in.
    expect(page.locator("html")).to_have_attribute("data-timezone", "America/Port-au-Prince")
    for iso in ("2026-11-30T13:05:00+00:00", "2026-07-01T04:30:00+00:00", "2026-03-08T06:59:00+00:00"):
        written = page.evaluate("iso => window.CMC.showTime(iso)", iso)
        assert written == timefmt.show(datetime.fromisoformat(iso), zone="America/Port-au-Prince", locale="fr")
    assert not problems.errors, problems.errors
