"""Meetings of the benchmark data, each with a day-by-day agenda; the published ones with their first agenda
version, frozen as ``meetings.publish_agenda`` freezes it."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from cmc.devtools import model
from cmc.devtools.bulk import insert
from cmc.devtools.model import Net, Run
from cmc.devtools.words import AGENDA_SESSIONS, TOPICS, VENUES, Text
from cmc.models import AgendaItem, AgendaVersion, ItemKind, Meeting, MeetingFormat, MeetingKind, MeetingStatus


def make_meetings(run: Run) -> None:
    """Meetings over the three years and the next six months, each with a day-by-day agenda; the published
    ones with their first agenda version, as ``publish_agenda`` freezes it."""
    rng = model.rng("meetings")
    words = Text(rng)
    first, first_item = model.next_id(Meeting), model.next_id(AgendaItem)
    code_to_party = {code: party for party, code in run.party_code.items()}
    today = run.now.date()
    meetings: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    starts = model.times(rng, run.plan.meetings, run.start, run.now + timedelta(days=180))
    for offset, moment in enumerate(starts):
        meeting_id = first + offset
        kind = rng.choices(list(MeetingKind), (5, 25, 50, 20))[0]
        days = {MeetingKind.ANNUAL: 3, MeetingKind.WORKSHOP: 2}.get(kind, 1)
        start_date = moment.date()
        end_date = start_date + timedelta(days=days - 1)
        city, host_code, venue = rng.choice(VENUES)
        meeting_format = (MeetingFormat.VIRTUAL if kind == MeetingKind.WEBINAR else MeetingFormat.IN_PERSON
                          if kind == MeetingKind.ANNUAL else rng.choice(list(MeetingFormat)))
        net = None if kind == MeetingKind.ANNUAL else rng.choice(run.nets)
        topic = rng.choice(TOPICS)
        if end_date < today:
            status = MeetingStatus.CANCELLED if rng.random() < 0.05 else MeetingStatus.CONCLUDED
        else:
            status = MeetingStatus.DRAFT if rng.random() < 0.3 else MeetingStatus.PUBLISHED
        label = {MeetingKind.ANNUAL: "Annual Meeting of the Caribbean Migration Consultations",
                 MeetingKind.WORKSHOP: f"Technical workshop on {topic}",
                 MeetingKind.NETWORK: f"Network meeting on {topic}",
                 MeetingKind.WEBINAR: f"Webinar: {topic}"}[kind]
        created = max(run.start, min(run.now, datetime.combine(start_date, time(12), UTC) - timedelta(days=60)))
        meeting_items = _agenda(rng, words, first_item + len(items), meeting_id, start_date, days, topic, net,
                                run)
        items += meeting_items
        meetings.append({
            "id": meeting_id, "title": f"{label} {start_date.year}"[:200], "kind": kind, "start_date": start_date,
            "end_date": end_date, "timezone": "America/Port_of_Spain",
            "venue": "" if meeting_format == MeetingFormat.VIRTUAL else venue,
            "city": "" if meeting_format == MeetingFormat.VIRTUAL else city,
            "host_party_id": code_to_party.get(host_code), "format": meeting_format,
            "link": "" if meeting_format == MeetingFormat.IN_PERSON else f"https://meet.example.org/cmc-{meeting_id}",
            "status": status, "network_id": net.id if net else None,
            "description": words.paragraph(1, 2, topic=topic), "agenda_revision": len(meeting_items),
            "agenda_last_change": "", "calendar_sequence": 0, "created_at": created})
        if status != MeetingStatus.DRAFT:
            publisher = run.focal_point.get(code_to_party.get(host_code, -1)) or next(iter(run.account_party))
            versions.append({"meeting_id": meeting_id, "number": 1, "items": _snapshot(meeting_items),
                             "changes": ["First published agenda."], "published_by_id": publisher,
                             "published_at": min(run.now, created + timedelta(days=1))})
    insert(Meeting, meetings)
    insert(AgendaItem, items)
    insert(AgendaVersion, versions)
    run.step("meetings", len(meetings))
    run.step("agenda items", len(items))


def _agenda(rng: random.Random, words: Text, first_id: int, meeting_id: int, start: date, days: int, topic: str,
            net: Net | None, run: Run) -> list[dict[str, Any]]:
    """Four to seven items a day from 09:00: opening first, a break, sessions and panels, closing last."""
    items: list[dict[str, Any]] = []
    sessions = [s for s in AGENDA_SESSIONS if "{topic}" in s]
    for day_number in range(days):
        day = start + timedelta(days=day_number)
        minute = 9 * 60
        count = rng.randint(4, 7)
        for position in range(1, count + 1):
            length = rng.choice((30, 45, 60, 90))
            if day_number == 0 and position == 1:
                kind, title = ItemKind.OPENING, "Opening and adoption of the agenda"
            elif day_number == days - 1 and position == count:
                kind, title = ItemKind.CLOSING, "Closing"
            elif position == count // 2 + 1:
                kind, title, length = ItemKind.BREAK, "Coffee break", 15
            else:
                kind = ItemKind.PANEL if rng.random() < 0.3 else ItemKind.SESSION
                title = words.fill(rng.choice(sessions), topic=topic)
            linked: list[int] = []
            if net is not None and net.documents and kind in (ItemKind.SESSION, ItemKind.PANEL) \
                    and rng.random() < 0.2:
                linked = sorted({rng.choice(net.documents)[1] for _ in range(rng.randint(1, 2))})
            presenters = "" if kind == ItemKind.BREAK else ", ".join(
                rng.choice(list(run.account_name.values())) for _ in range(rng.randint(1, 2)))
            items.append({
                "id": first_id + len(items), "uid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "meeting_id": meeting_id, "day": day, "position": position, "room": "",
                "session": f"Day {day_number + 1}", "start_time": time(minute // 60, minute % 60),
                "end_time": time((minute + length) // 60, (minute + length) % 60), "title": title[:200],
                "description": "" if kind == ItemKind.BREAK else words.sentence(topic=topic), "kind": kind,
                "presenters": presenters[:300], "document_ids": linked})
            minute += length
    return items


def _snapshot(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The agenda as ``meetings.snapshot`` freezes it (items are generated in day and position order)."""
    return [{"id": i["id"], "uid": i["uid"], "day": i["day"].isoformat(), "position": i["position"],
             "session": i["session"], "room": i["room"],
             "start": i["start_time"].strftime("%H:%M"), "end": i["end_time"].strftime("%H:%M"), "title": i["title"],
             "description": i["description"], "kind": str(i["kind"]), "presenters": i["presenters"],
             "document_ids": list(i["document_ids"])} for i in items]
