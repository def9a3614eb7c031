"""The validation dossier places each anchored excerpt next to its criterion, in both formats:
the lines (checked in the PDF's text), the cropped region (checked in its pixels), the PDF pages;
the full text file is referred to in the annex instead of being cut at its beginning."""
from __future__ import annotations

import io
import shutil
import zipfile

import pytest
from docx import Document as WordDocument
from PIL import Image

from evidence import excerpts
from exports.results import ExportResult
from exports.tasks import export_submission
from jobs.models import JobState
from jobs.services import enqueue
from storage.access import object_store
from tests.documents.samples import pdf_page_texts, render_page_png
from tests.excerpts.samples import green_shapes
from tests.excerpts.world import GREEN, anchored_jury

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")


def exported(submission, fmt: str) -> bytes:
    job = enqueue(export_submission, "export", "Export", submission_id=submission.id, document_kind="dossier", fmt=fmt)
    assert job.state == JobState.DONE, job.error
    result = ExportResult.from_json(job.result)
    with object_store().open(result.object_key) as stream:
        return stream.read()


def test_the_pdf_dossier_holds_the_three_excerpts_next_to_their_criteria(make_user, tmp_path):
    excerpts.clear_memory_cache()
    world = anchored_jury(make_user)
    data = exported(world.submission, "pdf")
    pages = pdf_page_texts(data, tmp_path)
    text = "\n".join(pages)
    lines_code, region_code, pages_code = (c.code for c in world.criteria)
    # Lines: the designated lines and their context, numbered from their place in the file.
    assert f"Extrait désigné pour le critère {lines_code} : lignes 120–124 de « exploitation.log »" in text
    assert "» événement 000120 : connexion acceptée" in text
    assert "événement 000117 : connexion acceptée" in text
    # The full log is in the annex, not cut at its beginning next to the evidence.
    assert "Les lignes désignées figurent à côté de leurs critères ; texte complet en" in " ".join(text.split())
    # Pages: the PDF's own pages 3 and 4, with their text.
    assert f"Extrait désigné pour le critère {pages_code} : pages 3–4 de « schema.pdf »" in text
    assert "Schéma page 3" in text and "Schéma page 4" in text
    # Region: the crop itself, drawn at the page holding its caption.
    assert f"Extrait désigné pour le critère {region_code} : zone de l'image de « capture.png »" in text
    [crop_page] = [n for n, page in enumerate(pages, 1) if "zone de l'image de « capture.png »" in page]
    shapes = green_shapes(render_page_png(data, crop_page, tmp_path, resolution=40))
    # The crop is 200 × 250 pixels of green (4:5, upright); the whole image's green quadrant is 8:5.
    upright = [(w, h) for w, h, count in shapes if count > 400 and 1.1 < h / w < 1.45 and count > 0.9 * w * h]
    assert upright, shapes


def test_the_word_dossier_holds_the_lines_and_the_crop(make_user):
    excerpts.clear_memory_cache()
    world = anchored_jury(make_user)
    data = exported(world.submission, "docx")
    document = WordDocument(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    whole = "\n".join(texts)
    assert "lignes 120–124 de « exploitation.log »" in whole
    assert "événement 000120 : connexion acceptée" in whole
    assert "pages 3–4 de « schema.pdf »" in whole
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        pictures = [Image.open(io.BytesIO(archive.read(name))).convert("RGB")
                    for name in archive.namelist() if name.startswith("word/media/")]
    crops = [p for p in pictures if p.size == (200, 250)]
    assert crops, [p.size for p in pictures]
    assert crops[0].getpixel((100, 125)) == GREEN


def test_a_missing_file_is_named_in_the_dossier_not_skipped(make_user, tmp_path):
    excerpts.clear_memory_cache()
    world = anchored_jury(make_user)
    object_store().delete(world.log.object_key)
    text = "\n".join(pdf_page_texts(exported(world.submission, "pdf"), tmp_path))
    assert "Extrait indisponible : Le fichier de cet extrait est introuvable dans le stockage" in " ".join(text.split())
