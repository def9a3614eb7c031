"""Rendering a `Document` to PDF with reportlab's platypus.

The table of contents gets its page numbers from layout passes (`multiBuild`) made on a canvas
that draws no picture and writes nothing; a last pass then draws everything once. Every heading
is a named destination and an outline entry (PDF bookmarks, nested by level). DejaVu fonts are
embedded (see `documents.fonts`); characters they lack are replaced by a visible mark and counted.
"""
from __future__ import annotations

import functools
import io
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (BaseDocTemplate, Frame, KeepTogether, PageBreak as PdfPageBreak,
                                PageTemplate, Paragraph as PdfParagraph, Spacer, Table as PdfTable,
                                TableStyle)
from reportlab.platypus.flowables import Flowable
from reportlab.platypus.tableofcontents import TableOfContents as PdfTableOfContents

from documents.fonts import FontSet, font_set
from documents.embedded import EmbedError, PreparedPdf, PreparedSvg, prepare_pdf, prepare_svg, scaled_drawing
from documents.images import PdfPicture, UnreadableImageError, read_for_pdf
from documents.model import (BulletList, CodeBlock, CrossReference, Document, Heading, Image, Inline,
                             PageBreak, Paragraph, PdfPages, Run, Svg, Table, TableOfContents, TitlePage,
                             annex_note)
from documents.pdf_flowables import (CodeFlowable, DraftCanvas, FinalCanvas, KeepWithStart, PageSlot,
                                     PictureFlowable, code_rows, merge_pages)
from documents.text import RenderReport, TextCleaner

# Streams are written as binary: reportlab's pure-Python ASCII85 encoding is slow and 25 % larger.
rl_config.useA85 = 0

MARGIN = 2 * cm
TEXT_WIDTH = A4[0] - 2 * MARGIN
TEXT_HEIGHT = A4[1] - 2 * MARGIN
LINK_COLOUR = "#0563C1"
HEADER_FILL = colors.HexColor("#D9E2F3")
CODE_SIZE = 7.5
MAX_PASSES = 6


class RenderError(Exception):
    """The PDF could not be laid out (page numbers never settled)."""


def render_pdf(document: Document, report: RenderReport | None = None) -> bytes:
    """The document as PDF bytes. Pass a `RenderReport` to learn the page count and what was
    replaced or left out."""
    report = report if report is not None else RenderReport()
    report.format = "pdf"
    started = time.perf_counter()
    data = _PdfWriter(document, report).render()
    report.seconds = time.perf_counter() - started
    return data


def layout_page_count(document: Document, report: RenderReport | None = None) -> int:
    """The number of pages `render_pdf` gives the document, from the same layout stopped after
    its first pass: no picture drawn, no file written, no PDF page merged (the page estimate).
    The export's count differs only when the contents' real page numbers re-wrap one of its
    lines, which moves at most a page or two."""
    report = report if report is not None else RenderReport()
    report.format = "pdf"
    started = time.perf_counter()
    pages = _PdfWriter(document, report).count_pages()
    report.seconds = time.perf_counter() - started
    return pages


def _styles(fonts: FontSet) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=fonts.regular, fontSize=10, leading=13.5, spaceAfter=6)
    heading = functools.partial(ParagraphStyle, parent=body, fontName=fonts.bold, keepWithNext=1)
    small = functools.partial(ParagraphStyle, parent=body, fontSize=8.5, leading=11)
    return {
        "body": body,
        "h1": heading("h1", fontSize=17, leading=21, spaceBefore=12, spaceAfter=10),
        "h2": heading("h2", fontSize=13.5, leading=17, spaceBefore=10, spaceAfter=6),
        "h3": heading("h3", fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=4),
        "contents": heading("contents", fontSize=17, leading=21, spaceAfter=12),
        "title": ParagraphStyle("title", parent=body, fontName=fonts.bold, fontSize=26, leading=32,
                                alignment=TA_CENTER, spaceAfter=18),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=16, leading=21, alignment=TA_CENTER,
                                   spaceAfter=30, textColor=colors.HexColor("#404040")),
        "title_line": ParagraphStyle("title_line", parent=body, fontSize=12, leading=17, alignment=TA_CENTER),
        "bullet": ParagraphStyle("bullet", parent=body, leftIndent=14, bulletIndent=3, spaceAfter=3,
                                 bulletFontName=fonts.regular),
        "cell": small("cell", spaceAfter=0),
        "header_cell": small("header_cell", fontName=fonts.bold, spaceAfter=0),
        "caption": small("caption", fontName=fonts.italic, alignment=TA_CENTER, spaceBefore=2,
                         spaceAfter=10, textColor=colors.HexColor("#404040")),
        "code_caption": small("code_caption", fontName=fonts.italic, keepWithNext=1, spaceAfter=3,
                              textColor=colors.HexColor("#404040")),
        "note": small("note", fontName=fonts.italic, spaceBefore=3, spaceAfter=10),
        "placeholder": small("placeholder", fontName=fonts.italic, alignment=TA_CENTER, fontSize=10),
        "toc1": ParagraphStyle("toc1", parent=body, fontName=fonts.bold, spaceBefore=4, spaceAfter=1),
        "toc2": ParagraphStyle("toc2", parent=body, leftIndent=14, spaceAfter=1),
        "toc3": ParagraphStyle("toc3", parent=body, leftIndent=28, spaceAfter=1, fontSize=9.5),
    }


class _Template(BaseDocTemplate):
    """Feeds the table of contents and the outline from the headings, as they are laid out."""

    def __init__(self, buffer, **kwargs) -> None:
        super().__init__(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                         bottomMargin=MARGIN, keepTogetherClass=KeepWithStart, **kwargs)
        frame = Frame(MARGIN, MARGIN, TEXT_WIDTH, TEXT_HEIGHT, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame])])
        self._outline_level = -1
        self.contents_entries: list[tuple[int, str, int, str]] = []

    def beforeDocument(self) -> None:  # noqa: N802 (reportlab's name)
        self._outline_level = -1
        self.contents_entries = []

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802
        entry = getattr(flowable, "outline_entry", None)
        if entry is None:
            return
        level, title, markup, key = entry
        # An outline level may only go one deeper than the previous one.
        depth = min(level - 1, self._outline_level + 1)
        self._outline_level = depth
        self.canv.addOutlineEntry(title, key, level=depth, closed=depth >= 1)
        if markup is not None:
            self.contents_entries.append((level - 1, markup, self.page, key))


class _PdfWriter:
    def __init__(self, document: Document, report: RenderReport) -> None:
        self.model = document
        self.report = report
        self.fonts = font_set()
        self.styles = _styles(self.fonts)
        # The advance of one character: exact for a monospace face, the widest ASCII otherwise.
        self.code_cell = max(stringWidth(chr(code), self.fonts.mono, CODE_SIZE) for code in range(32, 127))
        # Tables set a font of their own before drawing their cells: Helvetica, not embedded, unless told.
        self._table_font = [("FONTNAME", (0, 0), (-1, -1), self.fonts.regular)]
        self._pictures: dict[int, PdfPicture | None] = {}  # id(Image block) -> prepared picture
        self._embedded: dict[int, PreparedPdf | PreparedSvg | EmbedError] = {}  # id(block) -> prepared file
        self._placements: list = []  # where the last pass drew each embedded PDF page (PageSlot)
        self.anchors = document.anchors()
        self.keys: dict[int, str] = {}  # id(heading) -> destination name
        for number, heading in enumerate(document.headings(), start=1):
            if heading.anchor and self.anchors.get(heading.anchor) is heading:
                self.keys[id(heading)] = "a-" + re.sub(r"[^A-Za-z0-9_.-]", "_", heading.anchor) + f"-{number}"
            else:
                self.keys[id(heading)] = f"h-{number}"

    # ------------------------------------------------------------------------------ document

    def render(self) -> bytes:
        """Lays the document out until the table of contents and the page total are known, then
        draws it once more with them.

        Each pass gets a fresh story: platypus changes flowables as it lays them out. The table
        of contents starts with every heading and page 0, so that it has its final size from the
        first pass; usually two passes suffice, and only the last one draws the pictures.
        """
        self._prepare_pictures()
        self._prepare_embedded()
        entries: list[tuple[int, str, int, str]] | None = None
        total: int | None = None
        report = self.report
        for _ in range(MAX_PASSES):
            template, buffer = self._pass(report, entries, total)
            report = RenderReport()  # what is replaced or left out is counted on the first pass only
            if total is not None and template.contents_entries == entries and template.canv.page_count == total:
                self.report.page_count = total
                return merge_pages(buffer.getvalue(), self._placements, self.report)
            entries, total = template.contents_entries, template.canv.page_count
        raise RenderError(f"page numbers still changing after {MAX_PASSES} passes")

    def count_pages(self) -> int:
        """The page total of the first layout pass (see `layout_page_count`)."""
        self._prepare_pictures()
        self._prepare_embedded()
        template, _ = self._pass(self.report, None, None)
        self.report.page_count = template.canv.page_count
        return self.report.page_count

    def _pass(self, report: RenderReport, entries, total: int | None):
        """One layout of a fresh story: a draft (nothing drawn that layout does not need, nothing
        written) while `total` is unknown, the final drawing otherwise."""
        story = self._story(report)
        if entries is None:
            entries = [(entry[0] - 1, entry[2], 0, entry[3]) for flowable in story
                       if (entry := getattr(flowable, "outline_entry", None)) and entry[2] is not None]
        for flowable in story:
            if isinstance(flowable, PdfTableOfContents):
                flowable.addEntries(entries)
                flowable.beforeBuild()  # what it draws are the entries it had before the build
        buffer = io.BytesIO()
        self._placements.clear()
        template = _Template(buffer, **self._metadata())
        if total is None:
            template.build(story, canvasmaker=DraftCanvas)
        else:
            template.build(story, canvasmaker=functools.partial(
                FinalCanvas, page_total=total, footer_font=self.fonts.regular, header_text=self._title))
        return template, buffer

    def _prepare_pictures(self) -> None:
        """Decodes what must be decoded, on every core: Pillow and zlib work without the GIL."""
        images = {id(block): block for block in self.model.blocks if isinstance(block, Image)}
        if not images:
            return
        with ThreadPoolExecutor(max_workers=min(len(images), os.cpu_count() or 1, 4)) as pool:
            for key, picture in zip(images, pool.map(self._read_picture, images.values()), strict=True):
                self._pictures[key] = picture

    def _prepare_embedded(self) -> None:
        for block in self.model.blocks:
            if isinstance(block, (PdfPages, Svg)):
                try:
                    self._embedded[id(block)] = (prepare_pdf if isinstance(block, PdfPages) else prepare_svg)(block)
                except EmbedError as error:
                    self._embedded[id(block)] = error

    @staticmethod
    def _read_picture(image: Image) -> PdfPicture | None:
        try:
            return read_for_pdf(image, TEXT_WIDTH, _max_height(image))
        except UnreadableImageError:
            return None

    def _metadata(self) -> dict:
        return dict(title=self._title, author=self.clean(self.model.author),
                    subject=self.clean(self.model.subject), creator="Probatio",
                    producer="Probatio (reportlab)", lang=self.model.lang, displayDocTitle=1,
                    initialFontName=self.fonts.regular, initialFontSize=10)

    def _story(self, report: RenderReport) -> list[Flowable]:
        self.sink = report
        self.clean = TextCleaner(report, self.fonts.text_coverage)
        self.clean_code = TextCleaner(report, self.fonts.mono_coverage)
        self._title = self.clean(self.model.title)
        return [flowable for block in self.model.blocks for flowable in self._block(block)]

    # ------------------------------------------------------------------------------ blocks

    def _block(self, block) -> list[Flowable]:
        handler = {
            TitlePage: self._title_page, TableOfContents: self._contents, Heading: self._heading,
            Paragraph: lambda p: [PdfParagraph(self._markup(p.runs), self.styles["body"])],
            BulletList: self._bullets, Table: self._table, Image: self._image, CodeBlock: self._code,
            PageBreak: lambda _: [PdfPageBreak()], PdfPages: self._pdf_pages, Svg: self._svg,
            CrossReference: lambda ref: [PdfParagraph(self._markup([ref]), self.styles["body"])],
        }.get(type(block))
        if handler is None:
            raise TypeError(f"unknown block type {type(block).__name__}")
        return handler(block)

    def _text(self, text: str) -> str:
        """Plain text as paragraph markup."""
        return escape(self.clean(text)).replace("\n", "<br/>")

    def _markup(self, runs: list[Inline]) -> str:
        parts = []
        for inline in runs:
            if isinstance(inline, Run):
                text = self._text(inline.text)
                if inline.bold:
                    text = f"<b>{text}</b>"
                if inline.italic:
                    text = f"<i>{text}</i>"
                parts.append(text)
            else:
                parts.append(self._link(inline))
        return "".join(parts)

    def _link(self, reference: CrossReference) -> str:
        heading = self.anchors.get(reference.anchor)
        if heading is None:
            self.sink.broken_references.append(reference.anchor)
            return self._text(reference.text)
        return f'<a href="#{self.keys[id(heading)]}" color="{LINK_COLOUR}">{self._text(reference.text)}</a>'

    def _title_page(self, page: TitlePage) -> list[Flowable]:
        flowables: list[Flowable] = [Spacer(1, 6 * cm), PdfParagraph(self._text(page.title), self.styles["title"])]
        if page.subtitle:
            flowables.append(PdfParagraph(self._text(page.subtitle), self.styles["subtitle"]))
        flowables += [PdfParagraph(self._text(line), self.styles["title_line"]) for line in page.lines]
        return [*flowables, PdfPageBreak()]

    def _contents(self, contents: TableOfContents) -> list[Flowable]:
        title = PdfParagraph(f'<a name="contents"/>{self._text(contents.title)}', self.styles["contents"])
        title.outline_entry = (1, self.clean(contents.title), None, "contents")
        table = PdfTableOfContents(
            levelStyles=[self.styles["toc1"], self.styles["toc2"], self.styles["toc3"]], dotsMinLevel=0,
            tableStyle=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                   ("RIGHTPADDING", (0, 0), (-1, -1), 0), *self._table_font]))
        return [title, table]

    def _heading(self, heading: Heading) -> list[Flowable]:
        key = self.keys[id(heading)]
        text = self._text(heading.text)
        paragraph = PdfParagraph(f'<a name="{key}"/>{text}', self.styles[f"h{heading.level}"])
        paragraph.outline_entry = (heading.level, self.clean(heading.text).replace("\n", " "), text, key)
        return [paragraph]

    def _bullets(self, bullets: BulletList) -> list[Flowable]:
        return [PdfParagraph(self._markup(item), self.styles["bullet"], bulletText="•") for item in bullets.items]

    def _caption(self, text: str, style: str = "caption") -> list[Flowable]:
        return [PdfParagraph(self._text(text), self.styles[style])] if text else []

    def _table(self, table: Table) -> list[Flowable]:
        header = [PdfParagraph(self._text(text), self.styles["header_cell"]) for text in table.header]
        rows = [[PdfParagraph(self._text(cell) if isinstance(cell, str) else self._markup(cell),
                              self.styles["cell"]) for cell in row] for row in table.rows]
        grid = PdfTable([header, *rows], colWidths=[TEXT_WIDTH * f for f in table.fractions()],
                        repeatRows=1, splitInRow=1, hAlign="CENTER")
        grid.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#808080")),
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3), *self._table_font,
        ]))
        return [*self._caption(table.caption, "code_caption"), grid, Spacer(1, 8)]

    def _image(self, image: Image) -> list[Flowable]:
        picture = self._pictures[id(image)]
        if picture is None:
            return self._placeholder(image.caption)
        return [KeepTogether([PictureFlowable(picture), *self._caption(image.caption)])]

    def _placeholder(self, caption: str) -> list[Flowable]:
        self.sink.unreadable_images.append(caption)
        box = PdfTable([[PdfParagraph(self._text(f"Image illisible : {caption}"), self.styles["placeholder"])]],
                       colWidths=[TEXT_WIDTH * 0.8], rowHeights=[3 * cm], hAlign="CENTER")
        box.setStyle(TableStyle([
            ("BOX", (0, 0), (-1, -1), 1, colors.HexColor("#A0A0A0")),
            ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#F3F3F3")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), *self._table_font,
        ]))
        return [box, Spacer(1, 10)]

    def _note(self, text: str) -> list[Flowable]:
        return [PdfParagraph(self._text(text), self.styles["note"])]

    def _pdf_pages(self, block: PdfPages) -> list[Flowable]:
        prepared = self._embedded[id(block)]
        name = block.caption or "document PDF"
        if isinstance(prepared, EmbedError):
            note = f"Document PDF non reproduit : {name} — {prepared}."
            self.sink.left_out.append(note)
            return self._note(note)
        key = f"pdf-{id(block)}"
        title = f"{name} ({len(prepared.pages)} page{'s' if len(prepared.pages) > 1 else ''})"
        caption = PdfParagraph(f'<a name="{key}"/>{self._text(title)}', self.styles["code_caption"])
        caption.outline_entry = (3, self.clean(title), self._text(title), key)
        flowables: list[Flowable] = [caption]
        for index, size in zip(prepared.pages, prepared.sizes, strict=True):
            flowables.append(PageSlot(prepared, index, size, self._placements, TEXT_HEIGHT))
        notes = list(prepared.notes)
        if prepared.truncated:
            notes.append(f"{len(prepared.pages)} premières pages sur {prepared.total_pages} reproduites ; "
                         "le document complet reste consultable dans Probatio")
        for text in notes:
            self.sink.left_out.append(f"{name} : {text}")
            flowables += self._note(f"{name} : {text}.")
        return flowables

    def _svg(self, block: Svg) -> list[Flowable]:
        prepared = self._embedded[id(block)]
        name = block.caption or "schéma SVG"
        if isinstance(prepared, EmbedError):
            note = f"Schéma non reproduit : {name} — {prepared}."
            self.sink.left_out.append(note)
            return self._note(note)
        max_height = min(block.max_height_cm * cm, TEXT_HEIGHT - 40)
        flowables: list[Flowable] = [scaled_drawing(prepared, TEXT_WIDTH, max_height), *self._caption(block.caption)]
        if prepared.removed:
            flowables += self._note(f"Retiré du schéma par sécurité : {', '.join(prepared.removed)}.")
        return [KeepTogether(flowables)]

    def _code(self, block: CodeBlock) -> list[Flowable]:
        excerpt = block.excerpt()
        font = self.fonts.mono
        last_number = str(excerpt.first_line + max(len(excerpt.lines) - 1, 0))
        cell = self.code_cell
        number_width = len(last_number) * cell
        columns = int((TEXT_WIDTH - number_width - CODE_SIZE - 2 * CodeFlowable.padding) // cell)
        lines = [self.clean_code(line) for line in excerpt.lines]
        flowables = [*self._caption(block.caption, "code_caption"),
                     CodeFlowable(code_rows(lines, excerpt.first_line, columns), font, CODE_SIZE, number_width)]
        if excerpt.truncated:
            self.sink.cut_code_blocks += 1
            annex = self.anchors.get(block.annex_anchor) if block.annex_anchor else None
            if block.annex_anchor and annex is None:
                self.sink.broken_references.append(block.annex_anchor)
            before, link = annex_note(excerpt, block.annex_label, annex)
            markup = self._text(before) + (self._link(CrossReference(link, block.annex_anchor)) if link else "")
            flowables.append(PdfParagraph(markup + ".", self.styles["note"]))
        else:
            flowables.append(Spacer(1, 8))
        return flowables


def _max_height(image: Image) -> float:
    return min(image.max_height_cm * cm, TEXT_HEIGHT - 40)  # room left for the caption


def pdf_page_count(pdf: bytes) -> int:
    """The number of pages of a PDF."""
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)
