"""The document model and its two renderers, checked on what a reader of the files would see."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime

import docx
import PIL.Image
import pytest
from docx.oxml.ns import qn
from pypdf import PdfReader

from documents import (CodeBlock, CrossReference, Document, Heading, Image, Paragraph, RenderReport, Run, Table,
                       TableOfContents, TitlePage, parse_markup, pdf_page_count, render_docx, render_pdf)
from documents.fonts import font_set
from tests.documents.samples import (ACCENTED, LOG_LINES, LONG_LINE_END, OUTSIDE_FONTS, TABLE_ROWS,
                                      log_text, pdf_page_texts, png_bytes, render_page_png)

TOC_INSTRUCTION = 'TOC \\o "1-3" \\h \\z \\u'
CUT_NOTE = f"… extrait de 80 lignes sur {LOG_LINES} ; texte complet en annexe A."
UNREADABLE = "Image illisible : Capture 2 : fichier abîmé"


# ------------------------------------------------------------------------------------------ model


def test_markup_reads_emphasis_strong_and_escaped_stars():
    runs = parse_markup(r"un *mot* et **deux *mots* forts** puis \*étoile\*")
    assert [(r.text, r.bold, r.italic) for r in runs] == [
        ("un ", False, False), ("mot", False, True), (" et ", False, False), ("deux ", True, False),
        ("mots", True, True), (" forts", True, False), (" puis *étoile*", False, False)]
    assert Paragraph.of("3 * 4 * 5 = 60").runs == [Run("3 * 4 * 5 = 60")]


def test_plain_strings_are_literal_text():
    assert Paragraph("a *b*").runs == [Run("a *b*")]


def test_model_rejects_what_no_renderer_can_draw():
    with pytest.raises(ValueError):
        Heading("Titre", 4)
    with pytest.raises(ValueError):
        Table(["a", "b"], [["1"]])
    with pytest.raises(ValueError):
        Table(["a", "b"], [["1", "2"]], col_widths=[1])
    assert Table(["a", "b"], [], col_widths=[1, 3]).fractions() == [0.25, 0.75]


def test_code_excerpt_reads_only_the_head_and_counts_every_line():
    block = CodeBlock("\x1b[31mrouge\x1b[0m\n\tindenté\n" + "ligne\n" * 998, max_lines=80)
    excerpt = block.excerpt()
    assert len(excerpt.lines) == 80 and excerpt.total_lines == 1000 and excerpt.truncated
    assert excerpt.lines[:2] == ["rouge", "    indenté"]
    given = CodeBlock("a\nb", total_lines=5000, first_line=120).excerpt()
    assert (given.lines, given.first_line, given.total_lines, given.truncated) == (["a", "b"], 120, 5000, True)
    assert not CodeBlock("a\nb\n").excerpt().truncated


def test_code_excerpt_of_bytes_and_of_endless_lines():
    raw = ("é" * 3000 + "\n").encode() + b"\xff\xfe suite\n"
    excerpt = CodeBlock(raw, max_line_chars=1000).excerpt()
    assert excerpt.lines[0].startswith("é" * 1000) and "ligne coupée" in excerpt.lines[0]
    assert excerpt.shortened_lines == 1 and excerpt.total_lines == 2
    assert excerpt.lines[1] == "\ufffd\ufffd suite"


# ------------------------------------------------------------------------------------------ DOCX


@pytest.fixture(scope="module")
def word(docx_render):
    return docx.Document(io.BytesIO(docx_render.data))


def _xml(data: bytes, part: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(part).decode("utf-8")


def test_docx_headings_use_word_heading_styles_in_order(word, document):
    found = [(p.style.name, p.text) for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert found == [(f"Heading {h.level}", h.text) for h in document.headings()]


def test_docx_contents_is_a_toc_field_that_word_refreshes(docx_render, word):
    body = _xml(docx_render.data, "word/document.xml")
    assert TOC_INSTRUCTION in body
    assert "Faites un clic droit puis « Mettre à jour les champs »" in body
    settings = _xml(docx_render.data, "word/settings.xml")
    assert re.search(r'<w:updateFields w:val="(true|1)"/>', settings)
    # Pre-filled entries link to the headings' bookmarks.
    entries = [p for p in word.paragraphs if p.style.name.startswith("toc ")]
    assert len(entries) == len(docx_render.document.headings())


def test_docx_footer_numbers_pages_with_fields(word):
    footer = word.sections[0].footer._element.xml
    assert re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", footer)
    assert re.search(r"<w:instrText[^>]*> NUMPAGES </w:instrText>", footer)
    assert word.sections[0].footer.paragraphs[0].text.startswith("Page ")


def test_docx_core_properties(word, document):
    properties = word.core_properties
    assert (properties.title, properties.author, properties.subject) == (
        document.title, document.author, document.subject)
    assert properties.language == "fr-FR"
    created = properties.created.replace(tzinfo=properties.created.tzinfo or UTC)
    assert abs((datetime.now(UTC) - created).total_seconds()) < 600


def test_docx_tables_repeat_their_header_row(word):
    grid = next(t for t in word.tables if t.rows[0].cells[0].text == "Sous-réseau")
    assert len(grid.rows) == TABLE_ROWS + 1
    assert grid.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_docx_images_fit_the_page_and_corrupt_ones_become_a_box(word, docx_render):
    assert len(word.inline_shapes) == 1
    shape, section = word.inline_shapes[0], word.sections[0]
    assert shape.width <= section.page_width - section.left_margin - section.right_margin
    assert shape.width / shape.height == pytest.approx(2, rel=0.01)
    cells = [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    assert UNREADABLE in cells
    assert docx_render.report.unreadable_images == ["Capture 2 : fichier abîmé"]


def test_docx_code_is_numbered_monospace_and_cut_with_a_link_to_the_annex(word, docx_render):
    code = [p for p in word.paragraphs if p.style.name == "Probatio Code"]
    assert len(code) == 80 + LOG_LINES
    assert code[0].text.lstrip().startswith("1\t2024-03-02T10:01:00") and code[79].text.startswith("80\t")
    assert LONG_LINE_END in code[2].text
    assert word.styles["Probatio Code"].font.name == "Courier New"
    note = next(p for p in word.paragraphs if p.text.startswith("… extrait"))
    assert note.text == CUT_NOTE
    assert docx_render.report.cut_code_blocks == 1


def test_docx_cross_references_link_to_existing_bookmarks(docx_render):
    body = _xml(docx_render.data, "word/document.xml")
    bookmarks = set(re.findall(r'<w:bookmarkStart [^>]*w:name="([^"]+)"', body))
    links = re.findall(r'<w:hyperlink [^>]*w:anchor="([^"]+)"', body)
    assert links and set(links) <= bookmarks
    assert docx_render.report.broken_references == []


def test_docx_keeps_french_text_and_characters_word_can_fall_back_for(word):
    text = "\n".join(p.text for p in word.paragraphs)
    assert ACCENTED in text and OUTSIDE_FONTS in text


def test_docx_replaces_characters_xml_cannot_carry():
    report = RenderReport()
    data = render_docx(Document("t", "a", blocks=[Paragraph("nul\x00 cloche\x07 fin")]), report)
    assert "nul□ cloche□ fin" in docx.Document(io.BytesIO(data)).paragraphs[0].text
    assert report.replaced_characters == 2


# ------------------------------------------------------------------------------------------ PDF


def _outline(reader: PdfReader) -> list[tuple[str, int, int]]:
    """(title, depth, page number) for every outline entry, in order."""
    entries = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                entries.append((item.title, depth, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return entries


def test_pdf_metadata(pdf_reader, document):
    metadata = pdf_reader.metadata
    assert (metadata.title, metadata.author, metadata.subject, metadata.creator) == (
        document.title, document.author, document.subject, "Probatio")


def test_pdf_outline_has_every_heading_nested_by_level(pdf_reader, document, pdf_texts):
    outline = {title: (depth, page) for title, depth, page in _outline(pdf_reader)}
    for heading in document.headings():
        depth, page = outline[heading.text]
        assert depth == heading.level - 1
        assert heading.text in pdf_texts[page - 1]


def _contents_page_numbers(texts: list[str], headings: list[Heading]) -> dict[str, int]:
    """Each heading's page number as printed in the table of contents (which may span pages)."""
    contents = "\n".join(text for text in texts if "Table des matières" in text or " . . ." in text)
    numbers = {}
    for heading in headings:
        match = re.search(rf"^\s*{re.escape(heading.text)}[\s.]*?(\d+)\s*$", contents, re.MULTILINE)
        assert match, f"« {heading.text} » absent de la table des matières"
        numbers[heading.text] = int(match.group(1))
    return numbers


def test_pdf_contents_lists_headings_with_the_pages_they_are_on(pdf_texts, pdf_reader, document):
    numbers = _contents_page_numbers(pdf_texts[:3], document.headings())
    outline = {title: page for title, _, page in _outline(pdf_reader)}
    for heading in document.headings():
        page = numbers[heading.text]
        assert heading.text in pdf_texts[page - 1]
        assert outline[heading.text] == page


def test_pdf_footers_count_pages(pdf_texts, pdf_render):
    total = pdf_page_count(pdf_render.data)
    assert total == pdf_render.report.page_count == len(pdf_texts) > 3
    for number, text in enumerate(pdf_texts, start=1):
        assert f"Page {number} / {total}" in text


def test_pdf_fonts_are_embedded_dejavu(pdf_reader):
    seen = set()
    for page in pdf_reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
            for face in descendants:
                assert "/FontFile2" in face["/FontDescriptor"], font["/BaseFont"]
            seen.add(str(font["/BaseFont"]).split("+")[-1])
    assert seen >= {"DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSansMono"}


def test_pdf_text_keeps_french_characters_and_marks_missing_ones(pdf_texts, pdf_render):
    text = re.sub(r"\s+", " ", "\n".join(pdf_texts))
    assert ACCENTED in text and "€" in text
    assert OUTSIDE_FONTS not in text and "Caractère hors police : □ (remplacé)." in text
    assert pdf_render.report.replaced[OUTSIDE_FONTS] == 1


def test_pdf_corrupt_image_leaves_a_visible_note(pdf_texts, pdf_render):
    assert any(UNREADABLE in text for text in pdf_texts)
    assert pdf_render.report.unreadable_images == ["Capture 2 : fichier abîmé"]


def test_pdf_table_runs_over_pages_repeating_its_header(pdf_texts):
    pages = [text for text in pdf_texts if "10.0." in text and "/24" in text]
    assert len(pages) >= 2
    assert all("Sous-réseau" in text and "Passerelle" in text for text in pages)
    assert f"10.0.{TABLE_ROWS - 1}.0/24" in "".join(pages)


def test_pdf_code_is_numbered_wrapped_and_cut_with_a_link_to_the_annex(pdf_texts, pdf_reader):
    text = "\n".join(pdf_texts)
    assert text.count(LONG_LINE_END) == 2  # wrapped, not cut, in the excerpt and in the annex
    note_page = next(n for n, page in enumerate(pdf_texts) if CUT_NOTE in re.sub(r"\s+", " ", page))
    annex_page = next(page for title, _, page in _outline(pdf_reader) if title.startswith("Annexe A"))
    pages = {page.indirect_reference.idnum: number for number, page in enumerate(pdf_reader.pages, start=1)}
    targets = []
    for annotation in pdf_reader.pages[note_page].get("/Annots", []):
        annotation = annotation.get_object()
        if "/Dest" in annotation:
            targets.append(pages[annotation["/Dest"][0].idnum])
    assert annex_page in targets
    excerpt = "\n".join(pdf_texts[note_page - 2:note_page + 1])
    assert re.search(r"^\s*80\s+2024-03-02T10:20:00", excerpt, re.MULTILINE)
    assert not re.search(r"^\s*81\s+2024-03-02T10:21:00", pdf_texts[note_page].split(CUT_NOTE[:20])[0],
                         re.MULTILINE)


def test_pdf_pages_show_the_title_and_the_picture(pdf_render, pdf_texts, tmp_path):
    title = render_page_png(pdf_render.data, 1, tmp_path)
    dark = sum(1 for pixel in _pixels(title) if sum(pixel) < 300)
    assert dark > 200
    image_page = next(n for n, text in enumerate(pdf_texts, start=1) if "Capture 1 : console du pare-feu" in text)
    picture = render_page_png(pdf_render.data, image_page, tmp_path)
    assert _red_pixels(picture) > 2000


def _pixels(picture: PIL.Image.Image) -> list[tuple[int, int, int]]:
    data = picture.convert("RGB").tobytes()
    return list(zip(data[0::3], data[1::3], data[2::3], strict=True))


def _red_pixels(picture: PIL.Image.Image) -> int:
    return sum(1 for r, g, b in _pixels(picture) if r > 180 and g < 80 and b < 80)


def test_the_same_model_renders_again_identically(document, pdf_render):
    report = RenderReport()
    render_pdf(document, report)
    assert report.page_count == pdf_render.report.page_count
    assert report.replaced == pdf_render.report.replaced


# ------------------------------------------------------------------------------------------ scale


def test_sixty_pages_and_more_are_counted_and_numbered(tmp_path):
    blocks = [TitlePage("Dossier", "Long", ["Candidat"]), TableOfContents()]
    for section in range(1, 61):
        blocks.append(Heading(f"Situation professionnelle {section}", 1))
        blocks.append(Paragraph.of("Contexte de la *situation* et **résultat** obtenu. " * 30))
        blocks.append(Heading(f"Détail {section}", 2))
        blocks.append(CodeBlock(log_text(40), f"Configuration {section}"))
    document = Document("Dossier long", "Candidat", blocks=blocks)
    report = RenderReport()
    data = render_pdf(document, report)
    total = pdf_page_count(data)
    assert total >= 60 and report.page_count == total
    texts = pdf_page_texts(data, tmp_path)
    assert f"Page {total} / {total}" in texts[-1]
    numbers = _contents_page_numbers(texts[:6], document.headings())
    for heading in document.headings():
        assert heading.text in texts[numbers[heading.text] - 1]
    assert docx.Document(io.BytesIO(render_docx(document))).paragraphs


def test_a_fifty_megabyte_log_is_only_read_at_its_head():
    line = "2024-03-02T10:00:00 sshd[4242]: Failed password for invalid user admin from 203.0.113.9\n"
    huge = line * (50_000_000 // len(line))
    block = CodeBlock(huge, "Journal SSH", annex_anchor="annexe", annex_label="B")
    document = Document("Journal", "Candidat", blocks=[block, Heading("Annexe B", 1, "annexe")])
    total = huge.count("\n")
    assert block.excerpt().total_lines == total
    report = RenderReport()
    data = render_pdf(document, report)
    assert report.page_count <= 3
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert f"sur {total}" in text
    word = docx.Document(io.BytesIO(render_docx(document)))
    assert sum(p.style.name == "Probatio Code" for p in word.paragraphs) == 80


@pytest.mark.parametrize("huge", ["x" * 50_000_000, b"y" * 50_000_000], ids=["str", "bytes"])
def test_a_fifty_megabyte_single_line_is_cut(huge):
    document = Document("Journal", "Candidat", blocks=[CodeBlock(huge, "Une seule ligne")])
    report = RenderReport()
    data = render_pdf(document, report)
    assert report.page_count == 1
    assert "ligne coupée" in "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert render_docx(document)


# ------------------------------------------------------------------------------------------ pictures


def _encoded(fmt: str, mode: str = "RGB", size=(800, 400), **options) -> bytes:
    picture = PIL.Image.open(io.BytesIO(png_bytes(size))).convert(mode)
    buffer = io.BytesIO()
    picture.save(buffer, fmt, **options)
    return buffer.getvalue()


def _rotated_jpeg() -> bytes:
    """Stored on its side, with the EXIF tag that tells viewers to turn it (orientation 6)."""
    picture = PIL.Image.open(io.BytesIO(png_bytes((800, 400)))).convert("RGB").rotate(90, expand=True)
    exif = PIL.Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


PICTURES = {
    "png-rgb": lambda: png_bytes((800, 400)),
    "png-rgba": lambda: png_bytes((800, 400), "RGBA"),
    "png-palette": lambda: _encoded("PNG", "P"),
    "png-grey-16-bit": lambda: _encoded("PNG", "I;16"),
    "png-interlaced": lambda: _encoded("PNG", interlace=1),
    "png-very-large": lambda: png_bytes((6000, 3000)),
    "jpeg": lambda: _encoded("JPEG", quality=90),
    "jpeg-cmyk": lambda: _encoded("JPEG", "CMYK"),
    "jpeg-rotated": _rotated_jpeg,
    "gif": lambda: _encoded("GIF", "P"),
    "webp": lambda: _encoded("WEBP"),
    "bmp": lambda: _encoded("BMP"),
}


@pytest.mark.parametrize("kind", PICTURES)
def test_pictures_of_every_kind_are_shown(kind, tmp_path):
    document = Document("Images", "Candidat", blocks=[Image(PICTURES[kind](), f"Image {kind}")])
    report = RenderReport()
    data = render_pdf(document, report)
    assert report.unreadable_images == []
    page = render_page_png(data, 1, tmp_path, resolution=40)
    if kind != "png-grey-16-bit":
        assert _red_pixels(page) > 500
    else:
        assert sum(1 for pixel in _pixels(page) if sum(pixel) < 450) > 500
    word = docx.Document(io.BytesIO(render_docx(document)))
    shape = word.inline_shapes[0]
    assert shape.width / shape.height == pytest.approx(2, rel=0.02)


def _truncated_png() -> bytes:
    data = png_bytes((400, 200))
    return data[: len(data) // 2]


def _altered_png() -> bytes:
    data = bytearray(png_bytes((400, 200)))
    data[len(data) // 2] ^= 0xFF
    return bytes(data)


CORRUPT = {
    "random-bytes": lambda: b"GIF89a\x00\x00 rien d'utile",
    "empty": lambda: b"",
    "truncated-png": _truncated_png,
    "altered-png": _altered_png,
    "truncated-jpeg": lambda: _encoded("JPEG")[:3000],
    "missing-file": lambda: "/nonexistent/capture.png",
}


@pytest.mark.parametrize("kind", CORRUPT)
def test_corrupt_pictures_never_stop_the_render(kind):
    document = Document("Images", "Candidat", blocks=[Image(CORRUPT[kind](), "Capture"), Paragraph("Suite.")])
    for render in (render_pdf, render_docx):
        report = RenderReport()
        assert render(document, report)
        assert report.unreadable_images == ["Capture"]


def test_pictures_given_as_paths(tmp_path):
    path = tmp_path / "capture.png"
    path.write_bytes(png_bytes((400, 200)))
    document = Document("Images", "Candidat", blocks=[Image(path, "Depuis un fichier"), Image(str(path), "Texte")])
    report = RenderReport()
    render_pdf(document, report)
    assert report.unreadable_images == []
    assert len(docx.Document(io.BytesIO(render_docx(document))).inline_shapes) == 2


# ------------------------------------------------------------------------------------------ edges


def test_references_to_unknown_anchors_become_plain_text():
    document = Document("t", "a", blocks=[Paragraph([Run("Voir "), CrossReference("l'annexe Z", "nulle-part")])])
    for render in (render_pdf, render_docx):
        report = RenderReport()
        render(document, report)
        assert report.broken_references == ["nulle-part"]


def test_skipped_heading_levels_and_empty_blocks_render():
    document = Document("t", "a", blocks=[
        TableOfContents(), Heading("Trois", 3), Heading("Un", 1), Heading("Trois encore", 3),
        Paragraph([]), Table(["Seule"], []), CodeBlock(""), Paragraph("retour\r\nà la ligne"),
    ])
    reader = PdfReader(io.BytesIO(render_pdf(document)))
    assert [title for title, _, _ in _outline(reader)] == ["Table des matières", "Trois", "Un", "Trois encore"]
    assert render_docx(document)


def test_fonts_come_from_dejavu():
    fonts = font_set()
    assert fonts.family == "DejaVu" and fonts.mono_is_fixed
    assert {ord(c) for c in "éèàçœ€«»’“”\u202f"} <= fonts.text_coverage


def test_without_dejavu_the_fonts_bundled_with_reportlab_are_used(monkeypatch):
    from documents import fonts

    monkeypatch.setattr(fonts, "find_dejavu", lambda: None)
    fallback = fonts._register()
    assert fallback.family == "Vera" and not fallback.mono_is_fixed
    assert {ord(c) for c in "éèàç€«»’"} <= fallback.text_coverage


def test_renders_may_run_in_parallel_threads(document, pdf_render):
    from concurrent.futures import ThreadPoolExecutor

    def render(_):
        report = RenderReport()
        render_pdf(document, report)
        return report.page_count, len(render_docx(document)) > 0

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(render, range(3)))
    assert results == [(pdf_render.report.page_count, True)] * 3
