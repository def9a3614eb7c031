"""Jury sessions and what the jury records about the submissions assigned to them.

JurySession (one certification version, some of its blocs) → JuryMember, SessionAssignment
(a Submission in this session) → InterviewSlot, Assessment (one juror, one criterion),
GridSubmission (a juror hands in their grid), BlocDecision (the jury's collegial decision).
MinutesConfirmation records each member's acknowledgement of the minutes, MinutesSignature each
signed version of them (kept when a correction reopens the confirmations); AuditEvent is the
append-only trail of every change. Accommodation belongs to the candidate and is sensitive.
"""
from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.timeutil import format_paris, utcnow
from extensions import db


class Verdict(enum.StrEnum):
    ACQUIRED = "acquired"
    PARTIAL = "partial"
    NOT_ACQUIRED = "not_acquired"
    NOT_EVALUATED = "not_evaluated"

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self]


VERDICT_LABELS = {
    Verdict.ACQUIRED: "Acquis",
    Verdict.PARTIAL: "Partiellement acquis",
    Verdict.NOT_ACQUIRED: "Non acquis",
    Verdict.NOT_EVALUATED: "Non évalué",
}


class Outcome(enum.StrEnum):
    VALIDATED = "validated"
    NOT_VALIDATED = "not_validated"
    ADJOURNED = "adjourned"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.VALIDATED: "Validé",
    Outcome.NOT_VALIDATED: "Non validé",
    Outcome.ADJOURNED: "Ajourné",
}


class DecisionRule(enum.StrEnum):
    """How the app proposes a bloc decision from the submitted grids (the jury still decides)."""

    ALL_ACQUIRED = "all_acquired"
    NONE_NOT_ACQUIRED = "none_not_acquired"

    @property
    def label(self) -> str:
        return {
            "all_acquired": "Tous les critères acquis",
            "none_not_acquired": "Aucun critère non acquis",
        }[self.value]


class AccommodationKind(enum.StrEnum):
    EXTRA_TIME = "extra_time"
    ASSISTANT = "assistant"
    EQUIPMENT = "equipment"
    ROOM = "room"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "extra_time": "Tiers temps (temps majoré)",
            "assistant": "Assistance d'une personne (secrétaire, interprète)",
            "equipment": "Matériel ou logiciel adapté",
            "room": "Salle ou installation adaptée",
            "other": "Autre aménagement",
        }[self.value]


class SessionStatus(enum.StrEnum):
    PLANNED = "planned"
    DELIBERATING = "deliberating"
    SIGNED = "signed"
    REOPENED = "reopened"

    @property
    def label(self) -> str:
        return {
            "planned": "En préparation",
            "deliberating": "Délibération ouverte",
            "signed": "Procès-verbal signé",
            "reopened": "Procès-verbal rouvert après rectification",
        }[self.value]


jury_session_blocs = Table(
    "jury_session_blocs",
    db.metadata,
    Column("session_id", ForeignKey("jury_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("bloc_id", ForeignKey("blocs.id", ondelete="RESTRICT"), primary_key=True),
)


class JurySession(db.Model):
    __tablename__ = "jury_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    certification_id: Mapped[int] = mapped_column(ForeignKey("certifications.id", ondelete="RESTRICT"), index=True)
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300), default="")
    video_link: Mapped[str] = mapped_column(String(500), default="")
    decision_rule: Mapped[str] = mapped_column(String(30), default=DecisionRule.ALL_ACQUIRED.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deliberation_started_at: Mapped[datetime | None]
    # Filled when the last member confirms: the minutes as last signed, frozen with their hash.
    minutes_signed_at: Mapped[datetime | None]
    minutes_sha256: Mapped[str | None] = mapped_column(String(64))
    minutes_text: Mapped[str | None] = mapped_column(Text)
    # Set by a correction after the signature (every member confirms again); cleared when re-signed.
    minutes_reopened_at: Mapped[datetime | None]

    certification = relationship("Certification")
    blocs = relationship("Bloc", secondary=jury_session_blocs, order_by="Bloc.position")
    members: Mapped[list[JuryMember]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="JuryMember.id"
    )
    assignments: Mapped[list[SessionAssignment]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionAssignment.id"
    )

    @property
    def president(self) -> JuryMember | None:
        return next((m for m in self.members if m.is_president), None)

    def member_for(self, user) -> JuryMember | None:
        return next((m for m in self.members if user is not None and m.user_id == user.id), None)

    @property
    def status(self) -> SessionStatus:
        if self.is_reopened:
            return SessionStatus.REOPENED
        if self.minutes_signed_at is not None:
            return SessionStatus.SIGNED
        if self.deliberation_started_at is not None:
            return SessionStatus.DELIBERATING
        return SessionStatus.PLANNED

    @property
    def is_signed(self) -> bool:
        """Signed at least once: decisions are final (a correction is a new, motivated decision)."""
        return self.minutes_signed_at is not None

    @property
    def is_reopened(self) -> bool:
        """A correction after the signature awaits every member's confirmation again."""
        return self.minutes_signed_at is not None and self.minutes_reopened_at is not None

    @property
    def minutes_stand(self) -> bool:
        """The signed minutes are the current ones: signed, and not reopened since."""
        return self.is_signed and not self.is_reopened

    @property
    def rule(self) -> DecisionRule:
        return DecisionRule(self.decision_rule)

    @property
    def label(self) -> str:
        return f"Session du {format_paris(self.starts_at, '%d/%m/%Y à %H:%M')} — {self.certification.display_title}"


class JuryMember(db.Model):
    __tablename__ = "jury_members"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("jury_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    is_president: Mapped[bool] = mapped_column(default=False)
    # "Professionnel externe à l'organisme de formation": the rules want at least half of them.
    is_external: Mapped[bool] = mapped_column(default=False)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[JurySession] = relationship(back_populates="members")
    user = relationship("User")


class SessionAssignment(db.Model):
    """A submission examined in a session; grids, decisions and the interview slot hang on it."""

    __tablename__ = "jury_assignments"
    __table_args__ = (UniqueConstraint("session_id", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("jury_sessions.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="RESTRICT"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The president's reason for deciding without waiting for the interview (e.g. on file only).
    interview_waiver: Mapped[str | None] = mapped_column(Text)
    interview_waived_at: Mapped[datetime | None]
    interview_waived_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    session: Mapped[JurySession] = relationship(back_populates="assignments")
    submission = relationship("Submission")
    slot: Mapped[InterviewSlot | None] = relationship(back_populates="assignment", cascade="all, delete-orphan")
    decisions: Mapped[list[BlocDecision]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan", order_by="BlocDecision.id"
    )

    @property
    def candidate(self):
        return self.submission.portfolio.candidate


class InterviewSlot(db.Model):
    __tablename__ = "interview_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("jury_assignments.id", ondelete="CASCADE"), unique=True)
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int]
    # True when the duration includes the candidate's extra time (the reason stays in Accommodation).
    extended: Mapped[bool] = mapped_column(default=False)
    planned_at: Mapped[datetime] = mapped_column(default=utcnow)

    assignment: Mapped[SessionAssignment] = relationship(back_populates="slot")

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class Accommodation(db.Model):
    """An exam accommodation (aménagement). Sensitive: only admins and the candidate's jurors see it."""

    __tablename__ = "accommodations"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    candidate = relationship("User", foreign_keys=[candidate_id])

    @property
    def kind_label(self) -> str:
        return AccommodationKind(self.kind).label


class Assessment(db.Model):
    """One juror's verdict on one criterion of one assigned submission (one row, upserted)."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("assignment_id", "juror_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("jury_assignments.id", ondelete="CASCADE"), index=True)
    juror_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="RESTRICT"), index=True)
    verdict: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def verdict_label(self) -> str:
        return Verdict(self.verdict).label if self.verdict else "Non renseigné"


class GridSubmission(db.Model):
    """A juror hands in their grid for an assignment; the grid is then locked and shared."""

    __tablename__ = "grid_submissions"
    __table_args__ = (UniqueConstraint("assignment_id", "juror_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("jury_assignments.id", ondelete="CASCADE"), index=True)
    juror_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class BlocDecision(db.Model):
    """The jury's collegial decision on one bloc for one assigned submission.

    Editable until the minutes are signed; afterwards a correction is a new row pointing at the
    decision it corrects (`corrects_id`), with its reason. The effective decision is the one no
    other row corrects.
    """

    __tablename__ = "bloc_decisions"
    __table_args__ = (
        # One original decision per bloc and assignment; corrections chain from it.
        Index(
            "uq_bloc_decisions_original", "assignment_id", "bloc_id", unique=True,
            sqlite_where=text("corrects_id IS NULL"), postgresql_where=text("corrects_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("jury_assignments.id", ondelete="CASCADE"), index=True)
    bloc_id: Mapped[int] = mapped_column(ForeignKey("blocs.id", ondelete="RESTRICT"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    justification: Mapped[str] = mapped_column(Text, default="")
    proposed_outcome: Mapped[str | None] = mapped_column(String(20))
    # Set when the president decided before every member had handed in their grid.
    override_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("bloc_decisions.id", ondelete="CASCADE"), unique=True)
    correction_reason: Mapped[str | None] = mapped_column(Text)

    assignment: Mapped[SessionAssignment] = relationship(back_populates="decisions")
    bloc = relationship("Bloc")
    decided_by = relationship("User")
    corrects: Mapped[BlocDecision | None] = relationship(remote_side=[id], back_populates="correction")
    correction: Mapped[BlocDecision | None] = relationship(back_populates="corrects")

    @property
    def outcome_label(self) -> str:
        return Outcome(self.outcome).label

    @property
    def proposed_label(self) -> str:
        return Outcome(self.proposed_outcome).label if self.proposed_outcome else "Aucune proposition"


class MinutesConfirmation(db.Model):
    """A member's electronic acknowledgement of the minutes, as they read them (their hash)."""

    __tablename__ = "minutes_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("jury_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    # Identity as it was when confirming, so that the record survives a renamed account.
    user_name: Mapped[str] = mapped_column(String(200))
    user_email: Mapped[str] = mapped_column(String(254))
    content_sha256: Mapped[str] = mapped_column(String(64))
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")


class MinutesSignature(db.Model):
    """One signed version of the minutes (text, hash); a correction reopens it, the next signature adds the next one."""

    __tablename__ = "minutes_signatures"
    __table_args__ = (UniqueConstraint("session_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("jury_sessions.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    reopened_at: Mapped[datetime | None]
    reopened_reason: Mapped[str | None] = mapped_column(Text)


class AuditEvent(db.Model):
    """One change in the jury's work: who, when, what, on which object, before and after.

    Append-only: the ORM refuses updates and deletes (see the listeners below).
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    # No foreign key: the trail outlives whatever it describes.
    session_id: Mapped[int | None] = mapped_column(index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _audit_is_append_only(mapper, connection, target: AuditEvent) -> None:
    raise ValueError("Le journal d'audit est en ajout seul : un événement ne se modifie ni ne se supprime.")
