"""A meeting's times as its pages and its printed agenda write them: agenda items are wall-clock times in the
meeting's own zone, said once near the agenda, with the reader's own time beside each item when the reader's clock
reads differently that day; published versions are dated in the meeting's zone (a document for everyone, so the
page and the PDF agree).

Every text comes from :mod:`cmc.i18n.timefmt`; this module only decides which zone each one is in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import Any

from flask import render_template
from flask_babel import gettext as _

from cmc.i18n import timefmt
from cmc.services.text import css_string, page_counter


@dataclass(frozen=True)
class AgendaRow:
    """One agenda item as drawn: the item (a snapshot's dict or a draft's row), its day, its times in the
    meeting's zone ("09:00-10:00") and on the reader's clock ("" when the same)."""

    item: Any
    day: date
    when: str
    yours: str


def _day_of(item: Any) -> date:
    value = item["day"] if isinstance(item, dict) else item.day
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _clock(item: Any, key: str) -> time | None:
    value = item[key[:-5] if key.endswith("_time") else key] if isinstance(item, dict) else getattr(item, key)
    if isinstance(value, time):
        return value
    return time.fromisoformat(str(value)) if value else None


class MeetingClock:
    """The zones of one meeting's pages: the meeting's and the reader's (``timefmt.viewer_zone()``)."""

    def __init__(self, meeting: Any, viewer: tzinfo | None = None) -> None:
        self.name = str(meeting.timezone or "UTC")
        self.zone = timefmt.zone_named(self.name)
        self.viewer = viewer or timefmt.viewer_zone()
        self.first_day = meeting.start_date
        # The offsets are those of the meeting's first day at noon (a zone changes its clock at night).
        self.moment = timefmt.at_meeting(meeting.start_date, time(12), self.zone)

    def row(self, item: Any) -> AgendaRow:
        """An item's times: in the meeting's zone, and on the reader's clock when it reads differently."""
        day, start, end = _day_of(item), _clock(item, "start_time"), _clock(item, "end_time")
        if start is None:
            return AgendaRow(item, day, "", "")
        when = timefmt.show(start, "time") + (f"\u2013{timefmt.show(end, 'time')}" if end else "")
        return AgendaRow(item, day, when, timefmt.elsewhere(day, start, end, zone=self.zone, viewer=self.viewer))

    def rows(self, items: list[Any]) -> list[AgendaRow]:
        """The rows of an agenda (a version's snapshot or the draft's items), in the order given."""
        return [self.row(item) for item in items]

    def zone_note(self) -> str:
        """The sentence near an agenda that says which zone its times are in."""
        return _("Times are in the meeting's time zone: %(zone)s (%(offset)s).", zone=self.name,
                 offset=timefmt.zone_label(self.zone, self.moment))

    def viewer_note(self) -> str:
        """The sentence that says the reader's times are added, or ``""`` when their clock reads the same."""
        if timefmt.same_clock(self.zone, self.viewer, self.moment):
            return ""
        return _("Your own time is shown under each item, in your time zone: %(zone)s (%(offset)s).",
                 zone=getattr(self.viewer, "key", "UTC"), offset=timefmt.zone_label(self.viewer, self.moment))

    def published(self, moment: datetime | None) -> str:
        """When a version was published, in the meeting's zone and named by its offset: the same words on the
        page and in the printed agenda, whoever reads them."""
        return timefmt.show(moment, "datetime", zone=self.zone)


def printable_agenda(meeting: Any, agenda: Any, layout: str = "list", **extra: Any) -> str:
    """The HTML of a version's printed agenda (WeasyPrint lays it out), in the reader's language: dated in the
    meeting's zone, as the version page dates it, since it is a document for everyone. ``layout`` "timetable"
    draws each day as a timetable on landscape pages instead of the list. ``extra``: more for the template
    (the linked documents and their handling marking)."""
    from cmc.web.timetable import kinds_in, timetable  # it builds on this module

    clock = MeetingClock(meeting)
    days = timetable(clock, agenda.items) if layout == "timetable" else []
    published = clock.published(agenda.published_at)
    # The running header and footer are CSS strings: their text is written here and escaped for CSS.
    return render_template(
        "meetings/print.html", meeting=meeting, agenda=agenda, clock=clock, rows=clock.rows(agenda.items),
        layout=layout, tt_days=days, tt_kinds=kinds_in(days),
        published=published, header_title=css_string(meeting.title[:90]),
        header_version=css_string(_("Agenda version %(n)d of %(d)s", n=agenda.number, d=published)),
        page_counter=page_counter(_("Page %(n)s of %(total)s", n="%(n)s", total="%(total)s")), **extra)
