"""Small builders for tests: a tiny certification, portfolios, evidence with stored files."""
from __future__ import annotations

import io

from core.stores import object_store
from evidence.models import Claim, Evidence, EvidenceFile, EvidenceVersion, ExtractionStatus
from evidence.services import EvidenceFields, create_evidence
from extensions import db
from portfolio.models import Bloc, Certification, Competence, Criterion, Deliverable, Evaluation, Portfolio
from portfolio.services import enrol_candidate


def make_certification(code: str = "RNCP-TEST", criteria_per_evaluation: int = 3, blocs: int = 2) -> Certification:
    """A hand-built certification: `blocs` blocs, one evaluation each, a few criteria and deliverables."""
    certification = Certification(
        lineage=code, code=code, key=code, content_sha256="0" * 64, version_number=1, title=f"Titre de test {code}", certifier="Probatio", level="5",
        source_name="test.txt", source_sha256="0" * 64, dossier_min_pages=60, interview_minutes=20,
        questionnaire_minutes=10, extra_time_ratio="1/3",
    )
    for b in range(1, blocs + 1):
        bloc = Bloc(code=f"BC0{b}", title=f"Bloc {b} : administrer le réseau", position=b)
        competence = Competence(code=f"C{b}.1", key=f"{code}/BC0{b}/C{b}.1", text=f"Compétence {b}.1 : configurer les équipements", position=0)
        bloc.competences.append(competence)
        evaluation = Evaluation(code="E1", modality="Mise en situation professionnelle", position=0)
        evaluation.competences = [competence]
        evaluation.deliverables = [
            Deliverable(text="Un plan d'adressage du réseau", position=0),
            Deliverable(text="Un journal des interventions", position=1),
        ]
        for c in range(1, criteria_per_evaluation + 1):
            criterion = Criterion(
                certification=certification, key=f"{code}/BC0{b}/E1/CE{c}", code=f"CE{c}",
                heading="Pertinence de la configuration", text=f"Critère {c} du bloc {b} : la configuration est sécurisée",
                indicators=["Les journaux sont activés"], position=c - 1,
            )
            criterion.competences = [competence]
            evaluation.criteria.append(criterion)
        bloc.evaluations.append(evaluation)
        certification.blocs.append(bloc)
    db.session.add(certification)
    db.session.commit()
    return certification


def make_portfolio(candidate, certification: Certification | None = None, tutors=()) -> Portfolio:
    return enrol_candidate(candidate, certification or make_certification(), list(tutors))


def make_evidence(portfolio: Portfolio, title: str = "Capture de la configuration du pare-feu", **fields) -> Evidence:
    return create_evidence(portfolio, EvidenceFields(title=title, **fields))


def add_version(evidence: Evidence, content: bytes, filename: str, media_type: str, file: EvidenceFile | None = None) -> EvidenceVersion:
    """Store bytes in the configured object store and record a version (bypasses the upload checks)."""
    ref = object_store().put(io.BytesIO(content), len(content))
    if file is None:
        file = EvidenceFile(evidence=evidence, position=len(evidence.files))
        db.session.add(file)
    version = EvidenceVersion(
        file=file, number=len(file.versions) + 1, backend=ref.backend, object_key=ref.key, filename=filename,
        media_type=media_type, size=ref.size, sha256=ref.sha256, extraction_status=ExtractionStatus.PENDING.value,
    )
    db.session.add(version)
    db.session.commit()
    return version


def claim(evidence: Evidence, criterion: Criterion, justification: str = "Cette capture montre la règle appliquée.") -> Claim:
    row = Claim(evidence=evidence, criterion_id=criterion.id, justification=justification)
    db.session.add(row)
    db.session.commit()
    return row
