"""The secretariat invites a person through the admin pages; the invitee sets a password and is in."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

GOOD_PASSWORD = "island breeze over kingston 42"


def _invite(page: Page, base_url: str, *, email: str, name: str, party: str = "JM", role: str = "delegate"
            ) -> str:
    """From home, go Admin -> "Invite a person", fill the form, send it; return the link shown."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accounts")
    page.get_by_role("link", name="Invite a person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite a person")

    page.get_by_label("Email address").fill(email)
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Party").select_option(party)
    page.get_by_label("Role").select_option(role)
    page.get_by_role("button", name="Send invitation").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Invitation sent")
    expect(page.locator("main")).to_contain_text(email)
    link = page.locator("#invitation-link").inner_text().strip()
    assert re.fullmatch(re.escape(base_url) + r"/invitations/[A-Za-z0-9_\-]{20,}", link), link
    return link


def test_invitee_sets_a_password_and_is_signed_in_then_the_link_is_spent(
    page: Page, new_context: Callable[..., BrowserContext], base_url: str, sign_in: Callable[..., None],
    unique_email: Callable[[str], str],
) -> None:
    email = unique_email("invitee")
    name = "Shanice Invitee"
    sign_in(page, "secretariat@cmc.demo")
    link = _invite(page, base_url, email=email, name=name, party="JM", role="delegate")

    # The account list shows the person as invited, not yet active.
    page.get_by_role("link", name="Back to accounts").click()
    row = page.get_by_role("row").filter(has_text=email)
    expect(row).to_have_count(1)
    expect(row.get_by_text("Invited", exact=True)).to_be_visible()

    # The invitee, in a browser of their own.
    invitee = new_context().new_page()
    response = invitee.goto(link)
    assert response is not None and response.status == 200
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Choose your password")
    expect(invitee.locator("main")).to_contain_text(f"Welcome, {name}")
    expect(invitee.locator("main")).to_contain_text(email)
    invitee.get_by_label("New password").fill(GOOD_PASSWORD)
    invitee.get_by_label("Type it again").fill(GOOD_PASSWORD)
    invitee.get_by_role("button", name="Set password and sign in").click()

    expect(invitee).to_have_url(base_url + "/")
    expect(invitee.get_by_role("heading", level=1)).to_have_text(f"Welcome, {name}")
    expect(invitee.locator("header .user-link .party-code")).to_have_text("JM")
    expect(invitee.locator("header .user-name")).to_have_text(name)
    expect(invitee.get_by_text(f"Welcome, {name}. Your password is set.")).to_be_visible()
    expect(invitee.locator("#live-status")).to_have_attribute("data-state", "online", timeout=10_000)

    invitee.locator("header").get_by_role("button", name="Sign out").click()
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Sign in")

    # The link worked once: now it says so, with 410 Gone.
    again = invitee.goto(link)
    assert again is not None and again.status == 410, again.status if again else None
    expect(invitee.get_by_role("heading", level=1)).to_have_text("This invitation link can no longer be used")

    # And the new password signs in through the ordinary form.
    sign_in(invitee, email, GOOD_PASSWORD)
    expect(invitee.locator("header .user-link .party-code")).to_have_text("JM")


def test_short_password_shows_the_error_summary_and_keeps_the_form(
    page: Page, new_context: Callable[..., BrowserContext], base_url: str, sign_in: Callable[..., None],
    unique_email: Callable[[str], str],
) -> None:
    sign_in(page, "secretariat@cmc.demo")
    link = _invite(page, base_url, email=unique_email("short"), name="Dwayne Short")

    invitee = new_context().new_page()
    invitee.goto(link)
    eleven = "kingston-42"
    assert len(eleven) == 11
    invitee.get_by_label("New password").fill(eleven)
    invitee.get_by_label("Type it again").fill(eleven)
    with invitee.expect_response(lambda r: r.request.method == "POST") as posted:
        invitee.get_by_role("button", name="Set password and sign in").click()
    assert posted.value.status == 422

    # Still on the form, at the same address, not signed in.
    expect(invitee).to_have_url(link)
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Choose your password")
    expect(invitee.locator("header .user-name")).to_have_count(0)

    # The error summary at the top, linking to the field; the field's own message beside it.
    summary = invitee.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    summary_link = summary.get_by_role("link")
    expect(summary_link).to_have_count(1)
    expect(summary_link).to_have_attribute("href", "#password")
    expect(summary_link).to_contain_text("12")
    field = invitee.locator("#password")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", re.compile(r"\bpassword-error\b"))
    expect(invitee.locator("#password-error")).to_contain_text("12")

    # Following the summary's link takes the person to the field.
    summary_link.click()
    expect(invitee).to_have_url(link + "#password")
    expect(field).to_be_focused()
    expect(field).to_be_in_viewport()

    # The link is not spent by a failed attempt: a good password still works.
    invitee.get_by_label("New password").fill(GOOD_PASSWORD)
    invitee.get_by_label("Type it again").fill(GOOD_PASSWORD)
    invitee.get_by_role("button", name="Set password and sign in").click()
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Welcome, Dwayne Short")
