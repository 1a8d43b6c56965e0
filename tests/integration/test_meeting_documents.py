"""Issue 17: documents picked, not typed (the builder's picker, titles in place of numbers, the warning when a
registered delegation may not read a linked document), the downloads of the meeting page (the ZIP only when it
holds a document the reader may open) and the notice a page fetches when a new agenda version is published."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, time
from typing import Any

import pytest
from sqlalchemy import event, func, select

from cmc.extensions import db
from cmc.models import Account, Audience, Document, DocumentKind, Party
from cmc.services import meetings, networks
from cmc.services.errors import DeniedError
from tests.conftest import form_token

START, END = date(2027, 3, 10), date(2027, 3, 11)


@pytest.fixture
def admin(make_account: Callable[..., Account], make_party: Callable[..., Party]) -> Account:
    for code, name in (("TT", "Trinidad and Tobago"), ("JM", "Jamaica"), ("HT", "Haiti"), ("BS", "The Bahamas")):
        make_party(code, name=name)
    return make_account("secretariat")


@pytest.fixture
def network(admin: Account) -> Any:
    """Border Management, with Trinidad and Tobago and Jamaica taking part (not Haiti, not The Bahamas)."""
    return networks.create_network(admin, networks.NetworkInput(slug="bm", name="Border Management",
                                                                party_codes=["TT", "JM"]))


@pytest.fixture
def meeting(admin: Account) -> Any:
    return meetings.save_meeting(admin, meetings.MeetingInput(
        title="Annual meeting", kind="annual_meeting", start_date=START, end_date=END, city="Nassau",
        host_party="BS", status="published"))


@pytest.fixture
def make_document(admin: Account) -> Callable[..., Document]:
    """``make_document(title, audience=..., network=..., named=[codes], owner="TT", files=1)``: a document row
    (``files`` sets its current version; the picker, the titles and the warnings read no file)."""

    def make(title: str, *, audience: Audience = Audience.NETWORK, network: Any = None, named: tuple[str, ...] = (),
             owner: str = "TT", files: int = 1, kind: DocumentKind = DocumentKind.REPORT,
             languages: str = "en") -> Document:
        party = db.session.scalar(select(Party).where(Party.code == owner))
        document = Document(title=title, audience=audience, network_id=network.id if network else None,
                            owner_party_id=party.id, uploader_id=admin.id, current_version=files, kind=kind,
                            languages=languages,
                            named_parties=list(db.session.scalars(select(Party).where(Party.code.in_(named)))))
        db.session.add(document)
        db.session.commit()
        return document

    return make


def _item(title: str, documents: list[int], start: str = "09:00") -> meetings.ItemInput:
    return meetings.ItemInput(day=START, title=title, start_time=time.fromisoformat(start),
                              end_time=time(int(start[:2]) + 1, 0), document_ids=documents)


@contextmanager
def counted_queries() -> Iterator[list[str]]:
    """Every SQL statement run inside the block."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


# --- the picker ------------------------------------------------------------------------------------------

def _search(client: Any, meeting_id: int, query: str) -> Any:
    return client.get(f"/meetings/{meeting_id}/documents/search", query_string={"q": query})


def test_picker_finds_documents_by_title_words_with_network_kind_and_languages(
        admin, meeting, network, make_document, signed_in):
    make_document("Smuggling routes report 2026", network=network, kind=DocumentKind.STATISTICS, languages="en;es")
    make_document("Routes of smuggling vessels", audience=Audience.ALL, owner="JM")
    make_document("Border crossings", network=network)
    client, _admin = signed_in("secretariat", party="IOM")
    answer = _search(client, meeting.id, "  SMUGGL  rout ")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    found = answer.get_json()["documents"]
    assert [d["title"] for d in found] == ["Routes of smuggling vessels", "Smuggling routes report 2026"]
    report = found[1]
    assert set(report) == {"id", "title", "network", "kind", "languages"}
    assert report["network"] == "Border Management" and report["kind"] == "Statistics"
    assert report["languages"] == ["English", "Spanish"]
    assert found[0]["network"] == "No network"
    assert _search(client, meeting.id, "").get_json() == {"documents": []}


def test_picker_offers_at_most_ten_documents(admin, meeting, network, make_document, signed_in):
    for n in range(12):
        make_document(f"Quarterly report {n:02d}", network=network)
    client, _admin = signed_in("secretariat", party="IOM")
    found = _search(client, meeting.id, "quarterly").get_json()["documents"]
    assert [d["title"] for d in found] == [f"Quarterly report {n:02d}" for n in range(10)]


@pytest.mark.parametrize("query", ["'; DROP TABLE documents; --", "\" OR 1=1 --", "%", "_", "\\", "a%' OR '1'='1"])
def test_picker_reads_sql_and_like_wildcards_as_text(admin, meeting, network, make_document, signed_in, query):
    make_document("Plain title", network=network)
    make_document("Rates up 50% in 2026", network=network)
    make_document("file_name_with_underscores", network=network)
    client, _admin = signed_in("secretariat", party="IOM")
    answer = _search(client, meeting.id, query)
    assert answer.status_code == 200
    titles = [d["title"] for d in answer.get_json()["documents"]]
    expected = {"%": ["Rates up 50% in 2026"], "_": ["file_name_with_underscores"]}.get(query, [])
    assert titles == expected
    assert db.session.scalar(select(func.count()).select_from(Document)) == 3  # the table is still there


def test_picker_returns_html_in_a_title_as_data_and_finds_it_as_text(admin, meeting, network, make_document,
                                                                        signed_in):
    make_document('<img src=x onerror="alert(1)"> Minutes', network=network)
    make_document("Minutes of the plenary", network=network)
    client, _admin = signed_in("secretariat", party="IOM")
    answer = _search(client, meeting.id, "<img")
    assert answer.mimetype == "application/json"
    assert [d["title"] for d in answer.get_json()["documents"]] == ['<img src=x onerror="alert(1)"> Minutes']
    # Data, never a page: JSON that no browser sniffs as HTML (doc_picker.js puts titles in as text nodes).
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert _search(client, meeting.id, "<script>alert(1)</script>").get_json() == {"documents": []}


def test_picker_offers_only_what_the_editor_may_read(admin, meeting, network, make_document, monkeypatch):
    open_to_all = make_document("Regional report for all", audience=Audience.ALL)
    make_document("Regional report of the network", network=network)
    make_document("Regional report named for Haiti", audience=Audience.NAMED, named=("HT",), owner="JM")
    # The secretariat reads every document; without that rule the editor (a member of no network, of party IOM)
    # may read only the one open to all, and the picker must offer only that one.
    from cmc.permissions import registry

    rules = registry._RULES
    monkeypatch.setitem(rules, "document.read_all", lambda actor: False)
    assert [d["id"] for d in meetings.pick(admin, meeting.id, "regional report")] == [open_to_all.id]


@pytest.mark.parametrize("role", ["delegate", "focal_point"])
def test_picker_is_the_secretariats_only(admin, meeting, network, make_document, signed_in, role):
    make_document("Smuggling routes", audience=Audience.ALL)
    client, person = signed_in(role, party="JM")
    assert _search(client, meeting.id, "smuggling").status_code == 403
    with pytest.raises(DeniedError):
        meetings.pick(person, meeting.id, "smuggling")


def test_picker_of_an_unknown_meeting_is_404_and_signed_out_is_sent_to_sign_in(admin, signed_in, client):
    secretariat, _admin = signed_in("secretariat", party="IOM")
    assert _search(secretariat, 999_999, "report").status_code == 404
    assert _search(client, 1, "report").status_code == 302


# --- titles and the picker on the builder page ------------------------------------------------------------

def test_builder_names_linked_documents_and_posts_them_from_the_picker(admin, meeting, network, make_document,
                                                                       signed_in):
    first = make_document("Smuggling routes report", network=network)
    second = make_document("Vessel register", audience=Audience.ALL)
    client, _admin = signed_in("secretariat", party="IOM")
    page = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert 'data-doc-picker="new"' in page and 'role="combobox"' in page and "/js/doc_picker." in page
    assert 'name="document_ids"' in page  # the typed field: the form without scripts
    token = form_token(client, f"/meetings/{meeting.id}/agenda")
    nonce = re.search(r'name="form_nonce"[^>]*value="([^"]+)"', page)
    # The picker's chips post one value each; the typed field one value with several numbers: both are read.
    answer = client.post(f"/meetings/{meeting.id}/items", data={
        "csrf_token": token, "form_nonce": nonce.group(1) if nonce else "", "revision": meeting.agenda_revision,
        "title": "Routes", "day": START.isoformat(), "kind": "session",
        "document_ids": [str(first.id), str(second.id)]})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:400]
    db.session.expire_all()
    assert meeting.items[0].document_ids == [first.id, second.id]
    page = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    row = page.split('id="item-', 1)[1].split("</details>", 1)[0]
    assert "Smuggling routes report" in row and "Vessel register" in row
    assert f'<input type="hidden" name="document_ids" value="{first.id}" disabled>' in page


def test_linked_documents_show_by_title_on_the_version_and_meeting_pages(admin, meeting, network, make_document,
                                                                         signed_in):
    member_doc = make_document("Network statistics", network=network)
    public = make_document("Opening statement", audience=Audience.ALL)
    meetings.add_item(admin, meeting.id, _item("Opening", [public.id, member_doc.id]), meeting.agenda_revision)
    meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    outsider, _person = signed_in("delegate", party="HT")
    for path in (f"/meetings/{meeting.id}", f"/meetings/{meeting.id}/agenda/1"):
        page = outsider.get(path).get_data(as_text=True)
        assert "Opening statement" in page
        assert "Network statistics" not in page  # not open to them: counted, not named
        assert "1 document not open to you" in page


# --- the warning -----------------------------------------------------------------------------------------

def _register(admin: Account, meeting: Any, code: str, status: str) -> None:
    registration = meetings.register(admin, meeting.id, code, [{"name": f"Head {code}", "role": "head",
                                                                "title": ""}])
    if status != "pending":
        meetings.decide_registration(admin, registration.id, status == "confirmed")


def test_warning_names_the_registered_delegations_that_may_not_read_a_linked_document(
        admin, meeting, network, make_document, signed_in):
    _register(admin, meeting, "JM", "confirmed")
    _register(admin, meeting, "HT", "pending")
    _register(admin, meeting, "BS", "declined")  # declined: never warned about
    in_network = make_document("Network statistics", network=network)  # TT, JM take part
    named = make_document("Note for Haiti", audience=Audience.NAMED, named=("HT",), owner="TT")
    to_all = make_document("Open letter", audience=Audience.ALL)
    by_jamaica = make_document("Jamaica's own note", audience=Audience.NAMED, owner="JM")
    meetings.add_item(admin, meeting.id, _item("Statistics", [in_network.id, named.id]), meeting.agenda_revision)
    meetings.add_item(admin, meeting.id, _item("Letters", [to_all.id, by_jamaica.id], "11:00"),
                      meeting.agenda_revision)
    assert len(meeting.items) == 2  # the draft the builder has loaded already
    with counted_queries() as statements:
        warnings = meetings.delegation_warnings(meeting)
    assert warnings == {in_network.id: "Not readable by the delegation of Haiti.",
                        named.id: "Not readable by the delegation of Jamaica.",
                        by_jamaica.id: "Not readable by the delegation of Haiti."}
    queries = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(queries) <= 4, queries  # a few queries, whatever the number of documents and people
    client, _admin = signed_in("secretariat", party="IOM")
    page = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert f'data-document-warning="{in_network.id}"' in page and "Not readable by the delegation of Haiti." in page
    assert f'data-document-warning="{to_all.id}"' not in page


def test_warning_lists_every_party_left_out_by_name(admin, meeting, make_document):
    for code in ("JM", "HT", "TT"):
        _register(admin, meeting, code, "confirmed")
    lost = make_document("Network document of no network", network=None)  # a network audience and no network
    meetings.add_item(admin, meeting.id, _item("Lost", [lost.id]), meeting.agenda_revision)
    assert meetings.delegation_warnings(meeting) == {
        lost.id: "Not readable by the delegations of Haiti, Jamaica, Trinidad and Tobago."}


def test_no_warning_without_delegations_or_documents(admin, meeting, network, make_document):
    doc = make_document("Network statistics", network=network)
    assert meetings.delegation_warnings(meeting) == {}
    meetings.add_item(admin, meeting.id, _item("Statistics", [doc.id]), meeting.agenda_revision)
    assert meetings.delegation_warnings(meeting) == {}


# --- downloads ---------------------------------------------------------------------------------------------

def test_meeting_and_version_pages_offer_the_zip_only_when_it_holds_a_readable_document(
        admin, meeting, network, make_document, signed_in):
    member_doc = make_document("Network statistics", network=network)
    no_file = make_document("Announced, no file yet", audience=Audience.ALL, files=0)
    meetings.add_item(admin, meeting.id, _item("Statistics", [member_doc.id, no_file.id]), meeting.agenda_revision)
    meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    member, person = signed_in("delegate", party="TT")
    networks.add_member(admin, network.slug, person.id)
    outsider, _outsider = signed_in("delegate", party="HT")
    for path in (f"/meetings/{meeting.id}", f"/meetings/{meeting.id}/agenda/1"):
        mine = member.get(path).get_data(as_text=True)
        theirs = outsider.get(path).get_data(as_text=True)
        for page in (mine, theirs):
            assert f"/meetings/{meeting.id}/agenda/1.ics" in page and f"/meetings/{meeting.id}/agenda/1.pdf" in page
        assert f"/meetings/{meeting.id}/agenda/1.zip" in mine and "Documents (ZIP)" in mine
        assert f"/meetings/{meeting.id}/agenda/1.zip" not in theirs and "Documents (ZIP)" not in theirs
    assert outsider.get(f"/meetings/{meeting.id}/agenda/1.zip").status_code == 404


def test_a_version_without_documents_offers_no_zip_and_its_route_is_404(admin, meeting, signed_in):
    meetings.add_item(admin, meeting.id, _item("Opening", []), meeting.agenda_revision)
    meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    client, _admin = signed_in("secretariat", party="IOM")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Printable agenda (PDF)" in page and "Documents (ZIP)" not in page
    assert client.get(f"/meetings/{meeting.id}/agenda/1.zip").status_code == 404


# --- the live notice ---------------------------------------------------------------------------------------

def test_notice_of_a_new_version_holds_its_change_list_and_a_link(admin, meeting, signed_in):
    meetings.add_item(admin, meeting.id, _item("Opening", []), meeting.agenda_revision)
    meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    meetings.add_item(admin, meeting.id, _item("Field visit", [], "11:00"), meeting.agenda_revision)
    meetings.publish_agenda(admin, meeting.id, meeting.agenda_revision)
    client, _person = signed_in("delegate", party="JM")
    answer = client.get(f"/meetings/{meeting.id}/agenda/2/notice")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Version 2 of the agenda is published" in html
    assert "Added “Field visit” on 10 Mar 2027." in html
    assert f'href="/meetings/{meeting.id}/agenda/2"' in html
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f'data-meeting-id="{meeting.id}"' in page and 'id="agenda-notice"' in page and "/js/meeting_live." in page


def test_notice_is_404_to_whoever_may_not_read_the_meeting(admin, network, signed_in):
    closed = meetings.save_meeting(admin, meetings.MeetingInput(
        title="Network meeting", kind="network_meeting", start_date=START, end_date=START, format="virtual",
        network_id=network.id, status="published"))
    meetings.add_item(admin, closed.id, _item("Opening", []), closed.agenda_revision)
    meetings.publish_agenda(admin, closed.id, closed.agenda_revision)
    outsider, _person = signed_in("delegate", party="HT")
    assert outsider.get(f"/meetings/{closed.id}/agenda/1/notice").status_code == 404
    member, person = signed_in("delegate", party="TT")
    networks.add_member(admin, network.slug, person.id)
    assert member.get(f"/meetings/{closed.id}/agenda/1/notice").status_code == 200
    assert member.get(f"/meetings/{closed.id}/agenda/7/notice").status_code == 404
