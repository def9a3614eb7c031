"""Anchors of every kind: recorded on one version, refused with a French message outside it."""
from __future__ import annotations

import pytest

from evidence import anchors
from evidence.anchors import AnchorError, Spot
from evidence.models import ClaimAnchor, EvidenceStatus
from extensions import db
from tests import factories
from tests.evidence.anchor_samples import anchored_world


@pytest.fixture()
def files(app_ctx, make_user):
    return anchored_world(make_user)


def test_lines_are_recorded_in_order_on_their_version(files):
    anchor = anchors.add_anchor(files.claim, files.log, Spot("lines", line_start=140, line_end=120))
    row = db.session.get(ClaimAnchor, anchor.id)
    assert (row.kind, row.version_id, row.line_start, row.line_end) == ("lines", files.log.id, 120, 140)
    assert row.page_start is None and row.x is None and row.sheet is None
    assert row.location == {"line_start": 120, "line_end": 140}
    assert files.claim.anchors == [row]


def test_line_outside_the_log_is_refused_in_french(files):
    with pytest.raises(AnchorError) as refused:
        anchors.add_anchor(files.claim, files.log, Spot("lines", line_start=9000, line_end=9000))
    assert str(refused.value) == "La ligne 9\u00a0000 n'existe pas : « exploitation.log » (version 1) compte 500 lignes."
    assert db.session.query(ClaimAnchor).count() == 0


def test_the_last_line_is_accepted_and_line_zero_refused(files):
    anchors.add_anchor(files.claim, files.log, Spot("lines", line_start=500))
    with pytest.raises(AnchorError, match="commencent à 1"):
        anchors.add_anchor(files.claim, files.log, Spot("lines", line_start=0, line_end=3))
    with pytest.raises(AnchorError, match="première ligne"):
        anchors.add_anchor(files.claim, files.log, Spot("lines"))


def test_pages_of_a_pdf(files):
    anchor = anchors.add_anchor(files.claim, files.pdf, Spot("pages", page_start=3, page_end=4))
    assert (anchor.kind, anchor.page_start, anchor.page_end) == ("pages", 3, 4)
    with pytest.raises(AnchorError) as refused:
        anchors.add_anchor(files.claim, files.pdf, Spot("pages", page_start=30, page_end=31))
    assert str(refused.value) == "La page 31 n'existe pas : « schema.pdf » (version 1) compte 30 pages."


def test_region_of_an_image_in_relative_coordinates(files):
    anchor = anchors.add_anchor(files.claim, files.png, Spot("region", x=0.1, y=0.25, width=0.5, height=0.5))
    assert anchor.location == {"x": 0.1, "y": 0.25, "width": 0.5, "height": 0.5}
    with pytest.raises(AnchorError, match="sort de l'image"):
        anchors.add_anchor(files.claim, files.png, Spot("region", x=-0.1, y=0, width=0.5, height=0.5))
    with pytest.raises(AnchorError, match="dépasse le bord"):
        anchors.add_anchor(files.claim, files.png, Spot("region", x=0.8, y=0, width=0.5, height=0.5))
    with pytest.raises(AnchorError, match="vide"):
        anchors.add_anchor(files.claim, files.png, Spot("region", x=0.2, y=0.2, width=0, height=0.5))
    with pytest.raises(AnchorError, match="zone entière"):
        anchors.add_anchor(files.claim, files.png, Spot("region", x=0.2, y=0.2))


def test_cells_of_a_sheet(files):
    anchor = anchors.add_anchor(files.claim, files.xlsx, Spot("cells", sheet="Inventaire", cells="b2:d40"))
    assert anchor.location == {"sheet": "Inventaire", "cells": "B2:D40"}
    with pytest.raises(AnchorError) as refused:
        anchors.add_anchor(files.claim, files.xlsx, Spot("cells", sheet="Budget", cells="A1"))
    assert str(refused.value) == "La feuille « Budget » n'existe pas dans « inventaire.xlsx » : choisissez parmi Inventaire, Notes."
    with pytest.raises(AnchorError, match="sort de la feuille"):
        anchors.add_anchor(files.claim, files.xlsx, Spot("cells", sheet="Inventaire", cells="A1:E2"))
    with pytest.raises(AnchorError, match="n'est pas une cellule"):
        anchors.add_anchor(files.claim, files.xlsx, Spot("cells", sheet="Inventaire", cells="2B"))


@pytest.mark.parametrize("kind, version, message", [
    ("lines", "png", "n'est pas un fichier texte"),
    ("pages", "log", "n'a pas de pages"),
    ("region", "pdf", "n'est pas une image"),
    ("cells", "log", "n'est pas un tableur"),
    ("paragraph", "log", "Type d'ancre inconnu"),
])
def test_a_kind_the_file_cannot_take_is_refused(files, kind, version, message):
    spot = Spot(kind, line_start=1, page_start=1, x=0, y=0, width=1, height=1, sheet="Inventaire", cells="A1")
    with pytest.raises(AnchorError, match=message):
        anchors.add_anchor(files.claim, getattr(files, version), spot)


def test_a_version_of_another_evidence_is_refused(files, make_user):
    other = factories.make_evidence(files.portfolio, title="Autre preuve")
    elsewhere = factories.add_version(other, b"une ligne\n", "autre.log", "text/plain")
    with pytest.raises(AnchorError, match="n'appartient pas à cette preuve"):
        anchors.add_anchor(files.claim, elsewhere, Spot("lines", line_start=1))


def test_replace_and_remove(files):
    anchor = anchors.add_anchor(files.claim, files.log, Spot("lines", line_start=1, line_end=2))
    anchors.replace_anchor(anchor, Spot("pages", page_start=2), files.pdf)
    assert (anchor.kind, anchor.version_id, anchor.page_start, anchor.page_end, anchor.line_start) == ("pages", files.pdf.id, 2, 2, None)
    with pytest.raises(AnchorError):
        anchors.replace_anchor(anchor, Spot("pages", page_start=99))
    db.session.refresh(anchor)
    assert anchor.page_start == 2
    anchors.remove_anchor(anchor)
    assert files.claim.anchors == [] and db.session.query(ClaimAnchor).count() == 0


def test_anchoring_validated_evidence_sends_it_back_to_the_tutor(files):
    files.evidence.status = EvidenceStatus.APPROVED.value
    db.session.commit()
    anchors.add_anchor(files.claim, files.log, Spot("lines", line_start=5))
    assert files.evidence.status == EvidenceStatus.REVISED.value


def test_anchors_go_with_their_claim(files):
    from evidence.services import remove_claim

    anchors.add_anchor(files.claim, files.log, Spot("lines", line_start=5))
    anchors.add_anchor(files.claim, files.pdf, Spot("pages", page_start=1))
    assert [a.kind for a in files.claim.anchors] == ["lines", "pages"]
    remove_claim(files.claim)
    assert db.session.query(ClaimAnchor).count() == 0


def test_labels_say_where_in_french(files):
    lines = anchors.add_anchor(files.claim, files.log, Spot("lines", line_start=120, line_end=134))
    page = anchors.add_anchor(files.claim, files.pdf, Spot("pages", page_start=3))
    cells = anchors.add_anchor(files.claim, files.xlsx, Spot("cells", sheet="Inventaire", cells="B2:D40"))
    assert anchors.anchor_label(lines) == "lignes 120–134"
    assert anchors.anchor_label(page) == "page 3"
    assert anchors.anchor_label(cells) == "feuille Inventaire, B2:D40"


def _docx(paragraphs: int) -> bytes:
    import io

    from docx import Document

    document = Document()
    for n in range(paragraphs):
        document.add_paragraph(f"Procédure de sauvegarde, étape {n + 1}. " * 12)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_pages_of_a_word_file_are_those_of_its_rendering(files):
    from evidence import excerpts

    docx = factories.add_version(
        files.evidence, _docx(120), "procedure.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    count = excerpts.page_count(docx)
    assert count and count > 1
    anchor = anchors.add_anchor(files.claim, docx, Spot("pages", page_start=2, page_end=count))
    assert (anchor.page_start, anchor.page_end) == (2, count)
    with pytest.raises(AnchorError, match=f"La page {count + 1} n'existe pas .* compte {count} pages"):
        anchors.add_anchor(files.claim, docx, Spot("pages", page_start=count + 1))


def test_a_region_of_an_svg_schema(files):
    svg = factories.add_version(
        files.evidence, b'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200"><rect width="400" height="200"/></svg>',
        "schema.svg", "image/svg+xml",
    )
    anchor = anchors.add_anchor(files.claim, svg, Spot("region", x=0, y=0, width=1, height=1))
    assert anchor.location == {"x": 0.0, "y": 0.0, "width": 1.0, "height": 1.0}
