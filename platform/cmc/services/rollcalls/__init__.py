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

from cmc.services.rollcalls.access import accepts_answers, get, history, latest_answers
from cmc.services.rollcalls.closing import close, reopen, set_handling

__all__ = ["accepts_answers", "close", "get", "history", "latest_answers", "reopen", "set_handling"]
