"""Pages of crisis roll calls (issue 19): one blueprint, its views in four modules by what they serve:
``rollcall_start`` (the list, starting one, a network's templates), ``rollcall_answer`` (a party's answer, on
a phone without JavaScript), ``rollcall_board`` (the live board, reminders), ``rollcall_after`` (closing,
reopening, the handling code, the PDF report and the CSV)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("rollcalls", __name__)
