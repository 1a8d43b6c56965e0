"""No console errors (CSP violations, missing files, script exceptions) on the pages everyone sees."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect


def test_sign_in_page_has_a_clean_console(page: Page, watch_console: Callable[[Page], Any]) -> None:
    problems = watch_console(page)
    page.goto("/sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.wait_for_load_state("networkidle")
    assert not problems.errors, "\n".join(problems.errors)


def test_home_has_a_clean_console(page: Page, watch_console: Callable[[Page], Any],
                                  sign_in: Callable[..., None]) -> None:
    problems = watch_console(page)
    sign_in(page, "focal.jm@cmc.demo")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "online", timeout=10_000)
    page.reload()
    expect(page.locator("#live-status")).to_have_attribute("data-state", "online", timeout=10_000)
    page.wait_for_timeout(300)  # late errors (a refused connection, a failed style) arrive after load
    assert not problems.errors, "\n".join(problems.errors)


def test_static_files_are_served(page: Page, base_url: str) -> None:
    """The stylesheet and scripts every page links answer 200 with their real type (a page served without
    them looks broken, and the live connection never starts)."""
    expected = {
        "/static/vendor/bootstrap/bootstrap.purged.min.css": "text/css",
        "/static/css/app.css": "text/css",
        "/static/js/app.js": "javascript",
        "/static/vendor/socket.io/socket.io.min.js": "javascript",
        "/static/js/live.js": "javascript",
    }
    failures = []
    for path, kind in expected.items():
        response = page.request.get(base_url + path)
        content_type = response.headers.get("content-type", "")
        if response.status != 200 or kind not in content_type:
            failures.append(f"{path}: {response.status} {content_type}")
    assert not failures, "static files not served:\n" + "\n".join(failures)
