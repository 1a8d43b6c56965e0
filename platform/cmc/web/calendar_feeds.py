"""Subscribed calendars: ``/calendar/<token>/meetings.ics`` (every meeting the person's delegation is
registered to) and ``/calendar/<token>/meetings/<id>.ics`` (one meeting), read by calendar programs.

These answers read no session and set no cookie (``assets.SESSIONLESS_ENDPOINTS``): the token in the address
is the only credential. A bad token gets a bare 401 that says nothing of why (unknown, revoked, deactivated);
a meeting the person may no longer read, a bare 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response
from flask_babel import gettext as _

from cmc import i18n
from cmc.http.access import Access, access
from cmc.i18n import timefmt
from cmc.models.account import Account
from cmc.services.meetings import calendar, feeds

bp = Blueprint("calendar_feeds", __name__)

#: A feed is personal and changes with every publication: no cache (a shared one least of all) keeps it.
NO_STORE = "private, no-store"


def _plain(status: int, text: str) -> Response:
    response = Response(text + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = NO_STORE
    return response


def _calendar_answer(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = NO_STORE
    response.headers["Referrer-Policy"] = "no-referrer"  # the address is the credential: never pass it on
    return response


def _render(person: Account, build: Callable[[], bytes]) -> bytes:
    """``build()`` with the person's language and time zone in force (no one is signed in here)."""
    with i18n.in_language_of(person), timefmt.in_zone_of(person):
        return build()


@bp.get("/calendar/<token>/meetings.ics")
@access(Access.FEED_TOKEN)
def all_meetings(token: str) -> Any:
    """Every meeting the token's owner is registered to and may read, current agenda versions, in their time
    zone and language."""
    person = feeds.authenticate(token)
    if person is None:
        return _plain(401, "Unauthorized")
    meetings = feeds.registered_meetings(person)
    body = _render(person, lambda: calendar.feed_ics(meetings, zone_name=person.timezone,
                                                     name=_("CMC meetings")))
    return _calendar_answer(body, "cmc-meetings.ics")


@bp.get("/calendar/<token>/meetings/<int:meeting_id>.ics")
@access(Access.FEED_TOKEN)
def one_meeting(token: str, meeting_id: int) -> Any:
    """One meeting the token's owner may read, its current agenda version, in their time zone and language."""
    person = feeds.authenticate(token)
    if person is None:
        return _plain(401, "Unauthorized")
    meeting = feeds.readable_meeting(person, meeting_id)
    if meeting is None:
        return _plain(404, "Not Found")
    body = _render(person, lambda: calendar.feed_ics([meeting], zone_name=person.timezone, name=meeting.title))
    return _calendar_answer(body, f"meeting-{meeting.id}.ics")
