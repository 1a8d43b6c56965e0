"""Crisis roll calls (issue 19): one structured question set asked of many parties, answers gathered live.

- ``questions``: the standard and a network's own questions; the one validation of a question list.
- ``access``: the roll call the actor may read (404 otherwise), each party's latest answer, the history.
- ``starting``: templates, starting a roll call (from an alert, as a follow-up), telling the asked parties.
- ``answering``: a party's answer: checks, plausibility, concurrent edits (409), the history kept.
- ``board``: the picture: counts, totals (estimated apart from confirmed), parties missing, the timeline, the
  changes since the previous roll call; ``reminders``: by hand and automatic (half-time, last hour).
- ``closing``: close (freeze), reopen with a new deadline, the handling code; ``report``: the PDF situation
  report and the CSV of the answers.
"""

from cmc.services.rollcalls import board, live, reminders, timeline
from cmc.services.rollcalls.access import accepts_answers, get, history, latest_answers
from cmc.services.rollcalls.answering import (
    AnswerConflict,
    AnswerInput,
    ConfirmationRequired,
    RollCallClosed,
    answer,
    latest_for,
    waiting_for,
)
from cmc.services.rollcalls.closing import close, reopen, set_handling
from cmc.services.rollcalls.starting import (
    RollCallLine,
    StartInput,
    follow_up_defaults,
    open_for_start,
    start,
    started_from,
    visible_roll_calls,
)
from cmc.services.rollcalls.templates import archive_template, ensure_default, save_template, templates_for

__all__ = ["AnswerConflict", "AnswerInput", "ConfirmationRequired", "RollCallClosed", "RollCallLine", "StartInput",
           "accepts_answers", "answer", "archive_template", "board", "close", "ensure_default", "follow_up_defaults",
           "get", "history", "latest_answers", "latest_for", "live", "open_for_start", "reminders", "reopen",
           "save_template", "set_handling", "start", "started_from", "templates_for", "timeline",
           "visible_roll_calls", "waiting_for"]
