"""The validation dossier, built once and rendered to PDF and Word, through the export job."""
from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from docx import Document as WordDocument
from PIL import Image, ImageStat
from pypdf import PdfReader

from accounts.models import Role
from storage.access import object_store
from documents import pdf_page_count
from jobs.models import JobState
from jobs.services import enqueue
from exports.results import ExportResult
from exports.tasks import export_submission
from portfolio.submissions import submit_portfolio
from tests import factories


@pytest.fixture()
def reference(app_ctx, make_user):
    return factories.make_reference_submission(make_user(Role.CANDIDATE, name="Jeanne Référence"))


def _export(submission, kind, fmt, user=None):
    """Immediate mode: the export job runs inside enqueue()."""
    job = enqueue(export_submission, "export", "Export", created_by_id=user.id if user else None,
                  submission_id=submission.id, document_kind=kind, fmt=fmt)
    assert job.state == JobState.DONE, job.error
    result = ExportResult.from_json(job.result)
    with object_store().open(result.object_key) as stream:
        return result, stream.read()


def test_reference_dossier_pdf_has_title_contents_images_and_excerpts(reference, tmp_path):
    result, pdf = _export(reference, "dossier", "pdf")
    pages = pdf_page_count(pdf)
    assert pages >= 60 and result.pages == pages
    reader = PdfReader(io.BytesIO(pdf))
    title_text = reader.pages[0].extract_text()
    assert "Dossier de validation" in title_text and "Jeanne Référence" in title_text
    contents = reader.pages[1].extract_text()
    assert "Table des matières" in contents
    # Each bloc is listed with the page it starts on, and that page really opens with it.
    toc = "\n".join(page.extract_text() for page in reader.pages[1:8])
    listed = re.search(r"^BC02 — [^\n]*\n[ .]*?(\d+)\s*$", toc, re.M)
    assert listed, toc[:500]
    assert "BC02 — " in reader.pages[int(listed.group(1)) - 1].extract_text()
    outline_titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert any(t.startswith("BC01") for t in outline_titles) and "Annexes" in outline_titles
    full_text = "\n".join(page.extract_text() for page in reader.pages[:40])
    assert "Preuve n°41" in full_text and "Événement 1 : connexion acceptée" in full_text
    assert "texte complet en annexe" in full_text
    if not shutil.which("pdftoppm"):
        pytest.fail("pdftoppm (poppler-utils) est nécessaire pour vérifier le rendu des pages")
    image_page = next(i for i, page in enumerate(reader.pages) if "/XObject" in (page.get("/Resources") or {}))
    for index in (0, 1, image_page):
        target = tmp_path / f"page-{index}"
        subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", str(index + 1), "-l", str(index + 1), "-", str(target)],
                       input=pdf, check=True, timeout=60)
        png = next(tmp_path.glob(f"page-{index}*.png"))
        stats = ImageStat.Stat(Image.open(png).convert("L"))
        assert stats.stddev[0] > 5, f"page {index + 1} looks blank"


def test_reference_dossier_docx_has_headings_toc_and_page_fields(reference):
    _, data = _export(reference, "dossier", "docx")
    document = WordDocument(io.BytesIO(data))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 1", headings[1][1]) == headings[1] and any(t.startswith("BC01") for _, t in headings)
    assert any(style == "Heading 3" and text.startswith("Preuve n°1 ") for style, text in headings)
    body = document.element.body.xml
    assert 'TOC \\o "1-3"' in body
    footer = document.sections[0].footer._element.xml
    assert "PAGE" in footer and "NUMPAGES" in footer
    assert document.core_properties.author == "Jeanne Référence"


def test_empty_portfolio_gives_a_short_document_that_says_so(app_ctx, make_user):
    candidate = make_user(Role.CANDIDATE)
    portfolio = factories.make_portfolio(candidate)
    from exports.dossier import DossierContext, build_dossier
    from portfolio.submissions import build_snapshot
    from documents import render_pdf

    document = build_dossier(build_snapshot(portfolio), DossierContext(candidate.full_name, portfolio.certification))
    pdf = render_pdf(document)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "aucune preuve" in text.lower()
    assert pdf_page_count(pdf) < 10


def test_corrupt_image_and_missing_object_are_visible_not_silent(app_ctx, make_user):
    candidate = make_user(Role.CANDIDATE)
    portfolio = factories.make_portfolio(candidate)
    criterion = portfolio.certification.blocs[0].evaluations[0].criteria[0]
    broken = factories.make_evidence(portfolio, title="Capture abîmée")
    factories.add_version(broken, b"\x89PNG\r\n\x1a\n pas une image", "casse.png", "image/png")
    factories.claim(broken, criterion)
    lost = factories.make_evidence(portfolio, title="Journal perdu")
    version = factories.add_version(lost, b"ligne de journal perdue\n", "perdu.log", "text/plain")
    factories.claim(lost, criterion)
    submission = submit_portfolio(portfolio, candidate)
    object_store().delete(version.object_key)

    result, pdf = _export(submission, "dossier", "pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Image illisible" in text
    assert "Fichier indisponible : perdu.log" in text
    assert any("perdu.log" in warning for warning in result.warnings)


def test_huge_log_gives_an_excerpt_and_a_bounded_annex(app_ctx, make_user):
    candidate = make_user(Role.CANDIDATE)
    portfolio = factories.make_portfolio(candidate)
    evidence = factories.make_evidence(portfolio, title="Journal complet du pare-feu")
    big = factories.log_text(1, lines=480_000)  # about 50 MB
    assert len(big) > 45 * 1024 * 1024
    factories.add_version(evidence, big, "pare-feu.log", "text/plain")
    factories.claim(evidence, portfolio.certification.blocs[0].evaluations[0].criteria[0])
    submission = submit_portfolio(portfolio, candidate)
    result, pdf = _export(submission, "dossier", "pdf")
    assert result.pages < 80
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "reste téléchargeable intégralement" in text
    assert len(pdf) < 5 * 1024 * 1024


def test_export_screen_starts_a_job_and_downloads_the_file(client, make_user):
    candidate = make_user(Role.CANDIDATE)
    portfolio = factories.make_portfolio(candidate)
    evidence = factories.make_evidence(portfolio)
    factories.claim(evidence, portfolio.certification.blocs[0].evaluations[0].criteria[0])
    submission = submit_portfolio(portfolio, candidate)
    client.login(candidate.email)
    response = client.submit(f"/depots/{submission.id}/exports", {"kind": "dossier", "format": "docx"}, token_from=f"/depots/{submission.id}")
    assert response.status_code == 303
    status = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Télécharger" in status
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    download = client.get(f"/exports/{job_id}/fichier")
    if object_store().name == "minio":
        assert download.status_code == 302
    else:
        assert download.status_code == 200
        assert download.headers["Content-Disposition"].startswith("attachment")
        WordDocument(io.BytesIO(download.data))
    refused = client.submit(f"/depots/{submission.id}/exports", {"kind": "grille", "format": "pdf"}, token_from=f"/depots/{submission.id}")
    assert refused.status_code == 403  # the grid is for jurors and admins
