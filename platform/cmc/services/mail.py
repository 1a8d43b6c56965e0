"""Outgoing mail: SMTP when ``MAIL_SERVER`` is set; otherwise (the embedded profile of ``make run``) the message
is shown on the console, the standard output of the process, and never written to the log.

A mail can carry a credential (an invitation link opens an account) and restricted content (an alert); the log
is shipped to collectors and files that outlive the message (``LOG_FORMAT = "json"``, a file handler), so only
the fact that a mail was not sent is logged. The production settings refuse to start without a mail server
(``config.py``).
"""

from __future__ import annotations

import logging
import smtplib
import sys
from email.message import EmailMessage

from flask import current_app

from cmc.logging_setup import escape_controls

log = logging.getLogger("cmc.mail")

_RULE = "-" * 72


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text message; in the embedded profile, show it on the console instead."""
    cfg = current_app.config
    if not cfg.get("MAIL_SERVER"):
        show_on_console(to, subject, body)
        log.info("mail to %s not sent (no MAIL_SERVER set); shown on the console", to)
        return
    message = EmailMessage()
    message["From"] = cfg["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=10) as smtp:
        if cfg.get("MAIL_USE_TLS"):
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


def show_on_console(to: str, subject: str, body: str) -> None:
    """Print the message between two rules on standard output (the console of ``make run``).

    Every line is indented and its control characters escaped, so that a name or a headline cannot forge a line
    outside the message or send terminal escape sequences to the operator's screen.
    """
    lines = [f"--- mail not sent (no MAIL_SERVER set) {_RULE}"[:72], f"To: {escape_controls(to)}",
             f"Subject: {escape_controls(subject)}", ""]
    lines += ["  " + escape_controls(line) for line in body.splitlines()]
    lines.append(_RULE)
    print("\n".join(lines), file=sys.stdout, flush=True)
