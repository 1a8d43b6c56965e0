"""Issue 19, done when: the secretariat starts a roll call from a hurricane alert for five parties; three answer
from their own browser contexts (one on a 390 px phone view); the board updates live to "3 of 5", the totals add
up, the two missing parties are at the top; a reminder is sent; closing produces the PDF and CSV, checked by
reading them.

On a network of its own, made by the secretariat through the "New network" form, with exactly five member
parties: Jamaica, Trinidad and Tobago, Haiti, Barbados and the Bahamas. The hurricane alert is published through
the JSON API by the secretariat; everything after is done on the pages: the alert page's "Start a roll call"
link, the start form (all five parties ticked by default), the board (kept open, never reloaded, while the
answers arrive), the banner that tells each delegate at once that a roll call waits for their party, the answer
form (Jamaica's on a phone), "Remind all not yet answered", and closing in the organiser's panel. The PDF and
the CSV are taken through the panel's links with the secretariat's browser session and read back (pypdf, csv).
Screenshots of the board and of the answer page at 1280 and 390 px go to ``/tmp/shots-bt/``; axe finds no
serious or critical violation on them.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import BrowserContext, Page, expect
from pypdf import PdfReader

from tests.browser.test_alert_grid_live import PASSWORD, _account
from tests.browser.test_handling_journey import _no_axe_problems, _shoot
from tests.live_server import LiveServer

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SECRETARIAT = "secretariat@cmc.demo"
PARTIES = ["BS", "BB", "HT", "JM", "TT"]  # the five member parties, Bahamas and Barbados left unanswered
LIVE_WAIT_MS = 10_000
KEEP_JS = "() => { window.__sameDocument = 'kept'; }"
KEPT_JS = "() => window.__sameDocument === 'kept'"


@pytest.fixture
def hurricane_network(live_server: LiveServer, new_context: Callable[..., BrowserContext], secretariat: Any
                      ) -> dict[str, Any]:
    """The network (the five parties, alerts on), a fresh delegate of each party made a member, and the
    secretariat's token."""
    tag = uuid.uuid4().hex[:6]
    slug = f"hurricane-watch-{tag}"
    page = new_context(storage_state=secretariat.storage_state).new_page()
    page.goto("/networks/new")
    page.locator("#name").fill(f"Hurricane watch {tag}")
    page.get_by_label("Web address").fill(slug)
    page.locator("#alerts_enabled").check()
    page.get_by_label("Participating parties").select_option(PARTIES)
    page.get_by_role("button", name="Save network").click()
    expect(page).to_have_url(re.compile(rf"/networks/{slug}$"))
    page.context.close()
    admin = live_server.create_token(SECRETARIAT, "roll call journey")
    emails: dict[str, str] = {}
    for code in PARTIES:
        account_id, email, _name = _account(live_server, code)
        emails[code] = email
        added = live_server.api("POST", f"/networks/{slug}/members", token=admin,
                                json_body={"account_id": account_id, "role": "member"})
        assert added.status == 201, added
    return {"slug": slug, "tag": tag, "emails": emails, "token": admin}


def _publish_hurricane(live_server: LiveServer, network: dict[str, Any]) -> tuple[int, str]:
    """The secretariat publishes the hurricane alert through the JSON API; returns its id and headline."""
    headline = f"Hurricane Lena, category 4, crosses Jamaica and Haiti overnight ({network['tag']})"
    published = live_server.api("POST", f"/networks/{network['slug']}/alerts", token=network["token"], json_body={
        "status": "Actual", "infos": [{
            "language": "en", "headline": headline, "event": "Hurricane", "severity": "Extreme",
            "urgency": "Immediate", "certainty": "Observed",
            "description": "Landfall on the south coast of Jamaica at 02:00; storm surge of three metres.",
            "area_desc": "Jamaica and the southern peninsula of Haiti", "geocodes": ["JM", "HT"]}]})
    assert published.status == 201, published
    return int(published.body["id"]), headline


def _start_from_alert(board: Page, alert_id: int, title: str) -> int:
    """On the alert's page the secretariat follows "Start a roll call", keeps the five parties ticked, sets a
    deadline three hours ahead in its own zone and starts; returns the roll call's id (the board is open)."""
    board.goto(f"/alerts/{alert_id}")
    board.locator(".rollcall-alert-link").get_by_role("link", name="Start a roll call").click()
    expect(board.get_by_role("heading", level=1)).to_have_text("Start a roll call")
    expect(board.get_by_text(f"alert {alert_id}", exact=True)).to_be_visible()
    boxes = board.locator("input[name=parties]")
    expect(boxes).to_have_count(5)
    for code in PARTIES:
        expect(board.locator(f"input[name=parties][value={code}]")).to_be_checked()
    zone = re.search(r"In your time zone \(([^)]+)\)", board.locator("main").inner_text())
    assert zone, "the deadline's hint names no time zone"
    deadline = datetime.now(UTC).astimezone(ZoneInfo(zone.group(1))) + timedelta(hours=3)
    board.get_by_label("Title", exact=True).fill(title)
    board.get_by_label("Deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    board.get_by_role("button", name="Start the roll call").click()
    expect(board).to_have_url(re.compile(r"/rollcalls/\d+$"))
    expect(board.get_by_text("The roll call is started: the parties asked are told now.")).to_be_visible()
    expect(board.get_by_role("heading", level=1)).to_have_text(title)
    expect(board.get_by_role("link", name="started from an alert")).to_have_attribute("href", f"/alerts/{alert_id}")
    return int(board.url.rsplit("/", 1)[1])


def _answer(page: Page, title: str, status: str, figures: dict[str, tuple[str, str]], needs: list[str]) -> None:
    """From the banner that appeared live on the delegate's page, open the answer page and send the answer."""
    waiting = page.locator(".rollcall-waiting").get_by_role("link", name=re.compile(re.escape(title)))
    expect(waiting).to_be_visible(timeout=LIVE_WAIT_MS)
    waiting.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.get_by_label(status, exact=True).check()
    for key, (number, quality) in figures.items():
        group = page.locator(f"#{key}-group")
        group.get_by_label("Number of people").fill(number)
        group.get_by_label(quality, exact=True).check()
    for need in needs:
        page.get_by_label(need, exact=True).check()
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_text("Your party's answer is saved (revision 1).")).to_be_visible()
    expect(page.locator(".answer-current")).to_contain_text(status)


def _answered(board: Page, count: int) -> None:
    """The board, never reloaded, reads "count of 5" and lists the parties still missing first."""
    expect(board.locator("#board-answered")).to_have_text(f"{count} of 5", timeout=LIVE_WAIT_MS)
    expect(board.locator("#board-missing tbody tr")).to_have_count(5 - count)
    expect(board.locator("#board-answers tbody tr")).to_have_count(count)


def _check_board(board: Page) -> None:
    """After three answers: the counts, the totals (estimated apart from confirmed), the two missing first."""
    expect(board.locator("#board-affected")).to_have_text("2")
    expect(board.locator("#board-assistance")).to_have_text("1")
    displaced = board.locator("#board-totals tr[data-total=displaced]")
    expect(displaced.locator("[data-quality=estimate]")).to_have_text("1,200")
    expect(displaced.locator("[data-quality=confirmed]")).to_have_text("300")
    departed = board.locator("#board-totals tr[data-total=departed]")
    expect(departed.locator("[data-quality=estimate]")).to_have_text("20")
    expect(departed.locator("[data-quality=confirmed]")).to_have_text("0")
    expect(board.locator("#board-needs [data-need=shelter]")).to_have_text("Shelter: 1")
    missing = board.locator("#board-missing tbody tr")
    assert [missing.nth(i).get_attribute("data-party") for i in range(2)] == ["BS", "BB"]
    answers = board.locator("#board-answers tbody tr")
    assert sorted(answers.nth(i).get_attribute("data-status") or "" for i in range(3)) == [
        "affected_coping", "assistance_needed", "not_affected"]
    missing_box, answers_box = board.locator("#board-missing").bounding_box(), board.locator(
        "#board-answers").bounding_box()
    assert missing_box and answers_box and missing_box["y"] < answers_box["y"], "the missing parties are not on top"
    assert board.evaluate(KEPT_JS), "the board reloaded instead of updating live"


def _remind(live_server: LiveServer, board: Page, roll_call_id: int, token: str) -> None:
    """"Remind all not yet answered" reminds the Bahamas and Barbados, never a party that answered."""
    board.locator("#board-missing").get_by_role("button", name="Remind all not yet answered").click()
    expect(board.get_by_text(re.compile(r"^Reminder sent to \d+ (person|people), for (BS, BB|BB, BS)\.$"))
           ).to_be_visible()
    for code in ("BS", "BB"):
        expect(board.locator(f"#board-missing tr[data-party={code}] td[data-label='Last reminded']")
               ).not_to_have_text("Never")
    picture = live_server.api("GET", f"/rollcalls/{roll_call_id}/board", token=token)
    assert picture.status == 200, picture
    reminded = {p["code"]: p["last_reminded_at"] is not None for p in picture.body["parties"]}
    assert reminded == {"BS": True, "BB": True, "JM": False, "TT": False, "HT": False}, reminded
    again = live_server.api("POST", f"/rollcalls/{roll_call_id}/remind", token=token, json_body={"parties": ["JM"]})
    assert again.status == 409, again  # Jamaica answered: not reminded


def _close(board: Page) -> tuple[str, str]:
    """Close the roll call in the organiser's panel (the box first); returns the PDF and CSV links."""
    panel = board.locator("#after")
    panel.locator("#after-close summary").click()
    panel.get_by_label(re.compile(r"^I understand: closing freezes the answers")).check()
    panel.locator("#after-close").get_by_role("button", name="Close the roll call").click()
    expect(board.get_by_text("The roll call is closed: its answers are frozen. The report and the CSV are final.")
           ).to_be_visible()
    expect(board.locator("#board-state")).to_have_text("Closed")
    expect(board.locator("#board-missing").get_by_role("button")).to_have_count(0)
    pdf_href = board.locator("#after").get_by_role("link", name="Situation report (PDF)").get_attribute("href")
    csv_href = board.locator("#after").get_by_role("link", name="Answers (CSV)").get_attribute("href")
    assert pdf_href and csv_href
    return pdf_href, csv_href


def _read_pdf(board: Page, href: str, title: str) -> None:
    response = board.request.get(href)
    assert response.status == 200, response.text()[:500]
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    text = " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())
    for expected in (title, "Final report", "3 of 5", "Hurricane Lena, category 4", "Parties not answered",
                     "Bahamas", "Barbados"):
        assert expected in text, f"{expected!r} not in the PDF: {text[:3000]}"
    # The displaced row: estimated 1,200, confirmed 300, all 1,500; the departed: 20, 0, 20.
    assert re.search(r"People displaced 1,200 300 1,500", text), text[:3000]
    assert re.search(r"People who left by sea 20 0 20", text), text[:3000]


def _read_csv(board: Page, href: str, title: str) -> None:
    response = board.request.get(href)
    assert response.status == 200, response.text()[:500]
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text())))
    assert rows[0][0] == "Handling", rows[:3]
    assert ["Roll call", title] in rows, rows[:8]
    assert any(row[:2] == ["State", "closed"] for row in rows), rows[:8]
    start = next(i for i, row in enumerate(rows) if row and row[0] == "Party code")
    header, body = rows[start], [row for row in rows[start + 1:] if row]
    lines = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    assert sorted(lines) == sorted(PARTIES), body
    expected = {
        "JM": {"Status (code)": "assistance_needed", "People displaced": "1200", "Displaced: quality": "estimate",
               "People who left by sea": "", "Main needs (codes)": "shelter;medical"},
        "TT": {"Status (code)": "affected_coping", "People displaced": "300", "Displaced: quality": "confirmed",
               "People who left by sea": "20", "Departed: quality": "estimate", "Main needs (codes)": "protection"},
        "HT": {"Status (code)": "not_affected", "People displaced": "", "Main needs (codes)": ""},
        "BS": {"Status (code)": "no_answer", "People displaced": "", "Answered by": ""},
        "BB": {"Status (code)": "no_answer", "People displaced": "", "Answered by": ""},
    }
    for code, values in expected.items():
        got = {key: lines[code][key] for key in values}
        assert got == values, f"{code}: {got}"
    for code in ("JM", "TT", "HT"):
        assert lines[code]["Revision"] == "1" and lines[code]["Answered by"], lines[code]


def test_roll_call_from_hurricane_alert_answered_live_reminded_closed_and_exported(
        live_server: LiveServer, hurricane_network: dict[str, Any], new_context: Callable[..., BrowserContext],
        secretariat: Any, sign_in: Callable[..., None], axe_check: Callable[[Page], list[str]],
        watch_console: Callable[[Page], Any]) -> None:
    emails = hurricane_network["emails"]
    alert_id, _headline = _publish_hurricane(live_server, hurricane_network)
    title = f"Hurricane Lena: how do you stand? ({hurricane_network['tag']})"

    # The three delegates are signed in (Jamaica's on a phone) before the roll call starts: it reaches them live.
    delegates: dict[str, Page] = {}
    for code, viewport in (("JM", PHONE), ("TT", DESKTOP), ("HT", DESKTOP)):
        extra = {"is_mobile": True, "has_touch": True} if viewport is PHONE else {}
        page = new_context(**extra).new_page()
        page.set_viewport_size(viewport)
        sign_in(page, emails[code], PASSWORD)
        expect(page.locator("#live-status")).to_have_attribute("data-state", "online", timeout=LIVE_WAIT_MS)
        delegates[code] = page
    problems = {code: watch_console(page) for code, page in delegates.items()}

    board = new_context(storage_state=secretariat.storage_state).new_page()
    board.set_viewport_size(DESKTOP)
    problems["board"] = watch_console(board)
    roll_call_id = _start_from_alert(board, alert_id, title)
    expect(board.locator("#live-status")).to_have_attribute("data-state", "online", timeout=LIVE_WAIT_MS)
    _answered(board, 0)
    board.evaluate(KEEP_JS)

    jm = delegates["JM"]
    _answer(jm, title, "Affected, assistance needed", {"displaced": ("1200", "Estimate")}, ["Shelter", "Medical"])
    _answered(board, 1)
    _no_axe_problems(jm, axe_check, "Jamaica's answer page on a phone")
    _shoot(jm, "rollcall-answer-jm")
    _answer(delegates["TT"], title, "Affected, coping",
            {"displaced": ("300", "Confirmed"), "departed": ("20", "Estimate")}, ["Protection"])
    _answered(board, 2)
    _answer(delegates["HT"], title, "Not affected", {}, [])
    _answered(board, 3)
    expect(board.locator("#board-announce")).to_have_text("3 of 5 parties answered.")
    expect(board.locator("#after-answered")).to_have_text("3 of 5 parties answered.")  # the panel agrees
    _check_board(board)
    _no_axe_problems(board, axe_check, "the board with three answers")
    _shoot(board, "rollcall-board-3-of-5")

    _remind(live_server, board, roll_call_id, hurricane_network["token"])
    pdf_href, csv_href = _close(board)
    expect(board.locator("#board-answered")).to_have_text("3 of 5")
    expect(board.locator("[data-board-part=timeline]")).to_contain_text(f"{secretariat.name} closed the roll call.")
    _no_axe_problems(board, axe_check, "the closed board")
    _shoot(board, "rollcall-board-closed")
    _read_pdf(board, pdf_href, title)
    _read_csv(board, csv_href, title)
    # The same stream through the API (a token), and every revision through the page: whole on the real server.
    api_csv = requests.get(live_server.url(f"/api/v1/rollcalls/{roll_call_id}/answers.csv"), timeout=30,
                           headers={"Authorization": f"Bearer {hurricane_network['token']}"})
    assert api_csv.status_code == 200, api_csv.text[:500]
    history = board.request.get(f"/rollcalls/{roll_call_id}/answers.csv?history=1")
    assert history.status == 200, history.text()[:500]
    for text in (api_csv.text, history.text()):
        assert text.count("no_answer") == 2 and "assistance_needed" in text, text[-1500:]

    for code, watched in problems.items():
        assert not watched.errors, f"{code}: " + "\n".join(watched.errors)
