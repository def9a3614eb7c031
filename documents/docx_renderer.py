"""Rendering a `Document` to Word (.docx) with python-docx.

Headings use Word's built-in « Heading 1..3 » styles (navigation pane, table of contents); the
table of contents is a real TOC field, filled beforehand with linked headings (no page numbers)
and refreshed by Word on opening (`w:updateFields`); the footer carries PAGE and NUMPAGES fields.
"""
from __future__ import annotations

import io
import re
import time
from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

from documents.embedded import EmbedError, pdf_page_pictures, prepare_pdf, prepare_svg, svg_picture
from documents.images import UnreadableImageError, fit, read_for_word
from documents.model import (BulletList, CodeBlock, CrossReference, Document, Heading, Image, Inline,
                             PageBreak, Paragraph, PdfPages, Run, Svg, Table, TableOfContents, TitlePage,
                             annex_note)
from documents.text import RenderReport, TextCleaner

PAGE_WIDTH, PAGE_HEIGHT, MARGIN = Cm(21), Cm(29.7), Cm(2)
TEXT_WIDTH_PT = (PAGE_WIDTH - 2 * MARGIN) / 12700
TEXT_HEIGHT_PT = (PAGE_HEIGHT - 2 * MARGIN) / 12700 - 60  # leaves room for a caption
CODE_FONT = "Courier New"
CODE_STYLE, LINK_STYLE = "Probatio Code", "Hyperlink"
TOC_INSTRUCTION = r' TOC \o "1-3" \h \z \u '
TOC_PLACEHOLDER = ("Faites un clic droit puis « Mettre à jour les champs » pour actualiser "
                   "la table des matières.")
HEADER_FILL, CODE_FILL = "D9E2F3", "F3F3F3"

# Elements that may follow w:shd in a paragraph's properties (CT_PPr), and w:updateFields in the
# settings (CT_Settings), in the schema's order.
_AFTER_SHD = ("tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct", "topLinePunct",
              "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind",
              "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection",
              "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr",
              "pPrChange")
_AFTER_UPDATE_FIELDS = ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids",
                        "mathPr", "attachedSchema", "themeFontLang", "clrSchemeMapping",
                        "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures", "forceUpgrade",
                        "captions", "readModeInkLockDown", "smartTagType", "schemaLibrary",
                        "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol", "listSeparator")


def render_docx(document: Document, report: RenderReport | None = None) -> bytes:
    """The document as .docx bytes. Pass a `RenderReport` to learn what was replaced or left out."""
    report = report if report is not None else RenderReport()
    report.format = "docx"
    started = time.perf_counter()
    data = _DocxWriter(document, report).render()
    report.seconds = time.perf_counter() - started
    return data


class _DocxWriter:
    def __init__(self, document: Document, report: RenderReport) -> None:
        self.model = document
        self.report = report
        self.clean = TextCleaner(report)
        self.doc = docx.Document()
        self.bookmark_names: dict[int, str] = {}  # id(heading) -> bookmark name
        self.anchor_names: dict[str, str] = {}  # anchor -> bookmark name
        self.anchors = document.anchors()
        self._bookmark_count = 0
        self._style_ids: dict[str, str] = {}  # style name -> id: python-docx looks names up slowly
        self._image_rids: dict[str, str] = {}  # SHA-1 of a picture -> relationship id of its part
        self._shape_count = 0
        self._name_headings(document)

    def _name_headings(self, document: Document) -> None:
        used: set[str] = set()
        for number, heading in enumerate(document.headings(), start=1):
            if heading.anchor and self.anchors.get(heading.anchor) is heading:
                # Visible bookmark names: a letter first, then letters, digits, _; 40 at most.
                base = "a_" + re.sub(r"\W", "_", heading.anchor, flags=re.ASCII)[:32]
                name, suffix = base, 1
                while name in used:
                    suffix += 1
                    name = f"{base[:36]}_{suffix}"
                self.anchor_names[heading.anchor] = name
            else:
                name = f"_Probatio_h{number}"  # leading underscore: a hidden bookmark
            used.add(name)
            self.bookmark_names[id(heading)] = name

    def _style_id(self, name: str) -> str:
        style_id = self._style_ids.get(name)
        if style_id is None:
            style_id = self._style_ids[name] = self.doc.styles[name].style_id
        return style_id

    def _add_paragraph(self, text: str = "", style: str | None = None):
        """`doc.add_paragraph`, with the style set by its id (python-docx resolves a style name by
        walking every style, twice, for each paragraph)."""
        paragraph = self.doc.add_paragraph(text)
        if style is not None:
            paragraph._p.style = self._style_id(style)
        return paragraph

    def _add_table(self, rows: int, cols: int, style: str):
        table = self.doc.add_table(rows=rows, cols=cols)
        table._tbl.tblStyle_val = self._style_id(style)
        return table

    def _add_picture(self, run, data: bytes, width: float, height: float) -> None:
        """`run.add_picture` without its costs that grow with the document: it hashes every picture
        already added to find a duplicate, and reads every id of the document for a new one."""
        from docx.image.image import Image as DocxImage
        from docx.opc.constants import RELATIONSHIP_TYPE
        from docx.opc.packuri import PackURI
        from docx.oxml.shape import CT_Inline
        from docx.parts.image import ImagePart

        image = DocxImage.from_blob(data)
        rid = self._image_rids.get(image.sha1)
        if rid is None:
            partname = PackURI(f"/word/media/probatio{len(self._image_rids) + 1}.{image.ext}")
            rid = self.doc.part.relate_to(ImagePart.from_image(image, partname), RELATIONSHIP_TYPE.IMAGE)
            self._image_rids[image.sha1] = rid
        cx, cy = image.scaled_dimensions(Pt(width), Pt(height))
        self._shape_count += 1  # drawing ids: their own range, clear of the bookmarks' ids
        run._r.add_drawing(CT_Inline.new_pic_inline(100000 + self._shape_count, rid, image.filename, cx, cy))

    # ------------------------------------------------------------------------------ document

    def render(self) -> bytes:
        self._set_up()
        for block in self.model.blocks:
            self._block(block)
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()

    def _set_up(self) -> None:
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.left_margin = section.right_margin = MARGIN
        section.top_margin = section.bottom_margin = MARGIN
        self._footer(section.footer.paragraphs[0])
        self._styles()
        self._settings()
        properties = self.doc.core_properties
        now = datetime.now(UTC).replace(microsecond=0)
        properties.title = self.clean(self.model.title)
        properties.author = properties.last_modified_by = self.clean(self.model.author)
        properties.subject = self.clean(self.model.subject)
        properties.language = self.model.lang
        properties.created = properties.modified = now
        properties.revision = 1
        properties.comments = properties.keywords = properties.category = ""

    def _styles(self) -> None:
        styles = self.doc.styles
        rpr = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = rpr.makeelement(qn("w:lang"), {})
            rpr.append(lang)
        lang.set(qn("w:val"), self.model.lang)
        link = styles.add_style(LINK_STYLE, WD_STYLE_TYPE.CHARACTER)
        link.font.color.rgb, link.font.underline = RGBColor(0x05, 0x63, 0xC1), True
        code = styles.add_style(CODE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        self.code_style_id = code.style_id
        code.base_style = styles["Normal"]
        code.font.name, code.font.size = CODE_FONT, Pt(8)
        code_format = code.paragraph_format
        code_format.space_before = code_format.space_after = Pt(0)
        code_format.line_spacing = 1.0
        code_format.left_indent, code_format.first_line_indent = Cm(1.2), Cm(-1.2)
        _insert_in_order(code.element.get_or_add_pPr(), parse_xml(
            f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{CODE_FILL}"/>'), _AFTER_SHD)
        for level in (1, 2, 3):
            toc = styles.add_style(f"toc {level}", WD_STYLE_TYPE.PARAGRAPH)
            toc.base_style = styles["Normal"]
            toc.paragraph_format.left_indent = Cm(0.6 * (level - 1))
            toc.paragraph_format.space_after = Pt(2)
            toc.paragraph_format.tab_stops.add_tab_stop(
                Pt(TEXT_WIDTH_PT), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)

    def _settings(self) -> None:
        settings = self.doc.settings.element
        _insert_in_order(settings, parse_xml(f'<w:updateFields {nsdecls("w")} w:val="true"/>'),
                         _AFTER_UPDATE_FIELDS)
        theme_lang = settings.find(qn("w:themeFontLang"))
        if theme_lang is not None:
            theme_lang.set(qn("w:val"), self.model.lang)
        for name, value in (("decimalSymbol", ","), ("listSeparator", ";")):
            element = settings.find(qn(f"w:{name}"))
            if element is not None:
                element.set(qn("w:val"), value)

    def _footer(self, paragraph) -> None:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run("Page ")
        _add_field(paragraph, "PAGE", "1")
        paragraph.add_run(" / ")
        _add_field(paragraph, "NUMPAGES", "1")
        for run in paragraph.runs:
            run.font.size = Pt(8)

    # ------------------------------------------------------------------------------ blocks

    def _block(self, block) -> None:
        handler = {
            TitlePage: self._title_page, TableOfContents: self._contents, Heading: self._heading,
            Paragraph: self._paragraph, BulletList: self._bullets, Table: self._table,
            Image: self._image, CodeBlock: self._code, PageBreak: lambda _: self.doc.add_page_break(),
            PdfPages: self._pdf_pages, Svg: self._svg,
            CrossReference: lambda ref: self._inlines(self.doc.add_paragraph(), [ref]),
        }.get(type(block))
        if handler is None:
            raise TypeError(f"unknown block type {type(block).__name__}")
        handler(block)

    def _title_page(self, page: TitlePage) -> None:
        for _ in range(6):
            self.doc.add_paragraph()
        title = self._add_paragraph(self.clean(page.title), "Title")
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if page.subtitle:
            subtitle = self._add_paragraph(self.clean(page.subtitle), "Subtitle")
            subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for line in page.lines:
            self.doc.add_paragraph(self.clean(line)).alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.doc.add_page_break()

    def _contents(self, contents: TableOfContents) -> None:
        self._add_paragraph(self.clean(contents.title), "TOC Heading")
        first = self.doc.add_paragraph()
        _field_begin(first, TOC_INSTRUCTION)
        note = first.add_run(TOC_PLACEHOLDER)
        note.italic, note.font.color.rgb = True, RGBColor(0x59, 0x59, 0x59)
        last = first
        for heading in self.model.headings():
            last = self._add_paragraph(style=f"toc {heading.level}")
            last._p.append(self._hyperlink(self.bookmark_names[id(heading)], heading.text))
        _field_end(last)

    def _heading(self, heading: Heading) -> None:
        paragraph = self._add_paragraph(self.clean(heading.text), f"Heading {heading.level}")
        self._bookmark_count += 1
        bookmark_id = self._bookmark_count
        name = self.bookmark_names[id(heading)]
        start = parse_xml(f'<w:bookmarkStart {nsdecls("w")} w:id="{bookmark_id}" w:name="{name}"/>')
        end = parse_xml(f'<w:bookmarkEnd {nsdecls("w")} w:id="{bookmark_id}"/>')
        paragraph._p.insert(1 if paragraph._p.pPr is not None else 0, start)
        paragraph._p.append(end)

    def _paragraph(self, paragraph: Paragraph) -> None:
        self._inlines(self.doc.add_paragraph(), paragraph.runs)

    def _bullets(self, bullets: BulletList) -> None:
        for item in bullets.items:
            self._inlines(self._add_paragraph(style="List Bullet"), item)

    def _inlines(self, paragraph, runs: list[Inline]) -> None:
        for inline in runs:
            if isinstance(inline, Run):
                run = paragraph.add_run(self.clean(inline.text))
                if inline.bold:  # setting None would still add an empty w:rPr
                    run.bold = True
                if inline.italic:
                    run.italic = True
            else:
                self._reference(paragraph, inline)

    def _reference(self, paragraph, reference: CrossReference) -> None:
        name = self.anchor_names.get(reference.anchor)
        if name is None:
            self.report.broken_references.append(reference.anchor)
            paragraph.add_run(self.clean(reference.text))
        else:
            paragraph._p.append(self._hyperlink(name, reference.text))

    def _hyperlink(self, bookmark: str, text: str):
        return parse_xml(
            f'<w:hyperlink {nsdecls("w")} w:anchor={quoteattr(bookmark)} w:history="1">'
            f'<w:r><w:rPr><w:rStyle w:val="{LINK_STYLE}"/></w:rPr>'
            f'<w:t xml:space="preserve">{escape(self.clean(text))}</w:t></w:r></w:hyperlink>')

    def _caption(self, text: str, keep_with_next: bool) -> None:
        if text:
            caption = self._add_paragraph(self.clean(text), "Caption")
            caption.paragraph_format.keep_with_next = keep_with_next

    def _table(self, table: Table) -> None:
        self._caption(table.caption, keep_with_next=True)
        widths = [Pt(TEXT_WIDTH_PT * fraction) for fraction in table.fractions()]
        grid = self._add_table(1, len(table.header), "Table Grid")
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        grid.autofit = False
        for column, width in zip(grid.columns, widths, strict=True):
            column.width = width
        header = grid.rows[0]
        header._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader {nsdecls("w")} w:val="true"/>'))
        for cell, text, width in zip(header.cells, table.header, widths, strict=True):
            cell.width = width
            cell._tc.get_or_add_tcPr().append(parse_xml(
                f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{HEADER_FILL}"/>'))
            cell.paragraphs[0].add_run(self.clean(text)).bold = True
        for row in table.rows:
            cells = grid.add_row().cells
            for cell, value, width in zip(cells, row, widths, strict=True):
                cell.width = width
                self._inlines(cell.paragraphs[0], [Run(value)] if isinstance(value, str) else value)

    def _image(self, image: Image) -> None:
        max_height = min(image.max_height_cm / 2.54 * 72, TEXT_HEIGHT_PT)
        paragraph = self.doc.add_paragraph()
        # python-docx reads image headers itself and refuses some that Pillow reads (Adobe JPEG,
        # unusual PNG chunks): those are tried again re-encoded by Pillow.
        for reencode in (False, True):
            try:
                picture = read_for_word(image, reencode)
                width, height = fit(picture.width_px, picture.height_px, picture.dpi, TEXT_WIDTH_PT, max_height)
                self._add_picture(paragraph.add_run(), picture.data, width, height)
                break
            except UnreadableImageError:
                break
            except Exception:  # python-docx's own errors: the next try, or the box, follows
                paragraph._p.clear_content()
        if not paragraph._p.xpath("./w:r"):
            paragraph._p.getparent().remove(paragraph._p)
            self._placeholder(image.caption)
            return
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.keep_with_next = bool(image.caption)
        for properties in paragraph._p.xpath(".//wp:docPr"):
            properties.set("descr", self.clean(image.caption or "Image"))
        self._caption(image.caption, keep_with_next=False)

    def _note(self, text: str) -> None:
        note = self.doc.add_paragraph()
        note.add_run(self.clean(text)).italic = True

    def _picture(self, data: bytes, width_px: int, height_px: int, max_height: float, alt: str) -> None:
        width, height = fit(width_px, height_px, 96.0, TEXT_WIDTH_PT, max_height)
        paragraph = self.doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.keep_with_next = True
        self._add_picture(paragraph.add_run(), data, width, height)
        properties = paragraph._p.xpath(".//wp:docPr")
        if properties:
            properties[0].set("descr", self.clean(alt))

    def _pdf_pages(self, block: PdfPages) -> None:
        name = block.caption or "document PDF"
        try:
            prepared = prepare_pdf(block)
        except EmbedError as error:
            note = f"Document PDF non reproduit : {name} — {error}."
            self.report.left_out.append(note)
            self._note(note)
            return
        count = len(prepared.pages)
        self._caption(f"{name} ({count} page{'s' if count > 1 else ''})", keep_with_next=True)
        for index, (picture, text) in zip(prepared.pages, pdf_page_pictures(prepared), strict=True):
            label = f"{name}, page {index + 1}"
            if picture is None:
                self._note(f"{label} : page impossible à dessiner.")
            else:
                self._picture(*picture, TEXT_HEIGHT_PT - 40, f"{label} (texte de la page ci-dessous)")
            paragraph = self.doc.add_paragraph()
            run = paragraph.add_run(self.clean(f"Texte de la page {index + 1} : {text}" if text else
                                               f"Page {index + 1} : aucun texte extractible."))
            run.font.size = Pt(7)
            run.font.color.rgb = RGBColor(0x40, 0x40, 0x40)
        notes = list(prepared.notes)
        if prepared.truncated:
            notes.append(f"{count} premières pages sur {prepared.total_pages} reproduites ; "
                         "le document complet reste consultable dans Probatio")
        for text in notes:
            self.report.left_out.append(f"{name} : {text}")
            self._note(f"{name} : {text}.")

    def _svg(self, block: Svg) -> None:
        name = block.caption or "schéma SVG"
        try:
            prepared = prepare_svg(block)
            picture = svg_picture(prepared)
        except EmbedError as error:
            note = f"Schéma non reproduit : {name} — {error}."
            self.report.left_out.append(note)
            self._note(note)
            return
        except Exception as error:  # pdfium or reportlab failing on an odd drawing
            note = f"Schéma non reproduit : {name} — schéma impossible à dessiner ({type(error).__name__})."
            self.report.left_out.append(note)
            self._note(note)
            return
        alt = f"Schéma : {name}" + (f" ({prepared.text})" if prepared.text else "")
        self._picture(*picture, min(block.max_height_cm / 2.54 * 72, TEXT_HEIGHT_PT), alt)
        self._caption(block.caption, keep_with_next=False)
        if prepared.text:
            run = self.doc.add_paragraph().add_run(self.clean(f"Texte du schéma : {prepared.text}"))
            run.font.size = Pt(7)
            run.font.color.rgb = RGBColor(0x40, 0x40, 0x40)
        if prepared.removed:
            self._note(f"Retiré du schéma par sécurité : {', '.join(prepared.removed)}.")

    def _placeholder(self, caption: str) -> None:
        self.report.unreadable_images.append(caption)
        box = self._add_table(1, 1, "Table Grid")
        box.alignment = WD_TABLE_ALIGNMENT.CENTER
        cell = box.rows[0].cells[0]
        cell.width = Pt(TEXT_WIDTH_PT * 0.8)
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(24)
        paragraph.add_run(self.clean(f"Image illisible : {caption}")).italic = True
        self.doc.add_paragraph()

    def _code(self, block: CodeBlock) -> None:
        excerpt = block.excerpt()
        self._caption(block.caption, keep_with_next=True)
        width = len(str(excerpt.first_line + len(excerpt.lines)))
        paragraphs = []
        for number, line in enumerate(excerpt.lines, start=excerpt.first_line):
            paragraphs.append(
                f'<w:p><w:pPr><w:pStyle w:val="{self.code_style_id}"/></w:pPr>'
                f'<w:r><w:rPr><w:color w:val="808080"/></w:rPr><w:t xml:space="preserve">{number:>{width}}</w:t></w:r>'
                f'<w:r><w:tab/><w:t xml:space="preserve">{escape(self.clean(line))}</w:t></w:r></w:p>')
        if paragraphs:
            body = parse_xml(f'<w:body {nsdecls("w")}>{"".join(paragraphs)}</w:body>')
            anchor = self.doc.element.body.sectPr
            for paragraph in list(body):
                anchor.addprevious(paragraph)
        if excerpt.truncated:
            self.report.cut_code_blocks += 1
            annex = self.anchors.get(block.annex_anchor) if block.annex_anchor else None
            if block.annex_anchor and annex is None:
                self.report.broken_references.append(block.annex_anchor)
            before, link = annex_note(excerpt, block.annex_label, annex)
            note = self.doc.add_paragraph()
            note.add_run(before).italic = True
            if link:
                self._reference(note, CrossReference(link, block.annex_anchor))
            note.add_run(".").italic = True


def _insert_in_order(parent, child, successors: tuple[str, ...]) -> None:
    """Word rejects elements out of the schema's order: put `child` before its first successor."""
    for name in successors:
        following = parent.find(qn(f"w:{name}"))
        if following is not None:
            following.addprevious(child)
            return
    parent.append(child)


def _add_field(paragraph, instruction: str, placeholder: str) -> None:
    _field_begin(paragraph, f" {instruction} ")
    paragraph.add_run(placeholder)
    _field_end(paragraph)


def _field_begin(paragraph, instruction: str) -> None:
    paragraph._p.append(parse_xml(
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'))
    paragraph._p.append(parse_xml(
        f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve">{escape(instruction)}</w:instrText></w:r>'))
    paragraph._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>'))


def _field_end(paragraph) -> None:
    paragraph._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>'))
