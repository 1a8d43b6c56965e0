"""Every unexpected failure shows an incident id (500 page, JSON error, socket answer) that is also in the log
line holding its traceback, in the text and the JSON log formats."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator

import pytest
from flask import abort

from cmc.api.spec import operation
from cmc.extensions import socketio
from cmc.http.access import Access, access
from tests.conftest import cmc_log_output


@pytest.fixture(params=["text", "json"], autouse=True)
def log_format(request, app_config):
    app_config["LOG_FORMAT"] = request.param
    return request.param


@pytest.fixture
def log_stream(log_format, app) -> Iterator[io.StringIO]:
    """What the cmc handler writes during the test."""
    with cmc_log_output() as stream:
        yield stream


@pytest.fixture
def broken(app):
    """A page and an API route with a bug in them (added to this test's app only)."""

    @access(Access.PUBLIC)
    def boom() -> str:
        raise ZeroDivisionError("a bug in a view")

    @access(Access.PUBLIC)
    def gives_up() -> str:
        abort(500)

    @operation(Access.PUBLIC, summary="A bug in an API route", tags=["tests"], answers={200: "Never given"})
    def api_boom() -> str:
        """A bug in an API route (declared like every API route, so the drift check knows its 500)."""
        raise ZeroDivisionError("a bug in a view")

    app.add_url_rule("/boom", "boom", boom)
    # An endpoint named "api." belongs to the API blueprint, whose own error handlers answer it (in JSON).
    app.add_url_rule("/api/v1/boom", "api.boom", api_boom)
    app.add_url_rule("/gives-up", "gives_up", gives_up)
    return app


def _logged(stream: io.StringIO, log_format: str, incident: str) -> str:
    """The log record of the incident, with its traceback (one JSON object, or a text line and what follows)."""
    text = stream.getvalue()
    if log_format == "json":
        [record] = [r for r in map(json.loads, text.splitlines()) if r.get("incident") == incident]
        assert incident in record["message"]
        return record["exception"]
    assert f"[incident {incident}]" in text
    return text[text.index(f"[incident {incident}]"):]  # the traceback follows the line


def test_a_500_page_and_a_json_500_carry_the_incident_of_the_logged_traceback(broken, client, log_stream,
                                                                             log_format):
    page = client.get("/boom")
    assert page.status_code == 500
    incident = re.search(r'<code id="incident">([0-9a-f]{12})</code>', page.get_data(as_text=True)).group(1)
    assert "ZeroDivisionError: a bug in a view" in _logged(log_stream, log_format, incident)

    api = client.get("/api/v1/boom")
    assert api.status_code == 500
    error = api.get_json()["error"]
    assert error["code"] == "internal_error" and re.fullmatch(r"[0-9a-f]{12}", error["incident"])
    assert error["incident"] != incident
    assert "ZeroDivisionError" in _logged(log_stream, log_format, error["incident"])

    aborted = client.get("/gives-up")
    assert aborted.status_code == 500
    incident = re.search(r'<code id="incident">([0-9a-f]{12})</code>', aborted.get_data(as_text=True)).group(1)
    assert "InternalServerError" in _logged(log_stream, log_format, incident)


def test_a_failing_socket_event_answers_with_the_incident_of_the_logged_traceback(
        app, log_stream, log_format, signed_in, monkeypatch):
    client, _account = signed_in("delegate")
    socket = socketio.test_client(app, flask_test_client=client)
    try:
        from cmc.services import alerts

        def broken_sync(*_args, **_kwargs):
            raise ZeroDivisionError("a bug in an event")

        monkeypatch.setattr(alerts, "sync", broken_sync)  # a fault in what the handler calls
        answer = socket.emit("alerts:sync", {"after_id": 0}, callback=True)
    finally:
        socket.disconnect()
    assert answer["ok"] is False and answer["error"] == "internal error"
    logged = _logged(log_stream, log_format, answer["incident"])
    assert "ZeroDivisionError: a bug in an event" in logged
