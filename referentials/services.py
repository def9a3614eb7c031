"""Referential operations: load a parsed draft as a new certification version, export it back,
and report what an import found before anything is written.

The parsers (portfolio/referential/) know nothing of the database; this module is the only
bridge between a CertificationDraft and the rows.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select

from extensions import db

from referentials.models import Bloc, Certification, Competence, Criterion, Deliverable, Evaluation
from referentials.importers import draft as d
from referentials.importers import parse_referential
from referentials.importers.errors import ReferentialImportError
from referentials.portable import draft_from_yaml, draft_to_yaml


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


def draft_lineage(draft: d.CertificationDraft) -> str:
    return draft.code or draft.key


def content_fingerprint(draft: d.CertificationDraft) -> str:
    """SHA-256 of the portable form without the source fields: same content, same fingerprint."""
    text = draft_to_yaml(_without_source(draft))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _without_source(draft: d.CertificationDraft) -> d.CertificationDraft:
    from dataclasses import replace

    return replace(draft, source_name="", source_sha256="", unplaced=[])


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
    return "reac" if (draft.code or "").upper().startswith("TP-") else "rncp"


def latest_version(lineage: str) -> Certification | None:
    return db.session.scalar(
        select(Certification).where(Certification.lineage == lineage).order_by(Certification.version_number.desc()).limit(1)
    )


def find_certification(code: str, version_number: int | None = None) -> Certification | None:
    """By lineage (code or key), the given version or the latest one."""
    if version_number is None:
        return latest_version(code)
    return db.session.scalar(
        select(Certification).where(Certification.lineage == code, Certification.version_number == version_number)
    )


def build_report(draft: d.CertificationDraft, shape: str) -> ImportReport:
    latest = latest_version(draft_lineage(draft))
    same = latest if latest is not None and latest.content_sha256 == content_fingerprint(draft) else None
    report = ImportReport(
        draft=draft, shape=shape, next_version=(latest.version_number + 1) if latest else 1, already_loaded=same
    )
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

    Refuses (ReferentialImportError, nothing written) when the same content is already the latest
    version, or when lines were left unplaced and the caller did not accept them.
    """
    if draft.unplaced and not accept_unplaced:
        raise ReferentialImportError(
            f"{len(draft.unplaced)} ligne(s) du document n'ont pas pu être placées ; import refusé. "
            "Corrigez le document ou confirmez l'import en connaissance de cause."
        )
    fingerprint = content_fingerprint(draft)
    latest = latest_version(draft_lineage(draft))
    if latest is not None and latest.content_sha256 == fingerprint:
        raise ReferentialImportError(
            f"Ce référentiel est déjà chargé : {latest.lineage}, version {latest.version_number}. Rien n'a été modifié."
        )
    try:
        certification = _build(draft, (latest.version_number + 1) if latest else 1, fingerprint, loaded_by_id)
        db.session.add(certification)
        db.session.commit()
    except Exception:  # nothing half-loaded, whatever went wrong
        db.session.rollback()
        raise
    return certification


def _build(draft: d.CertificationDraft, version_number: int, fingerprint: str, loaded_by_id: int | None) -> Certification:
    rules = draft.rules
    certification = Certification(
        lineage=draft_lineage(draft), version_number=version_number, code=draft.code, key=draft.key,
        title=draft.title, description=draft.description or "", certifier=draft.certifier or "",
        level=draft.level or "", document_version=draft.version or "", validation_date=draft.validation_date,
        source_name=draft.source_name, source_sha256=draft.source_sha256, content_sha256=fingerprint,
        dossier_min_pages=rules.dossier_min_pages, interview_minutes=rules.interview_minutes,
        questionnaire_minutes=rules.questionnaire_minutes, extra_time_ratio=rules.extra_time_ratio,
        all_blocs_required=rules.all_blocs_required,
        transversal_competences=list(draft.transversal_competences), loaded_by_id=loaded_by_id,
    )
    competences: dict[str, Competence] = {}

    def resolve(keys: list[str], where: str) -> list[Competence]:
        unknown = [k for k in keys if k not in competences]
        if unknown:
            raise ReferentialImportError(f"{where} : compétence inconnue {', '.join(unknown)}.")
        return [competences[k] for k in keys]

    for bloc_draft in draft.blocs:
        bloc = Bloc(code=bloc_draft.code, title=bloc_draft.title, description=bloc_draft.description or "", position=bloc_draft.order)
        certification.blocs.append(bloc)
        for comp in bloc_draft.competences:
            competence = Competence(
                code=comp.code, key=comp.key, text=comp.text, description=comp.description or "",
                savoir_faire=list(comp.savoir_faire), position=comp.order,
            )
            bloc.competences.append(competence)
            competences[comp.key] = competence
        for ev in bloc_draft.evaluations:
            evaluation = Evaluation(code=ev.code, modality=ev.modality, position=ev.order)
            evaluation.competences = resolve(ev.competence_codes, f"{bloc_draft.code}/{ev.code}")
            evaluation.deliverables = [Deliverable(text=x.text, position=x.order) for x in ev.deliverables]
            for crit in ev.criteria:
                criterion = Criterion(
                    certification=certification, key=crit.key, code=crit.code, heading=crit.heading or "",
                    text=crit.text, indicators=list(crit.indicators), position=crit.order,
                )
                criterion.competences = resolve(crit.competence_codes, crit.key)
                evaluation.criteria.append(criterion)
            bloc.evaluations.append(evaluation)
    return certification


def certification_to_draft(certification: Certification) -> d.CertificationDraft:
    """The loaded certification back as a draft, for the portable export."""
    return d.CertificationDraft(
        title=certification.title, certifier=certification.certifier or None, code=certification.code,
        level=certification.level or None, version=certification.document_version or None,
        validation_date=certification.validation_date, source_name=certification.source_name,
        source_sha256=certification.source_sha256,
        rules=d.RulesDraft(
            dossier_min_pages=certification.dossier_min_pages, interview_minutes=certification.interview_minutes,
            questionnaire_minutes=certification.questionnaire_minutes, extra_time_ratio=certification.extra_time_ratio,
            all_blocs_required=certification.all_blocs_required,
        ),
        blocs=[
            d.BlocDraft(
                code=bloc.code, title=bloc.title, order=bloc.position, description=bloc.description,
                competences=[
                    d.CompetenceDraft(
                        code=c.code, text=c.text, savoir_faire=list(c.savoir_faire), order=c.position, key=c.key,
                        description=c.description,
                    )
                    for c in bloc.competences
                ],
                evaluations=[
                    d.EvaluationDraft(
                        code=e.code, modality=e.modality, competence_codes=[c.key for c in e.competences],
                        deliverables=[d.DeliverableDraft(text=x.text, order=x.position) for x in e.deliverables],
                        criteria=[
                            d.CriterionDraft(
                                code=k.code, heading=k.heading, text=k.text, indicators=list(k.indicators),
                                competence_codes=[c.key for c in k.competences], key=k.key, order=k.position,
                            )
                            for k in e.criteria
                        ],
                        order=e.position,
                    )
                    for e in bloc.evaluations
                ],
            )
            for bloc in certification.blocs
        ],
        transversal_competences=list(certification.transversal_competences),
        key=certification.key, description=certification.description,
    )


def export_yaml(certification: Certification) -> str:
    return draft_to_yaml(certification_to_draft(certification))
