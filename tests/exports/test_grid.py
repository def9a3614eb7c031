"""The jury grid: built from the session's grids, rendered to PDF and Word; blank grid too."""
import io

from docx import Document as WordDocument
from pypdf import PdfReader
from tests import factories

from documents import render_docx, render_pdf
from grading import accommodations
from exports.grid import build_blank_grid, build_submission_grid



def _docx_text(document) -> str:
    word = WordDocument(io.BytesIO(render_docx(document)))
    return "\n".join(cell.text for table in word.tables for row in table.rows for cell in row.cells)


def _pdf_text(document) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(render_pdf(document))).pages)


def test_grid_shows_submitted_verdicts_decisions_and_signature_lines(jury):
    first = jury.criteria[0]
    factories.grade_all(jury, jury.president)
    factories.grade_all(jury, jury.juror, overrides={first.id: "not_acquired"})
    accommodations.add_accommodation(jury.candidate, "extra_time", "Note médicale confidentielle", actor=jury.admin)
    document = build_submission_grid(jury.submission, jury.admin)
    text = _pdf_text(document)
    assert "Grille d'évaluation" in text and "Camille Candidate" in text
    assert "Non acquis" in text and "Acquis" in text and "Avis de Julie" in text
    assert "Signatures des membres du jury" in text and "Paul Président (président)" in text
    assert "Note médicale confidentielle" not in text and "tiers" not in text.lower()
    word = WordDocument(io.BytesIO(render_docx(document)))
    assert any(p.style.name == "Heading 1" and p.text.startswith("BC01") for p in word.paragraphs)


def test_unsubmitted_grids_stay_private_in_the_export(jury):
    factories.grade_all(jury, jury.juror, submit=False)
    text = _pdf_text(build_submission_grid(jury.submission, jury.admin))
    assert "Avis de Julie" not in text
    assert "☐ A" in text or "A   " in text  # blank boxes for a paper session


def test_each_reader_gets_what_the_policy_lets_them_read(jury):
    """A member who has not handed in gets a blank grid; once theirs is in, the others' verdicts."""
    factories.grade_all(jury, jury.juror)
    factories.grade_all(jury, jury.president, verdict="partial", submit=False)
    blank = _pdf_text(build_submission_grid(jury.submission, jury.president))
    assert "Avis de Julie" not in blank and "Avis de Paul" not in blank
    assert "Critère 1 du bloc 1" in blank and "☐ A" in blank
    assert "Avis de Julie" in _pdf_text(build_submission_grid(jury.submission, jury.admin))
    assert "Avis de Julie" not in _pdf_text(build_submission_grid(jury.submission, None))
    factories.grade_all(jury, jury.president, verdict="partial")
    full = _docx_text(build_submission_grid(jury.submission, jury.president))
    assert "Avis de Julie" in full and "Partiellement acquis" in full


def test_blank_grid_of_a_certification_downloads_for_jurors(client_for, jury, app_ctx):
    text = _pdf_text(build_blank_grid(jury.certification))
    assert "Grille d'évaluation (vierge)" in text and jury.criteria[0].text[:30] in text
    client = client_for(jury.juror)
    response = client.get(f"/referentiels/{jury.certification.id}/grille-vierge.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"].startswith("attachment")
