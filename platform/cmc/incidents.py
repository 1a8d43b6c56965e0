"""Incident ids: every unexpected failure gets a short id, shown to the person (500 page, JSON error,
refused socket event) and written in the log line that holds the traceback, so that "incident 3f9c2a7e51d0"
in a support request finds the one traceback among thousands of lines."""

from __future__ import annotations

import logging
import secrets


def new_incident_id() -> str:
    """Twelve hex digits (48 random bits): unique among the failures of a platform's lifetime, short to read
    out on the phone."""
    return secrets.token_hex(6)


def log_incident(logger: logging.Logger, message: str, *args: object, exc_info: object = True) -> str:
    """Log ``message`` at ERROR with the traceback and a new incident id (in the text and, for the JSON log
    format, in an ``incident`` field); return the id."""
    incident = new_incident_id()
    logger.error(message + " [incident %s]", *args, incident, exc_info=exc_info,  # type: ignore[arg-type]
                 extra={"incident": incident})
    return incident
