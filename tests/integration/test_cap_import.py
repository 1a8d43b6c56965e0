"""CAP import is inert in every encoding (hardening issue, item 2).

The same hostile constructs (internal, external and parameter entities, a DOCTYPE with a SYSTEM or PUBLIC
identifier and no entity, billion laughs, XInclude) are written in every encoding an XML parser accepts
(UTF-8 with and without a byte order mark, UTF-16 and UTF-32 both ways round, with and without a BOM, a
declared ISO-8859-1 and windows-1252, and EBCDIC, which lxml does not decode) and sent to the import API.
Every one answers 422 with a JSON error that names the problem, nothing is published, and nothing is read:
the files they point at are named pipes watched by another process (a parser opening one for reading would
be seen, and would get a marker text that must never appear), and the URLs point at a listener that records
every connection. The plain alert in each of those encodings is imported with its accented text intact.
"""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cmc.extensions import db
from cmc.models import Alert, AlertInfo
from cmc.services import auth
from tests.conftest import free_port
from tests.integration.test_alerts import net  # noqa: F401  (the fixture)

HEADLINE = "Lancha rápida salió de Samaná"
DESCRIPTION = "Vista a las 09:40."
BODY = f"""<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>DO-2026-0042</identifier><sender>do.migracion</sender><sent>2026-11-28T10:00:00+00:00</sent>
  <status>Exercise</status><msgType>Alert</msgType><scope>Restricted</scope>
  <restriction>CMC Migrant Smuggling members</restriction>
  <info><language>es-DO</language><category>Security</category><event>Suspected smuggling vessel</event>
    <urgency>Immediate</urgency><severity>Severe</severity><certainty>Likely</certainty>
    <headline>{HEADLINE}</headline><description>{DESCRIPTION}</description>
    <area><areaDesc>Canal de la Mona</areaDesc><geocode><valueName>ISO3166-1</valueName><value>JM</value>
    </geocode></area></info>
</alert>"""

#: name -> (encoding declared in the XML declaration or None for none, Python codec, byte order mark).
ENCODINGS: dict[str, tuple[str | None, str, bytes]] = {
    "utf-8": ("UTF-8", "utf-8", b""),
    "utf-8, no declaration": (None, "utf-8", b""),
    "utf-8 with BOM": ("UTF-8", "utf-8", codecs.BOM_UTF8),
    "utf-16 LE with BOM": ("UTF-16", "utf-16-le", codecs.BOM_UTF16_LE),
    "utf-16 BE with BOM": ("UTF-16", "utf-16-be", codecs.BOM_UTF16_BE),
    "utf-16 LE with BOM, no declaration": (None, "utf-16-le", codecs.BOM_UTF16_LE),
    "utf-16 BE, no BOM": ("UTF-16BE", "utf-16-be", b""),
    "utf-32 LE with BOM": ("UTF-32", "utf-32-le", codecs.BOM_UTF32_LE),
    "utf-32 BE with BOM": ("UTF-32", "utf-32-be", codecs.BOM_UTF32_BE),
    "utf-32 LE, no BOM": ("UTF-32LE", "utf-32-le", b""),
    "iso-8859-1": ("ISO-8859-1", "latin-1", b""),
    "windows-1252": ("windows-1252", "cp1252", b""),
    "ebcdic cp037": ("IBM037", "cp037", b""),
}
#: What lxml cannot decode: refused as not well-formed, whatever the content.
UNDECODABLE = {"ebcdic cp037"}

LOL = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))

#: name -> (prolog after the XML declaration, body, words one of which the error message contains, split by
#: "|"). ``{file}`` is a watched local path, ``{url}`` a watched URL.
HOSTILE: dict[str, tuple[str, str, str]] = {
    "internal entity": ('<!DOCTYPE alert [<!ENTITY who "the coast guard">]>',
                        BODY.replace(DESCRIPTION, "Tell &who;."), "DOCTYPE"),
    "external entity, file": ('<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file://{file}">]>',
                              BODY.replace(DESCRIPTION, "&xxe;"), "DOCTYPE"),
    "external entity, url": ('<!DOCTYPE alert [<!ENTITY xxe SYSTEM "{url}">]>',
                             BODY.replace(DESCRIPTION, "&xxe;"), "DOCTYPE"),
    "parameter entity": ('<!DOCTYPE alert [<!ENTITY % remote SYSTEM "file://{file}"> %remote;]>', BODY, "DOCTYPE"),
    "parameter entity, url": ('<!DOCTYPE alert [<!ENTITY % remote SYSTEM "{url}"> %remote;]>', BODY, "DOCTYPE"),
    "doctype with a system id": ('<!DOCTYPE alert SYSTEM "file://{file}">', BODY, "DOCTYPE"),
    "doctype with a public id": ('<!DOCTYPE alert PUBLIC "-//CMC//Alert//EN" "{url}">', BODY, "DOCTYPE"),
    # libxml2 itself stops this one while parsing the declarations ("entity amplification factor exceeded").
    "billion laughs": (f'<!DOCTYPE alert [<!ENTITY lol0 "lol">{LOL}]>', BODY.replace(DESCRIPTION, "&lol9;"),
                       "DOCTYPE|amplification"),
    "xinclude": ("", BODY.replace(DESCRIPTION, '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
                                               'href="file://{file}" parse="text"/>'), "XInclude"),
    "undeclared entity": ("", BODY.replace(DESCRIPTION, "&xxe;"), "well-formed"),
}
#: name -> (document, a word the error message must contain).
MALFORMED: dict[str, tuple[str, str]] = {
    "truncated": (BODY[: len(BODY) // 2], "well-formed"),
    "not CAP": ("<html><body>hello</body></html>", "valid CAP"),
    "missing identifier": (BODY.replace("<identifier>DO-2026-0042</identifier>", ""), "valid CAP"),
    "bad severity": (BODY.replace("<severity>Severe</severity>", "<severity>Awful</severity>"), "valid CAP"),
}

WATCHER = r"""
import os, socket, sys, time
fifo, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
marker = sys.argv[4].encode()
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(8)
listener.setblocking(False)
open(log, "a").write("ready\n")
while True:
    try:  # opening a pipe for writing without blocking fails (ENXIO) until someone opens it to read
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        pass
    else:
        open(log, "a").write("file opened\n")
        os.write(fd, marker)
        os.close(fd)
    try:
        connection, _ = listener.accept()
    except BlockingIOError:
        pass
    else:
        open(log, "a").write("url fetched\n")
        connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + marker)
        connection.close()
    time.sleep(0.002)
"""


@dataclass
class Watch:
    """A named pipe and a URL that nothing may read, watched by another process; ``marker`` is what a
    reader of either would get."""

    file: Path
    url: str
    log: Path
    marker: str

    def reads(self) -> list[str]:
        """What was read so far (empty when nothing was)."""
        return [line for line in self.log.read_text().splitlines() if line != "ready"]


@pytest.fixture
def watch(tmp_path: Path) -> Iterator[Watch]:
    """The watched pipe and URL. The watcher is a process of its own: if the parser blocked opening the pipe
    or waiting on the URL while holding the interpreter, a thread of this process could not answer it."""
    fifo, log = tmp_path / "secret.txt", tmp_path / "watch.log"
    os.mkfifo(fifo)
    log.write_text("")
    port = free_port()
    marker = f"MARKER-{uuid.uuid4().hex}"
    process = subprocess.Popen([sys.executable, "-c", WATCHER, str(fifo), str(port), str(log), marker])
    try:
        deadline = time.monotonic() + 10
        while "ready" not in log.read_text():
            assert time.monotonic() < deadline and process.poll() is None, "the watcher did not start"
            time.sleep(0.01)
        yield Watch(file=fifo, url=f"http://127.0.0.1:{port}/secret.dtd", log=log, marker=marker)
    finally:
        process.kill()
        process.wait(timeout=5)


@pytest.fixture
def importer(net: Any, client: Any) -> Any:  # noqa: F811
    """``importer(data)``: POST bytes to the import API as a coordinator (with a token) -> response."""
    network, _admin, coordinator, _member = net
    token = auth.create_token(coordinator, "national system")[1]

    def post(data: bytes) -> Any:
        return client.post(f"/api/v1/networks/{network.slug}/alerts/import", data=data,
                           headers={"Authorization": f"Bearer {token}", "Content-Type": "application/cap+xml"})

    return post


def encode(encoding: str, prolog: str, body: str) -> bytes:
    declared, codec, bom = ENCODINGS[encoding]
    declaration = f'<?xml version="1.0" encoding="{declared}"?>' if declared else ""
    return bom + (declaration + prolog + body).encode(codec)


def alerts_stored() -> int:
    db.session.commit()
    return int(db.session.scalar(select(db.func.count()).select_from(Alert)) or 0)


def assert_refused(response: Any, word: str, watch: Watch, label: str) -> None:
    assert response.status_code == 422, (label, response.status_code, response.get_data(as_text=True)[:300])
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed", (label, error)
    assert any(w.lower() in error["message"].lower() for w in word.split("|")), (label, error)
    assert error["fields"].get("file"), (label, error)
    assert watch.marker not in response.get_data(as_text=True), label


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_hostile_xml_is_refused_in_every_encoding_and_reads_nothing(importer: Any, watch: Watch,
                                                                    encoding: str) -> None:
    for name, (prolog, body, word) in HOSTILE.items():
        data = encode(encoding, prolog.format(file=watch.file, url=watch.url),
                      body.format(file=watch.file, url=watch.url))
        expected = "well-formed" if encoding in UNDECODABLE else word
        assert_refused(importer(data), expected, watch, f"{name} in {encoding}")
    for name, (document, word) in MALFORMED.items():
        expected = "well-formed" if encoding in UNDECODABLE else word
        assert_refused(importer(encode(encoding, "", document)), expected, watch, f"{name} in {encoding}")
    assert alerts_stored() == 0
    assert watch.reads() == [], f"something read the watched file or URL: {watch.reads()}"
    texts = db.session.scalars(select(AlertInfo.description)).all()
    assert not any(watch.marker in t for t in texts)


@pytest.mark.parametrize("encoding", sorted(set(ENCODINGS) - UNDECODABLE))
def test_a_plain_alert_imports_in_every_encoding_the_parser_reads(importer: Any, encoding: str) -> None:
    response = importer(encode(encoding, "", BODY))
    assert response.status_code == 201, (encoding, response.get_json())
    info = response.get_json()["infos"][0]
    assert info["headline"] == HEADLINE and info["language"] == "es" and info["geocodes"] == ["JM"]
    assert alerts_stored() == 1


def test_an_ebcdic_alert_is_refused_with_a_reason_not_a_crash(importer: Any, watch: Watch) -> None:
    assert_refused(importer(encode("ebcdic cp037", "", BODY)), "encoding", watch, "plain EBCDIC")
    assert alerts_stored() == 0


def test_a_member_import_is_a_draft_and_an_outsider_learns_nothing(net: Any, client: Any,  # noqa: F811
                                                                    make_account: Any) -> None:
    network, _admin, _coordinator, member = net
    delegate = member()
    outsider = make_account("delegate", party="BB")
    hostile = encode("utf-16 LE with BOM", '<!DOCTYPE alert SYSTEM "file:///etc/passwd">', BODY)
    for account, status in ((outsider, 404), (delegate, 422)):
        token = auth.create_token(account, "x")[1]
        response = client.post(f"/api/v1/networks/{network.slug}/alerts/import?submit=1", data=hostile,
                               headers={"Authorization": f"Bearer {token}", "Content-Type": "application/cap+xml"})
        assert response.status_code == status, response.get_json()
    assert alerts_stored() == 0
