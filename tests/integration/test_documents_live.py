"""Uploads against the real server (``cmc serve``: gevent, in a subprocess, on an instance folder of its own),
over real sockets: a client that hangs up halfway and a server killed halfway leave no document, no kept file
and no temporary file behind; the server starts again on the same instance and takes the next upload; and
search finds a word inside a PDF for members of the network only.

``tests/integration/test_documents.py`` proves the upload rules in-process; this file proves what only a
real connection and a real process can show: a body that never arrives in full, and a crash.
"""

from __future__ import annotations

import hashlib
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.files import pdf
from tests.live_server import LiveServer, running_live_server

#: Its servers and commands run on the live database of the run (SQLite, or PostgreSQL under make test-postgres).
pytestmark = pytest.mark.live_database

MEMBER = "delegate.tt@cmc.demo"  # Trinidad and Tobago, member of Migrant Smuggling
OTHER_MEMBER = "delegate.do@cmc.demo"  # Dominican Republic, member of Migrant Smuggling
OUTSIDER = "delegate.bb.documents@example.org"  # Barbados, created here: not a member
SLUG = "migrant-smuggling"
UPLOAD_PATH = f"/api/v1/networks/{SLUG}/documents"

DECLARED_SIZE = 20 * 1024 * 1024  # what the client announces in Content-Length
CUT_AFTER = 8 * 1024 * 1024  # what the hanging-up client sends before it closes the socket
KILL_AFTER = DECLARED_SIZE // 2  # what the server has received when it is killed
CHUNK = 64 * 1024
SETTLE = 5.0  # how long the server gets to notice a hang-up and clean up
BOUNDARY = "cmc-live-test-boundary-7f3a"


# --------------------------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """This module's own real server, freshly migrated and demo-seeded: the tests may kill and restart it."""
    with running_live_server(tmp_path_factory.mktemp("cmc-documents-live")) as live_server:
        yield live_server


@pytest.fixture(autouse=True)
def server_log_stays_clean(server: LiveServer, request: pytest.FixtureRequest) -> Iterator[None]:
    """A cut connection, a crash and a refused reader are normal events: the server must not log them as
    errors. (A strict-xfail test of a known app bug checks its own outcome instead.)"""
    mark = server.log_mark()
    yield
    if request.node.get_closest_marker("xfail"):
        return
    problems = server.problems_since(mark)
    if problems:
        pytest.fail("the server logged errors during this test:\n" + problems, pytrace=False)


@pytest.fixture(scope="module")
def tokens(server: LiveServer) -> dict[str, str]:
    """Personal access tokens of two members of Migrant Smuggling and of a Barbados delegate who is not one
    (created with ``cmc accounts create``)."""
    server.cmc("accounts", "create", "--email", OUTSIDER, "--name", "Barbados Delegate", "--party", "BB",
               "--role", "delegate", "--password-stdin", input_text=secrets.token_urlsafe(24) + "\n")
    return {email: server.create_token(email, "documents live tests") for email in (MEMBER, OTHER_MEMBER, OUTSIDER)}


# --------------------------------------------------------------------------------------------- helpers

def uploads_dir(server: LiveServer) -> Path:
    return server.instance_path / "uploads"


def temp_uploads(server: LiveServer) -> list[Path]:
    """The temporary upload files in ``<instance>/uploads/tmp`` right now."""
    return sorted((uploads_dir(server) / "tmp").glob("upload-*"))


def kept_files(server: LiveServer) -> set[str]:
    """Every kept file under ``<instance>/uploads``, outside ``tmp/`` (relative paths)."""
    root = uploads_dir(server)
    return {str(p.relative_to(root)) for p in root.rglob("*")
            if p.is_file() and p.relative_to(root).parts[0] != "tmp"}


def document_titles(server: LiveServer, token: str) -> list[str]:
    """The titles of every document the token's account may read (all pages of the API list)."""
    titles: list[str] = []
    page = 1
    while True:
        answer = server.api("GET", f"/documents?page={page}", token=token)
        assert answer.status == 200, answer
        titles += [item["title"] for item in answer.body["items"]]
        if not answer.body["has_next"]:
            return titles
        page += 1


def wait_for(condition: Callable[[], bool], what: str, timeout: float = SETTLE) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout} s: {what}", pytrace=False)
        time.sleep(0.05)


def biggest_temp_upload(server: LiveServer) -> int:
    """The size of the largest temporary upload file (0 when there is none, or it just went away)."""
    sizes = [0]
    for path in temp_uploads(server):
        try:
            sizes.append(path.stat().st_size)
        except FileNotFoundError:
            continue
    return max(sizes)


def upload(server: LiveServer, token: str, title: str, filename: str, content: bytes,
           content_type: str = "application/pdf") -> requests.Response:
    """A complete multipart upload through the API, as any client would send it."""
    return requests.post(server.url(UPLOAD_PATH), headers={"Authorization": f"Bearer {token}",
                                                            "Accept": "application/json"},
                         data={"title": title, "kind": "report", "languages": "en"},
                         files={"file": (filename, content, content_type)}, timeout=30)


class PartialUpload:
    """A raw TCP client that announces a ``DECLARED_SIZE`` multipart upload (a real PDF followed by padding,
    so every check would pass if it arrived) and sends only as much of it as a test asks for."""

    def __init__(self, server: LiveServer, token: str, title: str) -> None:
        self.server = server
        self.sent = 0
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        preamble = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n{title}\r\n"
                    f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big-report.pdf\"\r\n"
                    "Content-Type: application/pdf\r\n\r\n").encode() + pdf("A report that never arrives") + b"%"
        headers = (f"POST {UPLOAD_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                   f"Authorization: Bearer {token}\r\nAccept: application/json\r\n"
                   f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
                   f"Content-Length: {DECLARED_SIZE}\r\nConnection: close\r\n\r\n").encode()
        try:
            self.sock.sendall(headers + preamble)
        except OSError:
            self.sock.close()
            raise
        self.sent = len(preamble)

    def send_body_until(self, size: int) -> None:
        """Send padding until ``size`` bytes of the body are out, then wait until the server has written
        most of them to its temporary file (so it is really halfway through reading the upload)."""
        filler = b"x" * CHUNK
        while self.sent < size:
            piece = filler[: min(CHUNK, size - self.sent)]
            self.sock.sendall(piece)
            self.sent += len(piece)
        wait_for(lambda: biggest_temp_upload(self.server) >= size // 2,
                 f"the server writing the upload to a temporary file (largest: {biggest_temp_upload(self.server)})")

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> PartialUpload:
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.close()


# --------------------------------------------------------------------------------------------- tests

def test_a_client_that_disconnects_halfway_stores_nothing(server: LiveServer, tokens: dict[str, str]) -> None:
    title = f"Half-sent report {secrets.token_hex(4)}"
    kept_before = kept_files(server)

    with PartialUpload(server, tokens[MEMBER], title) as client:
        client.send_body_until(CUT_AFTER)
        assert len(temp_uploads(server)) == 1, "the upload is not being streamed to a temporary file"
    # The socket is closed with 12 of the announced 20 MB missing.

    wait_for(lambda: not temp_uploads(server),
             f"the temporary file of the cut upload removed (left: {temp_uploads(server)})")
    assert title not in document_titles(server, tokens[MEMBER]), "a cut upload became a document"
    assert kept_files(server) == kept_before, f"a cut upload left a kept file: {kept_files(server) - kept_before}"
    assert requests.get(server.url("/healthz"), timeout=5).status_code == 200, "the server did not survive"


def test_the_server_killed_halfway_through_an_upload_leaves_nothing_after_a_restart(
    server: LiveServer, tokens: dict[str, str],
) -> None:
    title = f"Report cut by a crash {secrets.token_hex(4)}"
    kept_before = kept_files(server)

    mark = server.log_mark()
    try:
        with PartialUpload(server, tokens[MEMBER], title) as client:
            client.send_body_until(KILL_AFTER)
            server.kill()  # SIGKILL with 10 of 20 MB received: no teardown, no clean-up of any kind
            leftovers = temp_uploads(server)
            assert len(leftovers) == 1, f"the crash should leave the half-written temporary file, found {leftovers}"
        mark = server.log_mark()
    finally:
        server.start()  # the same instance folder, database and port (also when an assertion above failed)

    assert not temp_uploads(server), f"the start did not sweep {temp_uploads(server)}"
    assert "swept 1 leftover temporary upload file(s)" in server.output()[mark:], server.output()[-2000:]
    assert title not in document_titles(server, tokens[MEMBER]), "the crashed upload became a document"
    assert kept_files(server) == kept_before, f"the crash left a kept file: {kept_files(server) - kept_before}"

    # The restarted server takes the next upload as usual, and gives the same bytes back.
    content = pdf("Uploaded after the restart")
    answer = upload(server, tokens[MEMBER], "Uploaded after the restart", "after-restart.pdf", content)
    assert answer.status_code == 201, answer.text
    document = answer.json()
    assert document["versions"][0]["sha256"] == hashlib.sha256(content).hexdigest()
    download = requests.get(server.url(f"/api/v1/documents/{document['id']}/versions/1/download"),
                            headers={"Authorization": f"Bearer {tokens[MEMBER]}"}, timeout=10)
    assert download.status_code == 200 and download.content == content
    assert len(kept_files(server) - kept_before) == 1
    assert not temp_uploads(server)


def test_search_finds_a_word_inside_a_pdf_for_members_only(server: LiveServer, tokens: dict[str, str]) -> None:
    word = "uniquewordxyz" + "".join(secrets.choice("abcdefghij") for _ in range(6))
    content = pdf(f"The coast guard logged {word} near the northern harbour")
    answer = upload(server, tokens[MEMBER], "Northern harbour patrol summary", "patrol.pdf", content)
    assert answer.status_code == 201, answer.text
    document_id = answer.json()["id"]
    assert word not in answer.text, "the word must be only inside the PDF, not in the title or description"

    def found(email: str) -> list[int]:
        result = server.api("GET", f"/documents?q={word}", token=tokens[email])
        assert result.status == 200, result
        return [item["id"] for item in result.body["items"]]

    assert found(MEMBER) == [document_id]
    assert found(OTHER_MEMBER) == [document_id]  # another party, same network
    assert found(OUTSIDER) == [], "search shows a non-member a document of a network they are not in"

    for path in (f"/documents/{document_id}", f"/documents/{document_id}/versions/1/download"):
        refused = server.api("GET", path, token=tokens[OUTSIDER])
        assert refused.status == 404, (path, refused)
        assert "harbour" not in str(refused.body).lower(), f"the 404 of {path} tells what the document is"
    allowed = server.api("GET", f"/documents/{document_id}/versions/1/download", token=tokens[OTHER_MEMBER])
    assert allowed.status == 200
    assert allowed.headers["X-Document-SHA256"] == hashlib.sha256(content).hexdigest()


def test_a_cli_command_during_an_upload_does_not_break_it(server: LiveServer, tokens: dict[str, str]) -> None:
    content = pdf("Sent while an operator runs a command") + b"%" + b"x" * (2 * 1024 * 1024) + b"\n"
    preamble = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nSent during a command\r\n"
                f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"during.pdf\"\r\n"
                "Content-Type: application/pdf\r\n\r\n").encode()
    body = preamble + content + f"\r\n--{BOUNDARY}--\r\n".encode()
    headers = (f"POST {UPLOAD_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
               f"Authorization: Bearer {tokens[MEMBER]}\r\nAccept: application/json\r\n"
               f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
               f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    mark = server.log_mark()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(headers + body[: len(body) // 2])
        wait_for(lambda: biggest_temp_upload(server) > 0, "the upload streamed to a temporary file")
        server.create_token(OTHER_MEMBER, "made during an upload")  # any `cmc` command
        sock.sendall(body[len(body) // 2:])
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line = answer.split(b"\r\n", 1)[0].decode()
    assert status_line.startswith("HTTP/1.1 201"), f"{status_line}\n{server.output()[mark:][-1500:]}"
    assert server.problems_since(mark) is None
