"""The living demo of ``cmc seed --demo``: every page a demo person opens first has something to show, made
through the services (so audited, indexed and in the activity feeds), and seeding again adds nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from flask import Flask
from sqlalchemy import func, select

from cmc.extensions import db
from cmc.models import ActionItem, AgendaVersion, Alert, AuditEvent, Document, Meeting, Reply, Thread
from cmc.models.types import utcnow
from cmc.services import audit, demo_content, meetings, seed
from cmc.services.auth import find_account_by_email

PASSWORD = "reef-lantern-orchid-42"  # this test's demo password (the seed takes it like CMC_DEMO_PASSWORD)
TT = "delegate.tt@cmc.demo"  # Trinidad and Tobago: member of Migrant Smuggling and Border Management
DO = "delegate.do@cmc.demo"  # Dominican Republic: member of Migrant Smuggling and Refugee Protection
COORDINATOR = "coordinator.bs@cmc.demo"


@pytest.fixture
def demo(app: Flask) -> seed.SeedResult:
    # Every live test's server starts on this seed: it takes about 1.5 s here (0.6 s of it the living demo; the
    # accounts' scrypt hashes most of the rest). Not asserted: speed is for the benchmarks, not the tests.
    return seed.seed(demo=True, password=PASSWORD)


@pytest.fixture
def as_demo(app: Flask, sign_in: Callable[..., Any], demo: seed.SeedResult) -> Callable[[str], Any]:
    """A test client signed in through the form as a demo person (the coordinator with a second factor)."""

    def do(email: str) -> Any:
        account = find_account_by_email(email)
        assert account is not None
        if email == COORDINATOR:  # coordinators must use a second factor: give this one an authenticator
            account.totp_secret = pyotp.random_base32()
            account.totp_enabled_at = utcnow()
            db.session.commit()
        client = app.test_client()
        response = sign_in(client, account if email == COORDINATOR else email, PASSWORD)
        assert response.status_code == 302 and response.headers["Location"] == "/", response.headers
        return client

    return do


def _page(client: Any, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def test_home_and_every_network_page_have_threads_with_replies(as_demo: Callable[[str], Any]) -> None:
    tt = as_demo(TT)
    home = _page(tt, "/")
    assert "Nothing has happened yet" not in home
    assert "Draft regional protocol against migrant smuggling" in home  # the activity of my networks
    assert "Test the acknowledgement of alerts with every member state" in home  # my network's action item
    smuggling = _page(tt, "/networks/migrant-smuggling")
    assert "Welcome: how this network exchanges early alerts" in smuggling
    assert "Advance passenger information" in _page(tt, "/networks/border-management")
    assert "Referral of people arriving by sea" in _page(as_demo(DO), "/networks/refugee-protection")
    for slug in ("migrant-smuggling", "border-management", "refugee-protection"):
        replies = db.session.scalar(select(func.count()).select_from(Reply).join(Thread).join(Thread.network)
                                    .where(Thread.network.has(slug=slug)))
        assert replies >= 2, slug


@pytest.mark.parametrize(("word", "title"), [
    (demo_content.PDF_WORD, "Situation report on smuggling routes"),  # inside the PDF's text only
    (demo_content.DOCX_WORD, "National protocol template"),  # inside the Word document's text only
])
def test_search_finds_a_word_from_inside_the_demo_pdf_and_docx(as_demo: Callable[[str], Any], word: str,
                                                                title: str) -> None:
    for document in db.session.scalars(select(Document)):
        assert word.lower() not in (document.title + document.description).lower()
    found = _page(as_demo(TT), f"/documents?q={word}")
    assert title in found
    assert "Training needs survey" not in found  # a search, not the whole list


def test_the_alerts_pages_show_acknowledgements_and_an_update(as_demo: Callable[[str], Any]) -> None:
    original, update = db.session.scalars(select(Alert).order_by(Alert.id)).all()[:2]  # then Jamaica's two (H2, H1)
    assert update.references_id == original.id and original.superseded_by_id == update.id
    tt = as_demo(TT)
    listing = _page(tt, "/alerts")
    assert "Update: the vessel left on Tuesday night" in listing
    coordinator = as_demo(COORDINATOR)
    grid = _page(coordinator, f"/alerts/{original.id}")
    assert "Priya Ramdial" in grid and "Marcus Campbell" in grid  # who acknowledged for TT and JM
    assert "Lucía Fernández" in _page(coordinator, f"/alerts/{update.id}")


def test_the_meetings_pages_show_two_agenda_versions_and_action_items(as_demo: Callable[[str], Any]) -> None:
    annual = db.session.scalar(select(Meeting).where(Meeting.kind == "annual_meeting"))
    assert annual is not None
    numbers = db.session.scalars(select(AgendaVersion.number).where(AgendaVersion.meeting_id == annual.id)).all()
    assert sorted(numbers) == [1, 2]
    tt = as_demo(TT)
    listing = _page(tt, "/meetings")
    assert "Annual meeting of the Caribbean Migration Consultations" in listing
    assert "Technical meeting of the migrant smuggling network" in listing
    second = _page(tt, f"/meetings/{annual.id}/agenda/2")
    assert "Follow-up of action items" in second  # the change of version 2
    assert db.session.scalar(select(func.count()).select_from(ActionItem)) == 2
    # The timetable shows two sessions side by side out of the box: the second day has two rooms at once.
    assert '<th scope="col" colspan="1" class="tt-room">Salon A</th>' in second
    assert '<th scope="col" colspan="1" class="tt-room">Salon B</th>' in second
    assert meetings.overlaps(annual) == []  # in different rooms: no warning


def test_the_demo_is_audited_and_the_trail_verifies(demo: seed.SeedResult) -> None:
    actions = db.session.scalars(select(AuditEvent.action)).all()
    for action, count in (("document.upload", 4), ("alert.publish", 1), ("alert.update", 1), ("alert.ack", 4),
                          ("agenda.publish", 3), ("meeting.register", 1), ("action.add", 2)):
        assert actions.count(action) == count, action
    assert audit.verify_chain().ok


def test_seeding_again_adds_nothing(demo: seed.SeedResult) -> None:
    assert demo.accounts == 6 and demo.password == PASSWORD and demo.living
    counts = [db.session.scalar(select(func.count()).select_from(model)) for model in (Thread, Document, Alert,
                                                                                        Meeting, AuditEvent)]
    again = seed.seed(demo=True, password="another-password-entirely")
    assert again.accounts == 0 and again.password is None and not again.living
    assert [db.session.scalar(select(func.count()).select_from(model))
            for model in (Thread, Document, Alert, Meeting, AuditEvent)] == counts


def test_a_minimal_demo_has_accounts_and_no_content(app: Flask) -> None:
    result = seed.seed(demo=True, password=PASSWORD, living=False)
    assert result.accounts == 6 and not result.living
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 0
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 0
