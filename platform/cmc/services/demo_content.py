"""A living demo: what ``cmc seed --demo`` adds after the demo accounts, so that a first run opens on a platform
in use rather than on empty pages.

Everything is made by the demo people through the same services the pages call (never raw inserts), so the
audit trail, the search index, the activity feeds and the acknowledgement grid are what they would be had
these people clicked: threads with replies in each network, a PDF and a Word document whose text search
finds, an alert acknowledged by some parties and then updated, a past meeting with minutes and action items,
and an upcoming one whose agenda was published twice.
"""

from __future__ import annotations

import tempfile
from datetime import date, time, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import exists, select
from werkzeug.datastructures import FileStorage

from cmc import sample_files, uploads
from cmc.extensions import db
from cmc.models import Account, Meeting, Thread
from cmc.models.types import utcnow
from cmc.services import alerts, documents, meetings, networks
from cmc.services.auth import find_account_by_email

SECRETARIAT = "secretariat@cmc.demo"
COORDINATOR = "coordinator.bs@cmc.demo"
FOCAL_JM = "focal.jm@cmc.demo"
TT = "delegate.tt@cmc.demo"
DO = "delegate.do@cmc.demo"

#: Words that appear only inside the demo files' text (not in their titles or descriptions): searching for
#: them shows that the PDF and the Word document were read.
PDF_WORD = "Windward"
DOCX_WORD = "fingerprint"

#: Two days to acknowledge: the demo's alerts do not fall overdue (and mail focal points) while someone tries it.
ACK_MINUTES = 2 * 24 * 60


def _people() -> dict[str, Account]:
    found = {email: find_account_by_email(email) for email in (SECRETARIAT, COORDINATOR, FOCAL_JM, TT, DO)}
    missing = [email for email, account in found.items() if account is None]
    if missing:
        raise RuntimeError(f"the demo accounts are missing: {', '.join(missing)}")
    return {email: account for email, account in found.items() if account is not None}


def has_living_demo() -> bool:
    """Whether the database already holds threads or meetings (then the living demo is not added again)."""
    return bool(db.session.scalar(select(exists().where(Thread.id.is_not(None))))
                or db.session.scalar(select(exists().where(Meeting.id.is_not(None)))))


def seed_living_demo() -> dict[str, int]:
    """Add the living demo unless the database already has threads or meetings; return what was added."""
    if has_living_demo():
        return {}
    people = _people()
    return {"threads": _threads(people), "documents": _documents(people), "alerts": _alerts(people),
            "meetings": _meetings(people), "roll calls": _roll_calls(people)}


# --- threads ---------------------------------------------------------------------------------------------

def _threads(people: dict[str, Account]) -> int:
    conversations = [
        ("migrant-smuggling", COORDINATOR, "Welcome: how this network exchanges early alerts",
         "Welcome to the technical network. A coordinator publishes each **early alert**; every member state "
         "acknowledges it on behalf of its government within the time the alert asks.\n\n"
         "Members who see something first can submit a draft alert for a coordinator to approve.",
         [(TT, "Thank you. Trinidad and Tobago's duty officer will acknowledge alerts around the clock."),
          (DO, "The Dominican Republic's immigration directorate has named two officers for this.")], True),
        ("migrant-smuggling", FOCAL_JM, "Draft regional protocol against migrant smuggling",
         "Jamaica has circulated a first outline. Comments on the sections on *assistance at sea* and on "
         "*information sharing between coast guards* are most welcome before the annual meeting.",
         [(TT, "We suggest adding a section on the protection of smuggled migrants as victims of crime."),
          (COORDINATOR, "Agreed; I will put the outline and the comments on the agenda of the annual meeting.")],
         False),
        ("border-management", TT, "Advance passenger information: who shares it, and how?",
         "We are reviewing how advance passenger information reaches our border posts. Which member states "
         "receive it directly from airlines, and which through a regional hub?",
         [(FOCAL_JM, "Jamaica receives it through the regional hub; the set-up took about six months."),
          (SECRETARIAT, "IOM can share the 2025 assessment of passenger data systems in the region.")], False),
        ("refugee-protection", DO, "Referral of people arriving by sea",
         "How do your services refer people arriving by sea who may need international protection? We are "
         "updating our standard operating procedures.",
         [(SECRETARIAT, "UNHCR and IOM have a joint referral guide; it is in this network's documents."),
          (DO, "Thank you, we will use it for the update and report back at the next meeting.")], False),
    ]
    for slug, author, title, body, replies, pinned in conversations:
        thread = networks.create_thread(people[author], slug, title, body)
        for replier, text in replies:
            networks.add_reply(people[replier], thread.id, text)
        if pinned:
            networks.set_pinned(people[author], thread.id, True)
    return len(conversations)


# --- documents -------------------------------------------------------------------------------------------

def _upload(actor: Account, slug: str, filename: str, content: bytes, data: documents.DocumentInput) -> None:
    """Stage the bytes as a browser's upload arrives (a temporary file in the storage's ``tmp/`` folder), pass
    them through the same upload checks, and hand them to the document service."""
    with tempfile.NamedTemporaryFile(prefix="upload-", dir=documents.storage().temp_dir(), delete=False) as handle:
        handle.write(content)
    temp = Path(handle.name)
    try:
        with open(temp, "rb") as stream:
            checked = uploads.check(FileStorage(stream=stream, filename=filename),
                                    max_bytes=int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024)
        documents.upload(actor, slug, data, checked)
    finally:
        temp.unlink(missing_ok=True)  # gone already when the document service kept it


def _documents(people: dict[str, Account]) -> int:
    report = sample_files.pdf(lines=[
        "Situation report: smuggling routes in the northern Caribbean",
        f"Departures through the {PDF_WORD} Passage rose in the last quarter.",
        "Vessels are overcrowded and unseaworthy; most carry no safety equipment.",
        "Coast guards interdicted eleven vessels; four smuggling networks were identified.",
    ])
    protocol = sample_files.docx(paragraphs=[
        "National protocol on the identification of smuggled migrants (template)",
        f"1. Identification: record {DOCX_WORD} and photograph data only with the person's informed consent.",
        "2. Protection: refer anyone who may need international protection to the asylum authority.",
        "3. Information sharing: share case data only through the channels agreed in the network.",
    ])
    guide = sample_files.pdf(lines=[
        "Joint referral guide for people arriving by sea",
        "Screening, first reception and referral to national asylum procedures.",
    ])
    survey = sample_files.docx(paragraphs=[
        "Training needs of border posts, 2026",
        "Document examination, interviewing techniques and data protection lead the list of needs.",
    ])
    uploads_to_make = [
        (COORDINATOR, "migrant-smuggling", "situation-report.pdf", report,
         documents.DocumentInput(title="Situation report on smuggling routes, third quarter",
                                 description="Routes, vessels and interdictions reported by the coast guards.")),
        (DO, "migrant-smuggling", "national-protocol-template.docx", protocol,
         documents.DocumentInput(title="National protocol template", kind="protocol", status="draft",
                                 description="A template for national protocols against migrant smuggling.")),
        (SECRETARIAT, "refugee-protection", "referral-guide.pdf", guide,
         documents.DocumentInput(title="Joint referral guide", languages=["en", "es"])),
        (TT, "border-management", "training-needs.docx", survey,
         documents.DocumentInput(title="Training needs survey of border posts", kind="statistics")),
    ]
    for email, slug, filename, content, data in uploads_to_make:
        _upload(people[email], slug, filename, content, data)
    return len(uploads_to_make)


# --- alerts ----------------------------------------------------------------------------------------------

def _alert(headline: str, description: str, severity: str, codes: list[str], **marking: str) -> alerts.AlertInput:
    return alerts.AlertInput(ack_within_minutes=ACK_MINUTES, **marking, infos=[alerts.InfoInput(
        headline=headline, event="Irregular maritime departure", severity=severity, urgency="Expected",
        certainty="Likely", description=description, area_desc="Northern Caribbean", geocodes=codes,
        instruction="Alert your coast guard and share any sighting in the network.")])


def _alerts(people: dict[str, Account]) -> int:
    coordinator = people[COORDINATOR]
    alert, _created = alerts.publish(coordinator, "migrant-smuggling", _alert(
        "Overcrowded vessel expected to leave the northern coast this week",
        "Several sources report a vessel with about 60 people preparing to leave. Departure is likely within "
        "days, weather permitting.", "Moderate", ["BS", "TT"]))
    for email in (TT, FOCAL_JM):
        alerts.acknowledge(people[email], alert.id)
    update = alerts.revise(coordinator, alert.id, _alert(
        "Update: the vessel left on Tuesday night, heading north-west",
        "The vessel was seen leaving on Tuesday night with about 60 people on board. Coast guards of the "
        "region are asked to watch the north-western routes.", "Moderate", ["BS", "TT"]))
    for email in (TT, DO):
        alerts.acknowledge(people[email], update.id)
    return 2 + _jamaica_alerts(people)


def _jamaica_alerts(people: dict[str, Account]) -> int:
    """Two alerts Jamaica shares under handling codes, so the codes show from the first page: one H2 with the
    evaluation B2 (not to be disseminated without Jamaica's permission; what a member asks Jamaica to release),
    one H1. Jamaica's focal point submits them and the coordinator approves them, as members' drafts go. Neither
    names affected parties: they draw nothing on the maps, whose markers the demo's map tests click."""
    coordinator, focal = people[COORDINATOR], people[FOCAL_JM]
    drafts = [
        _alert("Smuggling network recruiting boat crews in Montego Bay",
               "Police intelligence: a network offers cash to fishermen to crew boats towards the Turks and Caicos "
               "Islands. Names and vessels are held by Jamaica's police.", "Moderate", [],
               handling_code="H2", source_reliability="B", info_accuracy="2"),
        _alert("Forged travel documents seized at Norman Manley airport",
               "Border officers seized forged passports of a series also seen in the region. Jamaica's prosecutors "
               "are preparing a case.", "Minor", [], handling_code="H1"),
    ]
    for data in drafts:
        draft, _created = alerts.publish(focal, "migrant-smuggling", data, submit=True)
        alerts.approve(coordinator, draft.id, token=alerts.draft_token(coordinator, draft), severe_checked=False)
    return len(drafts)


# --- meetings --------------------------------------------------------------------------------------------

def _item(day: date, title: str, start: tuple[int, int], end: tuple[int, int], kind: str = "session",
          presenters: str = "", room: str = "") -> meetings.ItemInput:
    return meetings.ItemInput(day=day, title=title, start_time=time(*start), end_time=time(*end), kind=kind,
                              presenters=presenters, room=room)


def _revision(meeting_id: int) -> int:
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting_id)
    assert meeting is not None
    return meeting.agenda_revision


def _past_meeting(secretariat: Account, today: date) -> None:
    day = today - timedelta(days=30)
    meeting = meetings.save_meeting(secretariat, meetings.MeetingInput(
        title="Technical meeting of the migrant smuggling network", kind="network_meeting", start_date=day,
        end_date=day, format="virtual", link="https://meet.example.org/cmc-smuggling",
        network_id=networks.entry("migrant-smuggling").id,
        description="Alert procedures and the outline of a regional protocol."))
    for item in (_item(day, "Opening and adoption of the agenda", (14, 0), (14, 15), "opening"),
                 _item(day, "Review of the alert procedure", (14, 15), (15, 30))):
        meetings.add_item(secretariat, meeting.id, item, _revision(meeting.id))
    meetings.publish_agenda(secretariat, meeting.id, _revision(meeting.id))
    meetings.save_minutes(secretariat, meeting.id, "The network reviewed its alert procedure and agreed to "
                          "prepare an outline of a regional protocol.", final=True)
    meetings.add_decision(secretariat, meeting.id, "Every member state names a duty officer for alerts.")
    meetings.add_action(secretariat, meeting.id, "Circulate the outline of a regional protocol",
                        owner_party="JM", due=today + timedelta(days=14))
    meetings.add_action(secretariat, meeting.id, "Test the acknowledgement of alerts with every member state",
                        owner_network="migrant-smuggling", due=today + timedelta(days=30))
    meetings.save_meeting(secretariat, meetings.MeetingInput(
        title=meeting.title, kind="network_meeting", start_date=day, end_date=day, format="virtual",
        link=meeting.link, network_id=meeting.network_id, description=meeting.description, status="concluded"),
        meeting.id)


def _annual_meeting(people: dict[str, Account], today: date) -> None:
    secretariat = people[SECRETARIAT]
    first = today + timedelta(days=45)
    second = first + timedelta(days=1)
    meeting = meetings.save_meeting(secretariat, meetings.MeetingInput(
        title="Annual meeting of the Caribbean Migration Consultations", kind="annual_meeting", start_date=first,
        end_date=second, venue="Baha Mar Convention Centre", city="Nassau", host_party="BS", format="hybrid",
        link="https://meet.example.org/cmc-annual", description="The consultations' yearly meeting of all parties."))
    plan = [
        _item(first, "Opening ceremony", (9, 0), (9, 30), "opening", "The Bahamas; IOM; UNHCR"),
        _item(first, "Regional migration trends", (9, 30), (11, 0), presenters="IOM"),
        _item(first, "Coffee break", (11, 0), (11, 30), "break"),
        _item(first, "Border management and information sharing", (11, 30), (13, 0), "panel"),
        # Two sessions in parallel on the second morning, one per room: the timetable shows them side by side.
        _item(second, "Refugee protection in mixed movements", (9, 0), (10, 30), presenters="UNHCR",
              room="Salon A"),
        _item(second, "Labour mobility and skills recognition", (9, 30), (11, 0), "panel", "CARICOM; ILO",
              room="Salon B"),
        _item(second, "Reports of the two sessions", (11, 15), (12, 0), presenters="Rapporteurs"),
        _item(second, "Closing and the next chair", (12, 0), (12, 30), "closing"),
    ]
    added = [meetings.add_item(secretariat, meeting.id, item, _revision(meeting.id)).id for item in plan]
    meetings.publish_agenda(secretariat, meeting.id, _revision(meeting.id))
    # Version 2: the open action items of the past meeting carried forward, and a session moved.
    meetings.carry_forward(secretariat, meeting.id, _revision(meeting.id))
    meetings.update_item(secretariat, added[4], _item(second, "Refugee protection in mixed movements", (9, 30),
                                                      (11, 0), presenters="UNHCR", room="Salon A"),
                         _revision(meeting.id))
    meetings.publish_agenda(secretariat, meeting.id, _revision(meeting.id))
    registration = meetings.register(people[FOCAL_JM], meeting.id, "JM", [
        {"name": people[FOCAL_JM].name, "title": "National Focal Point", "role": "head"},
        {"name": "Andre Williams", "title": "Passport, Immigration and Citizenship Agency", "role": "delegate"}])
    meetings.decide_registration(secretariat, registration.id, True)


def _meetings(people: dict[str, Account]) -> int:
    today = utcnow().date()
    _past_meeting(people[SECRETARIAT], today)
    _annual_meeting(people, today)
    return 2


# --- roll calls ------------------------------------------------------------------------------------------

def _roll_calls(people: dict[str, Account]) -> int:
    """One open roll call after a storm, asking the member parties of Migrant Smuggling, answered by two of them
    (Trinidad and Tobago affected and coping, Jamaica not affected): the board and the list are not empty."""
    from cmc.database import write_transaction
    from cmc.models import Affected, Quality, RollCallAnswer
    from cmc.permissions.core import is_focal_point
    from cmc.services import rollcalls

    roll_call = rollcalls.start(people[COORDINATOR], "migrant-smuggling", rollcalls.StartInput(
        title="Tropical Storm Bret: how do you stand?", deadline=utcnow() + timedelta(days=2),
        instructions="Answer for your country or territory; update your answer as figures are confirmed."),
        tell=False)  # seeding mails nobody (``make run`` keeps its console short)
    answers = [(people[TT], {"status": Affected.COPING, "displaced": 120, "displaced_quality": Quality.ESTIMATE,
                             "departed": 0, "departed_quality": Quality.CONFIRMED, "needs": "shelter;medical",
                             "note": "Flooding in the south; shelters open in San Fernando."}),
               (people[FOCAL_JM], {"status": Affected.NOT_AFFECTED, "note": "No damage reported."})]
    # The answers' own service (answering) decides who may answer and when; the demo writes the same rows it
    # would, for two parties the roll call asks.
    with write_transaction():
        for author, values in answers:
            db.session.add(RollCallAnswer(roll_call_id=roll_call.id, party_id=author.party_id, revision=1,
                                          author_id=author.id, by_focal_point=is_focal_point(author),
                                          created_at=utcnow(), **values))
    return 1
