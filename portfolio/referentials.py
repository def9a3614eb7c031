"""Referential operations: load a parsed draft as a new certification version, export it back,
and report what an import found before anything is written.

The parsers (portfolio/referential/) know nothing of the database; this module is the only
bridge between a CertificationDraft and the rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from extensions import db

from .models import Bloc, Certification, Competence, Criterion, Deliverable, Evaluation
from .referential import draft as d
from .referential import parse_referential
from .referential.errors import ReferentialImportError
from .referential.portable import draft_from_yaml, draft_to_yaml


@dataclass
class BlocCount:
    code: str
    title: str
    competences: int
    evaluations: int
    criteria: int
    deliverables: int


@dataclass
class ImportReport:
    """What an import found, shown to the admin before confirming (and printed by the CLI)."""

    draft: d.CertificationDraft
    shape: str
    next_version: int
    already_loaded: Certification | None
    blocs: list[BlocCount] = field(default_factory=list)

    @property
    def totals(self) -> BlocCount:
        return BlocCount(
            "", "Total",
            sum(b.competences for b in self.blocs), sum(b.evaluations for b in self.blocs),
            sum(b.criteria for b in self.blocs), sum(b.deliverables for b in self.blocs),
        )

    @property
    def unplaced(self) -> list[d.UnplacedLine]:
        return self.draft.unplaced


def is_yaml_name(name: str) -> bool:
    return name.lower().endswith((".yml", ".yaml"))


def parse_file(data: bytes, source_name: str) -> tuple[d.CertificationDraft, str]:
    """Parse a referential document or a portable YAML file; raise ReferentialImportError."""
    if is_yaml_name(source_name):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ReferentialImportError("Le fichier YAML n'est pas encodé en UTF-8.") from None
        return draft_from_yaml(text), "yaml"
    draft = parse_referential(data, source_name)
    return draft, draft_shape(draft)


def draft_shape(draft: d.CertificationDraft) -> str:
    return "reac" if draft.code.upper().startswith("TP-") else "rncp"


def _latest(code: str) -> Certification | None:
    return db.session.scalar(
        select(Certification).where(Certification.code == code).order_by(Certification.version_number.desc()).limit(1)
    )


def build_report(draft: d.CertificationDraft, shape: str) -> ImportReport:
    latest = _latest(draft.code)
    same = latest if latest is not None and latest.source_sha256 == draft.source_sha256 else None
    report = ImportReport(draft=draft, shape=shape, next_version=(latest.version_number + 1) if latest else 1, already_loaded=same)
    for bloc in draft.blocs:
        report.blocs.append(
            BlocCount(
                bloc.code, bloc.title, len(bloc.competences), len(bloc.evaluations),
                sum(len(e.criteria) for e in bloc.evaluations), sum(len(e.deliverables) for e in bloc.evaluations),
            )
        )
    return report


def load_draft(draft: d.CertificationDraft, loaded_by_id: int | None = None, accept_unplaced: bool = False) -> Certification:
    """Write the draft as the next version of its certification, in one transaction.

    Refuses (ReferentialImportError, nothing written) when the same source is already the latest
    version, or when lines were left unplaced and the caller did not accept them.
    """
    if draft.unplaced and not accept_unplaced:
        raise ReferentialImportError(
            f"{len(draft.unplaced)} ligne(s) du document n'ont pas pu être placées ; import refusé. "
            "Corrigez le document ou confirmez l'import en connaissance de cause."
        )
    latest = _latest(draft.code)
    if latest is not None and latest.source_sha256 == draft.source_sha256:
        raise ReferentialImportError(
            f"Ce document est déjà chargé : {latest.code}, version {latest.version_number}. Rien n'a été modifié."
        )
    try:
        certification = _build(draft, (latest.version_number + 1) if latest else 1, loaded_by_id)
        db.session.add(certification)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return certification


def _build(draft: d.CertificationDraft, version_number: int, loaded_by_id: int | None) -> Certification:
    rules = draft.rules
    certification = Certification(
        code=draft.code, version_number=version_number, title=draft.title, certifier=draft.certifier or "",
        level=draft.level or "", document_version=draft.version or "", validation_date=draft.validation_date,
        source_name=draft.source_name, source_sha256=draft.source_sha256,
        dossier_min_pages=rules.dossier_min_pages, interview_minutes=rules.interview_minutes,
        questionnaire_minutes=rules.questionnaire_minutes, extra_time_ratio=rules.extra_time_ratio,
        all_blocs_required=rules.all_blocs_required,
        transversal_competences=list(draft.transversal_competences), loaded_by_id=loaded_by_id,
    )
    for bloc_draft in draft.blocs:
        bloc = Bloc(code=bloc_draft.code, title=bloc_draft.title, description=bloc_draft.description or "", position=bloc_draft.order)
        certification.blocs.append(bloc)
        competences: dict[str, Competence] = {}
        for position, comp in enumerate(bloc_draft.competences):
            competence = Competence(code=comp.code, text=comp.text, savoir_faire=list(comp.savoir_faire), position=position)
            bloc.competences.append(competence)
            competences[comp.code] = competence
        for e_position, ev in enumerate(bloc_draft.evaluations):
            evaluation = Evaluation(code=ev.code, modality=ev.modality, position=e_position)
            evaluation.competences = [competences[c] for c in ev.competence_codes if c in competences]
            evaluation.deliverables = [Deliverable(text=x.text, position=i) for i, x in enumerate(ev.deliverables)]
            for c_position, crit in enumerate(ev.criteria):
                criterion = Criterion(
                    certification=certification, key=crit.key, code=crit.code, heading=crit.heading or "",
                    text=crit.text, indicators=list(crit.indicators), position=c_position,
                )
                criterion.competences = [competences[c] for c in crit.competence_codes if c in competences]
                evaluation.criteria.append(criterion)
            bloc.evaluations.append(evaluation)
    return certification
