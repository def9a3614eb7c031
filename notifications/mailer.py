"""Sending one message: SMTP when MAIL_URL is set, else an `.eml` file under MAIL_DIR.

    smtp://user:password@host:587?starttls=true     SMTP, upgraded with STARTTLS
    smtps://user:password@host:465                  SMTP over TLS from the start
    smtp://127.0.0.1:1025                           no authentication (a local relay, the tests)

The password is never logged nor recorded: errors are described by `describe_error`, which
names the server without its credentials.
"""
from __future__ import annotations

import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from flask import current_app

SMTP_TIMEOUT = 20  # seconds


class MailError(Exception):
    """A message could not be handed over; the text names no secret."""


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool
    starttls: bool

    def __repr__(self) -> str:  # never the password, whatever prints it
        return f"SmtpTarget({self.host}:{self.port}, user={self.username!r}, tls={self.tls}, starttls={self.starttls})"

    @property
    def shown(self) -> str:
        return f"{self.host}:{self.port}"


def parse_mail_url(url: str) -> SmtpTarget:
    parsed = urlparse(url)
    options = {k: v[-1].lower() for k, v in parse_qs(parsed.query).items()}
    tls = parsed.scheme == "smtps"
    return SmtpTarget(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or (465 if tls else 25),
        username=unquote(parsed.username) if parsed.username else None,
        password=unquote(parsed.password) if parsed.password else None,
        tls=tls,
        starttls=options.get("starttls") in ("1", "true", "yes", "oui"),
    )


def redact(url: str) -> str:
    """MAIL_URL without its password, fit for a log line or a page."""
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@")
    return parsed._replace(netloc=netloc).geturl()


def send_message(message: EmailMessage) -> None:
    """Hand `message` over to the configured transport, or raise MailError."""
    url = current_app.config.get("MAIL_URL") or ""
    if not url:
        _write_eml(message)
        return
    target = parse_mail_url(url)
    try:
        _send_smtp(target, message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(describe_error(target, error)) from None


def _send_smtp(target: SmtpTarget, message: EmailMessage) -> None:
    context = ssl.create_default_context()
    if target.tls:
        client = smtplib.SMTP_SSL(target.host, target.port, timeout=SMTP_TIMEOUT, context=context)
    else:
        client = smtplib.SMTP(target.host, target.port, timeout=SMTP_TIMEOUT)
    with client:
        if target.starttls:
            client.starttls(context=context)
        if target.username:
            client.login(target.username, target.password or "")
        client.send_message(message)


def describe_error(target: SmtpTarget, error: Exception) -> str:
    """French, with the server's host and port and the kind of failure, never the credentials."""
    if isinstance(error, smtplib.SMTPAuthenticationError):
        detail = "identifiants refusés"
    elif isinstance(error, smtplib.SMTPResponseException):
        detail = f"réponse {error.smtp_code} du serveur"
    elif isinstance(error, smtplib.SMTPRecipientsRefused):
        detail = "destinataire refusé"
    elif isinstance(error, (ConnectionError, TimeoutError, smtplib.SMTPServerDisconnected)):
        detail = "serveur injoignable ou connexion coupée"
    else:
        detail = type(error).__name__
    return f"Envoi impossible par le serveur SMTP {target.shown} : {detail}."


def _write_eml(message: EmailMessage) -> None:
    folder = Path(current_app.config["MAIL_DIR"])
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{uuid.uuid4().hex}.eml").write_bytes(message.as_bytes())
    except OSError as error:
        raise MailError(f"Écriture du courriel impossible dans {folder} : {error.strerror}.") from None
