"""A criterion is named with its bloc, and with its evaluation where its code repeats in the bloc
(numbering restarts with each evaluation): "BC01 · E2 · CE1"; its text goes with it."""
from __future__ import annotations

import re

import pytest

from accounts.models import Role
from extensions import db
from referentials.models import Bloc, Certification, Competence, Criterion, Evaluation
from tests import factories


def _two_evaluations_certification() -> Certification:
    """BC01 with two evaluations that both number their criteria CE1, CE2; BC02 with one."""
    certification = Certification(
        lineage="RNCP-AMBIGU", code="RNCP-AMBIGU", key="RNCP-AMBIGU", content_sha256="1" * 64, version_number=1,
        title="Titre aux critères répétés", certifier="Probatio", level="5", source_name="test.txt",
        source_sha256="1" * 64, dossier_min_pages=60, interview_minutes=20, questionnaire_minutes=10, extra_time_ratio="1/3",
    )
    for b, evaluations in ((1, ("E1", "E2")), (2, ("E1",))):
        bloc = Bloc(code=f"BC0{b}", title=f"Bloc {b}", position=b)
        competence = Competence(code=f"C{b}.1", key=f"RNCP-AMBIGU/BC0{b}/C{b}.1", text="Compétence", position=0)
        bloc.competences.append(competence)
        for e, evaluation_code in enumerate(evaluations):
            evaluation = Evaluation(code=evaluation_code, modality=f"Épreuve {evaluation_code}", position=e)
            for c in (1, 2):
                evaluation.criteria.append(Criterion(
                    certification=certification, key=f"RNCP-AMBIGU/BC0{b}/{evaluation_code}/CE{c}", code=f"CE{c}",
                    text=f"Texte du critère {c} de l'épreuve {evaluation_code} du bloc {b}", indicators=[], position=c - 1,
                ))
            bloc.evaluations.append(evaluation)
        certification.blocs.append(bloc)
    db.session.add(certification)
    db.session.commit()
    return certification


def _criterion(certification, bloc, evaluation, index=0) -> Criterion:
    return certification.blocs[bloc].evaluations[evaluation].criteria[index]


def test_labels_name_the_evaluation_only_where_codes_repeat(app_ctx):
    certification = _two_evaluations_certification()
    assert _criterion(certification, 0, 0).label == "BC01 · E1 · CE1"
    assert _criterion(certification, 0, 1, 1).label == "BC01 · E2 · CE2"
    assert _criterion(certification, 1, 0).label == "BC02 · CE1"


@pytest.fixture()
def ambiguous_portfolio(client, make_user):
    candidate = make_user(Role.CANDIDATE)
    certification = _two_evaluations_certification()
    portfolio = factories.make_portfolio(candidate, certification)
    client.login(candidate.email)
    return portfolio


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_coverage_matrix_and_the_claim_buttons_tell_the_criteria_apart(client, ambiguous_portfolio):
    matrix = _text(client.get(f"/portefeuilles/{ambiguous_portfolio.id}/couverture").text)
    assert "BC01 · E1 · CE1" in matrix and "BC01 · E2 · CE1" in matrix and "BC02 · CE1" in matrix
    evidence = factories.make_evidence(ambiguous_portfolio)
    picker = client.get(f"/preuves/{evidence.id}/criteres?q=CE1", headers={"HX-Request": "true"}).text
    buttons = re.findall(r"<button[^>]*>([^<]+)</button>", picker)
    assert sorted(b.strip() for b in buttons) == ["Rattacher à BC01 · E1 · CE1", "Rattacher à BC01 · E2 · CE1", "Rattacher à BC02 · CE1"]


def test_a_comment_names_its_criterion_with_its_text(client, ambiguous_portfolio, make_user):
    evidence = factories.make_evidence(ambiguous_portfolio)
    claim = factories.claim(evidence, _criterion(ambiguous_portfolio.certification, 0, 1))
    client.submit(f"/preuves/{evidence.id}/commentaires", {"body": "Précisez le contexte.", "claim_id": str(claim.id)},
                  token_from=f"/preuves/{evidence.id}")
    page = client.get(f"/preuves/{evidence.id}").text
    tag = re.search(r'à propos de <span class="criterion-ref" tabindex="0">(.*?)</span></span>', page).group(1)
    assert "BC01 · E2 · CE1" in tag and "Texte du critère 1 de l'épreuve E2 du bloc 1" in tag
