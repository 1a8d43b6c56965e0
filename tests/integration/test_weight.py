"""Page weight: compressed answers, static files under content-hashed names cached for a year, and static answers
that never touch the session (no ``Set-Cookie``, no ``Vary: Cookie``, no account loaded)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

import brotli
import pytest
from sqlalchemy import event

from cmc.extensions import db
from cmc.web.assets import IMMUTABLE, hashed_name

ROOT = Path(__file__).resolve().parents[2]
STATIC_REF = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def _static_refs(html: str) -> list[str]:
    return STATIC_REF.findall(html)


def test_hashed_name_goes_before_the_last_extension() -> None:
    assert hashed_name("css/app.css", "0123456789ab") == "css/app.0123456789ab.css"
    assert hashed_name("vendor/b/bootstrap.bundle.min.js", "ab") == "vendor/b/bootstrap.bundle.min.ab.js"
    assert hashed_name("LICENSE", "ab") == "LICENSE.ab"


def test_pages_refer_to_every_static_file_by_its_hashed_name(app: Any, signed_in: Any) -> None:
    client, _account = signed_in("delegate")
    for who, path in ((client, "/"), (app.test_client(), "/sign-in")):
        html = who.get(path).get_data(as_text=True)
        refs = _static_refs(html)
        assert refs, f"{path} refers to no static file"
        for ref in refs:
            assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", ref), f"{path}: {ref} is not a content-hashed name"


def test_a_hashed_static_file_is_cached_for_a_year_and_compressed(app: Any, client: Any) -> None:
    html = client.get("/sign-in").get_data(as_text=True)
    css = next(ref for ref in _static_refs(html) if "/css/app." in ref)
    plain = (ROOT / "static" / "css" / "app.css").read_bytes()

    answer = client.get(css, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert answer.status_code == 200 and answer.mimetype == "text/css"
    assert answer.headers["Cache-Control"] == IMMUTABLE == "public, max-age=31536000, immutable"
    assert answer.headers["Content-Encoding"] == "br" and "Accept-Encoding" in answer.headers["Vary"]
    assert brotli.decompress(answer.data) == plain

    gz = client.get(css, headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.data) == plain
    raw = client.get(css, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in raw.headers and raw.data == plain
    again = client.get(css, headers={"Accept-Encoding": "br", "If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304


def test_plain_and_outdated_names_are_served_but_revalidated(client: Any) -> None:
    for path in ("/static/css/app.css", "/static/css/app.000000000000.css"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["Cache-Control"] == "no-cache", path
    assert client.get("/static/css/nothing.css").status_code == 404
    assert client.get("/static/css/nothing.000000000000.css").status_code == 404
    assert client.get("/static/../pyproject.toml").status_code == 404


def test_static_answers_do_not_touch_the_session(app: Any, signed_in: Any) -> None:
    client, _account = signed_in("delegate")
    home = client.get("/")
    assert home.status_code == 200
    refs = _static_refs(home.get_data(as_text=True))
    catalogue = client.get("/?lang=fr")  # signed in: the account's language decides, but the URL exists
    assert catalogue.status_code == 200
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        for ref in [*refs, "/static/css/app.css", "/i18n/fr.js"]:
            answer = client.get(ref, headers={"Accept-Encoding": "br, gzip"})
            assert answer.status_code == 200, ref
            assert "Set-Cookie" not in answer.headers, ref
            assert "cookie" not in answer.headers.get("Vary", "").lower(), ref
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert statements == [], f"static answers ran SQL: {statements}"
    # The same client's pages still carry the session: the bypass is only for static answers.
    page = client.get("/")
    assert page.status_code == 200 and "cookie" in page.headers.get("Vary", "").lower()


def test_pages_and_api_answers_are_compressed(signed_in: Any) -> None:
    client, _account = signed_in("delegate")
    plain = client.get("/", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    br = client.get("/", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert br.headers["Content-Encoding"] == "br"
    assert brotli.decompress(br.data).count(b"</html>") == 1
    assert len(br.data) < len(plain.data) / 3
    gz = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and b"</html>" in gzip.decompress(gz.data)


@pytest.fixture
def uncompressed(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["COMPRESS_RESPONSES"] = False
    return app_config


def test_compression_of_pages_can_be_left_to_the_proxy(uncompressed: Any, client: Any) -> None:
    page = client.get("/sign-in", headers={"Accept-Encoding": "br, gzip"})
    assert page.status_code == 200 and "Content-Encoding" not in page.headers
    css = next(ref for ref in _static_refs(page.get_data(as_text=True)) if "/css/app." in ref)
    assert client.get(css, headers={"Accept-Encoding": "br"}).headers["Content-Encoding"] == "br"
