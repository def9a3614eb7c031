"""The demo submission's dossier holds its evidence itself: PDF pages, schemas, Word, OpenDocument and
spreadsheet content, images and wrapped code, in PDF and in Word (issue 12)."""
from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from docx import Document as WordDocument
from pypdf import PdfReader

from accounts.services import get_user_by_email
from dashboard.demo import DEMO_SUBMITTER
from documents import pdf_page_count, render_pdf
from exports.results import ExportResult
from exports.tasks import build_document, export_submission
from extensions import db
from jobs.models import Job, JobState
from portfolio.coverage import PAGE_ESTIMATE_JOB, compute_coverage, refresh_layout_estimate
from jobs.services import enqueue
from portfolio.models import Portfolio, Submission
from referentials import services as referentials
from referentials.importers import SEEDS_DIR
from storage.access import object_store
from tests.documents.samples import page_fill, pdf_page_texts, render_page_png

IGS_SEED = "004_0fedc1ee0aa597b2.txt"

# A piece of text from each kind of evidence the demo holds (see dashboard/demo.py).
FROM_EACH_KIND = {
    "PDF": "Procédure de sauvegarde et de restauration 3 - page 2",
    "SVG": "Commutateur coeur",
    "Word": "Vérifier la restauration",
    "Word table": "10.0.0.12",
    "XLSX": "poste-007",
    "ODT": "Documenter les partages",
    "ODS": "T-103",
    "log": "connexion acceptée pour admin",
}


def _export(submission: Submission, fmt: str) -> tuple[ExportResult, bytes]:
    job = enqueue(export_submission, "export", "Export", submission_id=submission.id, document_kind="dossier", fmt=fmt)
    assert job.state == JobState.DONE, job.error
    result = ExportResult.from_json(job.result)
    with object_store().open(result.object_key) as stream:
        return result, stream.read()


@pytest.fixture()
def demo_submission(app_ctx):
    draft, _ = referentials.parse_file((SEEDS_DIR / IGS_SEED).read_bytes(), IGS_SEED)
    referentials.load_draft(draft)
    result = app_ctx.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    submitter = get_user_by_email(DEMO_SUBMITTER[0])
    portfolio = app_ctx.extensions["sqlalchemy"].session.query(Portfolio).filter_by(candidate_id=submitter.id).one()
    assert portfolio.certification.lineage == "IGS"
    return portfolio.submissions[-1]


NEARLY_EMPTY = 1 / 3  # of a page's text area
HALF_EMPTY = 1 / 2
RUNNING_HEADER = "Dossier de validation — "


def _body_lines(page_text: str) -> list[str]:
    """A page's lines of text without the running header and the blank lines."""
    lines = [line.strip() for line in page_text.splitlines() if line.strip()]
    return [line for line in lines if not line.startswith(RUNNING_HEADER)]


def _pixels_like(image, colour, tolerance=40) -> int:
    r0, g0, b0 = colour
    return sum(1 for r, g, b in image.getdata()
               if abs(r - r0) < tolerance and abs(g - g0) < tolerance and abs(b - b0) < tolerance)


def test_demo_dossier_holds_every_kind_of_evidence_in_pdf_and_word(demo_submission, tmp_path, output_dir):
    result, pdf = _export(demo_submission, "pdf")
    (output_dir / "dossier-demo.pdf").write_bytes(pdf)
    pages = pdf_page_count(pdf)
    assert pages >= 60 and result.pages == pages

    # The candidate's page estimate comes from the same layout (computed by a job, cached).
    portfolio = demo_submission.portfolio
    rough = compute_coverage(portfolio).estimated_pages
    refresh_layout_estimate(portfolio)  # immediate mode: the estimate job runs now
    estimate = compute_coverage(portfolio).estimated_pages
    assert abs(estimate - pages) <= pages * 0.10, (estimate, pages, rough)
    assert db.session.query(Job).filter_by(kind=PAGE_ESTIMATE_JOB).count() == 1
    refresh_layout_estimate(portfolio)  # unchanged: cached, no new job
    assert db.session.query(Job).filter_by(kind=PAGE_ESTIMATE_JOB).count() == 1
    texts = pdf_page_texts(pdf, tmp_path)
    text = "\n".join(texts)
    flat = re.sub(r"\s+", " ", text)
    for kind, expected in FROM_EACH_KIND.items():
        assert expected in flat, f"{kind} evidence text missing from the PDF"
    assert "consultable dans Probatio." not in flat.replace("reste consultable dans Probatio", "")

    # Embedded PDF pages carry the dossier's running header and footer, and a bookmark each file.
    embedded = next(n for n, page in enumerate(texts) if "Procédure de sauvegarde et de restauration 1 - page 1" in page)
    assert f"Page {embedded + 1} / {pages}" in texts[embedded]
    assert "Dossier de validation — Sacha Dossier-Complet" in texts[embedded]
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title.startswith("Dossier de validation") and reader.metadata.author
    assert str(reader.trailer["/Root"].get("/Lang")) == "fr-FR"

    def titles(outline):
        for item in outline:
            yield from titles(item) if isinstance(item, list) else [item.title]
    bookmarks = list(titles(reader.outline))
    assert sum(1 for t in bookmarks if t.endswith("(3 pages)") and ".pdf" in t) == 10
    contents = "\n".join(texts[1:6])
    assert "procedure-pdf-01.pdf (3 pages)" in contents

    # Pixels: the embedded page's blue title bar, the schema's green hosts, a screenshot.
    page_image = render_page_png(pdf, embedded + 1, tmp_path)
    assert _pixels_like(page_image, (31, 77, 153)) > 200, "embedded PDF page not visible"
    schema = next(n for n, page in enumerate(texts) if "Commutateur coeur" in page)
    assert _pixels_like(render_page_png(pdf, schema + 1, tmp_path), (46, 139, 87)) > 100, "schema not visible"
    screenshot = next(n for n, page in enumerate(texts) if "Preuve n°21 — capture-png-01.png" in page)
    dark = sum(1 for pixel in render_page_png(pdf, screenshot + 1, tmp_path).getdata() if sum(pixel) < 240)
    assert dark > 5000, "screenshot not visible"

    # Code lines wrap between words, with a continuation mark.
    script = next(page for page in texts if "Export-Csv" in page)
    assert "↪" in script
    for word in ("-NoTypeInformation", "OperatingSystem,LastLogonDate,IPv4Address,Description",
                 "C:\\Rapports\\inventaire.csv", "'OU=Postes,OU=Agence1,DC=exemple,DC=local'"):
        assert word in flat, f"{word} split inside"

    # Layout: no nearly empty page but the title page, the last one, and a page that ends where a
    # bloc starts; the jury grid has no half-empty page at all (blocs follow each other).
    blocs = tuple(f"{bloc.code} — " for bloc in demo_submission.portfolio.certification.blocs)
    fills = page_fill(pdf, tmp_path)
    assert len(fills) == pages
    for number in range(2, pages):
        following = _body_lines(texts[number])
        if not (following and following[0].startswith(blocs)):
            assert fills[number - 1] >= NEARLY_EMPTY, f"page {number} of {pages} filled to {fills[number - 1]:.0%}"
    grid = render_pdf(build_document(demo_submission, "grille")[0])
    (output_dir / "grille-demo.pdf").write_bytes(grid)
    (tmp_path / "grid").mkdir()
    grid_fills = page_fill(grid, tmp_path / "grid")
    assert len(grid_fills) >= 3
    for number, fill in enumerate(grid_fills[1:-1], start=2):
        assert fill >= HALF_EMPTY, f"grid page {number} of {len(grid_fills)} filled to {fill:.0%}"

    result, data = _export(demo_submission, "docx")
    (output_dir / "dossier-demo.docx").write_bytes(data)
    document = WordDocument(io.BytesIO(data))
    word_text = "\n".join(p.text for p in document.paragraphs)
    word_text += "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    word_flat = re.sub(r"\s+", " ", word_text)
    for kind, expected in FROM_EACH_KIND.items():
        assert expected in word_flat, f"{kind} evidence text missing from the DOCX"
    pictures = document.inline_shapes
    assert len(pictures) >= 30 + 5 + 8  # PDF pages, schemas, screenshots
    headings = {p.style.name for p in document.paragraphs if p.style.name.startswith("Heading")}
    assert {"Heading 1", "Heading 2", "Heading 3"} <= headings


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (libreoffice-writer-nogui) absent")
def test_demo_dossier_docx_converts_in_libreoffice(demo_submission, tmp_path):
    _, data = _export(demo_submission, "docx")
    source = tmp_path / "dossier.docx"
    source.write_bytes(data)
    completed = subprocess.run(
        ["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        capture_output=True, timeout=600)
    converted = tmp_path / "dossier.pdf"
    assert converted.exists(), completed.stderr.decode(errors="replace")
    assert pdf_page_count(converted.read_bytes()) >= 60
