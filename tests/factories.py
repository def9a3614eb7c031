"""Builders for tests, through the services as users would: a tiny certification, portfolios,
evidence with stored files, submissions, and a jury (a session with a president and a juror)."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from accounts.models import Role, UserRole
from evidence.models import Claim, Evidence, EvidenceFile, EvidenceVersion, ExtractionStatus
from evidence.services import EvidenceFields, create_evidence
from extensions import db
from grading import assessments, sessions, slots
from grading.models import JurySession, SessionAssignment
from portfolio.models import Portfolio, Submission
from portfolio.services import enrol_candidate
from portfolio.submissions import submit_portfolio
from referentials.models import Bloc, Certification, Competence, Criterion, Deliverable, Evaluation
from storage.access import object_store


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


def screenshot_png(n: int, size: tuple[int, int] = (1280, 800)) -> bytes:
    """A distinct, realistic-looking screenshot: a window with a title bar and console lines."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (30 + n % 50, 34, 40))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, size[0], 36], fill=(60, 90 + n % 100, 160))
    draw.text((12, 10), f"Console d'administration - capture {n}", fill=(255, 255, 255))
    for line in range(30):
        draw.text((16, 50 + line * 24), f"[{line:02d}] interface GigabitEthernet0/{line % 8} up, VLAN {10 + n}", fill=(200, 220, 200))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def log_text(n: int, lines: int = 300) -> bytes:
    rows = [
        f"2026-03-{1 + i % 28:02d} 10:{i % 60:02d}:00 srv-{n:02d} sshd[{1000 + i}]: Événement {i} : connexion acceptée pour admin depuis 10.0.{n}.{i % 250}"
        for i in range(lines)
    ]
    return ("\n".join(rows) + "\n").encode("utf-8")


def make_reference_submission(candidate, screenshots: int = 40, logs: int = 20, blocs: int = 3):
    """The reference dossier of the export issue: 40 screenshots, 20 log and script excerpts, 3 blocs."""
    certification = make_certification(code="RNCP-REF", blocs=blocs, criteria_per_evaluation=4)
    portfolio = make_portfolio(candidate, certification)
    criteria = [c for b in certification.blocs for e in b.evaluations for c in e.criteria]
    for n in range(screenshots + logs):
        evidence = make_evidence(
            portfolio, title=f"Intervention {n + 1} : configuration du serveur", description="Mise en place, vérification et documentation de la configuration.",
            organisation="Entreprise Exemple", period="2026",
        )
        if n < screenshots:
            add_version(evidence, screenshot_png(n), f"capture-{n + 1}.png", "image/png")
        else:
            add_version(evidence, log_text(n), f"journal-{n + 1}.log", "text/plain")
        claim(evidence, criteria[n % len(criteria)], f"La capture {n + 1} montre le critère appliqué en situation réelle.")
    return submit_portfolio(portfolio, candidate)


def text_png(lines: list[str]) -> bytes:
    """A screenshot-like PNG of French text, large enough for OCR."""
    from PIL import Image, ImageDraw, ImageFont

    from documents.fonts import DEJAVU, find_dejavu

    folder = find_dejavu()
    assert folder, "No DejaVu fonts: install Debian's fonts-dejavu-core (scripts/install-system-deps.sh)."
    font = ImageFont.truetype(str(folder / DEJAVU["regular"]), 56)
    image = Image.new("RGB", (1600, 120 + 90 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(lines):
        draw.text((60, 60 + 90 * n), line, fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


# --- jury ------------------------------------------------------------------------------------

SESSION_START = datetime(2026, 6, 15, 7, 0)  # UTC: 09:00 in Paris


@dataclass
class Jury:
    admin: object
    president: object
    juror: object
    tutor: object
    candidate: object
    certification: Certification
    portfolio: Portfolio
    submission: Submission
    session: JurySession
    assignment: SessionAssignment

    @property
    def criteria(self) -> list[Criterion]:
        return assessments.session_criteria(self.session)

    def bloc_criteria(self, index: int) -> list[Criterion]:
        bloc = self.session.blocs[index]
        return [c for e in bloc.evaluations for c in e.criteria]


def make_submission(candidate, certification: Certification, tutors=(), title: str = "Configuration du pare-feu") -> Submission:
    portfolio = make_portfolio(candidate, certification, tutors=tutors)
    evidence = make_evidence(portfolio, title=title)
    add_version(evidence, b"journal du pare-feu\n", "pare-feu.log", "text/plain")
    first = certification.blocs[0].evaluations[0]
    claim(evidence, first.criteria[0], "La capture montre la règle de filtrage appliquée.")
    evidence.deliverables = [first.deliverables[0]]
    db.session.commit()
    return submit_portfolio(portfolio, candidate)


def build_jury(make_user, code: str = "RNCP-JURY", president: bool = True) -> Jury:
    admin = make_user(Role.ADMIN, name="Alice Administratrice")
    chair = make_user(Role.JUROR, name="Paul Président")
    juror = make_user(Role.JUROR, name="Julie Jurée")
    tutor = make_user(Role.TUTOR, name="Théo Tuteur")
    candidate = make_user(Role.CANDIDATE, name="Camille Candidate")
    certification = make_certification(code)
    submission = make_submission(candidate, certification, tutors=[tutor])
    session = sessions.create_session(
        certification, sessions.SessionFields(starts_at=SESSION_START, place="Salle 3"), actor=admin
    )
    sessions.add_member(session, chair, actor=admin, is_president=president, is_external=True)
    sessions.add_member(session, juror, actor=admin, is_external=False)
    assignment = sessions.assign_submission(session, submission, actor=admin)
    return Jury(admin, chair, juror, tutor, candidate, certification, submission.portfolio, submission, session, assignment)


def grade_all(jury: Jury, juror, verdict: str = "acquired", overrides: dict[int, str] | None = None, submit: bool = True) -> None:
    for criterion in jury.criteria:
        value = (overrides or {}).get(criterion.id, verdict)
        assessments.record_verdict(jury.assignment, juror, criterion.id, value, f"Avis de {juror.full_name}")
    if submit:
        assessments.submit_grid(jury.assignment, juror)


def hold_interview(jury: Jury, assignment: SessionAssignment | None = None) -> None:
    """Plan the interview at the session's start (in the past): the minutes may then be confirmed."""
    slots.plan_slot(assignment or jury.assignment, SESSION_START, actor=jury.admin)


def add_role(user, role: Role) -> None:
    user.role_rows.append(UserRole(role=role.value))
    db.session.commit()
