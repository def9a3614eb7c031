"""The referential of a certification, as loaded from its source document.

Certification (one version of a referential) → Bloc → Competence and Evaluation;
Evaluation → Deliverable and Criterion. Rows are never edited after loading: a corrected
referential is loaded as a new version, and portfolios stay on the version they started with.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.timeutil import utcnow
from extensions import db

evaluation_competences = Table(
    "evaluation_competences",
    db.metadata,
    Column("evaluation_id", ForeignKey("evaluations.id", ondelete="CASCADE"), primary_key=True),
    Column("competence_id", ForeignKey("competences.id", ondelete="CASCADE"), primary_key=True),
)

criterion_competences = Table(
    "criterion_competences",
    db.metadata,
    Column("criterion_id", ForeignKey("criteria.id", ondelete="CASCADE"), primary_key=True),
    Column("competence_id", ForeignKey("competences.id", ondelete="CASCADE"), primary_key=True),
)


class Certification(db.Model):
    __tablename__ = "certifications"
    __table_args__ = (UniqueConstraint("lineage", "version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The versions of one certification share a lineage: its official code, or its key when the
    # document states no code.
    lineage: Mapped[str] = mapped_column(String(60), index=True)
    version_number: Mapped[int]
    code: Mapped[str | None] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(String(300))
    certifier: Mapped[str] = mapped_column(String(300), default="")
    level: Mapped[str] = mapped_column(String(40), default="")
    document_version: Mapped[str] = mapped_column(String(40), default="")
    validation_date: Mapped[str | None] = mapped_column(String(10))
    source_name: Mapped[str] = mapped_column(String(255))
    source_sha256: Mapped[str] = mapped_column(String(64))
    # SHA-256 of the canonical portable form: the same content loads only once per lineage.
    content_sha256: Mapped[str] = mapped_column(String(64))
    dossier_min_pages: Mapped[int | None]
    interview_minutes: Mapped[int | None]
    questionnaire_minutes: Mapped[int | None]
    extra_time_ratio: Mapped[str | None] = mapped_column(String(10))
    all_blocs_required: Mapped[bool] = mapped_column(default=True)
    # Loaded although the document looked cut or incomplete (--accept-incomplete), and why.
    incomplete: Mapped[bool] = mapped_column(default=False, server_default=false())
    incomplete_reasons: Mapped[list | None] = mapped_column(JSON, default=list)
    # The document showed no sign of its own end, so its completeness could not be checked: the
    # French note (with the counts found), until an administrator confirms it is complete.
    completeness_unverified: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[str | None] = mapped_column(String(10))
    valid_until: Mapped[str | None] = mapped_column(String(10))
    transversal_competences: Mapped[list] = mapped_column(JSON, default=list)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    blocs: Mapped[list[Bloc]] = relationship(
        back_populates="certification", order_by="Bloc.position", cascade="all, delete-orphan"
    )

    @property
    def display_title(self) -> str:
        """The title, or what the screens say when the document gave none."""
        return self.title or "titre à compléter"

    @property
    def label(self) -> str:
        return f"{self.display_title} ({self.lineage}, version {self.version_number})"


class Bloc(db.Model):
    __tablename__ = "blocs"

    id: Mapped[int] = mapped_column(primary_key=True)
    certification_id: Mapped[int] = mapped_column(ForeignKey("certifications.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    # The bloc's code at France Compétences (RNCP38596BC02), once matched to the official fiche.
    official_code: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int]

    certification: Mapped[Certification] = relationship(back_populates="blocs")
    competences: Mapped[list[Competence]] = relationship(
        back_populates="bloc", order_by="Competence.position", cascade="all, delete-orphan"
    )
    evaluations: Mapped[list[Evaluation]] = relationship(
        back_populates="bloc", order_by="Evaluation.position", cascade="all, delete-orphan"
    )


class Competence(db.Model):
    __tablename__ = "competences"

    id: Mapped[int] = mapped_column(primary_key=True)
    bloc_id: Mapped[int] = mapped_column(ForeignKey("blocs.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    savoir_faire: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int]

    bloc: Mapped[Bloc] = relationship(back_populates="competences")


class Evaluation(db.Model):
    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    bloc_id: Mapped[int] = mapped_column(ForeignKey("blocs.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    modality: Mapped[str] = mapped_column(Text)
    position: Mapped[int]

    bloc: Mapped[Bloc] = relationship(back_populates="evaluations")
    competences: Mapped[list[Competence]] = relationship(secondary=evaluation_competences, order_by="Competence.position")
    deliverables: Mapped[list[Deliverable]] = relationship(
        back_populates="evaluation", order_by="Deliverable.position", cascade="all, delete-orphan"
    )
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="evaluation", order_by="Criterion.position", cascade="all, delete-orphan"
    )


class Deliverable(db.Model):
    __tablename__ = "deliverables"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int]

    evaluation: Mapped[Evaluation] = relationship(back_populates="deliverables")


class Criterion(db.Model):
    __tablename__ = "criteria"
    __table_args__ = (UniqueConstraint("certification_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Denormalised so that keys are unique per certification and lookups need no joins.
    certification_id: Mapped[int] = mapped_column(ForeignKey("certifications.id", ondelete="CASCADE"), index=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(120))
    code: Mapped[str] = mapped_column(String(40))
    heading: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)
    indicators: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int]

    certification: Mapped[Certification] = relationship()
    evaluation: Mapped[Evaluation] = relationship(back_populates="criteria")
    competences: Mapped[list[Competence]] = relationship(secondary=criterion_competences, order_by="Competence.position")

    @property
    def label(self) -> str:
        """The criterion's name on screen: "BC01 · CE1", or "BC01 · E2 · CE1" when its code
        repeats in the bloc (numbering restarts with each evaluation)."""
        evaluation = self.evaluation
        bloc = evaluation.bloc
        same_code = sum(1 for ev in bloc.evaluations for c in ev.criteria if c.code == self.code)
        parts = (bloc.code, evaluation.code, self.code) if same_code > 1 else (bloc.code, self.code)
        return " · ".join(part for part in parts if part)

class CertificationChange(db.Model):
    """One audited change of a certification's metadata (never of its structure)."""

    __tablename__ = "certification_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    certification_id: Mapped[int] = mapped_column(ForeignKey("certifications.id", ondelete="CASCADE"), index=True)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(40), default="formulaire")
