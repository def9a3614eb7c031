"""Referential operations: load a parsed draft as a new certification version, export it back,
and report what an import found before anything is written.

The parsers (referentials/importers/) know nothing of the database; this module is the only
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
    # An existing certification the document resembles (same code, title or key), how it
    # differs, and whether the administrator must choose "new certification" or "new version".
    resembles: Certification | None = None
    differences: list[str] = field(default_factory=list)
    needs_choice: bool = False
    lineage: str = ""
    choice: str | None = None

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


NEW_CERTIFICATION = "new"


def content_fingerprint(draft: d.CertificationDraft) -> str:
    """SHA-256 of the portable form without the source fields: same content, same fingerprint."""
    text = draft_to_yaml(_without_source(draft))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _without_source(draft: d.CertificationDraft) -> d.CertificationDraft:
    from dataclasses import replace

    return replace(draft, source_name="", source_sha256="", unplaced=[], incomplete=[], unverified="")


def is_yaml_name(name: str) -> bool:
    return name.lower().endswith((".yml", ".yaml"))


def parse_file(data: bytes, source_name: str, accept_incomplete: bool = False) -> tuple[d.CertificationDraft, str]:
    """Parse a referential document or a portable YAML file; raise ReferentialImportError.

    A document that looks cut or incomplete is refused unless `accept_incomplete`."""
    if is_yaml_name(source_name):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ReferentialImportError("Le fichier YAML n'est pas encodé en UTF-8.") from None
        return draft_from_yaml(text), "yaml"
    if source_name.lower().endswith(".json"):
        import json

        from referentials.case import case_to_draft

        try:
            package = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ReferentialImportError("Le fichier JSON n'est pas un paquet CASE lisible (JSON UTF-8 attendu).") from None
        return case_to_draft(package), "case"
    draft = parse_referential(data, source_name, accept_incomplete=accept_incomplete)
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


def same_content(draft: d.CertificationDraft) -> Certification | None:
    """Any loaded version, of any certification, with the same substance as the draft."""
    return db.session.scalar(
        select(Certification).where(Certification.content_sha256 == content_fingerprint(draft)).order_by(Certification.id).limit(1)
    )


def _latest_versions() -> list[Certification]:
    rows = db.session.scalars(select(Certification).order_by(Certification.lineage, Certification.version_number.desc())).all()
    latest: dict[str, Certification] = {}
    for row in rows:
        latest.setdefault(row.lineage, row)
    return list(latest.values())


def _folded(text: str | None) -> str:
    return " ".join((text or "").lower().split())


def resemblance(draft: d.CertificationDraft) -> tuple[Certification | None, list[str]]:
    """The loaded certification the draft looks like (same official code, same title or same key
    prefix) and, in French, how they differ in certifier and structure."""
    lineage = draft_lineage(draft)
    candidates = [
        c for c in _latest_versions()
        if (draft.code and c.code == draft.code)
        or (draft.title and _folded(c.title) == _folded(draft.title))
        or c.lineage == lineage
    ]
    if not candidates:
        return None, []
    candidates.sort(key=lambda c: (not (draft.code and c.code == draft.code), c.lineage != lineage, c.id))
    other = candidates[0]
    differences = []
    if (other.certifier or "") != (draft.certifier or ""):
        differences.append(
            f"certificateur différent : « {other.certifier or 'non indiqué'} » contre « {draft.certifier or 'non indiqué'} »"
        )
    if (other.code or "") != (draft.code or ""):
        differences.append(f"code différent : {other.code or 'aucun'} contre {draft.code or 'aucun'}")
    theirs = (len(other.blocs), sum(len(b.competences) for b in other.blocs))
    ours = (len(draft.blocs), len(draft.competences()))
    if theirs != ours:
        differences.append(
            f"structure différente : {theirs[0]} blocs et {theirs[1]} compétences contre {ours[0]} blocs et {ours[1]} compétences"
        )
    return other, differences


def _unique_lineage(base: str) -> str:
    taken = set(db.session.scalars(select(Certification.lineage).distinct()).all())
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _decide_lineage(draft: d.CertificationDraft, choice: str | None) -> tuple[str, Certification | None, list[str], bool]:
    """(lineage to load into, resembling certification, differences, whether a choice is needed).

    `choice`: None (decide alone when nothing is ambiguous), NEW_CERTIFICATION, or the lineage
    of an existing certification to add a version to."""
    other, differences = resemblance(draft)
    if choice == NEW_CERTIFICATION:
        return _unique_lineage(draft_lineage(draft)), other, differences, False
    if choice:
        if latest_version(choice) is None:
            raise ReferentialImportError(f"Aucune certification « {choice} » à laquelle ajouter une version.")
        return choice, other, differences, False
    if other is None:
        return draft_lineage(draft), None, [], False
    same_code = bool(draft.code) and other.code == draft.code
    return other.lineage, other, differences, not (same_code and not differences)


def build_report(draft: d.CertificationDraft, shape: str, choice: str | None = None) -> ImportReport:
    lineage, other, differences, needs_choice = _decide_lineage(draft, choice)
    latest = latest_version(lineage)
    report = ImportReport(
        draft=draft, shape=shape, next_version=(latest.version_number + 1) if latest else 1,
        already_loaded=same_content(draft), resembles=other, differences=differences,
        needs_choice=needs_choice, lineage=lineage, choice=choice,
    )
    for bloc in draft.blocs:
        report.blocs.append(
            BlocCount(
                bloc.code, bloc.title, len(bloc.competences), len(bloc.evaluations),
                sum(len(e.criteria) for e in bloc.evaluations), sum(len(e.deliverables) for e in bloc.evaluations),
            )
        )
    return report


def choice_message(report: ImportReport) -> str:
    other = report.resembles
    return (
        f"Ce document ressemble à « {other.display_title} » ({other.lineage}, version {other.version_number})"
        + (f" : {' ; '.join(report.differences)}" if report.differences else "")
        + f". Choisissez : nouvelle certification (--new-certification) ou nouvelle version de {other.lineage} "
        f"(--version-of {other.lineage}). Rien n'a été enregistré."
    )


def load_draft(
    draft: d.CertificationDraft,
    loaded_by_id: int | None = None,
    accept_unplaced: bool = False,
    choice: str | None = None,
) -> Certification:
    """Write the draft as a new certification or a new version of one, in one transaction.

    Refuses (ReferentialImportError, nothing written) when the same content is already loaded
    (any version of any certification), when lines were left unplaced and the caller did not
    accept them, or when the draft resembles a loaded certification and no `choice` was made.
    """
    if draft.unplaced and not accept_unplaced:
        raise ReferentialImportError(
            f"{len(draft.unplaced)} ligne(s) du document n'ont pas pu être placées ; import refusé. "
            "Corrigez le document ou confirmez l'import en connaissance de cause."
        )
    fingerprint = content_fingerprint(draft)
    same = same_content(draft)
    if same is not None:
        raise ReferentialImportError(
            f"Ce référentiel est déjà chargé : {same.lineage}, version {same.version_number}. Rien n'a été modifié."
        )
    report = build_report(draft, "", choice)
    if report.needs_choice:
        raise ReferentialImportError(choice_message(report))
    try:
        certification = _build(draft, report.next_version, fingerprint, loaded_by_id)
        certification.lineage = report.lineage
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
        incomplete=bool(draft.incomplete), incomplete_reasons=list(draft.incomplete),
        completeness_unverified=draft.unverified or None,
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
        incomplete=list(certification.incomplete_reasons or []),
        unverified=certification.completeness_unverified or "",
    )


def export_yaml(certification: Certification) -> str:
    return draft_to_yaml(certification_to_draft(certification))


def export_case(certification: Certification) -> str:
    """The certification as a CASE 1.1 CFPackage (JSON text)."""
    import json

    from referentials.case import draft_to_case

    return json.dumps(draft_to_case(certification_to_draft(certification)), ensure_ascii=False, indent=2)
