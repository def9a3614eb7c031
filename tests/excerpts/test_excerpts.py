"""The excerpt engine (evidence/excerpts.py): lines, regions, pages and cells cut from the stored
object; a damaged or missing file gives a French message, never an exception."""
from __future__ import annotations

import io

from PIL import Image

from evidence import excerpts
from evidence.excerpts import AnchorSpan, excerpt_for
from storage.access import object_store
from storage.base import derived_key
from tests.evidence.samples import docx_bytes
from tests.excerpts.samples import numbered_log, ods_bytes, pdf_pages, xlsx_bytes


def span_of(version, kind: str, **location) -> AnchorSpan:
    return AnchorSpan(
        id=1, kind=kind, version_id=version.id, version_number=version.number, sha256=version.sha256,
        filename=version.filename, media_type=version.media_type, object_key=version.object_key,
        backend=version.backend, size=version.size, **location,
    )


def quadrants_png(width: int = 400, height: int = 200) -> bytes:
    """Red top-left, green top-right, blue bottom-left, white bottom-right."""
    image = Image.new("RGB", (width, height), (255, 255, 255))
    image.paste((255, 0, 0), (0, 0, width // 2, height // 2))
    image.paste((0, 255, 0), (width // 2, 0, width, height // 2))
    image.paste((0, 0, 255), (0, height // 2, width // 2, height))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# --- lines ----------------------------------------------------------------------------------------

def test_lines_are_highlighted_with_context(stored, app):
    version = stored(numbered_log(3000), "journal.log", "text/plain")
    with app.test_request_context():
        excerpt = excerpt_for(span_of(version, "lines", line_start=1200, line_end=1203))
    assert excerpt.error is None
    assert excerpt.label == "lignes 1200–1203"
    assert [n for n, _, _ in excerpt.lines] == list(range(1197, 1207))
    assert [n for n, _, lit in excerpt.lines if lit] == [1200, 1201, 1202, 1203]
    assert excerpt.lines[3][1] == "événement 001200 : connexion acceptée"
    assert excerpt.full_url == f"/versions/{version.id}/texte#v{version.id}-ligne-1200"


def test_lines_at_the_edges_of_the_file(stored):
    version = stored(numbered_log(10), "journal.log", "text/plain")
    first = excerpt_for(span_of(version, "lines", line_start=1, line_end=1))
    assert [n for n, _, _ in first.lines] == [1, 2, 3, 4]
    last = excerpt_for(span_of(version, "lines", line_start=10, line_end=10), context=5)
    assert [n for n, _, _ in last.lines] == [5, 6, 7, 8, 9, 10]


def test_lines_beyond_the_file_say_so_in_french(stored):
    version = stored(numbered_log(500), "journal.log", "text/plain")
    excerpt = excerpt_for(span_of(version, "lines", line_start=9000, line_end=9010))
    assert excerpt.lines is None
    assert excerpt.error == "Le fichier ne compte que 500 ligne(s) : les lignes 9000–9010 n'existent pas dans cette version."


def test_a_long_anchored_range_is_cut_and_says_how_many_lines_remain(stored):
    version = stored(numbered_log(1000), "journal.log", "text/plain")
    excerpt = excerpt_for(span_of(version, "lines", line_start=1, line_end=900))
    assert len(excerpt.lines) == excerpts.MAX_EXCERPT_LINES
    assert excerpt.more_lines == 900 - excerpts.MAX_EXCERPT_LINES


def test_a_missing_log_gives_a_french_message(stored):
    version = stored(numbered_log(50), "journal.log", "text/plain")
    object_store().delete(version.object_key)
    excerpt = excerpt_for(span_of(version, "lines", line_start=3, line_end=4))
    assert excerpt.error == "Le fichier de cet extrait est introuvable dans le stockage : l'extrait ne peut pas être affiché."


def test_lines_of_a_latin1_log_are_decoded(stored):
    data = "".join(f"ligne {n} : réseau élevé\n" for n in range(1, 30)).encode("latin-1")
    version = stored(data, "ancien.log", "text/plain")
    excerpt = excerpt_for(span_of(version, "lines", line_start=5, line_end=5), context=0)
    assert excerpt.lines == [(5, "ligne 5 : réseau élevé", True)]


def test_a_live_anchor_row_gives_the_same_excerpt_as_its_span(stored):
    from evidence.models import ClaimAnchor

    version = stored(numbered_log(40), "journal.log", "text/plain")
    row = ClaimAnchor(id=7, kind="lines", version_id=version.id, line_start=10, line_end=12)
    row.version = version
    assert excerpt_for(row).lines == excerpt_for(span_of(version, "lines", line_start=10, line_end=12)).lines


def test_from_snapshot_keeps_only_what_it_knows():
    span = AnchorSpan.from_snapshot({
        "id": 3, "kind": "pages", "version_id": 9, "version_number": 2, "sha256": "ab" * 32, "filename": "a.pdf",
        "media_type": "application/pdf", "object_key": "sha256/ab/ab/" + "ab" * 32, "backend": "local",
        "page_start": 3, "page_end": 4, "future_key": "ignored",
    })
    assert (span.kind, span.page_start, span.page_end, span.version_number) == ("pages", 3, 4, 2)
    assert excerpts.label_of(span) == "pages 3–4"


# --- regions --------------------------------------------------------------------------------------

def test_a_region_is_cropped_once_and_cached(stored, app):
    version = stored(quadrants_png(), "capture.png", "image/png")
    span = span_of(version, "region", x=0.5, y=0.0, width=0.5, height=0.5)  # the green quadrant
    with app.test_request_context():
        excerpt = excerpt_for(span)
    assert excerpt.error is None and excerpt.label == "zone de l'image"
    assert excerpt.image_url == f"/versions/{version.id}/zones/5000-0-5000-5000.png"
    key = derived_key(version.sha256, "crop-5000-0-5000-5000-v1.png")
    assert object_store().exists(key)
    crop = Image.open(io.BytesIO(excerpts.crop_png(span))).convert("RGB")
    assert crop.size == (200, 100)
    assert crop.getpixel((100, 50)) == (0, 255, 0)
    object_store().delete(version.object_key)  # the cache alone answers now
    assert excerpts.crop_png(span).startswith(b"\x89PNG")


def test_a_damaged_image_or_a_bad_region_gives_a_french_message(stored):
    broken = stored(b"\x89PNG\r\n\x1a\n not really", "casse.png", "image/png")
    excerpt = excerpt_for(span_of(broken, "region", x=0.1, y=0.1, width=0.2, height=0.2))
    assert excerpt.error == "Ce fichier est endommagé ou illisible : l'extrait ne peut pas être affiché."
    image = stored(quadrants_png(), "capture.png", "image/png")
    outside = excerpt_for(span_of(image, "region", x=1.2, y=0.1, width=0.2, height=0.2))
    assert outside.error == "La zone de cet extrait est invalide : elle ne peut pas être affichée."


# --- pages ----------------------------------------------------------------------------------------

def test_pdf_pages_are_thumbnails_rendered_once(stored, app):
    version = stored(pdf_pages(5), "schema.pdf", "application/pdf")
    with app.test_request_context():
        excerpt = excerpt_for(span_of(version, "pages", page_start=3, page_end=4))
    assert excerpt.error is None
    assert [n for n, _ in excerpt.pages] == [3, 4]
    assert excerpt.pages[0][1] == f"/versions/{version.id}/pages/3?taille=petite"
    png = excerpts.page_png(version, 3, 300)
    assert Image.open(io.BytesIO(png)).size[1] == 300
    assert object_store().exists(derived_key(version.sha256, "page-3-300-v1.png"))


def test_pages_beyond_the_pdf_and_damaged_pdfs(stored):
    version = stored(pdf_pages(30), "schema.pdf", "application/pdf")
    beyond = excerpt_for(span_of(version, "pages", page_start=31, page_end=31))
    assert beyond.error == "Le document ne compte que 30 page(s) : la page 31 n'existe pas dans cette version."
    broken = stored(b"%PDF-1.4 broken", "casse.pdf", "application/pdf")
    assert excerpt_for(span_of(broken, "pages", page_start=1, page_end=1)).error == (
        "Ce document PDF est endommagé ou illisible : ses pages ne peuvent pas être affichées."
    )


def test_pages_of_a_damaged_word_file(stored):
    word = stored(docx_bytes(), "note.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    excerpt = excerpt_for(span_of(word, "pages", page_start=1, page_end=1))
    assert excerpt.error is not None or excerpt.page_texts is not None


# --- cells ----------------------------------------------------------------------------------------

def test_cells_of_an_xlsx_sheet(stored):
    version = stored(
        xlsx_bytes({"Inventaire": [["Nom", "IP", "Rôle"], ["srv1", "10.0.0.1", "DNS"], ["srv2", "10.0.0.2", "DHCP"]]}),
        "parc.xlsx",
    )
    excerpt = excerpt_for(span_of(version, "cells", sheet="Inventaire", cells="B2:C3"))
    assert excerpt.error is None, excerpt.error
    assert excerpt.label == "feuille Inventaire, B2:C3"
    assert excerpt.columns == ["B", "C"]
    assert excerpt.rows == [(2, ["10.0.0.1", "DNS"]), (3, ["10.0.0.2", "DHCP"])]


def test_cells_of_an_ods_sheet(stored):
    version = stored(ods_bytes({"Parc": [["a", "b", "c"], ["d", "e", "f"]]}), "parc.ods")
    excerpt = excerpt_for(span_of(version, "cells", sheet="Parc", cells="A2:B2"))
    assert excerpt.rows == [(2, ["d", "e"])]


def test_unknown_sheet_and_damaged_workbook(stored):
    version = stored(xlsx_bytes({"Inventaire": [["a"]]}), "parc.xlsx")
    assert excerpt_for(span_of(version, "cells", sheet="Autre", cells="A1")).error == (
        "La feuille « Autre » n'existe pas dans ce classeur."
    )
    broken = stored(b"PK\x03\x04 broken", "casse.xlsx")
    assert excerpt_for(span_of(broken, "cells", sheet="Inventaire", cells="A1")).error is not None


# --- a snapshot, in one pass ------------------------------------------------------------------------

def test_excerpts_by_claim_cut_from_a_snapshot(stored):
    log = stored(numbered_log(100), "journal.log", "text/plain")
    anchor = {
        "id": 1, "kind": "lines", "version_id": log.id, "version_number": 1, "sha256": log.sha256,
        "filename": log.filename, "media_type": log.media_type, "object_key": log.object_key,
        "backend": log.backend, "line_start": 50, "line_end": 51,
    }
    snapshot = {"evidence": [{"id": 4, "versions": [{"id": log.id, "size": log.size}], "claims": [
        {"criterion_id": 8, "justification": "", "anchors": [anchor]},
        {"criterion_id": 9, "justification": "", "anchors": []},
    ]}]}
    found = excerpts.excerpts_by_claim(snapshot)
    assert list(found) == [(4, 8)]
    assert [n for n, _, lit in found[(4, 8)][0].lines if lit] == [50, 51]


def test_a_region_of_an_svg_schema_is_cropped_from_its_drawing(stored):
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200">'
           b'<rect x="0" y="0" width="200" height="200" fill="#ff0000"/>'
           b'<rect x="200" y="0" width="200" height="200" fill="#0000ff"/></svg>')
    version = stored(svg, "schema.svg", "image/svg+xml")
    span = span_of(version, "region", x=0.5, y=0.0, width=0.5, height=1.0)
    excerpt = excerpt_for(span)
    assert excerpt.error is None, excerpt.error
    crop = Image.open(io.BytesIO(excerpts.crop_png(span))).convert("RGB")
    r, g, b = crop.getpixel((crop.width // 2, crop.height // 2))
    assert b > 200 and r < 60


def test_pages_of_a_word_file_are_its_preview_pages(stored):
    import docx

    document = docx.Document()
    document.add_paragraph("Première page : introduction.")
    document.add_page_break()
    document.add_paragraph("Deuxième page : la procédure de sauvegarde.")
    document.add_page_break()
    document.add_paragraph("Troisième page : conclusion.")
    out = io.BytesIO()
    document.save(out)
    word = stored(out.getvalue(), "procedure.docx",
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert excerpts.page_count(word) == 3
    excerpt = excerpt_for(span_of(word, "pages", page_start=2, page_end=2))
    assert excerpt.error is None, excerpt.error
    [(number, blocks)] = excerpt.page_texts
    assert number == 2 and "Deuxième page : la procédure de sauvegarde." in [b.text for b in blocks]
    beyond = excerpt_for(span_of(word, "pages", page_start=4, page_end=4))
    assert beyond.error == "Le document ne compte que 3 page(s) : la page 4 n'existe pas dans cette version."
