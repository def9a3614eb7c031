"""Portfolios (one candidate in one certification version) and their frozen submissions."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.timeutil import utcnow
from extensions import db
from referentials.models import Certification

portfolio_tutors = Table(
    "portfolio_tutors",
    db.metadata,
    Column("portfolio_id", ForeignKey("portfolios.id", ondelete="CASCADE"), primary_key=True),
    Column("tutor_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Portfolio(db.Model):
    """One candidate in one certification version (a retake is a new portfolio)."""

    __tablename__ = "portfolios"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    certification_id: Mapped[int] = mapped_column(ForeignKey("certifications.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    presentation: Mapped[str] = mapped_column(Text, default="")

    candidate = relationship("User", foreign_keys=[candidate_id])
    certification: Mapped[Certification] = relationship()
    tutors = relationship("User", secondary=portfolio_tutors, order_by="User.full_name")
    submissions: Mapped[list[Submission]] = relationship(
        back_populates="portfolio", order_by="Submission.number", cascade="all, delete-orphan"
    )


class Submission(db.Model):
    """A frozen snapshot of a portfolio sent to the jury; never edited after creation."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("portfolio_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Canonical JSON of the snapshot (sorted keys, no spaces) and its SHA-256.
    snapshot: Mapped[str] = mapped_column(Text)
    snapshot_sha256: Mapped[str] = mapped_column(String(64))

    portfolio: Mapped[Portfolio] = relationship(back_populates="submissions")

    @property
    def accepted_gaps(self) -> dict | None:
        """The gaps the candidate saw and accepted when submitting (snapshot "readiness", format 2
        and later); None for older snapshots."""
        return json.loads(self.snapshot).get("readiness")


@event.listens_for(Submission, "before_update")
def _submissions_are_frozen(mapper, connection, target: Submission) -> None:
    raise ValueError("Un dépôt est figé : il ne peut pas être modifié.")
