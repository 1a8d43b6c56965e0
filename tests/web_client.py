"""Signing in and enrolling a second factor through a real server's forms with ``requests``, as a person does
in a browser: shared by the live tests that need a signed-in session or a coordinator able to publish."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import requests


def form_token(html: str) -> str:
    """The CSRF token of the form on ``html``."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def enrol_second_factor(server: Any, email: str, password: str) -> None:
    """Sign in through the form of ``server`` (anything with ``url(path)``) and set up the authenticator the
    platform asks for (the enrolment page's key, then a code from it)."""
    with requests.Session() as web:
        page = web.get(server.url("/sign-in"), timeout=10)
        answer = web.post(server.url("/sign-in"), timeout=10, data={
            "email": email, "password": password, "csrf_token": form_token(page.text)})
        assert answer.url.endswith("/settings/security"), f"sign-in of {email} ended on {answer.url}"
        key = re.search(r'id="totp-key">\s*([A-Z2-7 ]+?)\s*<', answer.text)
        assert key, "no key on the enrolment page"
        code = pyotp.TOTP(key.group(1).replace(" ", "")).now()
        done = web.post(server.url("/settings/security/confirm"), timeout=10,
                        data={"code": code, "csrf_token": form_token(answer.text)})
        assert done.status_code == 200 and "Second factor is on" in done.text, done.text[:2000]
