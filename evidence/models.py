"""Evidence (preuve) and what hangs on it.

Evidence → EvidenceFile (a logical file, e.g. "plan-adressage.pdf") → EvidenceVersion (one upload,
never deleted, pointing at an object in a named storage backend). Claim ties evidence to a
criterion with the candidate's justification.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, Float, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.timeutil import utcnow
from extensions import db


class EvidenceStatus(enum.StrEnum):
    DRAFT = "draft"
    READY = "ready"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    # Validated, then changed by the candidate: back to the tutor, who is told.
    REVISED = "revised"

    @property
    def label(self) -> str:
        return EVIDENCE_STATUS_LABELS[self]


EVIDENCE_STATUS_LABELS = {
    EvidenceStatus.DRAFT: "Brouillon",
    EvidenceStatus.READY: "Prête pour relecture",
    EvidenceStatus.CHANGES_REQUESTED: "Modifications demandées",
    EvidenceStatus.APPROVED: "Validée par le tuteur",
    EvidenceStatus.REVISED: "À revoir : modifiée après validation",
}


class AcquisitionContext(enum.StrEnum):
    COMPANY = "company"
    INTERNSHIP = "internship"
    TRAINING = "training"

    @property
    def label(self) -> str:
        return {
            "company": "Mission réelle en entreprise",
            "internship": "Stage",
            "training": "Situation reconstituée en formation",
        }[self.value]


class ExtractionStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


evidence_deliverables = Table(
    "evidence_deliverables",
    db.metadata,
    Column("evidence_id", ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True),
    Column("deliverable_id", ForeignKey("deliverables.id", ondelete="CASCADE"), primary_key=True),
)


class Evidence(db.Model):
    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("portfolio_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id", ondelete="CASCADE"), index=True)
    # "Preuve n°" shown to users and in the dossier; stable within the portfolio.
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    context: Mapped[str] = mapped_column(String(20), default=AcquisitionContext.COMPANY.value)
    organisation: Mapped[str] = mapped_column(String(300), default="")
    period: Mapped[str] = mapped_column(String(100), default="")
    confidentiality_note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(30), default=EvidenceStatus.DRAFT.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Soft delete: nothing is ever lost, and a submitted snapshot may still point here.
    deleted_at: Mapped[datetime | None]

    portfolio = relationship("Portfolio")
    files: Mapped[list[EvidenceFile]] = relationship(
        back_populates="evidence", order_by="EvidenceFile.position", cascade="all, delete-orphan"
    )
    claims: Mapped[list[Claim]] = relationship(back_populates="evidence", cascade="all, delete-orphan")
    deliverables = relationship("Deliverable", secondary=evidence_deliverables)

    @property
    def status_label(self) -> str:
        return EvidenceStatus(self.status).label

    @property
    def context_label(self) -> str:
        return AcquisitionContext(self.context).label


class EvidenceFile(db.Model):
    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]

    evidence: Mapped[Evidence] = relationship(back_populates="files")
    versions: Mapped[list[EvidenceVersion]] = relationship(
        back_populates="file", order_by="EvidenceVersion.number", cascade="all, delete-orphan"
    )

    @property
    def current(self) -> EvidenceVersion | None:
        return self.versions[-1] if self.versions else None


class EvidenceVersion(db.Model):
    """One uploaded file; recorded only after its object is stored."""

    __tablename__ = "evidence_versions"
    __table_args__ = (UniqueConstraint("file_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("evidence_files.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    backend: Mapped[str] = mapped_column(String(20))
    object_key: Mapped[str] = mapped_column(String(200), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    extraction_status: Mapped[str] = mapped_column(String(20), default=ExtractionStatus.PENDING.value)
    extraction_error: Mapped[str | None] = mapped_column(Text)
    extracted_text: Mapped[str | None] = mapped_column(Text)

    file: Mapped[EvidenceFile] = relationship(back_populates="versions")


class Claim(db.Model):
    """Evidence ↔ criterion, with the candidate's justification of how it proves it."""

    __tablename__ = "claims"
    __table_args__ = (UniqueConstraint("evidence_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="RESTRICT"), index=True)
    justification: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    evidence: Mapped[Evidence] = relationship(back_populates="claims")
    criterion = relationship("Criterion")
    revisions: Mapped[list[ClaimRevision]] = relationship(order_by="ClaimRevision.replaced_at.desc()", viewonly=True)
    # Where in a file the proof is; none means the whole file (evidence/anchors.py).
    anchors: Mapped[list[ClaimAnchor]] = relationship(
        back_populates="claim", order_by="ClaimAnchor.id", cascade="all, delete-orphan", passive_deletes=True
    )


class AnchorKind(enum.StrEnum):
    LINES = "lines"      # text, logs, scripts: line_start..line_end
    PAGES = "pages"      # PDF pages, or pages of a Word/ODT/spreadsheet rendering: page_start..page_end
    REGION = "region"    # images, rendered SVG: x, y, width, height in [0, 1] of the image
    CELLS = "cells"      # XLSX/ODS: a sheet and an A1 range


class ClaimAnchor(db.Model):
    """The exact part of one file version that a claim points to.

    Tied to a version, never to the file: a new version leaves the anchor where it was until the
    candidate moves it. Only the location columns of its kind are set.
    """

    __tablename__ = "claim_anchors"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("evidence_versions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    line_start: Mapped[int | None]
    line_end: Mapped[int | None]
    page_start: Mapped[int | None]
    page_end: Mapped[int | None]
    x: Mapped[float | None] = mapped_column(Float)
    y: Mapped[float | None] = mapped_column(Float)
    width: Mapped[float | None] = mapped_column(Float)
    height: Mapped[float | None] = mapped_column(Float)
    sheet: Mapped[str | None] = mapped_column(String(120))
    cells: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    claim: Mapped[Claim] = relationship(back_populates="anchors")
    version: Mapped[EvidenceVersion] = relationship()

    LOCATION_KEYS = {
        AnchorKind.LINES: ("line_start", "line_end"),
        AnchorKind.PAGES: ("page_start", "page_end"),
        AnchorKind.REGION: ("x", "y", "width", "height"),
        AnchorKind.CELLS: ("sheet", "cells"),
    }

    @property
    def location(self) -> dict:
        """Only the location keys of this anchor's kind, e.g. {"line_start": 3, "line_end": 9}."""
        return {key: getattr(self, key) for key in self.LOCATION_KEYS[AnchorKind(self.kind)]}


class ClaimRevision(db.Model):
    """A justification that was replaced: nothing the candidate wrote is lost."""

    __tablename__ = "claim_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The claim may be removed later; its evidence and criterion still say what the text was about.
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id", ondelete="SET NULL"), index=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="CASCADE"))
    justification: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime]
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Comment(db.Model):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_by_candidate_at: Mapped[datetime | None]

    author = relationship("User")
    evidence: Mapped[Evidence] = relationship()
    claim: Mapped[Claim | None] = relationship()
    replies: Mapped[list[Comment]] = relationship(order_by="Comment.created_at")


class StatusChange(db.Model):
    """Every change of an evidence's review status: who, when, from what to what."""

    __tablename__ = "evidence_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    changed_by = relationship("User")
