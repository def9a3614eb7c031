"""Results for the candidate once the minutes are signed: the bloc decisions and their
justification, the relevé de décisions (PDF and Word) with each juror's verdict and comment per
criterion and nothing of the deliberation; tutors see the decisions only; downloads are audited."""
from __future__ import annotations

import io

from docx import Document as WordDocument
from pypdf import PdfReader
from sqlalchemy import select

from accounts.models import Role
from extensions import db
from grading.models import AuditEvent
from tests.awards.jury_steps import DELIBERATION_NOTE, deliberate, sign


def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def _docx_text(data: bytes) -> str:
    word = WordDocument(io.BytesIO(data))
    cells = [c.text for t in word.tables for r in t.rows for c in r.cells]
    return " ".join(" ".join([p.text for p in word.paragraphs] + cells).split())


def test_nothing_shows_before_the_minutes_are_signed(jury, client_for):
    deliberate(jury)
    candidate = client_for(jury.candidate)
    page = candidate.get("/resultats")
    assert page.status_code == 200
    assert "Aucun résultat" in page.text and "Justification du jury pour BC01" not in page.text
    assert candidate.get(f"/resultats/{jury.assignment.id}").status_code == 404
    assert candidate.get(f"/resultats/{jury.assignment.id}/releve.pdf").status_code == 404


def test_the_candidate_reads_each_bloc_decision_and_its_justification(signed_jury, client_for):
    jury = signed_jury
    candidate = client_for(jury.candidate)
    listing = candidate.get("/resultats").text
    assert f"/resultats/{jury.assignment.id}" in listing
    page = candidate.get(f"/resultats/{jury.assignment.id}").text
    assert "BC01" in page and "Validé" in page and "Justification du jury pour BC01" in page
    assert "BC02" in page and "Non validé" in page and "Justification du jury pour BC02" in page
    assert DELIBERATION_NOTE not in page
    assert "releve.pdf" in page and "releve.docx" in page


def test_the_releve_holds_both_jurors_verdicts_and_comments_and_no_deliberation(signed_jury, client_for):
    jury = signed_jury
    candidate = client_for(jury.candidate)
    pdf = candidate.get(f"/resultats/{jury.assignment.id}/releve.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    word = candidate.get(f"/resultats/{jury.assignment.id}/releve.docx")
    assert word.status_code == 200
    for text in (_pdf_text(pdf.data), _docx_text(word.data)):
        assert "Relevé de décisions" in text
        assert "Avis de Paul Président" in text and "Avis de Julie Jurée" in text
        assert "Paul Président" in text and "Julie Jurée" in text
        assert "Partiellement acquis" in text and "Acquis" in text
        assert "Justification du jury pour BC01" in text and "Justification du jury pour BC02" in text
        assert DELIBERATION_NOTE not in text
        assert jury.session.minutes_sha256 not in text  # not the minutes themselves


def test_tutors_see_the_decisions_of_their_candidates_only(signed_jury, client_for, make_user):
    jury = signed_jury
    tutor = client_for(jury.tutor)
    page = tutor.get(f"/resultats/{jury.assignment.id}")
    assert page.status_code == 200
    assert "Validé" in page.text and "Justification du jury pour BC01" in page.text
    assert "Avis de Julie Jurée" not in page.text and "releve.pdf" not in page.text
    assert tutor.get(f"/resultats/{jury.assignment.id}/releve.pdf").status_code == 403
    assert tutor.get(f"/resultats/{jury.assignment.id}/releve.docx").status_code == 403
    stranger_tutor = client_for(make_user(Role.TUTOR))
    assert stranger_tutor.get(f"/resultats/{jury.assignment.id}").status_code == 403


def test_other_candidates_get_403(signed_jury, client_for, make_user):
    jury = signed_jury
    other = client_for(make_user(Role.CANDIDATE))
    assert other.get(f"/resultats/{jury.assignment.id}").status_code == 403
    assert other.get(f"/resultats/{jury.assignment.id}/releve.pdf").status_code == 403
    assert "Justification du jury" not in other.get("/resultats").text


def test_downloads_are_audited(signed_jury, client_for):
    jury = signed_jury
    candidate = client_for(jury.candidate)
    before = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "releve.downloaded"))
    assert before is None
    candidate.get(f"/resultats/{jury.assignment.id}/releve.pdf")
    candidate.get(f"/resultats/{jury.assignment.id}/releve.docx")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "releve.downloaded")).all()
    assert [e.actor_id for e in events] == [jury.candidate.id, jury.candidate.id]
    assert [e.after["format"] for e in events] == ["pdf", "docx"]
    assert all(e.session_id == jury.session.id and e.object_id == jury.assignment.id for e in events)
    journal = client_for(jury.admin).get("/admin/journal?action=releve.downloaded").text
    assert "Relevé de décisions téléchargé" in journal


def test_a_correction_counts_once_signed_again(signed_jury, client_for):
    from grading import decisions

    jury = signed_jury
    second = decisions.effective_decision(jury.assignment, jury.session.blocs[1].id)
    decisions.correct_decision(second, "validated", "Rectifié : BC02 démontré", "Erreur de saisie", actor=jury.president)
    candidate = client_for(jury.candidate)
    page = candidate.get(f"/resultats/{jury.assignment.id}").text
    assert "Rectifié : BC02 démontré" not in page  # the reopened minutes are not signed yet
    sign(jury)
    page = candidate.get(f"/resultats/{jury.assignment.id}").text
    assert "Rectifié : BC02 démontré" in page
