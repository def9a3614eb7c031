"""Embedded evidence (PDF pages, SVG schemas, office files) that cannot be included whole: the document
still comes out, with a French note saying what was left out and why, within bounded memory."""
from __future__ import annotations

import io
import re
import tracemalloc
import zipfile

import docx
import PIL.Image
import pytest
from pypdf import PdfWriter

from dashboard.demo import sample_docx, sample_pdf, sample_svg
from documents import Document, Heading, Paragraph, PdfPages, RenderReport, Svg, pdf_page_count, render_docx, render_pdf
from documents.embedded import sanitise_svg
from documents.office import OfficeError, office_blocks
from documents.pdf_flowables import CONTINUATION, code_rows
from tests.documents.samples import encrypted_pdf, pdf_page_texts

MEMORY_BOUND = 200 * 1024 * 1024


def _both(blocks, tmp_path) -> tuple[str, str, RenderReport]:
    """The PDF's text (pdftotext) and the DOCX's text of a document made of `blocks`."""
    document = Document("Dossier d'essai", "Probatio", blocks=[Heading("Preuves", 1), *blocks,
                                                                 Paragraph("Fin du dossier.")])
    report = RenderReport()
    pdf = render_pdf(document, report)
    pdf_text = re.sub(r"\s+", " ", "\n".join(pdf_page_texts(pdf, tmp_path)))
    word = docx.Document(io.BytesIO(render_docx(document, RenderReport())))
    word_text = re.sub(r"\s+", " ", "\n".join(p.text for p in word.paragraphs))
    assert "Fin du dossier." in pdf_text and "Fin du dossier." in word_text
    return pdf_text, word_text, report


def _long_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("data, why", [
    (encrypted_pdf(), "document protégé par un mot de passe (chiffré)"),
    (sample_pdf("Tronqué", 2)[:700], "document PDF endommagé"),
    (b"%PDF-1.7\n" + b"\x00garbage" * 500, "document PDF endommagé"),
], ids=["encrypted", "truncated", "garbage"])
def test_unreadable_pdf_is_replaced_by_a_note(data, why, tmp_path):
    pdf_text, word_text, report = _both([PdfPages(data, "procedure.pdf")], tmp_path)
    note = f"Document PDF non reproduit : procedure.pdf — {why}"
    assert note in pdf_text and note in word_text
    assert any(why in line for line in report.left_out)


def test_a_2000_page_pdf_gives_its_first_pages_and_says_so(tmp_path):
    tracemalloc.start()
    try:
        pdf_text, word_text, report = _both([PdfPages(_long_pdf(2000), "annuaire.pdf", max_pages=30)], tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    note = "30 premières pages sur 2000 reproduites"
    assert note in pdf_text and note in word_text
    assert peak < MEMORY_BOUND


def test_embedded_pdf_pages_are_in_the_pdf_with_the_running_footer(tmp_path):
    document = Document("Dossier d'essai", "Probatio", blocks=[
        Heading("Preuves", 1), PdfPages(sample_pdf("Procédure", 3), "procedure.pdf")])
    data = render_pdf(document)
    texts = pdf_page_texts(data, tmp_path)
    total = pdf_page_count(data)
    assert total == 3
    for number, text in enumerate(texts, start=1):
        assert f"Procédure - page {number}" in text and f"Page {number} / {total}" in text


def test_svg_scripts_external_references_and_entities_are_removed():
    laughs = ('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "hahahahahahahahahaha">'
              + "".join(f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(9))
              + ']><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
              'width="200" height="100" onload="alert(1)"><script>alert(2)</script>'
              '<image xlink:href="file:///etc/passwd" width="10" height="10"/>'
              '<image href="http://example.com/pixel.png" width="10" height="10"/>'
              '<rect width="200" height="100" fill="#2e8b57" style="fill: url(http://example.com/x)"/>'
              '<text x="10" y="50">Réseau &j;</text></svg>').encode()
    clean, removed = sanitise_svg(laughs)
    assert b"script" not in clean and b"onload" not in clean and b"passwd" not in clean
    assert b"example.com" not in clean and b"ENTITY" not in clean and b"haha" not in clean
    assert b"R\xc3\xa9seau" in clean and b"rect" in clean
    assert set(removed) == {"scripts et contenus actifs", "références externes", "déclarations DTD et entités"}


def test_a_hostile_svg_is_drawn_without_its_dangerous_parts_and_says_so(tmp_path):
    hostile = sample_svg("Schéma piégé").replace(
        b"</svg>", b'<script>alert(1)</script><image href="https://example.com/x.png" width="5" height="5"/></svg>')
    pdf_text, word_text, report = _both([Svg(hostile, "reseau.svg")], tmp_path)
    assert "Commutateur coeur" in pdf_text and "Commutateur coeur" in word_text
    note = "Retiré du schéma par sécurité : références externes, scripts et contenus actifs"
    assert note in pdf_text and note in word_text


@pytest.mark.parametrize("data, why", [
    (b"<svg xmlns='http://www.w3.org/2000/svg'><rect", "fichier SVG mal formé"),
    (b"<html><body>pas un schema</body></html>", "ce fichier n'est pas un schéma SVG"),
    (b"<svg xmlns='http://www.w3.org/2000/svg' width='0' height='0'/>", "dimensions du schéma absentes"),
], ids=["malformed", "not-svg", "no-size"])
def test_an_svg_that_cannot_be_drawn_says_why(data, why, tmp_path):
    pdf_text, word_text, _ = _both([Svg(data, "schema.svg")], tmp_path)
    assert f"Schéma non reproduit : schema.svg — {why}" in pdf_text
    assert f"Schéma non reproduit : schema.svg — {why}" in word_text


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_docx_zip_bomb_is_refused_within_memory():
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<" + b" " * (300 * 1024 * 1024)})
    assert len(bomb) < 2 * 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(OfficeError, match="archive suspecte"):
            office_blocks(bomb, "docx", "bombe.docx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BOUND


def test_a_docx_picture_20000_pixels_wide_is_named_not_drawn():
    wide = io.BytesIO()
    PIL.Image.new("RGB", (20_000, 8), "navy").save(wide, "PNG")
    blocks, notes = office_blocks(sample_docx("Procédure", wide.getvalue()), "docx", "procedure.docx")
    assert any("20\u202f000 × 8 pixels, trop grande" in note for note in notes)
    texts = [block.text for block in blocks if isinstance(block, Paragraph)]
    assert any("illustration 1 non reproduite" in text for text in texts)
    assert "Vérifier la restauration" in str(blocks)


def _million_row_xlsx(rows: int = 1_000_000) -> bytes:
    sheet = io.BytesIO()
    sheet.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<dimension ref="A1:B%d"/><sheetData>' % rows)
    for n in range(1, rows + 1):
        sheet.write(b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="inlineStr"><is><t>ligne</t></is></c></row>'
                    % (n, n, n, n))
    sheet.write(b"</sheetData></worksheet>")
    ns = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
    return _zip({
        "[Content_Types].xml": (
            b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            b'<Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            b"</Types>"),
        "_rels/.rels": f'<Relationships {ns}><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                       'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'.encode(),
        "xl/workbook.xml": b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                           b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                           b'<sheets><sheet name="Journal" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships {ns}><Relationship Id="rId1" Type="http://schemas.'
                                      'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                                      'Target="worksheets/sheet1.xml"/></Relationships>'.encode(),
        "xl/worksheets/sheet1.xml": sheet.getvalue(),
    })


def _million_row_ods() -> bytes:
    from dashboard.demo import _odf

    return _odf("application/vnd.oasis.opendocument.spreadsheet",
                '<office:spreadsheet><table:table table:name="Journal"><table:table-row table:number-rows-repeated="1000000">'
                '<table:table-cell office:value-type="string"><text:p>ligne</text:p></table:table-cell>'
                '</table:table-row></table:table></office:spreadsheet>')


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_a_million_row_sheet_gives_its_first_rows_and_says_so(kind, tmp_path):
    data = _million_row_xlsx() if kind == "xlsx" else _million_row_ods()
    tracemalloc.start()
    try:
        blocks, notes = office_blocks(data, kind, f"journal.{kind}")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BOUND
    assert any("40 premières lignes sur 999\u202f999" in note for note in notes), notes
    pdf_text, word_text, _ = _both(blocks, tmp_path)
    assert "40 premières lignes sur 999 999 reproduites" in pdf_text
    assert "40 premières lignes sur 999 999 reproduites" in word_text  # (spaces normalised by _both)


def test_code_lines_wrap_between_words_with_a_continuation_mark():
    line = ("Get-ADComputer -Filter * -SearchBase 'OU=Postes,DC=exemple,DC=local' -Properties "
            "OperatingSystem,LastLogonDate | Export-Csv -Path C:\\Rapports\\inventaire.csv -NoTypeInformation")
    rows = code_rows([line], 1, 40)
    assert [row.number for row in rows] == ["1"] + [CONTINUATION] * (len(rows) - 1)
    assert "".join(row.text for row in rows) == line
    for row in rows[:-1]:
        assert len(row.text) <= 40
        assert row.text[-1] in " ,;:/\\|-=&)]}>." or rows[rows.index(row) + 1].text.startswith(" ")
    words = re.findall(r"[A-Za-z]+", line)
    assert all(any(word in row.text for row in rows) for word in words), "a word was split"
