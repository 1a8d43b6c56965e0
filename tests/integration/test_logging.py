"""``LOG_FORMAT = "json"``: every record of the cmc loggers is one JSON object on one line, with the request
and the signed-in account when there is one; a bad format name is refused at start."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from cmc import create_app
from cmc.config import ConfigError
from cmc.logging_setup import EscapingFormatter, JsonFormatter, _CmcHandler
from tests.conftest import cmc_log_output


@pytest.fixture
def json_app(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["LOG_FORMAT"] = "json"
    return app_config


@pytest.fixture
def log_stream(json_app: dict[str, Any], app: Flask) -> Iterator[io.StringIO]:
    """What the cmc handler writes, for this test only."""
    handler = next(h for h in logging.getLogger("cmc").handlers if isinstance(h, _CmcHandler))
    assert isinstance(handler.formatter, JsonFormatter)
    with cmc_log_output() as stream:
        yield stream


def _records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_record_is_one_json_line_even_with_a_newline_in_the_message(log_stream: io.StringIO) -> None:
    logging.getLogger("cmc.test").warning("delegate %s", "Eve\nINFO forged line")
    [record] = _records(log_stream)
    assert record["message"] == "delegate Eve\nINFO forged line"
    assert record["level"] == "WARNING" and record["logger"] == "cmc.test"
    assert record["time"].endswith("+00:00") and isinstance(record["process"], int)
    assert "method" not in record  # no request here


def test_an_exception_is_kept_in_its_field(log_stream: io.StringIO) -> None:
    try:
        raise ValueError("broken upload")
    except ValueError:
        logging.getLogger("cmc.test").exception("extraction failed")
    [record] = _records(log_stream)
    assert record["message"] == "extraction failed"
    assert "ValueError: broken upload" in record["exception"]


def test_a_record_inside_a_request_names_the_request_and_the_account(
        log_stream: io.StringIO, signed_in: Any) -> None:
    client, account = signed_in("delegate")
    log_stream.truncate(0)
    log_stream.seek(0)
    response = client.post("/sign-out", data={})  # no CSRF token: refused and logged
    assert response.status_code == 400
    [record] = [r for r in _records(log_stream) if r["message"].startswith("CSRF refused")]
    assert record["method"] == "POST" and record["path"] == "/sign-out"
    assert record["remote_addr"] == "127.0.0.1"
    assert record["account_id"] == str(account.id)


def test_the_text_format_is_the_default(app: Flask) -> None:
    handler = next(h for h in logging.getLogger("cmc").handlers if isinstance(h, _CmcHandler))
    assert app.config["LOG_FORMAT"] == "text"
    assert isinstance(handler.formatter, EscapingFormatter)
    assert sum(isinstance(h, _CmcHandler) for h in logging.getLogger("cmc").handlers) == 1


def test_an_unknown_log_format_is_refused(tmp_path: Any) -> None:
    with pytest.raises(ConfigError, match="LOG_FORMAT must be one of text, json"):
        create_app({"SKIP_INSTANCE_CONFIG": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 40,
                    "LOG_FORMAT": "xml"})
