"""Previews: thumbnails re-encoded by the server, text escaped and highlighted, icons for the rest,
and the fragments the evidence page includes (SVG and Word pages: test_rich_previews.py)."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import render_template
from PIL import Image

from evidence import previews
from tests.evidence.samples import (docx_bytes, fragment, jpeg_bytes, pdf_bytes, png_bomb, png_bytes, svg_with_script,
                                   unique_text, uploaded)

STATIC = Path(__file__).resolve().parents[2] / "static"


def assert_csp_clean(html: str) -> None:
    """Nothing the Content-Security-Policy would block: no inline style or script."""
    assert "style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "<style" not in html


def thumbnail_of(workspace, version, size: str = "petite") -> Image.Image:
    response = workspace.client.get(f"/versions/{version.id}/miniature?taille={size}")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.get_data()))
    image.load()
    return image


# --- images -------------------------------------------------------------------------------------

def test_an_image_is_shown_as_a_thumbnail_never_as_the_original(workspace):
    version = uploaded(workspace, png_bytes(1600, 900), "capture.png")
    with workspace.client.application.test_request_context():
        included = render_template("evidence/previews/_preview.html", version=version)
    assert f'src="/versions/{version.id}/miniature?taille=petite"' in included
    html = fragment(workspace, version)  # the route's fragment is the enlarged view
    assert f'src="/versions/{version.id}/miniature?taille=grande"' in html
    assert f'href="/versions/{version.id}/telechargement"' in html
    assert_csp_clean(html)
    small = thumbnail_of(workspace, version)
    assert max(small.size) == 400 and small.size == (400, 225)
    large = thumbnail_of(workspace, version, "grande")
    assert max(large.size) == 1200


def test_a_jpeg_thumbnail_and_its_cache_validator(workspace):
    version = uploaded(workspace, jpeg_bytes(800, 600), "photo-baie.jpg")
    assert thumbnail_of(workspace, version).size == (400, 300)
    url = f"/versions/{version.id}/miniature"
    first = workspace.client.get(url)
    assert "private" in first.headers["Cache-Control"]
    again = workspace.client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_a_decompression_bomb_gets_the_placeholder(workspace):
    version = uploaded(workspace, png_bomb(), "bombe.png")
    image = thumbnail_of(workspace, version)
    assert image.size == (400, 300)  # the placeholder, not a 100 000 × 100 000 decode


def test_a_broken_image_gets_the_placeholder(workspace):
    version = uploaded(workspace, b"\x89PNG\r\n\x1a\n" + unique_text("pas une image"), "casse.png")
    assert thumbnail_of(workspace, version).size == (400, 300)


def test_an_unknown_thumbnail_size_is_not_found(workspace):
    version = uploaded(workspace, png_bytes(), "capture.png")
    assert workspace.client.get(f"/versions/{version.id}/miniature?taille=geante").status_code == 404


# --- text ---------------------------------------------------------------------------------------

def test_a_log_is_escaped_and_highlighted(workspace):
    content = unique_text("#!/bin/bash\necho '<script>alert(1)</script>'\n")
    version = uploaded(workspace, content, "attaque.sh")
    html = fragment(workspace, version)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'class="highlight"' in html and 'class="linenos"' in html
    assert 'class="nb"' in html  # Bash's builtin "echo", coloured by class
    assert "css/pygments.css" in html
    assert_csp_clean(html)


def test_a_long_log_is_truncated_with_a_link_to_the_whole_text(workspace):
    lines = "".join(f"ligne {n} : paquet rejeté\n" for n in range(1, 3001))
    version = uploaded(workspace, lines.encode(), "pare-feu.log")
    html = fragment(workspace, version)
    assert "ligne 2000 :" in html and "ligne 2001 :" not in html
    assert f'href="/versions/{version.id}/texte"' in html
    whole = workspace.client.get(f"/versions/{version.id}/texte")
    assert whole.status_code == 200
    page = whole.get_data(as_text=True)
    assert "ligne 3000 :" in page and "<html" in page
    assert_csp_clean(page.split("<body", 1)[1])


def test_legacy_encodings_are_decoded(workspace):
    latin = "Journal système : échec de la réplication à 23h15, réessayé à 23h20.\n" * 20
    version = uploaded(workspace, latin.encode("cp1252"), "replication.log")
    assert "échec de la réplication" in (workspace.client.get(f"/versions/{version.id}/apercu")).text
    script = "# Inventaire des postes\nGet-ADComputer -Filter * | Select-Object Name # réseau\n"
    version = uploaded(workspace, b"\xff\xfe" + script.encode("utf-16-le"), "inventaire.ps1")
    assert version.media_type == "text/x-powershell"
    assert "Inventaire des postes" in (workspace.client.get(f"/versions/{version.id}/apercu")).text


def test_a_non_text_version_has_no_text_page(workspace):
    version = uploaded(workspace, png_bytes(), "capture.png")
    assert workspace.client.get(f"/versions/{version.id}/texte").status_code == 404


# --- PDF ----------------------------------------------------------------------------------------

def test_a_pdf_first_page_is_a_thumbnail(workspace):
    if previews.pdftoppm() is None:
        pytest.skip("poppler-utils (pdftoppm) is not installed")
    version = uploaded(workspace, pdf_bytes(), "plan-adressage.pdf")
    html = fragment(workspace, version)
    assert f'src="/versions/{version.id}/miniature?taille=grande"' in html
    assert 'alt="Première page du document PDF plan-adressage.pdf"' in html
    image = thumbnail_of(workspace, version)
    assert image.size[1] == 400 and 280 <= image.size[0] <= 290  # the 200 × 280 page, not the placeholder


def test_a_broken_pdf_gets_the_placeholder(workspace):
    if previews.pdftoppm() is None:
        pytest.skip("poppler-utils (pdftoppm) is not installed")
    version = uploaded(workspace, b"%PDF-1.7\n" + unique_text("pas vraiment un PDF"), "faux.pdf")
    assert thumbnail_of(workspace, version).size == (400, 300)


def test_without_poppler_a_pdf_gets_its_icon(workspace, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    previews.pdftoppm.cache_clear()
    try:
        version = uploaded(workspace, pdf_bytes(), "plan.pdf")
        html = fragment(workspace, version)
        assert "file-icon" in html and ">PDF<" in html and "<img" not in html
        assert workspace.client.get(f"/versions/{version.id}/miniature").status_code == 404
    finally:
        monkeypatch.undo()
        previews.pdftoppm.cache_clear()


# --- icons --------------------------------------------------------------------------------------

def test_an_svg_is_never_shown_inline_only_as_a_png_drawn_by_the_server(workspace):
    """SVG can carry scripts: the page shows a PNG the server drew from it (tests/evidence/test_rich_previews.py)."""
    version = uploaded(workspace, svg_with_script(), "topologie.svg")
    html = fragment(workspace, version)
    assert "<svg" not in html and "alert(" not in html
    assert f"/versions/{version.id}/miniature" in html
    assert workspace.client.get(f"/versions/{version.id}/miniature").content_type == "image/png"
    assert workspace.client.get(f"/versions/{version.id}/texte").status_code == 404


def test_a_document_shows_its_type_and_size(workspace):
    content = docx_bytes()
    version = uploaded(workspace, content, "procédure.docx")
    html = (workspace.client.get(f"/versions/{version.id}/apercu", headers={"HX-Request": "true"})).text
    assert "Document Word" in html
    assert previews.human_size(len(content)) in html


def test_the_full_preview_page(workspace):
    version = uploaded(workspace, png_bytes(), "capture.png")
    page = workspace.client.get(f"/versions/{version.id}/apercu")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<html" in body and "miniature?taille=grande" in body


# --- fragments for the evidence page ------------------------------------------------------------

def test_the_upload_form_works_without_javascript(workspace, app_ctx):
    with app_ctx.test_request_context():
        html = render_template("evidence/_upload_form.html", evidence=workspace.evidence)
    assert re.search(r'<form [^>]*method="post" enctype="multipart/form-data"', html)
    assert f'action="/preuves/{workspace.evidence.id}/fichiers"' in html
    assert re.search(r'<input id="([^"]+)" type="file" name="files" required multiple', html)
    label_for = re.search(r'<label for="([^"]+)"', html).group(1)
    assert f'id="{label_for}"' in html
    assert html.index('name="csrf_token"') < html.index('type="file"')
    assert 'accept=".png,.jpg,.jpeg,.webp,' in html
    assert "js/upload.js" in html
    assert_csp_clean(html)


def test_the_upload_form_for_a_new_version(workspace, app_ctx):
    version = uploaded(workspace, unique_text(), "plan.txt")
    with app_ctx.test_request_context():
        html = render_template("evidence/_upload_form.html", evidence=workspace.evidence, file=version.file)
    assert f'name="file_id" value="{version.file_id}"' in html
    assert " multiple" not in html
    assert "Nouvelle version de « plan.txt »" in html


def test_the_preview_fragment_can_be_included_with_a_version(workspace, app_ctx):
    version = uploaded(workspace, unique_text(), "journal.log")
    with app_ctx.test_request_context():
        html = render_template("evidence/previews/_preview.html", version=version)
    assert "journal.log" in html and 'class="highlight"' in html


def test_the_committed_pygments_stylesheet_is_up_to_date():
    assert (STATIC / "css" / "pygments.css").read_text() == previews.pygments_css()


def test_the_upload_script_is_an_external_file():
    script = (STATIC / "js" / "upload.js").read_text()
    assert "XMLHttpRequest" in script and "upload.addEventListener(\"progress\"" in script
    assert "innerHTML" not in script and "eval(" not in script


def test_a_windows_log_in_utf16_without_bom_is_text(workspace):
    log = "Démarrage du service DHCP : OK\r\n" * 50
    version = uploaded(workspace, log.encode("utf-16-le"), "dhcp.log")
    assert "Démarrage du service DHCP" in (workspace.client.get(f"/versions/{version.id}/apercu")).text
