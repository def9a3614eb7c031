"""Mail: what each user wants to receive (preferences) and every mail written (the outbox).

A mail is a row before it is anything else: `OutgoingMail` holds its recipient, French subject,
text and HTML bodies and attachments; the delivery task (notifications/tasks.py) sends it and
records each attempt. A mail waiting for its user's daily digest has the state `digest` until the
digest that carries it is written (`digest_id`).
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.timeutil import utcnow
from extensions import db


class MailKind(enum.StrEnum):
    SET_PASSWORD = "set_password"
    COMMENT = "comment"
    REVIEW = "review"
    SUBMISSION = "submission"
    CONVOCATION = "convocation"
    RESULTS = "results"
    DIGEST = "digest"

    @property
    def label(self) -> str:
        return MAIL_KIND_LABELS[self]


MAIL_KIND_LABELS = {
    MailKind.SET_PASSWORD: "Lien pour choisir votre mot de passe",
    MailKind.COMMENT: "Commentaires et décisions du tuteur sur vos preuves",
    MailKind.REVIEW: "Demandes de relecture de preuves",
    MailKind.SUBMISSION: "Dépôts de dossier reçus",
    MailKind.CONVOCATION: "Convocations à l'entretien et leurs changements",
    MailKind.RESULTS: "Résultats disponibles",
    MailKind.DIGEST: "Récapitulatif quotidien",
}

# Kinds a user may choose for; the set-password link always goes at once (it is how they get in).
CHOOSABLE_KINDS = (MailKind.COMMENT, MailKind.REVIEW, MailKind.SUBMISSION, MailKind.CONVOCATION, MailKind.RESULTS)


class Delivery(enum.StrEnum):
    IMMEDIATE = "immediate"
    DIGEST = "digest"
    NONE = "none"

    @property
    def label(self) -> str:
        return {"immediate": "Tout de suite", "digest": "Dans le récapitulatif quotidien", "none": "Jamais"}[self.value]


class MailState(enum.StrEnum):
    QUEUED = "queued"  # waiting for (another) delivery attempt
    SENT = "sent"
    FAILED = "failed"  # every attempt failed: shown to admins, who may send it again
    DIGEST = "digest"  # waiting for the user's daily digest
    DIGESTED = "digested"  # carried by a digest (digest_id)

    @property
    def label(self) -> str:
        return {
            "queued": "En attente d'envoi", "sent": "Envoyé", "failed": "Échec de l'envoi",
            "digest": "En attente du récapitulatif", "digested": "Envoyé dans un récapitulatif",
        }[self.value]


class NotificationPreference(db.Model):
    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    delivery: Mapped[str] = mapped_column(String(20), default=Delivery.IMMEDIATE.value)


class OutgoingMail(db.Model):
    __tablename__ = "outgoing_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # [{"filename", "media_type", "content"}] with text content (e.g. an .ics calendar).
    attachments: Mapped[list | None] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), default=MailState.QUEUED.value, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_mails.id", ondelete="SET NULL"))

    user = relationship("User")

    @property
    def state_label(self) -> str:
        return MailState(self.state).label

    @property
    def kind_label(self) -> str:
        return MailKind(self.kind).label
