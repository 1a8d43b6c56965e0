"""One log line per request on ``cmc.request`` (method, path, status, milliseconds), static files and the health
probe quiet, structured fields under ``LOG_FORMAT = "json"``, and no credential from a path in any line."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.conftest import cmc_log_output

LINE = re.compile(r"^(GET|POST) (\S+) (\d{3}) (\d+) ms$")


@pytest.fixture
def output(app: Flask) -> Iterator[io.StringIO]:
    """What the cmc handler writes (the console of ``cmc serve``), for this test only."""
    with cmc_log_output() as stream:
        yield stream


def _request_lines(stream: io.StringIO) -> list[str]:
    return [line for line in stream.getvalue().splitlines() if " cmc.request: " in line]


def test_a_page_gets_one_line_with_method_path_status_and_milliseconds(client: Any, output: io.StringIO) -> None:
    assert client.get("/sign-in").status_code == 200
    assert client.get("/no-such-page").status_code == 404
    lines = _request_lines(output)
    assert len(lines) == 2, output.getvalue()
    first, second = (LINE.match(line.split(" cmc.request: ", 1)[1]) for line in lines)
    assert first and first.group(1, 2, 3) == ("GET", "/sign-in", "200")
    assert second and second.group(1, 2, 3) == ("GET", "/no-such-page", "404")
    assert " INFO cmc.request: " in lines[0]


def test_static_files_and_the_health_probe_stay_quiet(client: Any, output: io.StringIO) -> None:
    with client.get("/static/css/app.css") as response:
        assert response.status_code == 200
    assert client.get("/healthz").status_code == 200
    assert _request_lines(output) == []


def test_static_files_are_logged_when_asked_for_at_debug_level(client: Any, output: io.StringIO) -> None:
    logger = logging.getLogger("cmc")
    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        client.get("/static/css/app.css").close()
    finally:
        logger.setLevel(level)
    assert any(" DEBUG cmc.request: GET /static/css/app.css 200 " in line for line in _request_lines(output))


def test_an_invitation_key_in_the_path_is_hidden(client: Any, output: io.StringIO) -> None:
    key = "k3yTh4tIsACredential_" + "x" * 20
    client.get(f"/invitations/{key}")
    assert key not in output.getvalue()
    assert any("GET /invitations/[redacted] 404 " in line for line in _request_lines(output)), output.getvalue()


@pytest.fixture
def json_app(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["LOG_FORMAT"] = "json"
    return app_config


def test_json_lines_carry_status_and_duration_as_fields(json_app: dict[str, Any], client: Any,
                                                        output: io.StringIO) -> None:
    client.get("/sign-in")
    client.get("/static/css/app.css").close()
    records = [json.loads(line) for line in output.getvalue().splitlines()]
    [record] = [r for r in records if r["logger"] == "cmc.request"]
    assert record["method"] == "GET" and record["path"] == "/sign-in"
    assert record["status"] == 200 and isinstance(record["duration_ms"], float) and record["duration_ms"] >= 0
    assert record["level"] == "INFO" and record["message"].startswith("GET /sign-in 200 ")
