"""Text extraction: one extractor per kind, each within its budget, never raising for a bad file.

Files are built in the tests (reportlab, python-docx, zipfile, Pillow). OCR runs the real
`tesseract` from Debian's tesseract-ocr/tesseract-ocr-fra. Jobs run in huey's immediate mode
except in the last test, which starts a real huey consumer process.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from search.extraction import OCR_MISSING, Limits, extract_path, extract_version, ocr_status, schedule_extraction
from search.extraction.kinds import Kind, kind_of
from evidence.models import EvidenceVersion, ExtractionStatus
from extensions import db
from tests import factories

ROOT = Path(__file__).resolve().parents[2]

def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def extract(tmp_path, name, data, media_type="application/octet-stream", limits=Limits()):
    return extract_path(write(tmp_path, name, data), name, media_type, limits)


# --- kinds -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("filename", "media_type", "kind"),
    [
        ("capture.PNG", "image/png", Kind.IMAGE), ("pare-feu.log", "application/octet-stream", Kind.TEXT),
        ("deploy.sh", "text/plain", Kind.SCRIPT), ("plan.svg", "image/svg+xml", Kind.DIAGRAM),
        ("rapport.pdf", "application/pdf", Kind.PDF), ("dossier.docx", "", Kind.DOCUMENT),
        ("inventaire.xlsx", "", Kind.DOCUMENT), ("notes.odt", "", Kind.DOCUMENT), ("archive.7z", "", Kind.OTHER),
        ("sans-extension", "text/plain", Kind.TEXT), ("Dockerfile", "", Kind.SCRIPT),
    ],
)
def test_kind_of(filename, media_type, kind):
    assert kind_of(filename, media_type) == kind


# --- text, logs, scripts ---------------------------------------------------------------------

def test_text_in_any_encoding(tmp_path):
    sentence = "Journal des événements : connexion refusée à 08:15, règle n°3 appliquée."
    for encoding in ("utf-8", "utf-8-sig", "latin-1", "utf-16"):
        result = extract(tmp_path, "journal.log", ((sentence + "\n") * 20).encode(encoding))
        assert result.status == ExtractionStatus.DONE, encoding
        assert "événements" in result.text and "refusée" in result.text, encoding


def test_text_is_capped_and_says_so(tmp_path):
    result = extract(tmp_path, "gros.log", b"ligne de journal\n" * 10_000, limits=Limits(max_text_chars=1000))
    assert result.status == ExtractionStatus.DONE
    assert len(result.text) == 1000
    assert "tronqué" in result.error


def test_binary_disguised_as_text_fails_with_a_reason(tmp_path):
    result = extract(tmp_path, "journal.log", bytes(range(256)) * 100)
    assert result.status == ExtractionStatus.FAILED
    assert "binaire" in result.error


def test_script_is_text(tmp_path):
    result = extract(tmp_path, "sauvegarde.sh", b"#!/bin/sh\n# Sauvegarde quotidienne\nrsync -a /srv /backup\n")
    assert "Sauvegarde quotidienne" in result.text


# --- PDF -------------------------------------------------------------------------------------

def make_pdf(pages: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for content in pages:
        pdf.drawString(72, 750, content)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def test_pdf_text_layer(tmp_path):
    result = extract(tmp_path, "rapport.pdf", make_pdf(["Plan d'adressage du réseau", "Journal des événements"]), "application/pdf")
    assert result.status == ExtractionStatus.DONE
    assert "Plan d'adressage" in result.text and "événements" in result.text


def test_pdf_page_cap(tmp_path):
    result = extract(tmp_path, "long.pdf", make_pdf([f"Page numéro {n}" for n in range(1, 6)]), limits=Limits(max_pdf_pages=2))
    assert "Page numéro 2" in result.text and "Page numéro 3" not in result.text
    assert "tronqué" in result.error


def test_pdf_time_budget(tmp_path):
    result = extract(tmp_path, "long.pdf", make_pdf(["un", "deux"]), limits=Limits(seconds=0))
    assert result.status == ExtractionStatus.FAILED
    assert "Temps maximal" in result.error


def test_broken_pdf_fails_with_a_reason(tmp_path):
    result = extract(tmp_path, "casse.pdf", b"%PDF-1.4\n" + os.urandom(2000))
    assert result.status == ExtractionStatus.FAILED
    assert result.error


# --- DOCX, XLSX, ODT -------------------------------------------------------------------------

def test_docx_paragraphs_and_tables(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("Procédure de sauvegarde du serveur de fichiers")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Équipement"
    table.cell(0, 1).text = "Adresse IP"
    table.cell(1, 0).text = "Routeur cœur"
    table.cell(1, 1).text = "10.0.0.1"
    buffer = io.BytesIO()
    document.save(buffer)
    result = extract(tmp_path, "procedure.docx", buffer.getvalue())
    assert result.status == ExtractionStatus.DONE
    assert "Procédure de sauvegarde" in result.text
    assert "Routeur cœur | 10.0.0.1" in result.text


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["bombe.docx", "bombe.xlsx", "bombe.odt"])
def test_zip_bomb_is_refused_before_decompression(tmp_path, name):
    # 50 MB of zeros compress to about 50 KB: the ratio gives the bomb away in the central directory.
    payload = {"word/document.xml": b"\0" * 50_000_000, "xl/sharedStrings.xml": b"", "content.xml": b""}
    result = extract(tmp_path, name, zip_bytes(payload))
    assert result.status == ExtractionStatus.FAILED
    assert "décompressé" in result.error


def test_zip_total_size_cap(tmp_path):
    members = {f"word/part{n}.xml": os.urandom(200_000) for n in range(6)}
    members["word/document.xml"] = b"<w:document/>"
    result = extract(tmp_path, "gros.docx", zip_bytes(members), limits=Limits(max_zip_uncompressed=1_000_000))
    assert result.status == ExtractionStatus.FAILED


def test_xlsx_shared_and_inline_strings(tmp_path):
    data = zip_bytes({
        "xl/workbook.xml": b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                           b'<sheets><sheet name="Inventaire du parc" sheetId="1"/></sheets></workbook>',
        "xl/sharedStrings.xml": '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                "<si><t>Commutateur d'étage</t></si><si><r><t>Pare-</t></r><r><t>feu</t></r></si></sst>".encode(),
        "xl/worksheets/sheet1.xml": b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                                    b'<row><c t="inlineStr"><is><t>VLAN 20</t></is></c><c><v>42</v></c></row></sheetData></worksheet>',
    })
    result = extract(tmp_path, "inventaire.xlsx", data)
    assert result.status == ExtractionStatus.DONE
    for expected in ("Inventaire du parc", "Commutateur d'étage", "Pare-feu", "VLAN 20"):
        assert expected in result.text
    assert "42" not in result.text


def test_odt_content(tmp_path):
    content = (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
        "<text:h>Compte rendu</text:h><text:p>Mise à jour<text:s/>du<text:tab/>pare-feu</text:p>"
        "</office:text></office:body></office:document-content>"
    ).encode()
    result = extract(tmp_path, "compte-rendu.odt", zip_bytes({"content.xml": content, "mimetype": b"application/vnd.oasis.opendocument.text"}))
    assert result.status == ExtractionStatus.DONE
    assert "Compte rendu" in result.text and "Mise à jour du\tpare-feu" in result.text


# --- SVG -------------------------------------------------------------------------------------

def test_svg_labels(tmp_path):
    svg = (
        '<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
        '<svg xmlns="http://www.w3.org/2000/svg"><style>.a{fill:red}</style><title>Schéma du réseau</title>'
        '<text x="1" y="1">Routeur <tspan>principal</tspan></text><text>Pare-feu DMZ</text>'
        '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">Serveur de sauvegarde</div></foreignObject></svg>'
    ).encode()
    result = extract(tmp_path, "reseau.svg", svg, "image/svg+xml")
    assert result.status == ExtractionStatus.DONE
    for expected in ("Schéma du réseau", "Routeur", "principal", "Pare-feu DMZ", "Serveur de sauvegarde"):
        assert expected in result.text
    assert "fill" not in result.text


@pytest.mark.parametrize(
    "payload",
    [
        # Billion laughs.
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        '<svg xmlns="http://www.w3.org/2000/svg"><text>&lol2;</text></svg>',
        # External entity.
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>',
    ],
)
def test_svg_entities_are_refused(tmp_path, payload):
    result = extract(tmp_path, "piege.svg", payload.encode())
    assert result.status == ExtractionStatus.FAILED
    assert "entités" in result.error
    assert "root:" not in (result.text or "")


def test_svg_size_cap(tmp_path):
    big = b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<text>x</text>" * 200_000 + b"</svg>"
    result = extract(tmp_path, "enorme.svg", big, limits=Limits(max_xml_bytes=100_000))
    assert result.status == ExtractionStatus.FAILED
    assert "taille" in result.error


@pytest.mark.parametrize("name", ["faux.pdf", "faux.docx", "faux.xlsx", "faux.odt", "faux.svg", "faux.png", "faux.log"])
def test_garbage_never_raises(tmp_path, name):
    result = extract(tmp_path, name, os.urandom(4096))
    assert result.status in (ExtractionStatus.FAILED, ExtractionStatus.DONE)
    if result.status == ExtractionStatus.FAILED:
        assert result.error


def test_unsupported_kind_is_skipped(tmp_path):
    result = extract(tmp_path, "archive.7z", b"7z\xbc\xaf\x27\x1c")
    assert result.status == ExtractionStatus.SKIPPED
    assert "Pas d'extraction" in result.error


# --- OCR -------------------------------------------------------------------------------------

def test_ocr_reads_french_text(tmp_path):
    assert shutil.which("tesseract"), "tesseract-ocr is a system dependency (scripts/install-system-deps.sh)"
    result = extract(tmp_path, "capture.png", factories.text_png(["Journal des événements", "Pare-feu : règle refusée"]), "image/png")
    assert result.status == ExtractionStatus.DONE, result.error
    assert "Journal des" in result.text
    assert "feu" in result.text


def test_ocr_without_tesseract_fails_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert ocr_status().available is False
    result = extract(tmp_path, "capture.png", factories.text_png(["Journal"]), "image/png")
    assert result.status == ExtractionStatus.FAILED
    assert result.error == OCR_MISSING


def test_huge_image_is_refused_before_ocr(tmp_path):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(buffer, "PNG")
    result = extract(tmp_path, "immense.png", buffer.getvalue(), limits=Limits(max_image_pixels=50_000_000))
    assert result.status == ExtractionStatus.FAILED
    assert "trop grande" in result.error


# --- on versions, in jobs --------------------------------------------------------------------

def new_version(make_user, content: bytes, filename: str, media_type: str) -> EvidenceVersion:
    from accounts.models import Role

    portfolio = factories.make_portfolio(make_user(Role.CANDIDATE))
    evidence = factories.make_evidence(portfolio, title="Supervision du réseau")
    return factories.add_version(evidence, content, filename, media_type)


def test_extract_version_records_the_outcome(search_app, make_user):
    version = new_version(make_user, "Règle 12 : refus du trafic entrant\n".encode(), "regles.log", "text/plain")
    extract_version(version)
    db.session.commit()
    assert version.extraction_status == ExtractionStatus.DONE
    assert "trafic entrant" in version.extracted_text
    assert version.extraction_error is None


def test_extract_version_with_missing_object_fails_cleanly(search_app, make_user):
    version = new_version(make_user, b"contenu", "perdu.log", "text/plain")
    version.object_key = "sha256/00/00/" + "0000" + "0" * 60
    extract_version(version)
    assert version.extraction_status == ExtractionStatus.FAILED
    assert "stockage" in version.extraction_error.lower()


def test_schedule_extraction_runs_the_job(search_app, make_user):
    """Immediate mode: the job runs inline, records the text and reindexes the evidence."""
    from search import search as run_search
    from jobs.models import Job

    version = new_version(make_user, "Événement critique : disque saturé\n".encode(), "alerte.log", "text/plain")
    candidate = version.file.evidence.portfolio.candidate
    schedule_extraction(version.id)
    db.session.expire_all()
    job = db.session.scalar(db.select(Job).where(Job.kind == "extraction"))
    assert job.state == "done", job.error
    assert db.session.get(EvidenceVersion, version.id).extraction_status == ExtractionStatus.DONE
    assert run_search(candidate, "saturé").total == 1


def test_extraction_through_a_real_huey_consumer(search_app, make_user, tmp_path):
    """A real consumer process (`huey_consumer`) picks the job from a queue shared with another
    process that enqueued it: the task path works outside immediate mode."""
    from search import search as run_search

    version = new_version(make_user, "Le tunnel VPN xylophonique est monté.\n".encode(), "vpn.log", "text/plain")
    candidate = version.file.evidence.portfolio.candidate
    db.session.commit()
    configured = os.environ.get("JOBS_URL", "")
    jobs_url = configured if configured.startswith("redis://") else f"sqlite:///{tmp_path / 'jobs.db'}"
    env = dict(
        os.environ, JOBS_URL=jobs_url, DATABASE_URL=search_app.config["SQLALCHEMY_DATABASE_URI"],
        SEARCH_INDEX_DIR=search_app.config["SEARCH_INDEX_DIR"], SEARCH_BACKEND=search_app.config["SEARCH_BACKEND"],
        STORAGE_BACKEND=search_app.config["STORAGE_BACKEND"],
        STORAGE_DIR=search_app.config["STORAGE_DIR"], OMP_THREAD_LIMIT="1",
    )
    if jobs_url.startswith("redis://"):
        import redis

        redis.Redis.from_url(jobs_url).flushdb()
    consumer = subprocess.Popen(
        [str(Path(sys.executable).parent / "huey_consumer"), "worker.huey", "--workers", "1", "--delay", "0.1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        enqueue_script = (
            "from app import create_app\n"
            "app = create_app()\n"
            "with app.app_context():\n"
            "    from search.extraction import schedule_extraction\n"
            f"    schedule_extraction({version.id})\n"
        )
        subprocess.run([sys.executable, "-c", enqueue_script], cwd=ROOT, env=env, check=True, timeout=60)
        engine = create_engine(search_app.config["SQLALCHEMY_DATABASE_URI"])
        deadline = time.monotonic() + 90
        status = job_state = None
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                status = connection.execute(
                    text("SELECT extraction_status FROM evidence_versions WHERE id = :id"), {"id": version.id}
                ).scalar()
                job_state = connection.execute(text("SELECT state FROM jobs WHERE kind = 'extraction'")).scalar()
            if job_state in ("done", "failed"):
                break
            time.sleep(0.3)
        engine.dispose()
    finally:
        consumer.terminate()
        output = consumer.communicate(timeout=30)[0].decode("utf-8", "replace")
    assert job_state == "done" and status == ExtractionStatus.DONE, output[-3000:]
    db.session.expire_all()
    assert run_search(candidate, "xylophonique").total == 1, output[-3000:]
