"""Documents in several languages: a language per file, the current file of each side by side, and search that
stems each language's text in its own language on PostgreSQL."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from werkzeug.datastructures import FileStorage

from cmc.extensions import db
from cmc.models import Document, DocumentText, DocumentVersion
from cmc.services import documents, networks, search
from cmc.services.errors import ValidationError
from tests.conftest import form_token
from tests.integration.test_documents import multipart


@pytest.fixture
def space(app, make_party, make_account):
    """The border-management network with TT and BB in it."""
    for code in ("TT", "BB"):
        make_party(code)
    admin = make_account("secretariat")
    network = networks.create_network(admin, networks.NetworkInput(
        slug="border-management", name="Border Management", party_codes=["TT", "BB"]))
    return network, admin


@pytest.fixture
def member(space, signed_in):
    """A TT delegate of the network, signed in: (client, account, CSRF headers for the API)."""
    network, admin = space
    client, account = signed_in("delegate", party="TT")
    networks.add_member(admin, network.slug, account.id)
    return client, account, {"X-CSRFToken": form_token(client, "/")}


def _new_document(client, headers, words: str, *, languages=("en",), language=None, title="Border report"):
    data = {"file": (io.BytesIO(words.encode()), "report.txt"), "title": title, "kind": "report",
            "languages": list(languages)}
    if language is not None:
        data["language"] = language
    return client.post("/api/v1/networks/border-management/documents", headers=headers,
                       content_type="multipart/form-data", data=data)


def _new_version(client, headers, document_id: int, words: str, language: str | None):
    data = {"file": (io.BytesIO(words.encode()), "texto.txt")}
    if language is not None:
        data["language"] = language
    return client.post(f"/api/v1/documents/{document_id}/versions", headers=headers,
                       content_type="multipart/form-data", data=data)


def _stored_files(app) -> list[Path]:
    return [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file() and p.parent.name != "tmp"]


def test_a_spanish_text_beside_the_english_one(app, member):
    client, _account, headers = member
    created = _new_document(client, headers, "Annual border report")
    assert created.status_code == 201
    body = created.get_json()
    assert body["versions"][0]["language"] == "en"
    assert [v["number"] for v in body["current_by_language"]] == [1]
    document_id = body["id"]
    # The page form: "a new version of ... / the Spanish text (a new language)".
    page = client.get(f"/documents/{document_id}").get_data(as_text=True)
    assert 'name="language"' in page and 'value="es"' in page and 'id="language-versions"' not in page
    content_type, data = multipart({"file": FileStorage(io.BytesIO(b"Informe anual de fronteras"), "informe.txt"),
                                    "language": "es", "csrf_token": form_token(client, "/")})
    assert client.post(f"/documents/{document_id}/versions", content_type=content_type, data=data).status_code == 302
    # A newer English file: each language keeps its own current file.
    assert _new_version(client, headers, document_id, "Annual border report, corrected", "en").status_code == 201
    document = db.session.get(Document, document_id)
    db.session.refresh(document)
    assert document.language_list == ["en", "es"] and document.current_version == 3
    answer = client.get(f"/api/v1/documents/{document_id}").get_json()
    assert [(v["language"], v["number"]) for v in answer["current_by_language"]] == [("en", 3), ("es", 2)]
    assert [v["language"] for v in answer["versions"]] == ["en", "es", "en"]
    page = client.get(f"/documents/{document_id}").get_data(as_text=True)
    block = page[page.index('id="language-versions"'):page.index('id="versions"')]
    assert block.count('class="card h-100 language-version"') == 2
    assert '<h3 class="h5 card-title" lang="en">English</h3>' in block
    assert '<h3 class="h5 card-title" lang="es">Español</h3>' in block
    assert block.index('lang="en"') < block.index('lang="es"')  # the document's order of languages
    assert f"/documents/{document_id}/versions/2/download" in block
    assert f"/documents/{document_id}/versions/1/download" not in block  # only each language's current file
    history = page[page.index('id="versions"'):]
    assert history.count('class="small text-body-secondary version-language"') == 3
    assert ">Spanish</div>" in history and ">English</div>" in history


def test_a_french_text_added_at_upload_and_by_restore(app, member):
    client, _account, headers = member
    created = _new_document(client, headers, "Rapport sur les frontières", languages=("en",), language="fr")
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["languages"] == ["en", "fr"] and body["versions"][0]["language"] == "fr"
    document_id = body["id"]
    assert _new_version(client, headers, document_id, "Report on borders", None).get_json()["language"] == "en"
    client.post(f"/documents/{document_id}/versions/1/restore", data={"csrf_token": form_token(client, "/")})
    restored = db.session.scalar(select(DocumentVersion).where(DocumentVersion.number == 3))
    assert restored.language == "fr" and restored.restored_from == 1  # the restored file keeps its language
    rows = {row.language: row.body for row in db.session.scalars(select(DocumentText))}
    assert set(rows) == {"en", "fr"} and "frontières" in rows["fr"] and "borders" in rows["en"]


@pytest.mark.parametrize("language", ["xx", "english", "e1", "<b>"])
def test_an_unknown_language_is_refused_and_nothing_is_stored(app, member, language):
    client, _account, headers = member
    document_id = _new_document(client, headers, "Annual border report").get_json()["id"]
    files_before = _stored_files(app)
    refused = _new_version(client, headers, document_id, "Some text", language)
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert "language" in error["fields"] and "Choose one of" in error["message"]
    assert db.session.scalar(select(func.count()).select_from(DocumentVersion)) == 1
    assert _stored_files(app) == files_before
    assert db.session.get(Document, document_id).language_list == ["en"]
    # The page answers 422 on the form, the field marked.
    content_type, data = multipart({"file": FileStorage(io.BytesIO(b"Some text"), "t.txt"), "language": language,
                                    "csrf_token": form_token(client, "/")})
    page = client.post(f"/documents/{document_id}/versions", content_type=content_type, data=data)
    assert page.status_code == 422 and 'id="language-error"' in page.get_data(as_text=True)
    # A new document with a file in an unknown language: nothing made.
    assert _new_document(client, headers, "Text", language=language).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Document)) == 1
    assert _stored_files(app) == files_before


def test_a_language_with_a_file_stays_among_the_languages(app, member):
    client, account, headers = member
    document_id = _new_document(client, headers, "Annual border report", languages=("en", "es")).get_json()["id"]
    _new_version(client, headers, document_id, "Informe anual", "es")
    with pytest.raises(ValidationError) as caught:
        documents.update(account, document_id, documents.DocumentInput(title="Border report", languages=["en"]))
    assert "Spanish" in str(caught.value.fields["languages"])
    documents.update(account, document_id, documents.DocumentInput(title="Border report 2026",
                                                                   languages=["es", "en", "fr"]))
    # Every language's search row carries the new title.
    assert {row.title for row in db.session.scalars(select(DocumentText))} == {"Border report 2026"}


def test_search_finds_each_language_and_says_which_matched(app, member):
    client, _account, headers = member
    document_id = _new_document(client, headers, "The quokkavessel crossed", title="Crossings").get_json()["id"]
    _new_version(client, headers, document_id, "El ocelotebarco cruzó", "es")
    _new_document(client, headers, "Nothing to see", title="Unrelated memo")
    client.get("/")
    for query, language in (("quokkavessel", "English"), ("ocelotebarco", "Spanish")):
        page = client.get("/documents", query_string={"q": query}).get_data(as_text=True)
        assert "Crossings" in page and "Unrelated memo" not in page
        assert f"Found in: {language}</div>" in page
        items = client.get("/api/v1/documents", query_string={"q": query}).get_json()["items"]
        assert [item["title"] for item in items] == ["Crossings"]
    # A word of the title is in both rows: the document is listed once, found in both languages.
    page = client.get("/networks/border-management/documents", query_string={"q": "crossings"}).get_data(as_text=True)
    assert page.count("Found in: ") == 1 and ("Found in: English, Spanish" in page
                                              or "Found in: Spanish, English" in page)
    assert "Found in" not in client.get("/documents").get_data(as_text=True)


STEMMED = [
    ("es", "Los migrantes cruzan la frontera", "migrante"),
    ("fr", "Contrôles aux frontières extérieures", "frontière"),
    ("nl", "Toezicht op de rapporten over migranten", "rapport migrant"),
    ("en", "Patrols of the borders were increased", "border patrol increase"),
    # PostgreSQL's Dutch Snowball stemmer makes "grenz" of "grenzen" but "gren" of "grens": the s/z alternation
    # needs a Dutch ispell dictionary, which PostgreSQL does not ship. Strict: it fails loudly once one is used.
    pytest.param("nl", "Toezicht aan de grenzen van het land", "grens",
                 marks=pytest.mark.xfail(strict=True, reason="Snowball: grenzen -> grenz, grens -> gren")),
]


@pytest.mark.parametrize(("language", "words", "query"), STEMMED)
def test_postgresql_stems_each_text_in_its_language(app, backend, member, language, words, query):
    if backend != "postgres":
        pytest.skip("stemming is PostgreSQL's: SQLite's FTS5 folds case and accents only")
    client, _account, headers = member
    created = _new_document(client, headers, words, languages=(language,), title="Note")
    assert created.status_code == 201
    _new_document(client, headers, "Unrelated words entirely", title="Unrelated")
    items = client.get("/api/v1/documents", query_string={"q": query}).get_json()["items"]
    assert [item["title"] for item in items] == ["Note"]


def test_postgresql_search_uses_the_gin_index(app, backend, member):
    if backend != "postgres":
        pytest.skip("the GIN index is PostgreSQL's")
    client, _account, headers = member
    _new_document(client, headers, "Los migrantes cruzan", languages=("es",))
    sql, params = search._statement("migrante")
    with db.engine.begin() as connection:
        # A handful of rows makes a sequential scan cheapest: forbid it to see whether the index can serve.
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in connection.execute(text(f"EXPLAIN {sql}"), params))
    assert "ix_document_texts_vector" in plan, plan


def test_postgresql_search_merges_the_languages_identical_stems(app, backend):
    """Five configurations mostly stem alike: each distinct tsquery once (five copies ORed made PostgreSQL
    expect a quarter of the table to match and read all of it instead of the GIN index)."""
    if backend != "postgres":
        pytest.skip("stemming is PostgreSQL's")
    alternatives = search._merged_tsquery("migration report").split(" | ")
    assert len(alternatives) == len(set(alternatives)) < len(search._CONFIGS)
    assert "'migrat' & 'report'" in " ".join(alternatives)  # English's stem
    assert "'migration' & 'report'" in " ".join(alternatives)  # the words as they are ('simple')


def test_sqlite_search_is_not_stemmed(app, backend, member):
    if backend != "sqlite":
        pytest.skip("SQLite only")
    client, _account, headers = member
    _new_document(client, headers, "Los migrantes cruzan", languages=("es",), title="Nota")
    assert client.get("/api/v1/documents", query_string={"q": "migrantes"}).get_json()["items"] != []
    assert client.get("/api/v1/documents", query_string={"q": "migrante"}).get_json()["items"] == []


def test_0015_backfills_each_file_and_search_row_with_the_document_s_first_language(app, backend):
    """Files and search rows stored before 0015 are in their document's first language, and stay found."""
    from flask_migrate import upgrade

    from tests.integration.test_migrations import _empty

    _empty(app)
    upgrade(revision="0012_account_timezone_confirmed")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO parties (id, code, name, kind, status, languages, founding) "
                          "VALUES (1, 'JM', 'Jamaica', 'state', 'member', 'en', false)"))
        conn.execute(text("INSERT INTO accounts (id, email, name, title, party_id, role, active, language, timezone, "
                          "created_at, timezone_confirmed) VALUES (1, 'c@gov.jm', 'C', '', 1, 'delegate', true, "
                          "'en', 'UTC', CURRENT_TIMESTAMP, false)"))
        for document_id, languages in ((1, "es;en"), (2, "fr")):
            conn.execute(text("INSERT INTO documents (id, title, description, kind, languages, audience, "
                              "owner_party_id, uploader_id, created_at, updated_at, current_version) VALUES "
                              "(:id, 'Informe', '', 'report', :languages, 'all', 1, 1, CURRENT_TIMESTAMP, "
                              "CURRENT_TIMESTAMP, 1)"), {"id": document_id, "languages": languages})
            conn.execute(text("INSERT INTO document_versions (document_id, number, uploader_id, created_at, size, "
                              "sha256, content_type, extension, original_filename, storage_key, note) VALUES "
                              "(:id, 1, 1, CURRENT_TIMESTAMP, 1, 'x', 'text/plain', 'txt', 'a.txt', :key, '')"),
                         {"id": document_id, "key": f"key{document_id}"})
            conn.execute(text("INSERT INTO document_texts (document_id, title, description, body) "
                              "VALUES (:id, 'Informe', '', 'los migrantes')"), {"id": document_id})
            if backend == "sqlite":
                conn.execute(text("INSERT INTO document_fts (rowid, title, description, body) "
                                  "VALUES (:id, 'Informe', '', 'los migrantes')"), {"id": document_id})
    upgrade()
    versions = dict(db.session.execute(select(DocumentVersion.document_id, DocumentVersion.language)).all())
    assert versions == {1: "es", 2: "fr"}
    texts = db.session.execute(select(DocumentText.document_id, DocumentText.language)).all()
    assert sorted(texts) == [(1, "es"), (2, "fr")]
    found = db.session.execute(select(search.matches("migrantes"))).all()
    assert sorted(row[0] for row in found) == [1, 2]
    # New rows get ids of their own (on SQLite, the FTS5 rowid), past the ones kept.
    document = db.session.get(Document, 1)
    search.index(document, "the wallabyferry", "en")
    db.session.commit()
    assert search.matched_languages("wallabyferry", [1]) == {1: ["en"]}
    db.session.remove()
    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.create_all()  # leave the schema the fixture expects
