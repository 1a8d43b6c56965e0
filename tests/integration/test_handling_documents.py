"""Issue 18 on documents: each version carries its handling code and evaluation; the page, the lists and the API
show them; an H2 file leaves the platform (download, API, agenda ZIP, sharing into another network) only for its
originating party or under a release; H1 downloads are audited with their code; the agenda PDF states the
strictest code of its documents on every page."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from cmc.extensions import db
from cmc.models import Account, AuditEvent, Document, DocumentVersion, Outcome, Party
from cmc.models.types import utcnow
from cmc.services import documents, networks
from cmc.services.errors import DeniedError, HandlingRestricted, ValidationError
from cmc.services.handling import releases
from cmc.uploads import CheckedFile
from tests.conftest import bearer_headers, form_token
from tests.integration.test_documents import multipart

TEXT = b"Routes through the southern corridor.\n\nBoats leave at night from the western coast."


class World:
    """Jamaica originates; Trinidad and Tobago and Haiti read in Border Management; Trinidad and Tobago and
    Jamaica also post in Maritime."""

    def __init__(self, app: Any, make_party: Callable[..., Party], make_account: Callable[..., Account]) -> None:
        self.app = app
        for code, name in (("TT", "Trinidad and Tobago"), ("JM", "Jamaica"), ("HT", "Haiti")):
            make_party(code, name=name)
        self.admin = make_account("secretariat")
        self.bm = networks.create_network(self.admin, networks.NetworkInput(
            slug="bm", name="Border Management", party_codes=["TT", "JM", "HT"]))
        self.maritime = networks.create_network(self.admin, networks.NetworkInput(
            slug="maritime", name="Maritime", party_codes=["TT", "JM"]))
        self.jm = make_account("delegate", party="JM", name="Jamaica Author")
        self.jm_other = make_account("delegate", party="JM")
        self.jm_focal = make_account("focal_point", party="JM")
        self.tt = make_account("delegate", party="TT")
        self.ht = make_account("delegate", party="HT")
        for account in (self.jm, self.jm_other, self.jm_focal, self.tt, self.ht):
            networks.add_member(self.admin, "bm", account.id)
        for account in (self.jm, self.tt):
            networks.add_member(self.admin, "maritime", account.id)

    def upload(self, author: Account, code: str = "H0", *, text: str = "", title: str = "Routes report",
               content: bytes = TEXT, slug: str = "bm", **evaluation: str) -> Document:
        """A document uploaded through the service (a text file: its words are read)."""
        temp = Path(self.app.config["UPLOAD_DIR"], "tmp", f"upload-{title.replace(' ', '')}-{code}")
        temp.write_bytes(content)
        checked = CheckedFile(temp_path=temp, original_filename="routes.txt", extension="txt",
                              content_type="text/plain", size=len(content),
                              sha256=hashlib.sha256(content).hexdigest())
        return documents.upload(author, slug, documents.DocumentInput(
            title=title, handling_code=code, handling_text=text, **evaluation), checked)


@pytest.fixture
def world(app: Any, make_party: Callable[..., Party], make_account: Callable[..., Account]) -> World:
    return World(app, make_party, make_account)


def client_of(app: Any, sign_in: Callable[..., Any], account: Account) -> Any:
    client = app.test_client()
    assert sign_in(client, account).status_code == 302
    return client


def _web_upload(client: Any, **fields: Any) -> Any:
    data = {"title": "Web report", "kind": "report", "languages": ["en"], "audience": "network",
            "csrf_token": form_token(client, "/"), **fields}
    data["file"] = FileStorage(io.BytesIO(TEXT), "notes.txt")
    content_type, body = multipart(data)
    return client.post("/networks/bm/documents/new", data=body, content_type=content_type,
                       headers={"X-Requested-With": "fetch"})


def _fetch(client: Any, path: str, **kwargs: Any) -> tuple[int, bytes]:
    with client.get(path, **kwargs) as response:
        response.direct_passthrough = False
        return response.status_code, response.get_data()


def _count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _audits(action: str, outcome: Outcome | None = None) -> list[AuditEvent]:
    db.session.expire_all()
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    if outcome is not None:
        query = query.where(AuditEvent.outcome == outcome)
    return list(db.session.scalars(query))


def _release(world: World, document: Document, asker: Account, *, purpose: str = "national_system",
             network_id: int | None = None, days: int = 7, at: Any = None) -> None:
    asked = releases.request(asker, document, purpose=purpose, reason="Our border police need it",
                             network_id=network_id)
    releases.decide(world.jm_focal, asked.id, grant=True, note="For this operation", days=days, at=at)


# --- marking --------------------------------------------------------------------------------------------------

def test_web_upload_with_each_code_marks_the_document_and_its_version(app, world, sign_in):
    client = client_of(app, sign_in, world.jm)
    page = client.get("/networks/bm/documents/new").get_data(as_text=True)
    assert 'id="handling_code"' in page and "Not evaluated" in page and 'id="info_accuracy"' in page
    for code, text in (("H0", ""), ("H1", ""), ("H2", ""), ("H3", "Police use only, not for the press")):
        response = _web_upload(client, title=f"Report {code}", handling_code=code, handling_text=text,
                               source_reliability="B", info_accuracy="2")
        assert response.status_code == 201, response.get_json()
        document = db.session.scalar(select(Document).where(Document.title == f"Report {code}"))
        version = db.session.scalar(select(DocumentVersion).where(DocumentVersion.document_id == document.id))
        assert (document.handling_code.value, version.handling_code.value) == (code, code)
        assert document.handling_text == text and version.source_reliability.value == "B"
        assert version.info_accuracy.value == "2"
        shown = client.get(f"/documents/{document.id}").get_data(as_text=True)
        assert f"handling-{code.lower()}" in shown and 'class="handling-notice' in shown
        if code == "H3":
            assert "Police use only, not for the press" in shown
    upload = _audits("document.upload")[-1]
    assert upload.details["handling_code"] == "H3"


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"handling_code": "H5"}, "handling_code", "H0 to H3"),
    ({"handling_code": "H3", "handling_text": "  "}, "handling_text", "H3 needs its restriction"),
    ({"source_reliability": "Z"}, "source_reliability", "A, B, C or X"),
    ({"info_accuracy": "5"}, "info_accuracy", "1, 2, 3 or 4"),
])
def test_bad_markings_are_refused_and_store_nothing(app, world, sign_in, fields, field, message):
    client = client_of(app, sign_in, world.jm)
    response = _web_upload(client, **fields)
    assert response.status_code == 422 and message in response.get_json()["error"]["fields"][field]
    # Without JavaScript: the page again, with the message by the field.
    data = {"title": "Web report", "kind": "report", "languages": ["en"], "audience": "network",
            "csrf_token": form_token(client, "/"), **fields, "file": FileStorage(io.BytesIO(TEXT), "notes.txt")}
    content_type, body = multipart(data)
    page = client.post("/networks/bm/documents/new", data=body, content_type=content_type)
    assert page.status_code == 422 and message in page.get_data(as_text=True)
    headers = bearer_headers(world.jm)
    api = app.test_client().post("/api/v1/networks/bm/documents", headers=headers, content_type="multipart/form-data",
                      data={"file": (io.BytesIO(TEXT), "notes.txt"), "title": "API report", **fields})
    assert api.status_code == 422 and field in api.get_json()["error"]["fields"]
    assert _count(Document) == 0 and _count(DocumentVersion) == 0


def test_api_upload_carries_the_marking_and_the_version_schema_shows_it(app, world):
    client = app.test_client()
    headers = bearer_headers(world.jm)
    response = client.post("/api/v1/networks/bm/documents", headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(TEXT), "notes.txt"), "title": "API report",
                                 "handling_code": "h2", "source_reliability": "a", "info_accuracy": "3"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["handling"] == {"code": "H2", "text": "", "source_reliability": "A", "info_accuracy": "3"}
    assert body["versions"][0]["handling"]["code"] == "H2" and body["restricted"] is False
    # A new version without a marking keeps the document's; H3 without its text is refused.
    kept = client.post(f"/api/v1/documents/{body['id']}/versions", headers=headers,
                       content_type="multipart/form-data", data={"file": (io.BytesIO(TEXT + b"2"), "n.txt")})
    assert kept.status_code == 201 and kept.get_json()["handling"]["code"] == "H2"
    bad = client.post(f"/api/v1/documents/{body['id']}/versions", headers=headers,
                      content_type="multipart/form-data",
                      data={"file": (io.BytesIO(TEXT + b"3"), "n.txt"), "handling_code": "H3"})
    assert bad.status_code == 422 and "handling_text" in bad.get_json()["error"]["fields"]
    assert _count(DocumentVersion) == 2


def test_only_the_originator_lowers_the_code_of_a_new_version(app, world, sign_in):
    document = world.upload(world.jm, "H2")
    token_headers = bearer_headers(world.admin)
    client = app.test_client()
    # The secretariat may add a version, but not lower the code (API and service).
    lowered = client.post(f"/api/v1/documents/{document.id}/versions", headers=token_headers,
                          content_type="multipart/form-data",
                          data={"file": (io.BytesIO(TEXT + b"x"), "n.txt"), "handling_code": "H0"})
    assert lowered.status_code == 403 and "Only the originating party" in lowered.get_json()["error"]["message"]
    # Jamaica's other delegate (neither the author nor the focal point) is refused on the page too.
    other = client_of(app, sign_in, world.jm_other)
    data = {"file": FileStorage(io.BytesIO(TEXT + b"y"), "n.txt"), "note": "", "language": "en",
            "handling_code": "H1", "csrf_token": form_token(other, "/")}
    content_type, body = multipart(data)
    refused = other.post(f"/documents/{document.id}/versions", data=body, content_type=content_type)
    assert refused.status_code == 403 and "Only the originating party" in refused.get_data(as_text=True)
    assert _count(DocumentVersion) == 1
    denied = _audits("document.version", Outcome.DENIED)
    assert len(denied) == 2
    # Keeping the same code is fine for them; the author lowers it, and the first version stays H2.
    page = other.get(f"/documents/{document.id}").get_data(as_text=True)
    assert '<option selected value="H2">' in page or 'value="H2" selected' in page
    data.update(handling_code="H2", file=FileStorage(io.BytesIO(TEXT + b"z"), "n.txt"),
                csrf_token=form_token(other, "/"))
    content_type, body = multipart(data)
    assert other.post(f"/documents/{document.id}/versions", data=body, content_type=content_type).status_code == 302
    author = client_of(app, sign_in, world.jm)
    data.update(handling_code="H0", file=FileStorage(io.BytesIO(TEXT + b"w"), "n.txt"),
                csrf_token=form_token(author, "/"))
    content_type, body = multipart(data)
    assert author.post(f"/documents/{document.id}/versions", data=body, content_type=content_type).status_code == 302
    db.session.expire_all()
    codes = [v.handling_code.value for v in db.session.scalars(
        select(DocumentVersion).where(DocumentVersion.document_id == document.id).order_by(DocumentVersion.number))]
    assert codes == ["H2", "H2", "H0"] and db.session.get(Document, document.id).handling_code.value == "H0"


def test_restoring_keeps_the_current_marking_unless_the_restorer_may_lower(world):
    document = world.upload(world.jm, "H1")
    with pytest.raises(DeniedError):
        documents.add_version(world.admin, document.id, _checked(world, b"v2"),
                              marking=documents_marking("H0"))
    documents.add_version(world.jm, document.id, _checked(world, b"v2"), marking=documents_marking("H0"))
    restored = documents.restore(world.admin, document.id, 1)  # H1 raises H0: the old marking comes back
    assert restored.handling_code.value == "H1"
    documents.add_version(world.jm, document.id, _checked(world, b"v4"), marking=documents_marking("H3", "Police"))
    restored = documents.restore(world.admin, document.id, 1)  # H1 would lower H3: the current one stays
    assert restored.handling_code.value == "H3" and restored.handling_text == "Police"
    restored = documents.restore(world.jm, document.id, 1)  # the author may lower
    assert restored.handling_code.value == "H1"


def documents_marking(code: str, text: str = "") -> Any:
    from cmc.services import handling

    return handling.validate(code, text)


def _checked(world: World, content: bytes) -> CheckedFile:
    temp = Path(world.app.config["UPLOAD_DIR"], "tmp", f"upload-{hashlib.sha256(content).hexdigest()[:12]}")
    temp.write_bytes(content)
    return CheckedFile(temp_path=temp, original_filename="n.txt", extension="txt", content_type="text/plain",
                       size=len(content), sha256=hashlib.sha256(content).hexdigest())


# --- showing --------------------------------------------------------------------------------------------------

def test_lists_show_tags_and_filter_by_code(app, world, sign_in):
    world.upload(world.jm, "H0", title="Open report")
    world.upload(world.jm, "H2", title="Closed report", source_reliability="B", info_accuracy="2")
    client = client_of(app, sign_in, world.tt)
    page = client.get("/networks/bm/documents").get_data(as_text=True)
    assert "handling-h2" in page and "handling-h0" in page and ">B2</span>" in page
    only = client.get("/documents?handling=H2").get_data(as_text=True)
    assert "Closed report" in only and "Open report" not in only
    assert 'value="H2" title=' in only and "selected>H2" in only
    headers = bearer_headers(world.tt)
    listed = client.get("/api/v1/documents?handling=H0", headers=headers).get_json()["items"]
    assert [d["title"] for d in listed] == ["Open report"] and listed[0]["handling"]["code"] == "H0"


# --- reading and downloads ------------------------------------------------------------------------------------

def test_page_view_is_audited_against_the_owning_party(app, world, sign_in):
    document = world.upload(world.jm, "H1")
    client = client_of(app, sign_in, world.tt)
    assert client.get(f"/documents/{document.id}").status_code == 200
    read = _audits("document.read")[-1]
    assert (read.actor_id, read.target_id, read.target_party_id) == (world.tt.id, str(document.id),
                                                                      world.jm.party_id)
    assert read.details["handling_code"] == "H1"


def test_h1_download_is_audited_with_its_code(app, world, sign_in):
    document = world.upload(world.jm, "H1")
    client = client_of(app, sign_in, world.tt)
    status, data = _fetch(client, f"/documents/{document.id}/versions/1/download")
    assert status == 200 and data == TEXT
    download = _audits("document.download")[-1]
    assert download.details["handling_code"] == "H1" and download.target_party_id == world.jm.party_id


def test_an_h2_file_opens_for_its_audience_but_the_api_refuses_it(app, world, sign_in):
    """A reader of the document's audience opens its file from the page (how the audience reads it, audited with
    its code), and may read its text on the platform; the API, the way into a national system, refuses it."""
    document = world.upload(world.jm, "H2")
    client = client_of(app, sign_in, world.tt)
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "marked H2" in page or "H2: not to be disseminated" in page
    assert f"/documents/{document.id}/text/en" in page
    assert _fetch(client, f"/documents/{document.id}/versions/1/download") == (200, TEXT)
    downloaded = _audits("document.download")[-1]
    assert downloaded.details["handling_code"] == "H2" and downloaded.target_party_id == world.jm.party_id
    text = client.get(f"/documents/{document.id}/text/en").get_data(as_text=True)
    assert "southern corridor" in text and "Boats leave at night" in text
    assert _audits("document.read")[-1].details["text"] == "en"
    api = app.test_client()
    headers = bearer_headers(world.tt)
    for path in (f"/api/v1/documents/{document.id}", f"/api/v1/documents/{document.id}/versions/1/download"):
        refused = api.get(path, headers=headers)
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "handling_restricted"
        assert "H2" in refused.get_json()["error"]["message"]
    denied = _audits("handling.export", Outcome.DENIED)
    assert [d.details["export"] for d in denied] == ["api", "api"]
    assert all(d.target_party_id == world.jm.party_id and d.details["handling_code"] == "H2" for d in denied)
    # In the API's list it is a placeholder: no title, no description.
    listed = api.get("/api/v1/documents", headers=headers).get_json()["items"]
    assert listed == [{"id": document.id, "network": "bm", "handling": listed[0]["handling"], "restricted": True}]
    assert listed[0]["handling"]["code"] == "H2"


def test_the_api_lets_h2_out_to_the_originator_and_a_released_party_until_the_release_ends(app, world, sign_in):
    document = world.upload(world.jm, "H2")
    api = app.test_client()
    path = f"/api/v1/documents/{document.id}/versions/1/download"
    assert _fetch(api, path, headers=bearer_headers(world.jm_other))[0] == 200
    _release(world, document, world.tt)
    assert _fetch(api, path, headers=bearer_headers(world.tt)) == (200, TEXT)
    assert api.get(f"/api/v1/documents/{document.id}", headers=bearer_headers(world.tt)).status_code == 200
    exported = _audits("handling.export", Outcome.OK)
    assert [e.details["export"] for e in exported] == ["api", "api"] and exported[0].details["released"]
    # Haiti reads it in the network, but the release covers Trinidad and Tobago only.
    assert api.get(path, headers=bearer_headers(world.ht)).status_code == 403


def test_an_expired_release_is_refused_again(app, world, sign_in):
    document = world.upload(world.jm, "H2")
    _release(world, document, world.tt, days=1, at=utcnow() - timedelta(days=3))
    refused = app.test_client().get(f"/api/v1/documents/{document.id}/versions/1/download",
                                    headers=bearer_headers(world.tt))
    assert refused.status_code == 403
    assert _audits("handling.export", Outcome.DENIED)[-1].actor_id == world.tt.id


def test_an_old_version_marked_h2_stays_h2(app, world, sign_in):
    document = world.upload(world.jm, "H2")
    documents.add_version(world.jm, document.id, _checked(world, b"cleared"), marking=documents_marking("H0"))
    api = app.test_client()
    headers = bearer_headers(world.tt)
    assert _fetch(api, f"/api/v1/documents/{document.id}/versions/2/download", headers=headers) == (200, b"cleared")
    assert api.get(f"/api/v1/documents/{document.id}/versions/1/download", headers=headers).status_code == 403
    with pytest.raises(HandlingRestricted):
        documents.open_version(world.tt, document.id, 1, path="api")


# --- forwarding -----------------------------------------------------------------------------------------------

def _forward(client: Any, document: Document, slug: str) -> Any:
    return client.post(f"/documents/{document.id}/forward",
                       data={"network": slug, "csrf_token": form_token(client, "/"), "form_nonce": ""})


def test_forwarding_an_h0_document_keeps_its_originator(app, world, sign_in):
    document = world.upload(world.jm, "H0", source_reliability="A", info_accuracy="1")
    tt = client_of(app, sign_in, world.tt)
    page = tt.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "Share in another network" in page and 'value="maritime"' in page and 'value="bm"' not in page
    assert _forward(tt, document, "bm").status_code == 422  # its own network
    response = _forward(tt, document, "maritime")
    assert response.status_code == 302
    copy = db.session.scalar(select(Document).where(Document.network_id == world.maritime.id))
    assert copy.owner_party_id == world.jm.party_id and copy.uploader_id == world.tt.id
    assert (copy.title, copy.handling_code.value, copy.source_reliability.value) == ("Routes report", "H0", "A")
    version = db.session.scalar(select(DocumentVersion).where(DocumentVersion.document_id == copy.id))
    original = db.session.scalar(select(DocumentVersion).where(DocumentVersion.document_id == document.id))
    assert version.sha256 == original.sha256 and version.storage_key != original.storage_key
    assert version.note == "Shared from Border Management"
    assert _fetch(tt, f"/documents/{copy.id}/versions/1/download") == (200, TEXT)
    forwarded = _audits("document.forward")[-1]
    assert forwarded.target_party_id == world.jm.party_id and forwarded.details["network_id"] == world.maritime.id


def test_forwarding_an_h2_document_needs_a_release_into_that_network(app, world, sign_in):
    document = world.upload(world.jm, "H2")
    tt = client_of(app, sign_in, world.tt)
    refused = _forward(tt, document, "maritime")
    assert refused.status_code == 403 and "marked H2 by Jamaica" in refused.get_data(as_text=True)
    assert _count(Document) == 1
    assert _audits("handling.export", Outcome.DENIED)[-1].details["export"] == "forward"
    # A release to their national system does not cover another network; one into Maritime does.
    _release(world, document, world.tt)
    assert _forward(tt, document, "maritime").status_code == 403 and _count(Document) == 1
    _release(world, document, world.tt, purpose="network", network_id=world.maritime.id)
    assert _forward(tt, document, "maritime").status_code == 302
    copy = db.session.scalar(select(Document).where(Document.network_id == world.maritime.id))
    assert copy.handling_code.value == "H2" and copy.owner_party_id == world.jm.party_id
    with pytest.raises(ValidationError):
        documents.forward(world.ht, document.id, "maritime")  # Haiti does not post there


def test_the_originator_forwards_h2_without_a_release(world):
    document = world.upload(world.jm, "H2")
    copy = documents.forward(world.jm, document.id, "maritime")
    assert copy.handling_code.value == "H2" and copy.network_id == world.maritime.id


