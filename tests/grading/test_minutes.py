"""Minutes that hold: confirmed only once every interview has taken place (or the president said
why the jury decides without it), reopened by a correction after signature with the signed
version kept, and their document listing each member's confirmation time (Europe/Paris)."""
import io
from datetime import timedelta

import pytest
from docx import Document as WordDocument
from pypdf import PdfReader

from core.timeutil import format_paris, utcnow
from extensions import db
from grading import GradingError, decisions, minutes, slots
from grading.models import SessionStatus
from tests import factories


def _deliberated(jury) -> None:
    factories.grade_all(jury, jury.juror)
    factories.grade_all(jury, jury.president)
    decisions.start_deliberation(jury.session, actor=jury.president)
    for bloc in jury.session.blocs:
        decisions.decide(jury.assignment, bloc, "not_validated", f"Non démontré pour {bloc.code}", actor=jury.president)


def _confirm(jury, *members) -> None:
    for member in members or (jury.president, jury.juror):
        minutes.confirm_minutes(jury.session, member, minutes.minutes_hash(jury.session))
    db.session.refresh(jury.session)


# --- interviews first ----------------------------------------------------------------------------

def test_minutes_wait_for_the_end_of_every_interview(client_for, jury, app_ctx):
    _deliberated(jury)
    with pytest.raises(GradingError, match="l'entretien de Camille Candidate n'est pas planifié"):
        _confirm(jury, jury.juror)
    start = utcnow() + timedelta(days=14)
    slots.plan_slot(jury.assignment, start, actor=jury.admin)
    shown = minutes.minutes_hash(jury.session)
    client = client_for(jury.juror)
    page = client.get(f"/jury/sessions/{jury.session.id}/proces-verbal").text
    assert "Le procès-verbal se confirme après les entretiens" in page
    assert f"est prévu le {format_paris(start, '%d/%m/%Y %H:%M')}" in page
    assert "Confirmer le procès-verbal" not in page
    response = client.submit(f"/jury/sessions/{jury.session.id}/proces-verbal/confirmation",
                             {"confirm": "oui", "sha256": shown}, follow_redirects=True)
    assert "Le procès-verbal ne peut pas encore être confirmé" in response.text
    assert minutes.confirmations(jury.session)[1].confirmation is None
    # Once the slot has ended (moved to the past here), the members confirm.
    factories.hold_interview(jury)
    _confirm(jury)
    assert jury.session.minutes_stand


def test_the_president_records_why_the_jury_decides_without_the_interview(client_for, jury, app_ctx):
    _deliberated(jury)
    slots.plan_slot(jury.assignment, utcnow() + timedelta(days=14), actor=jury.admin)
    url = f"/jury/affectations/{jury.assignment.id}/sans-entretien"
    # The other member may not; the president must give a reason.
    assert client_for(jury.juror).submit(url, {"reason": "Sur dossier"}).status_code == 403
    president = client_for(jury.president)
    response = president.submit(url, {"reason": "  "}, follow_redirects=True)
    assert "Indiquez pourquoi le jury décide sans attendre l'entretien" in response.text
    response = president.submit(url, {"reason": "Décision sur dossier, prévue par le référentiel"}, follow_redirects=True)
    assert "Raison enregistrée" in response.text
    assert "Décision sur dossier, prévue par le référentiel" in minutes.minutes_text(jury.session)
    _confirm(jury)
    assert jury.session.minutes_stand
    page = president.get(f"/jury/sessions/{jury.session.id}/proces-verbal").text
    assert "Décision sans attendre l'entretien : Décision sur dossier, prévue par le référentiel" in page


def test_no_interview_to_wait_for_when_the_rules_define_none(jury):
    jury.certification.interview_minutes = jury.certification.questionnaire_minutes = None
    db.session.commit()
    _deliberated(jury)
    _confirm(jury)
    assert jury.session.minutes_stand


# --- a correction reopens the confirmations --------------------------------------------------------

def test_a_correction_after_signature_reopens_every_confirmation(client_for, jury, app_ctx):
    factories.hold_interview(jury)
    _deliberated(jury)
    _confirm(jury)
    signed_sha = jury.session.minutes_sha256
    assert decisions.acquired_bloc_codes(jury.candidate, jury.certification.lineage) == set()
    original = decisions.effective_decision(jury.assignment, jury.session.blocs[0].id)
    decisions.correct_decision(original, "validated", "CE2 démontré par la preuve 1", "Erreur de saisie", actor=jury.president)
    db.session.refresh(jury.session)
    assert jury.session.status is SessionStatus.REOPENED and not jury.session.minutes_stand
    assert all(c.confirmation is None for c in minutes.confirmations(jury.session))
    assert minutes.minutes_hash(jury.session) != signed_sha
    # Until the members confirm the correction, the signed decision is what the candidate gets.
    assert decisions.acquired_bloc_codes(jury.candidate, jury.certification.lineage) == set()
    page = client_for(jury.juror).get(f"/jury/sessions/{jury.session.id}/proces-verbal").text
    assert "Procès-verbal rouvert" in page and "La version signée est conservée" in page
    assert signed_sha in page and "Rouverte le" in page and "Erreur de saisie" in page
    assert "Confirmer le procès-verbal" in page
    [first] = minutes.signatures_of(jury.session)
    assert first.sha256 == signed_sha and first.reopened_at is not None
    assert "Non démontré pour BC01" in first.text  # the signed text is kept as it was
    _confirm(jury, jury.president)
    assert jury.session.is_reopened
    _confirm(jury, jury.juror)
    assert jury.session.minutes_stand
    assert [s.version for s in minutes.signatures_of(jury.session)] == [1, 2]
    assert "Erreur de saisie" in minutes.minutes_text(jury.session)
    assert decisions.acquired_bloc_codes(jury.candidate, jury.certification.lineage) == {"BC01"}


# --- the minutes document --------------------------------------------------------------------------

def test_the_minutes_document_lists_each_confirmation_time(client_for, jury, app_ctx):
    factories.hold_interview(jury)
    _deliberated(jury)
    _confirm(jury)
    times = [format_paris(c.confirmation.confirmed_at, "%d/%m/%Y à %H:%M:%S") for c in minutes.confirmations(jury.session)]
    client = client_for(jury.juror)
    pdf = client.get(f"/jury/sessions/{jury.session.id}/proces-verbal.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Procès-verbal de délibération" in text and "Confirmations des membres" in text
    for moment in times:
        assert f"Confirmé le {moment}" in text
    word = WordDocument(io.BytesIO(client.get(f"/jury/sessions/{jury.session.id}/proces-verbal.docx").data))
    cells = "\n".join(c.text for t in word.tables for r in t.rows for c in r.cells)
    assert all(f"Confirmé le {moment}" in cells for moment in times)
    assert "Non démontré pour BC01" in cells and "Avis de" not in cells  # decisions, never verdicts
    assert client_for(jury.tutor).get(f"/jury/sessions/{jury.session.id}/proces-verbal.pdf").status_code == 403
    assert client.get(f"/jury/sessions/{jury.session.id}/proces-verbal.txt").status_code == 404
