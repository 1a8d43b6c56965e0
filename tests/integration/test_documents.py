"""Documents: uploads that cannot hurt, versions, restore, audience, search and audited downloads."""

from __future__ import annotations

import hashlib
import io
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from cmc.extensions import db
from cmc.models import AuditEvent, Document, DocumentVersion
from cmc.services import networks
from tests.conftest import form_token
from tests.files import HTML, PNG, SVG, docx, pdf


@pytest.fixture
def small_limit(app_config):
    app_config["MAX_UPLOAD_MB"] = 1


@pytest.fixture
def space(app, make_party, make_account):
    """A network with TT and JM in it, a TT delegate member signed in via token-less API client helpers."""
    for code in ("TT", "JM", "BB"):
        make_party(code)
    make_party("US", status="observer")
    admin = make_account("secretariat")
    network = networks.create_network(admin, networks.NetworkInput(
        slug="border-management", name="Border Management", party_codes=["TT", "JM", "US"]))
    return network, admin


def _member(space, signed_in, party="TT"):
    network, admin = space
    client, account = signed_in("delegate", party=party)
    networks.add_member(admin, network.slug, account.id)
    return client, account


def multipart(fields: dict) -> tuple[str, bytes]:
    """A multipart body built in memory (the test client would spool a big one to a file it never closes)."""
    values = MultiDict()
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            values.add(key, item)
    boundary, body = encode_multipart(values)
    return f"multipart/form-data; boundary={boundary}", body


def _upload(client, slug="border-management", *, content=None, filename="report.pdf", title="Annual report",
            **fields):
    data = {"title": title, "kind": "report", "languages": ["en"], "audience": "network",
            "csrf_token": form_token(client, "/"), **fields}
    data["file"] = FileStorage(io.BytesIO(pdf("Annual report") if content is None else content), filename)
    content_type, body = multipart(data)
    return client.post(f"/networks/{slug}/documents/new", data=body, content_type=content_type,
                       headers={"X-Requested-With": "fetch"})


def _fetch(client, path):
    """GET a download and close it (the file handle must not outlive the test)."""
    with client.get(path) as response:
        response.direct_passthrough = False
        data = response.get_data()
        return response.status_code, response.headers, data


def _temp_files(app):
    return list(Path(app.config["UPLOAD_DIR"], "tmp").iterdir())


def test_upload_versions_download_and_restore(app, space, signed_in):
    client, account = _member(space, signed_in)
    first = pdf("first version")
    response = _upload(client, content=first)
    assert response.status_code == 201, response.get_json()
    document = db.session.scalar(select(Document))
    assert document.owner_party_id == account.party_id and document.current_version == 1
    second = docx("second version")
    content_type, body = multipart({"file": FileStorage(io.BytesIO(second), "report-v2.docx"),
                                    "note": "Figures for Q3", "csrf_token": form_token(client, "/")})
    response = client.post(f"/documents/{document.id}/versions", content_type=content_type, data=body)
    assert response.status_code == 302
    for number, original in ((1, first), (2, second)):
        _status, headers, data = _fetch(client, f"/documents/{document.id}/versions/{number}/download")
        assert hashlib.sha256(data).hexdigest() == hashlib.sha256(original).hexdigest()
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Content-Disposition"].startswith("attachment;")
        assert "sandbox" in headers["Content-Security-Policy"]
    client.post(f"/documents/{document.id}/versions/1/restore", data={"csrf_token": form_token(client, "/")})
    rows = db.session.scalars(select(DocumentVersion).order_by(DocumentVersion.number)).all()
    assert [r.number for r in rows] == [1, 2, 3] and rows[2].restored_from == 1
    assert rows[2].sha256 == rows[0].sha256 and rows[2].storage_key != rows[0].storage_key
    downloads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "document.download")).all()
    assert len(downloads) == 2 and downloads[0].details["version"] == 1
    assert _temp_files(app) == []


@pytest.mark.parametrize(("filename", "content", "status", "message"), [
    ("report.pdf", HTML, 415, "does not match its name"),
    ("x.php%00.pdf", HTML, 415, "does not match its name"),
    ("report.pdf.exe", pdf(), 415, "not accepted"),
    ("drawing.svg", SVG, 415, "not accepted"),
    ("drawing.txt", SVG, 415, "does not match its name"),
    ("page.txt", HTML, 415, "does not match its name"),
    ("empty.pdf", b"", 422, "empty"),
    ("fake.docx", b"PK\x03\x04 not really a zip", 415, "does not match"),
    ("image.png", b"GIF89a", 415, "does not match"),
])
def test_refused_files_leave_nothing_behind(app, space, signed_in, filename, content, status, message):
    client, _ = _member(space, signed_in)
    response = _upload(client, content=content, filename=filename)
    assert response.status_code == status
    assert message in response.get_json()["error"]["message"]
    assert db.session.scalar(select(db.func.count()).select_from(Document)) == 0
    assert _temp_files(app) == []
    assert not any(p.is_file() for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.parent.name != "tmp")


def test_file_over_the_limit_gets_413_with_a_clear_message(small_limit, app, space, signed_in):
    client, _ = _member(space, signed_in)
    just_over = pdf() + b"0" * (1024 * 1024)
    response = _upload(client, content=just_over)
    assert response.status_code == 413
    assert "larger than 1 MB" in response.get_json()["error"]["message"]
    far_over = pdf() + b"0" * (3 * 1024 * 1024)  # refused by the request size limit, before parsing
    response = _upload(client, content=far_over)
    assert response.status_code == 413
    assert db.session.scalar(select(db.func.count()).select_from(Document)) == 0
    assert _temp_files(app) == []


@pytest.mark.parametrize(("filename", "stored"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("evil\tname\x07\x1b[31m.pdf", "evilname[31m.pdf"),
    ("evil%0D%0ASet-Cookie: x=1.pdf", "evil%0D%0ASet-Cookie: x=1.pdf"),  # how browsers send CR/LF
    ("quo%22te's.pdf", "quo'te's.pdf"),  # browsers send a double quote as %22; we keep none
    ("a" * 296 + ".pdf", "a" * 196 + ".pdf"),
    ("доклад.pdf", "доклад.pdf"),
    ("x.php%00.pdf", "x.php%00.pdf"),
])
def test_file_names_are_only_metadata(app, space, signed_in, filename, stored):
    client, _ = _member(space, signed_in)
    response = _upload(client, filename=filename)
    assert response.status_code == 201, response.get_json()
    version = db.session.scalar(select(DocumentVersion))
    assert version.original_filename == stored
    assert version.storage_key.isalnum() and stored not in version.storage_key
    _status, headers, _data = _fetch(client, f"/documents/{version.document_id}/versions/1/download")
    disposition = headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert "filename*=UTF-8''" in disposition
    fallback = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback.strip(" .") and not fallback.startswith(".")  # never an empty ASCII name


def test_raw_cr_lf_in_a_file_name_breaks_only_that_request(app, space, signed_in):
    client, _ = _member(space, signed_in)
    response = _upload(client, filename="evil\r\nSet-Cookie: x=1.pdf")
    assert response.status_code == 422 and "Choose a file" in response.get_json()["error"]["message"]
    assert db.session.scalar(select(db.func.count()).select_from(Document)) == 0
    assert _temp_files(app) == []


def test_simultaneous_new_versions_are_both_kept(app, space, signed_in, sign_in):
    client, account = _member(space, signed_in)
    _upload(client)
    document_id = db.session.scalar(select(Document.id))
    clients = [app.test_client() for _ in range(2)]
    for other in clients:
        sign_in(other, account)
    tokens = [form_token(other, "/") for other in clients]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def push(other, token, n):
        content_type, body = multipart({"file": FileStorage(io.BytesIO(pdf(f"parallel {n}")), f"v{n}.pdf"),
                                        "csrf_token": token})
        barrier.wait()
        response = other.post(f"/documents/{document_id}/versions", content_type=content_type, data=body)
        statuses.append(response.status_code)

    pairs = enumerate(zip(clients, tokens, strict=True))
    threads = [threading.Thread(target=push, args=(c, t, n)) for n, (c, t) in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [302, 302]
    numbers = sorted(db.session.scalars(select(DocumentVersion.number)))
    assert numbers == [1, 2, 3]
    assert len(set(db.session.scalars(select(DocumentVersion.sha256)))) == 3


def test_non_member_cannot_read_or_download_by_id(app, space, signed_in, make_account, sign_in):
    client, _ = _member(space, signed_in)
    _upload(client)
    document_id = db.session.scalar(select(Document.id))
    outsider = app.test_client()
    sign_in(outsider, make_account("delegate", party="BB"))
    for path in (f"/documents/{document_id}", f"/documents/{document_id}/versions/1/download",
                 f"/api/v1/documents/{document_id}", f"/api/v1/documents/{document_id}/versions/1/download"):
        assert _fetch(outsider, path)[0] == 404, path
    denied = db.session.scalars(select(AuditEvent).where(AuditEvent.outcome == "denied",
                                                         AuditEvent.action == "document.read")).all()
    assert denied


def test_observer_reads_but_cannot_upload(app, space, signed_in, make_account, sign_in):
    client, _ = _member(space, signed_in)
    _upload(client)
    observer_client, _ = _member(space, signed_in, party="US")
    assert observer_client.get(f"/documents/{db.session.scalar(select(Document.id))}").status_code == 200
    response = _upload(observer_client)
    assert response.status_code == 403 and "Observers read" in response.get_json()["error"]["message"]
    assert db.session.scalar(select(db.func.count()).select_from(Document)) == 1


def test_search_finds_words_inside_a_pdf_for_members_only(app, space, signed_in, make_account, sign_in):
    client, _ = _member(space, signed_in)
    _upload(client, content=pdf("The quokkavessel was sighted"), title="Weekly note")
    _upload(client, content=docx("ocelotroute in the docx"), filename="note.docx", title="Second note")
    client.get("/")  # shows (and so clears) the "uploaded" messages
    page = client.get("/documents?q=quokkavessel").get_data(as_text=True)
    assert "Weekly note" in page and "Second note" not in page
    assert "Second note" in client.get("/documents?q=ocelotroute").get_data(as_text=True)
    api = client.get("/api/v1/documents?q=quokkavessel").get_json()["items"]
    assert [d["title"] for d in api] == ["Weekly note"]
    outsider = app.test_client()
    sign_in(outsider, make_account("delegate", party="BB"))
    assert "Weekly note" not in outsider.get("/documents?q=quokkavessel").get_data(as_text=True)
    assert outsider.get("/api/v1/documents?q=quokkavessel").get_json()["items"] == []


@pytest.mark.parametrize("query", ["' OR 1=1 --", '"unbalanced', "NEAR(a b)", "*", "title:x", "a AND OR NOT"])
def test_search_input_is_just_text(space, signed_in, query):
    client, _ = _member(space, signed_in)
    _upload(client)
    response = client.get("/documents", query_string={"q": query})
    assert response.status_code == 200
    assert client.get("/api/v1/documents", query_string={"q": query}).status_code == 200


def test_audience_widened_and_narrowed_by_the_owning_party(app, space, signed_in, make_account, sign_in):
    client, _ = _member(space, signed_in)
    _upload(client)
    document_id = db.session.scalar(select(Document.id))
    reader = app.test_client()
    barbados = make_account("delegate", party="BB")
    sign_in(reader, barbados)
    assert reader.get(f"/documents/{document_id}").status_code == 404
    token = form_token(client, "/")
    client.post(f"/documents/{document_id}/audience", data={"audience": "named", "parties": ["BB"],
                                                            "csrf_token": token})
    assert reader.get(f"/documents/{document_id}").status_code == 200
    client.post(f"/documents/{document_id}/audience", data={"audience": "network", "csrf_token": token})
    assert reader.get(f"/documents/{document_id}").status_code == 404
    # Another member of the network (another party) may read but not change the audience.
    other_client, _ = _member(space, signed_in, party="JM")
    response = other_client.put(f"/api/v1/documents/{document_id}/audience", json={"audience": "all"},
                                headers={"X-CSRFToken": form_token(other_client, "/")})
    assert response.status_code == 403
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "document.audience")).all()
    assert [e.outcome for e in events] == ["ok", "ok", "denied"]
    assert events[0].details["after"]["parties"] == ["BB"]


def test_named_audience_needs_parties(space, signed_in):
    client, _ = _member(space, signed_in)
    response = _upload(client, audience="named")
    assert response.status_code == 422 and "Name the parties" in response.get_json()["error"]["message"]


def test_protocol_needs_a_status_and_filters_work(space, signed_in):
    client, _ = _member(space, signed_in)
    assert _upload(client, kind="protocol", title="Protocol A").status_code == 422
    assert _upload(client, kind="protocol", status="adopted", title="Protocol A").status_code == 201
    assert _upload(client, kind="statistics", title="Figures", languages=["es"]).status_code == 201
    client.get("/")  # clears the "uploaded" messages
    page = client.get("/networks/border-management/documents?kind=protocol&status=adopted").get_data(as_text=True)
    assert "Protocol A" in page and "Figures" not in page
    page = client.get("/networks/border-management/documents?language=es").get_data(as_text=True)
    assert "Figures" in page and "Protocol A" not in page
    page = client.get("/networks/border-management/documents?sort=title").get_data(as_text=True)
    assert page.index("Figures") < page.index("Protocol A")


def test_api_upload_version_and_download(space, signed_in):
    client, _ = _member(space, signed_in)
    headers = {"X-CSRFToken": form_token(client, "/")}
    response = client.post("/api/v1/networks/border-management/documents", headers=headers,
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(PNG), "chart.png"), "title": "Chart", "kind": "statistics"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["versions"][0]["sha256"] == hashlib.sha256(PNG).hexdigest()
    version = client.post(f"/api/v1/documents/{body['id']}/versions", headers=headers,
                          content_type="multipart/form-data", data={"file": (io.BytesIO(PNG + b"1"), "c.png")})
    assert version.status_code == 201 and version.get_json()["number"] == 2
    _status, sent, data = _fetch(client, f"/api/v1/documents/{body['id']}/versions/2/download")
    assert data == PNG + b"1" and sent["X-Document-SHA256"] == hashlib.sha256(PNG + b"1").hexdigest()
    wrong = client.post("/api/v1/networks/border-management/documents", headers=headers, json={"title": "x"})
    assert wrong.status_code == 415, wrong.get_json()
