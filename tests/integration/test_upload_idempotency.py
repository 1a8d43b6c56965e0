"""API uploads honour ``Idempotency-Key`` as alert publishing does: the same key with the same upload answers
the first document (or version) again, 200, and stores nothing more; the same key with another upload is
refused (422); two requests racing with one key make one document. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from cmc.extensions import db
from cmc.models import Account, Document, DocumentVersion
from cmc.services import auth, networks
from tests.conftest import MEMBER_NETWORK
from tests.files import pdf

SLUG = MEMBER_NETWORK


@pytest.fixture
def member(network_member: Account) -> Account:
    """A delegate of a member party of the network (``tests/conftest.py``)."""
    return network_member


def headers(account: Account, key: str | None) -> dict[str, str]:
    _row, secret = auth.create_token(account, "idempotency tests")
    values = {"Authorization": f"Bearer {secret}", "Accept": "application/json"}
    if key is not None:
        values["Idempotency-Key"] = key
    return values


def upload(app: Flask, head: dict[str, str], title: str = "Patrol summary", text: str = "Northern harbour") -> Any:
    return app.test_client().post(f"/api/v1/networks/{SLUG}/documents", headers=head, data={
        "title": title, "file": (io.BytesIO(pdf(text)), "patrol.pdf")}, content_type="multipart/form-data")


def documents_count() -> int:
    db.session.commit()
    return int(db.session.scalar(select(func.count()).select_from(Document)) or 0)


def kept_files(app: Flask) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return [p for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] not in ("tmp",)]


def test_the_same_key_and_upload_answer_the_first_document_again(app: Flask, member: Account) -> None:
    head = headers(member, "upload-2026-11-30-001")
    first = upload(app, head)
    assert first.status_code == 201, first.get_json()
    again = upload(app, head)
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["versions"] == first.get_json()["versions"]
    assert documents_count() == 1
    assert len(kept_files(app)) == 1, "the retry stored a second file"
    assert not list(Path(app.config["UPLOAD_DIR"], "tmp").glob("upload-*"))


def test_the_same_key_with_another_upload_is_refused(app: Flask, member: Account) -> None:
    head = headers(member, "upload-7")
    assert upload(app, head).status_code == 201
    for changed in ({"title": "Another title"}, {"text": "Another file"}):
        refused = upload(app, head, **changed)
        assert refused.status_code == 422, refused.get_json()
        assert refused.get_json()["error"]["code"] == "idempotency_key_reused"
    assert documents_count() == 1
    assert len(kept_files(app)) == 1


def test_keys_belong_to_their_account(app: Flask, member: Account, make_account: Callable[..., Account]) -> None:
    other = make_account("delegate", party="TT")
    networks.add_member(db.session.scalar(select(Account).where(Account.role == "secretariat")), SLUG, other.id)
    assert upload(app, headers(member, "shared-key")).status_code == 201
    answer = upload(app, headers(other, "shared-key"))
    assert answer.status_code == 201, "another account's key returned someone else's document"
    assert documents_count() == 2


@pytest.mark.parametrize("key", ["x" * 81, "clé-accentuée", "two words"])
def test_a_key_that_is_not_a_short_visible_ascii_string_is_refused(app: Flask, member: Account, key: str) -> None:
    answer = upload(app, headers(member, key))
    assert answer.status_code == 422
    assert "Idempotency-Key" in answer.get_json()["error"]["message"]
    assert documents_count() == 0


def test_two_requests_racing_with_one_key_make_one_document(app: Flask, member: Account) -> None:
    head = headers(member, "raced-key")
    answers: list[Any] = [None, None]
    start = threading.Barrier(2)

    def send(slot: int) -> None:
        start.wait()
        answers[slot] = upload(app, head)

    threads = [threading.Thread(target=send, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(a.status_code for a in answers) in ([200, 201], [201, 201]), [a.get_json() for a in answers]
    assert answers[0].get_json()["id"] == answers[1].get_json()["id"]
    assert documents_count() == 1
    assert len(kept_files(app)) == 1, "the losing request left its file in the store"


def test_a_new_version_honours_the_key_too(app: Flask, member: Account) -> None:
    document = upload(app, headers(member, None)).get_json()
    head = headers(member, "version-key")

    def version(document_id: int, note: str = "Corrected figures") -> Any:
        return app.test_client().post(f"/api/v1/documents/{document_id}/versions", headers=head, data={
            "note": note, "file": (io.BytesIO(pdf("Corrected")), "patrol-v2.pdf")},
            content_type="multipart/form-data")

    first, again = version(document["id"]), version(document["id"])
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["number"] == again.get_json()["number"] == 2
    assert version(document["id"], note="Something else").status_code == 422
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(DocumentVersion)) == 2
