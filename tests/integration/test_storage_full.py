"""A full disk is a clear answer: 507 with a message a person understands (on the upload form; JSON error in
the API), nothing kept (no temporary file, no document row, no half-stored file), and the next request served.

The disks are really full: small tmpfs filesystems mounted for the test (``mount -t tmpfs -o size=...``),
so every ENOSPC comes from the kernel at the very call that hits it: the upload streamed to its temporary
file while the request is parsed, the final store (a directory that cannot be created: no inode left), the
copy of a restored version, and SQLite's "database or disk is full". Mounting needs root (this sandbox runs
tests as root); elsewhere these tests are skipped with that reason rather than faked.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from cmc.extensions import db
from cmc.models import Account, Document, DocumentVersion, Party, PartyKind, PartyStatus
from cmc.services import documents, networks
from cmc.services.errors import StorageFull
from cmc.uploads import CheckedFile
from tests.conftest import MEMBER_NETWORK, bearer_headers, form_token, stamp_head
from tests.files import multipart, pdf

#: Its servers and commands run on the live database of the run (SQLite, or PostgreSQL under make test-postgres).
pytestmark = pytest.mark.live_database

SLUG = MEMBER_NETWORK
MB = 1024 * 1024


def mount_tmpfs(path: Path, options: str) -> None:
    """Mount a tmpfs at ``path`` or skip the test (not root, or no mount in this sandbox)."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("a really full disk needs a small tmpfs, and mounting one needs root")
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {result.stderr.strip()}")


def unmount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


@pytest.fixture
def disk_options() -> str:
    """The tmpfs of the uploads: 1 MB (a test may ask for fewer inodes)."""
    return "size=1m"


@pytest.fixture
def uploads_disk(tmp_path: Path, disk_options: str) -> Iterator[Path]:
    path = tmp_path / "uploads-disk"
    mount_tmpfs(path, disk_options)
    try:
        yield path
    finally:
        unmount(path)


@pytest.fixture
def app_config(app_config: dict[str, Any], uploads_disk: Path) -> dict[str, Any]:
    """The shared app configuration with UPLOAD_DIR on the small disk."""
    app_config["UPLOAD_DIR"] = str(uploads_disk)
    return app_config


@pytest.fixture
def member(network_member: Account) -> Account:
    """A delegate of a member party of the network (``tests/conftest.py``)."""
    return network_member


def token_headers(account: Account) -> dict[str, str]:
    return bearer_headers(account, "full disk tests")


def big_pdf(megabytes: float) -> bytes:
    """A real PDF padded to ``megabytes`` (the padding after %%EOF, as a scanner leaves it)."""
    return pdf("Scanned annex") + b"%" + b"x" * int(megabytes * MB)


def api_upload(app: Flask, headers: dict[str, str], content: bytes, title: str = "Annex") -> Any:
    return app.test_client().post(f"/api/v1/networks/{SLUG}/documents", headers=headers,
                                  **multipart({"title": title}, content))


def nothing_kept(app: Flask, documents_before: int = 0, versions_before: int = 0) -> None:
    root = Path(app.config["UPLOAD_DIR"])
    assert not list((root / "tmp").glob("upload-*")), "a temporary upload file was left"
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Document)) == documents_before
    assert db.session.scalar(select(func.count()).select_from(DocumentVersion)) == versions_before
    kept = [p for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] != "tmp"]
    assert len(kept) == versions_before, f"a half-stored file was left: {kept}"


def refused_as_full(answer: Any) -> str:
    assert answer.status_code == 507, (answer.status_code, answer.get_data(as_text=True)[:500])
    error = answer.get_json()["error"]
    assert error["code"] == "insufficient_storage"
    assert "no room left" in error["message"] and "nothing was saved" in error["message"]
    return str(error["message"])


def test_an_upload_that_fills_the_disk_while_it_streams_answers_507(app: Flask, member: Account,
                                                                    signed_in: Callable[..., Any]) -> None:
    headers = token_headers(member)
    refused_as_full(api_upload(app, headers, big_pdf(3)))
    nothing_kept(app)

    # The page: the upload form again, with the message by the file field.
    client, _account = signed_in("delegate", party="JM")
    networks.add_member(db.session.scalar(select(Account).where(Account.role == "secretariat")), SLUG,
                        _account.id)
    path = f"/networks/{SLUG}/documents/new"
    page = client.post(path, **multipart({"csrf_token": form_token(client, path), "title": "Annex"}, big_pdf(3)))
    assert page.status_code == 507
    html = page.get_data(as_text=True)
    assert 'id="upload-form"' in html and "no room left" in html and 'id="file-error"' in html
    nothing_kept(app)

    # The server goes on: a file that fits is stored.
    assert api_upload(app, headers, pdf("Fits on the disk"), "Small").status_code == 201


@pytest.mark.parametrize("disk_options", ["size=1m,nr_inodes=3"])  # the root, tmp/ and one upload
def test_a_store_that_cannot_keep_the_file_answers_507_and_keeps_no_row(app: Flask, member: Account) -> None:
    # The upload streams to tmp/ (the last free inode); keeping it needs a folder, which cannot be made.
    refused_as_full(api_upload(app, token_headers(member), pdf("Northern harbour patrol")))
    nothing_kept(app)


def _stored(app: Flask, account: Account, content: bytes) -> Document:
    temp = Path(app.config["UPLOAD_DIR"], "tmp", "upload-seed")
    temp.write_bytes(content)
    checked = CheckedFile(temp_path=temp, original_filename="annex.pdf", extension="pdf",
                          content_type="application/pdf", size=len(content), sha256=hashlib.sha256(content).hexdigest())
    return documents.upload(account, SLUG, documents.DocumentInput(title="Annex"), checked)


def test_a_new_version_and_a_restore_on_a_full_disk_answer_507(app: Flask, member: Account,
                                                               signed_in: Callable[..., Any]) -> None:
    document = _stored(app, member, big_pdf(0.55))
    headers = token_headers(member)
    refused_as_full(app.test_client().post(f"/api/v1/documents/{document.id}/versions", headers=headers,
                                           **multipart({}, big_pdf(0.6))))
    nothing_kept(app, documents_before=1, versions_before=1)

    # A second version that fits, then a restore of the first: its copy does not fit beside both.
    second = app.test_client().post(f"/api/v1/documents/{document.id}/versions", headers=headers,
                                    **multipart({}, pdf("Short second version")))
    assert second.status_code == 201
    with pytest.raises(StorageFull) as refused:
        documents.restore(member, document.id, 1)
    assert refused.value.status == 507
    db.session.rollback()
    nothing_kept(app, documents_before=1, versions_before=2)


@pytest.fixture
def database_disk(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "database-disk"
    # 4 MB: the schema (migration 0021 added five tables) and the 900 KB register indexed twice must fit once
    # the filler is gone.
    mount_tmpfs(path, "size=4m")
    try:
        yield path
    finally:
        unmount(path)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_full_database_disk_answers_507_and_keeps_no_file(tmp_path: Path, database_disk: Path,
                                                           backend: str) -> None:
    """SQLite's "database or disk is full": the row is not written, so the file stored for it goes too."""
    from cmc import create_app

    app = create_app({"TESTING": True, "SKIP_INSTANCE_CONFIG": True, "INSTANCE_PATH": str(tmp_path / "instance"),
                      "SECRET_KEY": "test-secret-key-" + "x" * 32, "SOCKETIO_ASYNC_MODE": "threading",
                      "DATABASE_URL": f"sqlite:///{database_disk / 'cmc.db'}", "UPLOAD_DIR": str(tmp_path / "up")})
    with app.app_context():
        db.create_all()
        stamp_head()  # as `cmc db upgrade` leaves it: /healthz compares the schema revision
        party = Party(code="TT", name="Trinidad and Tobago", languages="en", kind=PartyKind.STATE,
                      status=PartyStatus.MEMBER)
        db.session.add(party)
        db.session.commit()
        from cmc.models import Role
        from cmc.services.passwords import hash_password

        secretariat = Account(email="sec@iom.int", name="Sec", party_id=party.id, role=Role.SECRETARIAT,
                              password_hash=hash_password("x" * 20))
        member = Account(email="d@gov.tt", name="Delegate", party_id=party.id, role=Role.DELEGATE, active=True,
                         password_hash=hash_password("y" * 20))
        db.session.add_all([secretariat, member])
        db.session.commit()
        networks.create_network(secretariat, networks.NetworkInput(slug=SLUG, name="Migrant Smuggling",
                                                                   party_codes=["TT"]))
        networks.add_member(secretariat, SLUG, member.id)
        headers = token_headers(member)
        db.session.execute(db.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.commit()
        filler = database_disk / "filler"
        free = os.statvfs(database_disk).f_bavail * os.statvfs(database_disk).f_frsize
        filler.write_bytes(b"\0" * max(free - 64 * 1024, 0))  # leave 64 KB: a page or two, not a document

        words = " ".join(f"register{n:06d}" for n in range(60_000)).encode()  # 900 KB of text to index
        answer = app.test_client().post(f"/api/v1/networks/{SLUG}/documents", headers=headers,
                                        **multipart({"title": "Register"}, words, "register.txt"))
        refused_as_full(answer)
        nothing_kept(app)
        assert app.test_client().get("/healthz").status_code == 200  # reading goes on

        filler.unlink()  # room again: the same upload is stored
        again = app.test_client().post(f"/api/v1/networks/{SLUG}/documents", headers=headers,
                                       **multipart({"title": "Register"}, words, "register.txt"))
        assert again.status_code == 201, again.get_json()
        db.session.remove()
        db.engine.dispose()


def test_the_real_server_answers_507_on_a_full_disk_and_goes_on(tmp_path_factory: pytest.TempPathFactory) -> None:
    """``cmc serve`` (gevent, a real socket): the disk fills while the body streams in; the client gets 507
    and its message, the server keeps nothing and takes the next upload. About 10 s: a live server's start."""
    import requests

    from tests.live_server import running_live_server

    disk = tmp_path_factory.mktemp("live-uploads-disk")
    mount_tmpfs(disk, "size=2m")
    try:
        with running_live_server(tmp_path_factory.mktemp("cmc-full-disk-live"),
                                 extra_env={"CMC_UPLOAD_DIR": str(disk)}) as server:
            token = server.create_token("delegate.tt@cmc.demo", "full disk")
            head = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

            def upload(content: bytes) -> requests.Response:
                return requests.post(server.url(f"/api/v1/networks/{SLUG}/documents"), headers=head, timeout=30,
                                     data={"title": "Scanned annex"}, files={"file": ("annex.pdf", content)})

            mark = server.log_mark()
            stored_before = {p for p in disk.rglob("*") if p.is_file()}  # the demo's own documents
            refused = upload(big_pdf(5))
            assert refused.status_code == 507, refused.text[:500]
            assert refused.json()["error"]["code"] == "insufficient_storage"
            assert not list((disk / "tmp").glob("upload-*")), "the temporary file stayed on the full disk"
            assert {p for p in disk.rglob("*") if p.is_file()} == stored_before
            assert requests.get(server.url("/healthz"), timeout=5).status_code == 200
            assert upload(pdf("Fits on the disk")).status_code == 201
            assert server.problems_since(mark) is None, "a full disk was logged as an error with a traceback"
    finally:
        unmount(disk)


@pytest.mark.parametrize("disk_options", ["size=1m,nr_inodes=2"])  # the root and tmp/: not one file more
def test_an_upload_with_no_room_even_for_its_temporary_file_answers_507(app: Flask, member: Account) -> None:
    refused_as_full(api_upload(app, token_headers(member), pdf("Northern harbour patrol")))
    nothing_kept(app)


@pytest.mark.parametrize("disk_options", ["size=4m,nr_inodes=4"])  # the root, tmp/, one folder and one file
def test_a_restore_with_no_room_for_its_copy_answers_507(app: Flask, member: Account,
                                                         signed_in: Callable[..., Any]) -> None:
    document = _stored(app, member, pdf("The first version"))
    client, account = signed_in("delegate", party="TT")
    networks.add_member(db.session.scalar(select(Account).where(Account.role == "secretariat")), SLUG, account.id)
    path = f"/documents/{document.id}"
    answer = client.post(f"{path}/versions/1/restore", data={"csrf_token": form_token(client, path)})
    assert answer.status_code == 507
    assert "no room left" in answer.get_data(as_text=True)
    nothing_kept(app, documents_before=1, versions_before=1)
