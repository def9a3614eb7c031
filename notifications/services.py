"""Mail operations: preferences, `notify` (the one way any package asks for a mail), delivery
attempts, daily digests, and sending failed mails again.

    from notifications import notify
    notify(user, "results", subject="Vos résultats sont disponibles",
           context={"certification_title": "…", "url": "https://…"})

`notify` renders `templates/notifications/mail/<kind>.txt` and `.html` with `context` (plus
`user`), honours the user's choice for that kind (immediate, daily digest, none) and, for an
immediate mail, commits the row and queues its delivery (notifications/tasks.py). Every mail is a
row in `outgoing_mails` first: nothing is lost when the SMTP server is down.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app, render_template
from sqlalchemy import func, select

from accounts.models import User
from core.timeutil import format_paris, utcnow
from extensions import db

from notifications.mailer import MailError, send_message
from notifications.models import (
    CHOOSABLE_KINDS, Delivery, MailKind, MailState, NotificationPreference, OutgoingMail,
)

log = logging.getLogger(__name__)


class NotificationError(Exception):
    """A refused mail operation; the message is French."""


# --- preferences --------------------------------------------------------------------------------

def delivery_of(user: User, kind: str) -> Delivery:
    """How `user` wants mails of `kind`: immediate unless they chose otherwise."""
    if MailKind(kind) not in CHOOSABLE_KINDS:
        return Delivery.IMMEDIATE
    chosen = db.session.scalar(
        select(NotificationPreference.delivery).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == kind
        )
    )
    return Delivery(chosen) if chosen else Delivery.IMMEDIATE


def preferences_of(user: User) -> dict[MailKind, Delivery]:
    return {kind: delivery_of(user, kind) for kind in CHOOSABLE_KINDS}


def set_preferences(user: User, choices: dict[str, str]) -> None:
    """Record the user's choice per kind (kind value → delivery value)."""
    rows = {
        row.kind: row for row in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    for kind in CHOOSABLE_KINDS:
        raw = choices.get(kind.value)
        if raw is None:
            continue
        try:
            delivery = Delivery(raw)
        except ValueError:
            raise NotificationError("Choix d'envoi inconnu.") from None
        row = rows.get(kind.value)
        if row is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind.value, delivery=delivery.value))
        else:
            row.delivery = delivery.value
    db.session.commit()


# --- writing mails --------------------------------------------------------------------------------

def notify(
    user: User, kind: str, *, subject: str, context: dict | None = None, attachments: list[dict] | None = None
) -> OutgoingMail | None:
    """Write a mail of `kind` to `user` as they chose: queued now, kept for the digest, or not at
    all (None). `attachments`: [{"filename", "media_type", "content" (text)}]."""
    kind = MailKind(kind).value
    subject = " ".join(subject.split())  # one line: a header never carries a line break
    delivery = delivery_of(user, kind)
    if delivery == Delivery.NONE or not user.email:
        return None
    values = {"user": user, "subject": subject, **(context or {})}
    mail = OutgoingMail(
        user_id=user.id, recipient=user.email, kind=kind, subject=subject[:300],
        body_text=render_template(f"notifications/mail/{kind}.txt", **values),
        body_html=render_template(f"notifications/mail/{kind}.html", **values),
        attachments=attachments or None,
        state=(MailState.DIGEST if delivery == Delivery.DIGEST else MailState.QUEUED).value,
    )
    db.session.add(mail)
    db.session.commit()
    if mail.state == MailState.QUEUED:
        queue_delivery(mail.id)
    return mail


def queue_delivery(mail_id: int, delay: int = 0) -> None:
    """Hand the delivery to the job queue; a queue that is down leaves the row queued, and the
    periodic sweep (tasks.mail_sweep) hands it over again."""
    from notifications.tasks import deliver_mail

    try:
        if delay:
            deliver_mail.schedule(args=(mail_id,), delay=delay)
        else:
            deliver_mail(mail_id)
    except Exception:
        log.exception("Mail %s could not be queued; the sweep will try again", mail_id)


# --- delivering -----------------------------------------------------------------------------------

def build_message(mail: OutgoingMail) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = formataddr((mail.user.full_name, mail.recipient)) if mail.user is not None else mail.recipient
    message["Message-ID"] = make_msgid(domain="probatio")
    message["X-Probatio-Kind"] = mail.kind
    message.set_content(mail.body_text)
    message.add_alternative(mail.body_html, subtype="html")
    for attachment in mail.attachments or []:
        # Text attachments only (an .ics calendar): "text/calendar; method=REQUEST".
        media_type, *parameters = [part.strip() for part in attachment["media_type"].split(";")]
        subtype = media_type.partition("/")[2]
        params = dict(p.split("=", 1) for p in parameters if "=" in p)
        message.add_attachment(attachment["content"], subtype=subtype, filename=attachment["filename"], params=params)
    return message


def deliver(mail_id: int) -> int | None:
    """One delivery attempt of a queued mail. Returns the delay (seconds) before the next attempt
    when this one failed and attempts remain, else None (sent, failed for good, or not queued)."""
    mail = db.session.get(OutgoingMail, mail_id)
    if mail is None or mail.state != MailState.QUEUED:
        return None
    mail.attempts += 1
    try:
        send_message(build_message(mail))
    except MailError as error:
        mail.last_error = str(error)
        if mail.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            mail.state = MailState.FAILED.value
            db.session.commit()
            log.error("Mail %s to user %s failed after %s attempts: %s", mail.id, mail.user_id, mail.attempts, error)
            return None
        db.session.commit()
        log.warning("Mail %s attempt %s failed: %s", mail.id, mail.attempts, error)
        return current_app.config["MAIL_RETRY_SECONDS"] * mail.attempts
    mail.state = MailState.SENT.value
    mail.sent_at = utcnow()
    mail.last_error = None
    db.session.commit()
    return None


def retry_mail(mail: OutgoingMail) -> None:
    """An admin sends a failed mail again, with a fresh count of attempts."""
    if mail.state != MailState.FAILED:
        raise NotificationError("Seul un courriel en échec peut être renvoyé.")
    mail.state = MailState.QUEUED.value
    mail.attempts = 0
    db.session.commit()
    queue_delivery(mail.id)


def failed_mails(limit: int = 200) -> list[OutgoingMail]:
    return list(db.session.scalars(
        select(OutgoingMail).where(OutgoingMail.state == MailState.FAILED.value).order_by(OutgoingMail.id.desc()).limit(limit)
    ))


def count_failed() -> int:
    return db.session.scalar(select(func.count(OutgoingMail.id)).where(OutgoingMail.state == MailState.FAILED.value)) or 0


def recent_mails(limit: int = 50) -> list[OutgoingMail]:
    return list(db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id.desc()).limit(limit)))


def stale_queued(older_than: timedelta) -> list[int]:
    """Queued mails nobody has tried for a while (their task was lost): the sweep queues them again."""
    cutoff = utcnow() - older_than
    return list(db.session.scalars(
        select(OutgoingMail.id).where(OutgoingMail.state == MailState.QUEUED.value, OutgoingMail.created_at < cutoff)
    ))


# --- digests --------------------------------------------------------------------------------------

def send_digests() -> list[OutgoingMail]:
    """One digest per user with mails waiting for it: grouped by kind, oldest first, attachments
    kept. The mails it carries become `digested`. Returns the digests written."""
    waiting = db.session.scalars(
        select(OutgoingMail).where(OutgoingMail.state == MailState.DIGEST.value).order_by(OutgoingMail.user_id, OutgoingMail.id)
    ).all()
    by_user: dict[int, list[OutgoingMail]] = defaultdict(list)
    for mail in waiting:
        if mail.user_id is not None:
            by_user[mail.user_id].append(mail)
    digests = []
    for user_id, mails in by_user.items():
        user = db.session.get(User, user_id)
        groups = [(kind, [m for m in mails if m.kind == kind.value]) for kind in CHOOSABLE_KINDS]
        groups = [(kind, items) for kind, items in groups if items]
        count = len(mails)
        subject = f"Probatio : votre récapitulatif du {format_paris(utcnow(), '%d/%m/%Y')} ({count} message{'s' if count > 1 else ''})"
        values = {"user": user, "subject": subject, "groups": groups}
        digest = OutgoingMail(
            user_id=user.id, recipient=user.email, kind=MailKind.DIGEST.value, subject=subject,
            body_text=render_template("notifications/mail/digest.txt", **values),
            body_html=render_template("notifications/mail/digest.html", **values),
            attachments=[a for m in mails for a in (m.attachments or [])] or None,
            state=MailState.QUEUED.value,
        )
        db.session.add(digest)
        db.session.flush()
        for mail in mails:
            mail.state = MailState.DIGESTED.value
            mail.digest_id = digest.id
        digests.append(digest)
    db.session.commit()
    for digest in digests:
        queue_delivery(digest.id)
    return digests
