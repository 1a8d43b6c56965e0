"""The notification centre in a browser: a delegate's bell goes from n to n+1 live when an alert is published,
the alert's toast opens it through the centre (marking its notification read) and the bell goes down; opening a
notification from /notifications marks it read. axe finds nothing serious on /notifications and the settings
page. Screenshots of /notifications and the header's bell at 1280 and 390 px, in English and French, go to
``/tmp/notify-shots/``.

The delegates are fresh accounts (as ``test_alerts_live.py`` makes them), so no other test's notifications
touch their count."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.test_alerts_live import (  # noqa: F401 - the fixtures
    PASSWORD,
    Member,
    _live,
    _publish,
    coordinator_token,
    new_member,
)
from tests.live_server import LiveServer

SHOTS = Path("/tmp/notify-shots")  # noqa: S108 - the place the review asked for
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LIVE_WAIT_MS = 5_000


def _bell(page: Page) -> Any:
    return page.locator("#notifications-bell")


def _shot(page: Page, name: str, *, full: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full, animations="disabled", caret="hide")


def _signed_in(new_context: Callable[..., BrowserContext], sign_in: Callable[..., None], member: Member,
               **context_args: Any) -> Page:
    page = new_context(**context_args).new_page()
    page.set_viewport_size(DESKTOP)
    sign_in(page, member.email, PASSWORD)
    _live(page)
    return page


def test_the_bell_follows_an_alert_live_and_opening_marks_read(
    live_server: LiveServer, coordinator: Any, coordinator_token: str,  # noqa: F811
    new_member: Callable[[str], Member], new_context: Callable[..., BrowserContext],  # noqa: F811
    sign_in: Callable[..., None], watch_console: Callable[[Page], Any],
) -> None:
    member = new_member("TT")
    page = _signed_in(new_context, sign_in, member)
    watch_console(page)
    before = int(_bell(page).get_attribute("data-count") or "0")
    alert_id = _publish(live_server, coordinator_token, "Bell check: vessel seen off Toco", "Moderate")
    expect(_bell(page)).to_have_attribute("data-count", str(before + 1), timeout=LIVE_WAIT_MS)
    expect(_bell(page).locator(".notification-count")).to_have_text(str(before + 1))
    expect(_bell(page).locator(".notification-label")).to_contain_text(str(before + 1))
    toast = page.locator(f'#alert-toasts .alert-toast[data-alert-id="{alert_id}"]')
    expect(toast).to_be_visible(timeout=LIVE_WAIT_MS)
    opener = toast.get_by_role("link", name="Open")
    expect(opener).to_have_attribute("href", f"/notifications/alert/{alert_id}/open")
    _shot(page, "bell-desktop-en", full=False)
    opener.click()
    expect(page).to_have_url(re.compile(rf"/alerts/{alert_id}$"))
    expect(_bell(page)).to_have_attribute("data-count", str(before))

    # A second one, opened from the centre: it is listed unread, newest first, and opening it marks it read.
    second = _publish(live_server, coordinator_token, "Bell check: second sighting near Chaguaramas", "Minor")
    expect(_bell(page)).to_have_attribute("data-count", str(before + 1), timeout=LIVE_WAIT_MS)
    page.goto("/notifications")
    first_item = page.locator("#notification-list > li").first
    expect(first_item).to_have_attribute("data-state", "unread")
    expect(first_item).to_contain_text("second sighting near Chaguaramas")
    _shot(page, "notifications-desktop-en")
    first_item.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/alerts/{second}$"))
    expect(_bell(page)).to_have_attribute("data-count", str(before))
    page.goto("/notifications")
    expect(page.locator("#notification-list > li").first).to_have_attribute("data-state", "read")


def test_centre_and_settings_pass_axe_and_are_photographed_in_two_widths_and_french(
    live_server: LiveServer, coordinator: Any, coordinator_token: str,  # noqa: F811
    new_member: Callable[[str], Member], new_context: Callable[..., BrowserContext],  # noqa: F811
    sign_in: Callable[..., None], axe_check: Callable[[Page], list[str]],
) -> None:
    member = new_member("JM")
    for n, severity in enumerate(("Severe", "Moderate", "Minor")):
        _publish(live_server, coordinator_token, f"Centre check {n + 1}: route change reported", severity)
    page = _signed_in(new_context, sign_in, member)
    page.goto("/notifications")
    page.locator("#notification-list > li").nth(2).get_by_role("link").click()  # one read, two unread
    page.goto("/notifications")
    assert not (problems := axe_check(page)), "\n".join(problems)
    _shot(page, "notifications-desktop-en-mixed")
    page.goto("/settings/notifications")
    assert not (problems := axe_check(page)), "\n".join(problems)
    _shot(page, "settings-desktop-en")
    page.set_viewport_size(PHONE)
    page.goto("/notifications")
    assert not (problems := axe_check(page)), "\n".join(problems)
    _shot(page, "notifications-phone-en")
    _shot(page, "bell-phone-en", full=False)
    page.goto("/settings/notifications")
    _shot(page, "settings-phone-en")
    # French: the person's language, chosen in the settings.
    page.set_viewport_size(DESKTOP)
    page.goto("/settings/")
    page.locator("#language").select_option("fr")
    page.locator("form[action$='/settings/profile'] button[type=submit]").click()
    page.goto("/notifications")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#notification-list")).to_contain_text("Grave")  # the severity in French
    assert not (problems := axe_check(page)), "\n".join(problems)
    _shot(page, "notifications-desktop-fr")
    page.goto("/settings/notifications")
    _shot(page, "settings-desktop-fr")
    page.set_viewport_size(PHONE)
    page.goto("/notifications")
    _shot(page, "notifications-phone-fr")
