"""Markdown is rendered when written and stored beside its source; pages show the stored HTML and never render;
``cmc markdown rerender`` brings stored HTML back to the current rules; migration 0016 fills the charters."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text, update

from cmc.extensions import db
from cmc.models import Account, Minutes, Network, NetworkText, Party, Reply, Thread
from cmc.services import markup, meetings, networks
from tests.integration.test_migrations import _empty

CHARTER = "## Purpose\n\nExchange *practice* on [routes](https://example.org).\n\n| a | b |\n|---|---|\n| 1 | 2 |"
SPANISH_CHARTER = "## Propósito\n\nIntercambiar **prácticas**."
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
           "<svg onload=alert(1)>", '<a href="JaVaScRiPt:alert(1)">y</a>', "<iframe src=//evil></iframe>",
           "<style>body{display:none}</style>", "<p onclick=alert(1)>hi</p>"]


@pytest.fixture
def written(app: Flask, make_party: Callable[..., Party], make_account: Callable[..., Account]) -> dict[str, Any]:
    """A network with a charter and a Spanish one, a thread with a reply, a meeting with minutes."""
    make_party("TT")
    admin = make_account("secretariat")
    network = networks.create_network(admin, networks.NetworkInput(
        slug="ms", name="Migrant Smuggling", party_codes=["TT"], charter=CHARTER,
        texts={"es": {"name": "Tráfico de migrantes", "description": "", "charter": SPANISH_CHARTER}}))
    member = make_account("delegate", party="TT")
    networks.add_member(admin, "ms", member.id)
    thread = networks.create_thread(member, "ms", "Route change", "Boats **seen** off the coast.")
    reply = networks.add_reply(member, thread.id, "> quoted\n\nConfirmed, see `log`.")
    meeting = meetings.save_meeting(admin, meetings.MeetingInput(
        title="Annual meeting", kind="annual_meeting", start_date=date(2027, 3, 10), end_date=date(2027, 3, 11),
        host_party="TT", status="published"))
    meetings.save_minutes(admin, meeting.id, "1. Opening\n2. **Decisions** taken")
    return {"network": network, "member": member, "admin": admin, "thread": thread, "reply": reply,
            "meeting": meeting}


@pytest.fixture
def render_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every call of ``markup.render`` while the test runs (the real renderer still answers)."""
    calls: list[str] = []
    real = markup.render

    def counting(source: str) -> str:
        calls.append(source)
        return real(source)

    monkeypatch.setattr(markup, "render", counting)
    yield calls


def test_stored_html_is_the_rendering_of_the_source(written: dict[str, Any]) -> None:
    network = db.session.get(Network, written["network"].id)
    assert network is not None and network.charter_html == markup.render(CHARTER)
    assert "<table>" in network.charter_html and "<em>practice</em>" in network.charter_html
    spanish = db.session.scalar(db.select(NetworkText).where(NetworkText.network_id == network.id))
    assert spanish is not None and spanish.charter_html == markup.render(SPANISH_CHARTER)
    for row in (db.session.get(Thread, written["thread"].id), db.session.get(Reply, written["reply"].id),
                db.session.get(Minutes, written["meeting"].id)):
        assert row is not None and row.body_html == markup.render(row.body) and row.body_html


def test_an_edited_charter_is_stored_rendered_again(written: dict[str, Any]) -> None:
    network = written["network"]
    networks.update_network(written["admin"], "ms", networks.NetworkInput(
        slug="ms", name="Migrant Smuggling", party_codes=["TT"], charter="New *charter*", texts=None))
    assert db.session.get(Network, network.id).charter_html == markup.render("New *charter*")  # type: ignore[union-attr]
    networks.update_network(written["admin"], "ms", networks.NetworkInput(
        slug="ms", name="Migrant Smuggling", party_codes=["TT"], charter="", texts=None))
    assert db.session.get(Network, network.id).charter_html == ""  # type: ignore[union-attr]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_markdown_is_stored_sanitised(written: dict[str, Any], hostile: str) -> None:
    networks.update_network(written["admin"], "ms", networks.NetworkInput(
        slug="ms", name="Migrant Smuggling", party_codes=["TT"], charter=f"Charter\n\n{hostile}",
        texts={"es": {"name": "Red", "description": "", "charter": hostile}}))
    network = db.session.get(Network, written["network"].id)
    assert network is not None
    minutes = meetings.save_minutes(written["admin"], written["meeting"].id, hostile)
    for html in (network.charter_html, network.texts[0].charter_html, minutes.body_html):
        lowered = html.lower()
        for bad in ("<script", "onerror", "onload", "onclick", "javascript:", "<svg", "<iframe", "<img", "<style"):
            assert bad not in lowered, (hostile, html)


def test_pages_show_the_stored_html_without_rendering(
        app: Flask, written: dict[str, Any], sign_in: Callable[..., Any], render_calls: list[str]) -> None:
    client = app.test_client()
    assert sign_in(client, written["member"]).status_code == 302
    render_calls.clear()
    pages = {"/networks/ms": "<em>practice</em>", f"/threads/{written['thread'].id}": "<code>log</code>",
             f"/meetings/{written['meeting'].id}": "<strong>Decisions</strong>"}
    for path, shown in pages.items():
        html = client.get(path).get_data(as_text=True)
        assert shown in html, path
    reader = written["member"]
    reader.language = "es"  # the Spanish charter, from its translation's stored HTML
    db.session.commit()
    assert "<strong>prácticas</strong>" in client.get("/networks/ms").get_data(as_text=True)
    assert render_calls == [], "a page rendered Markdown"


def test_a_page_shows_what_is_stored_not_a_rendering(
        app: Flask, written: dict[str, Any], sign_in: Callable[..., Any]) -> None:
    """The page reads the column: a value written there (as by an older renderer) is what the reader sees."""
    db.session.execute(update(Network).where(Network.id == written["network"].id)
                       .values(charter_html="<p>stored by an older renderer</p>"))
    db.session.commit()
    client = app.test_client()
    assert sign_in(client, written["member"]).status_code == 302
    assert "stored by an older renderer" in client.get("/networks/ms").get_data(as_text=True)


def test_rerender_brings_stale_html_back_to_the_rules(app: Flask, written: dict[str, Any]) -> None:
    stale = "<p>old rules</p><script>x</script>"
    for model, key in ((Network, Network.id), (NetworkText, NetworkText.id), (Thread, Thread.id),
                       (Reply, Reply.id)):
        db.session.execute(update(model).values({"charter_html" if model in (Network, NetworkText)
                                                 else "body_html": stale}).where(key > 0))
    db.session.execute(update(Minutes).values(body_html=stale))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["markdown", "rerender"])
    assert result.exit_code == 0, result.output
    assert "threads: 1 read, 1 rendered again" in result.output
    assert "networks: 1 read, 1 rendered again" in result.output
    db.session.expire_all()
    test_stored_html_is_the_rendering_of_the_source(written)
    again = app.test_cli_runner().invoke(args=["markdown", "rerender"])
    assert again.exit_code == 0 and "rendered again" in again.output
    assert all(line.endswith(" 0 rendered again") for line in again.output.strip().splitlines()), again.output


def test_0016_fills_the_charters_already_there(app: Flask) -> None:
    _empty(app)
    upgrade(revision="0015_document_version_language")
    hostile = "# Charter\n\n<script>alert(1)</script>"
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO networks (id, slug, name, description, charter, kind, alerts_enabled, "
                          "language, created_at) VALUES (1, 'ms', 'MS', '', :c, 'thematic_network', true, 'en', "
                          "CURRENT_TIMESTAMP), (2, 'nc', 'NC', '', '', 'thematic_network', false, 'en', "
                          "CURRENT_TIMESTAMP)"), {"c": hostile})
        conn.execute(text("INSERT INTO network_texts (network_id, language, name, description, charter, updated_at) "
                          "VALUES (1, 'es', 'Red', '', 'Una *carta*', CURRENT_TIMESTAMP)"))
    upgrade()
    with db.engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT id, charter_html FROM networks")).all())
        translated = conn.execute(text("SELECT charter_html FROM network_texts")).scalar_one()
    assert rows == {1: markup.render(hostile), 2: ""}
    assert "<h1>" not in rows[1] and "<script" not in rows[1] and "Charter" in rows[1]
    assert translated == markup.render("Una *carta*") == "<p>Una <em>carta</em></p>"
