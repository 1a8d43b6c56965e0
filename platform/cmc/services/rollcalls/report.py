"""A roll call taken elsewhere: the PDF situation report and the CSV of the answers, both marked with the
handling code the organiser set.

Both read the board's :func:`cmc.services.rollcalls.board.summary`, so the report says what the board says
(the same counts, the same totals with estimates apart from confirmed figures, the parties not answered
first). Both are open while the roll call runs (a snapshot, said so on it) and after it closed (final).

Who may take them out is ``rollcall.export``: the board's readers; for an H2 roll call only the organiser's
party and the secretariat (``HandlingRestricted``, 403, recorded as denied by the page or the API). Who may not
read the roll call gets 404. Every export is recorded (``rollcall.export`` with its path and the code).

The CSV: a header block first (the handling statement, the roll call, when it was exported), a blank row, then
one row per asked party (the parties not answered too, "no answer"), or with ``history`` one row per revision.
Values are machine-readable codes (status, quality, needs) under headers in the reader's language; times ISO
8601 UTC; every cell through ``text.csv_cell``, so a note typed as ``=HYPERLINK(...)`` stays inert text. No BOM,
as the platform's other CSVs.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import render_template
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from cmc import i18n, permissions
from cmc.extensions import db
from cmc.i18n.catalogues import request_locale
from cmc.models import Account, Alert, HandlingCode, Party, RollCall, RollCallAnswer
from cmc.models.types import utcnow
from cmc.services import audit, handling
from cmc.services.errors import HandlingRestricted
from cmc.services.rollcalls import access, board, questions, timeline
from cmc.services.text import css_string, csv_cell, page_counter, xml_safe

NO_ANSWER = "no_answer"


def exportable(actor: Account, roll_call_id: object, path: str) -> RollCall:
    """The roll call the actor may take out by ``path`` ("pdf", "csv"): 404 unless they read it, 403 unless
    ``rollcall.export`` lets them (an H2 roll call's refusal names the code and the organiser's party)."""
    roll_call = access.get(actor, roll_call_id)
    if permissions.can(actor, "rollcall.export", roll_call):
        return roll_call
    origin = roll_call.organiser_party.name
    if roll_call.handling_code == HandlingCode.H2 and permissions.can(actor, "rollcall.board", roll_call):
        raise HandlingRestricted(
            _("This roll call is marked H2 by %(party)s: its report and answers leave the platform only with "
              "%(party)s and the secretariat.", party=origin),
            handling_code=roll_call.handling_code.value, path=path, action="rollcall.export",
            target_type="roll_call", target_id=roll_call.id, target_party_id=roll_call.organiser_party_id)
    permissions.require(actor, "rollcall.export", roll_call, target_type="roll_call", target_id=roll_call.id,
                        target_party_id=roll_call.organiser_party_id,
                        message=_("The report of a roll call is for the readers of its board."))
    return roll_call  # not reached: the rule refused above


def _record(actor: Account, roll_call: RollCall, path: str, **details: Any) -> None:
    audit.record_now(actor, "rollcall.export", target_type="roll_call", target_id=roll_call.id,
                     target_party_id=roll_call.organiser_party_id,
                     details={"path": path, "handling_code": roll_call.handling_code.value,
                              "state": roll_call.state.value, **details})


def statement(roll_call: RollCall) -> str:
    """The handling statement of the roll call, naming the organiser's party (H1's warning, H3's text).
    (``handling.origin_name`` knows alerts, documents and threads; a roll call's originator is its organiser's
    party.)"""
    return handling.statement(roll_call, roll_call.organiser_party.name)


def _iso(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def _own_value(value: Any) -> str:
    """An own question's answer as a cell: yes/no questions as ``yes``/``no``."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def _own_questions(roll_call: RollCall) -> list[dict[str, Any]]:
    return [q for q in roll_call.questions if not questions.is_standard(q)]


def _header(roll_call: RollCall) -> list[str]:
    own = [questions.label(q) for q in _own_questions(roll_call)]
    return [_("Party code"), _("Party"), _("Status (code)"), _("Status"), _("People displaced"),
            _("Displaced: quality"), _("People who left by sea"), _("Departed: quality"), _("Main needs (codes)"),
            _("Note"), *own, _("Figures confirmed as exceptional"), _("Confirmed by the focal point"),
            _("Answered at (UTC)"), _("Answered by"), _("Revision")]


def _row(party: Party, answer: RollCallAnswer | None, own: list[dict[str, Any]], authors: dict[int, str]) -> list[str]:
    if answer is None:
        return [party.code, party.name, NO_ANSWER, _("No answer"), "", "", "", "", "", "", *["" for _q in own],
                "", "", "", "", ""]
    yes, no = "yes", "no"
    return [party.code, party.name, answer.status.value if answer.status else "", questions.status_word(answer.status),
            "" if answer.displaced is None else str(answer.displaced),
            answer.displaced_quality.value if answer.displaced_quality else "",
            "" if answer.departed is None else str(answer.departed),
            answer.departed_quality.value if answer.departed_quality else "", ";".join(answer.need_list),
            answer.note, *[_own_value((answer.extra or {}).get(q["key"])) for q in own], ";".join(answer.flag_list),
            yes if answer.by_focal_point else no, _iso(answer.created_at), authors.get(answer.author_id, ""),
            str(answer.revision)]


def _authors(answers: list[RollCallAnswer]) -> dict[int, str]:
    ids = {answer.author_id for answer in answers}
    if not ids:
        return {}
    return dict(db.session.execute(select(Account.id, Account.name).where(Account.id.in_(ids))).all())


def _state_words(roll_call: RollCall) -> str:
    if roll_call.closed:
        return _("Final: the roll call was closed on %(when)s; answers are frozen.", when=_iso(roll_call.closed_at))
    return _("Snapshot: the roll call is still open; answers may still change.")


def csv_lines(actor: Account, roll_call_id: object, *, history: bool = False) -> Iterator[str]:
    """The roll call's answers as CSV lines (see the module): the latest answer of each asked party, or with
    ``history`` every revision (oldest first, party by party). Checks and records the export before the
    first line."""
    roll_call = exportable(actor, roll_call_id, "csv")
    picture = board.summary(roll_call)
    _record(actor, roll_call, "csv", history=history)
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    for cells in ([_("Handling"), roll_call.handling_code.value, statement(roll_call)],
                  [_("Roll call"), roll_call.title], [_("Network"), roll_call.network.name],
                  [_("Deadline (UTC)"), _iso(roll_call.deadline)], [_("State"), roll_call.state.value,
                                                                    _state_words(roll_call)],
                  [_("Exported at (UTC)"), _iso(utcnow())], []):
        writer.writerow([csv_cell(cell) for cell in cells])
    writer.writerow([csv_cell(cell) for cell in _header(roll_call)])
    head = flush()
    # Every row is written before the first line goes out: once the page has answered, the stream runs after
    # the request's database session is gone (the real server detaches the loaded rows), and a roll call's
    # rows are few (its asked parties, or their revisions).
    own = _own_questions(roll_call)
    revisions: dict[int, list[RollCallAnswer]] = {}
    if history:
        for answer in access.history(roll_call.id):
            revisions.setdefault(answer.party_id, []).append(answer)
    else:
        revisions = {line.party.id: [line.answer] for line in picture.lines if line.answer is not None}
    authors = _authors([answer for answers in revisions.values() for answer in answers])
    body: list[str] = []
    for line in picture.lines:
        for answer in revisions.get(line.party.id) or [None]:
            writer.writerow([csv_cell(cell) for cell in _row(line.party, answer, own, authors)])
        body.append(flush())
    yield head
    yield from body


def changes(actor: Account, roll_call: RollCall, picture: board.Summary
            ) -> tuple[RollCall | None, list[timeline.Change]]:
    """For a follow-up the actor may see the previous board of: the previous roll call and each asked party's
    answer then and now (every party asked now, in the board's order); else (None, [])."""
    previous = db.session.get(RollCall, roll_call.previous_id) if roll_call.previous_id else None
    if previous is None or not permissions.can(actor, "rollcall.board", previous):
        return None, []
    then = access.latest_answers(previous.id)
    return previous, [timeline.Change(party=line.party, before=then.get(line.party.id), now=line.answer)
                      for line in picture.lines]


def _headline(actor: Account, roll_call: RollCall, language: str) -> str:
    """The headline of the alert the roll call answers, when the actor may read that alert."""
    alert = db.session.get(Alert, roll_call.alert_id) if roll_call.alert_id else None
    if alert is None or not permissions.can(actor, "alert.read", alert):
        return ""
    from cmc.services.alerts import block_for

    shown = block_for(alert, language)
    return shown.info.headline if shown is not None else alert.identifier


def number(value: int | None) -> str:
    """A number as the reader's language writes it ("" for none)."""
    return "" if value is None else str(format_decimal(value))


def report_html(actor: Account, roll_call: RollCall) -> str:
    """The HTML of the situation report (``rollcalls/report_pdf.html``) in the reader's language."""
    language = str(request_locale() or i18n.DEFAULT)
    picture = board.summary(roll_call)
    previous, moved = changes(actor, roll_call, picture)
    now = utcnow()
    footer = " · ".join([roll_call.title, _("Organiser: %(party)s", party=roll_call.organiser_party.name),
                         _("Final report") if roll_call.closed else _("Snapshot, not final")])
    return render_template(
        "rollcalls/report_pdf.html", roll_call=roll_call, board=picture, page_language=language,
        statement=statement(roll_call), headline=_headline(actor, roll_call, language), made_at=now,
        previous=previous, changes=moved, own_questions=_own_questions(roll_call), questions=questions,
        number=number, header_marking=css_string(statement(roll_call)), footer_marking=css_string(footer),
        page_counter=page_counter(_("Page %(n)s of %(total)s", n="%(n)s", total="%(total)s")))


def pdf(actor: Account, roll_call_id: object) -> bytes:
    """The situation report as an A4 PDF (see the module), its handling statement at the top and bottom of
    every page. Checks and records the export."""
    roll_call = exportable(actor, roll_call_id, "pdf")
    html = report_html(actor, roll_call)
    # Imported on use: WeasyPrint is slow to import and only the printed exports need it.
    from weasyprint import HTML

    body = bytes(HTML(string=xml_safe(html), base_url=None).write_pdf())
    _record(actor, roll_call, "pdf")
    return body
