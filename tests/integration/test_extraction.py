"""Uploads and their text, through the pages and the API (the real child process reads every file): files of
every kind are found by their words; a file over a limit is stored without text and the person is told,
on the page and in the API's answer; when every extraction slot is taken, an upload waits, then is stored
without text rather than fork the machine; the limits are settings, refused when not positive.
On SQLite and PostgreSQL."""

from __future__ import annotations

import fcntl
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from cmc import create_app
from cmc.config import ConfigError
from cmc.models import Account
from cmc.services import networks
from tests.conftest import MEMBER_NETWORK, bearer_headers, form_token
from tests.files import docx, hostile_docx, multipart, ods, odt, pdf, pptx, xlsx

SLUG = MEMBER_NETWORK


@pytest.fixture
def member(network_member: Account) -> Account:
    """A delegate of a member party of the network (``tests/conftest.py``)."""
    return network_member


def bearer(account: Account) -> dict[str, str]:
    return bearer_headers(account, "extraction tests")


def api_upload(app: Flask, head: dict[str, str], name: str, content: bytes, title: str = "Report") -> Any:
    return app.test_client().post(f"/api/v1/networks/{SLUG}/documents", headers=head, data={
        "title": title, "file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


@pytest.mark.parametrize(("name", "content"), [
    ("minutes.docx", docx(paragraphs=["The working group met", "quetzalword was agreed"])),
    ("minutes.odt", odt(["The working group met", "quetzalword was agreed"])),
    ("figures.ods", ods(["Arrivals", "quetzalword"])),
    ("figures.xlsx", xlsx(["Arrivals", "quetzalword"])),
    ("briefing.pptx", pptx(["Opening", "quetzalword routes"])),
    ("report.pdf", pdf("The working group agreed quetzalword")),
])
def test_files_of_every_kind_are_found_by_their_words(app: Flask, member: Account, name: str,
                                                      content: bytes) -> None:
    head = bearer(member)
    answer = api_upload(app, head, name, content, title="Working group")
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["versions"][0]["text"] == {"indexed": True, "status": "indexed", "message": None}
    found = app.test_client().get("/api/v1/documents?q=quetzalword", headers=head).get_json()
    assert [item["id"] for item in found["items"]] == [answer.get_json()["id"]]


def hostile() -> bytes:
    buffer = io.BytesIO()
    hostile_docx(buffer)
    return buffer.getvalue()


def test_a_file_over_a_limit_is_stored_without_text_and_the_person_is_told(
        app: Flask, member: Account, signed_in: Callable[..., Any]) -> None:
    # The API: stored (201), and the answer says why the text is not indexed.
    answer = api_upload(app, bearer(member), "bomb.docx", hostile(), title="Quarterly figures")
    assert answer.status_code == 201
    text = answer.get_json()["versions"][0]["text"]
    assert text["indexed"] is False and text["status"] == "limit:ratio"
    assert "compressed more than 100 times" in text["message"]

    # The page: the upload succeeds, with a warning on the next page and a note on the document.
    client, account = signed_in("delegate", party="JM")
    networks.add_member(_secretariat(), SLUG, account.id)
    path = f"/networks/{SLUG}/documents/new"
    page = client.post(path, data={"csrf_token": form_token(client, path), "title": "Quarterly figures (JM)",
                                   "kind": "report", "languages": "en", "audience": "network",
                                   "file": (io.BytesIO(hostile()), "bomb.docx")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "is uploaded" in html and "its text is not indexed" in html
    assert 'id="text-notice"' in html  # on the document itself, for whoever opens it later

    # Search finds it by its title, not by the words inside.
    found = client.get("/documents?q=Quarterly").get_data(as_text=True)
    assert "Quarterly figures (JM)" in found


def _secretariat() -> Account:
    from sqlalchemy import select

    from cmc.extensions import db
    from cmc.models import Role

    account = db.session.scalar(select(Account).where(Account.role == Role.SECRETARIAT))
    assert account is not None
    return account


def test_when_every_slot_is_taken_an_upload_waits_then_is_stored_without_text(app: Flask,
                                                                               member: Account) -> None:
    app.config.update(EXTRACT_WORKERS=1, EXTRACT_TIMEOUT_SECONDS=1)  # one slot, and a second's wait for it
    slot = Path(app.instance_path) / "extract-slots" / "slot-0"
    slot.parent.mkdir(exist_ok=True)
    with open(slot, "a+b") as held:  # another upload (another process) is being read
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        answer = api_upload(app, bearer(member), "minutes.docx", docx("Held back"))
    assert answer.status_code == 201
    assert answer.get_json()["versions"][0]["text"]["status"] == "busy"
    assert "busy reading other files" in answer.get_json()["versions"][0]["text"]["message"]
    # The slot free again, the next upload is read.
    assert api_upload(app, bearer(member), "next.docx", docx("Read now")).get_json()["versions"][0]["text"][
        "status"] == "indexed"


@pytest.mark.parametrize("name", ["EXTRACT_MAX_UNPACKED_MB", "EXTRACT_MAX_RATIO", "EXTRACT_MAX_ENTRIES",
                                  "EXTRACT_TIMEOUT_SECONDS", "EXTRACT_MAX_MEMORY_MB", "EXTRACT_WORKERS"])
def test_the_limits_are_settings_that_must_be_positive(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match=name):
        create_app({"TESTING": True, "SKIP_INSTANCE_CONFIG": True, "INSTANCE_PATH": str(tmp_path), name: 0})


def test_a_text_of_very_many_distinct_words_is_stored_and_found(app: Flask, member: Account) -> None:
    """240,000 distinct words: PostgreSQL's tsvector holds at most 1 MB (this makes 3.4 MB), and the upload
    answered 500; the index now keeps as much of the text as fits, and the file is stored."""
    head = bearer(member)
    register = " ".join(f"case{number:07d}" for number in range(240_000)).encode()
    answer = app.test_client().post(f"/api/v1/networks/{SLUG}/documents", headers=head,
                                    **multipart({"title": "Case register"}, register, "register.txt"))
    assert answer.status_code == 201, answer.get_json()
    document_id = answer.get_json()["id"]
    found = app.test_client().get("/api/v1/documents?q=case0000001", headers=head).get_json()
    assert [item["id"] for item in found["items"]] == [document_id]
    # A new version's text replaces it the same way.
    version = app.test_client().post(f"/api/v1/documents/{document_id}/versions", headers=head,
                                     **multipart({}, register.replace(b"case", b"item"), "register-2.txt"))
    assert version.status_code == 201, version.get_json()
    found = app.test_client().get("/api/v1/documents?q=item0000001", headers=head).get_json()
    assert [item["id"] for item in found["items"]] == [document_id]
