"""Outgoing mail: SMTP when ``MAIL_SERVER`` is set, otherwise the message goes to the log."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger("cmc.mail")


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text message; in the embedded profile, write it to the log instead."""
    cfg = current_app.config
    message = EmailMessage()
    message["From"] = cfg["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if not cfg.get("MAIL_SERVER"):
        log.info("mail (no MAIL_SERVER set, not sent) to=%s subject=%s\n%s", to, subject, body)
        return
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=10) as smtp:
        if cfg.get("MAIL_USE_TLS"):
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        smtp.send_message(message)
