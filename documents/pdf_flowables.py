"""The reportlab flowables the PDF renderer adds to platypus: numbered code, pictures, canvases."""
from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFName, PDFObject, PDFStream
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Table

from documents.images import PdfPicture

CODE_BACKGROUND = HexColor("#F3F3F3")
LINE_NUMBER_COLOUR = HexColor("#808080")


@dataclass(frozen=True)
class CodeRow:
    number: str  # "" on the continuation rows of a wrapped line
    text: str


class CodeFlowable(Flowable):
    """Numbered monospace lines on a grey band, wrapped at a fixed number of characters.

    Splits between rows, so an excerpt can run over several pages.
    """

    padding = 3

    def __init__(self, rows: list[CodeRow], font: str, size: float, number_width: float,
                 colour: Color | None = None) -> None:
        super().__init__()
        self.rows = rows
        self.font, self.size = font, size
        self.leading = size * 1.25
        self.number_width = number_width
        self.colour = colour

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        self.height = len(self.rows) * self.leading + 2 * self.padding
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        fitting = int((available_height - 2 * self.padding) // self.leading)
        if fitting < 2 or fitting >= len(self.rows):
            return []
        return [self._part(self.rows[:fitting]), self._part(self.rows[fitting:])]

    def _part(self, rows: list[CodeRow]) -> CodeFlowable:
        return CodeFlowable(rows, self.font, self.size, self.number_width, self.colour)

    def draw(self) -> None:
        canvas = self.canv
        if getattr(canvas, "draft", False):
            return  # layout passes only need the size; the last pass draws
        canvas.saveState()
        canvas.setFillColor(CODE_BACKGROUND)
        canvas.rect(0, 0, self.width, self.height, stroke=0, fill=1)
        baseline = self.height - self.padding - self.size
        # One text object per column, moving down a line per row (T*): no per-row origin, no
        # per-row width; a fixed-width face right-aligns the numbers with spaces.
        numbers, code = canvas.beginText(0, baseline), canvas.beginText(self.number_width + self.size, baseline)
        for text in (numbers, code):
            text.setFont(self.font, self.size, self.leading)
        numbers.setFillColor(LINE_NUMBER_COLOUR)
        code.setFillColor(self.colour or HexColor("#000000"))
        cell = stringWidth("0", self.font, self.size)
        fixed = cell > 0 and stringWidth("W", self.font, self.size) == cell == stringWidth("i", self.font, self.size)
        columns = round(self.number_width / cell) if fixed else 0
        for row in self.rows:
            if fixed:
                numbers.textLine(row.number.rjust(columns))
            elif row.number:  # a line number, or the continuation mark
                numbers.setTextOrigin(self.number_width - stringWidth(row.number, self.font, self.size), baseline)
                numbers.textOut(row.number)
            code.textLine(row.text)
            baseline -= self.leading
        canvas.drawText(numbers)
        canvas.drawText(code)
        canvas.restoreState()


CONTINUATION = "\u21aa"  # ↪, in the number column of the rows that carry on a wrapped line
# A line is wrapped after one of these (or before a space), never inside a word.
_BREAK_AFTER = frozenset(" ,;:/\\|-=&)]}>.")


def code_rows(lines: list[str], first_line: int, columns: int) -> list[CodeRow]:
    """Each line as one row, or several when longer than `columns` characters: wrapped after a
    space or a punctuation mark, with a continuation mark; only a word longer than a whole row
    is cut (nothing else can be done with it)."""
    columns = max(columns, 8)
    rows: list[CodeRow] = []
    for number, line in enumerate(lines, start=first_line):
        label = str(number)
        while len(line) > columns:
            cut = _break_at(line, columns)
            rows.append(CodeRow(label, line[:cut]))
            line = line[cut:]
            label = CONTINUATION
        rows.append(CodeRow(label, line))
    return rows


def _break_at(line: str, columns: int) -> int:
    """Where to cut `line` (longer than `columns`): after the last break character that fits, or
    before a space; at `columns` when the row holds a single word."""
    if line[columns] == " ":
        return columns
    for position in range(columns - 1, columns // 3, -1):
        if line[position] in _BREAK_AFTER:
            return position + 1
    return columns


class PictureFlowable(Flowable):
    """A picture at its printed size. Layout passes (`canvas.draft`) skip it; the last pass
    embeds the prepared image stream once, without decoding or compressing it again."""

    def __init__(self, picture: PdfPicture) -> None:
        super().__init__()
        self.picture = picture
        self.width, self.height = picture.shown_width, picture.shown_height
        self.hAlign = "CENTER"

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        if getattr(canvas, "draft", False):
            return
        name = f"ProbatioImage{self.picture.key}"
        document = canvas._doc  # reportlab's own drawImage registers its images the same way
        if not document.hasForm(name):
            document.addForm(name, _ImageXObject(self.picture))
        canvas.saveState()
        canvas.scale(self.width, self.height)
        canvas.doForm(name)
        canvas.restoreState()


class _ImageXObject(PDFObject):
    """An image XObject whose stream is written as prepared (see `documents.images`)."""

    def __init__(self, picture: PdfPicture) -> None:
        self.picture = picture

    def format(self, document) -> bytes:
        picture = self.picture
        stream = PDFStream(content=picture.data)
        entries = stream.dictionary
        entries["Type"], entries["Subtype"] = PDFName("XObject"), PDFName("Image")
        entries["Width"], entries["Height"] = picture.width_px, picture.height_px
        entries["BitsPerComponent"] = 8
        entries["ColorSpace"] = PDFName(picture.colour_space)
        entries["Filter"] = PDFName(picture.filter)  # a single name: DecodeParms then is a single dictionary
        if picture.png_rows:
            entries["DecodeParms"] = PDFDictionary({
                "Predictor": 15, "Colors": picture.components, "BitsPerComponent": 8,
                "Columns": picture.width_px})
        return stream.format(document)


PAGE_BORDER = HexColor("#A0A0A0")


@dataclass(frozen=True)
class Placement:
    """Where the last pass drew an embedded PDF page: page number (1-based), lower-left corner, scale."""

    page_number: int
    x: float
    y: float
    scale: float
    source: object  # documents.embedded.PreparedPdf
    index: int  # page index in the source


class PageSlot(Flowable):
    """The room of one page of an embedded PDF, scaled to the text width and the height left on the
    page (or a whole page, when less than `min_share` of it is left). It draws only a thin border;
    `merge_pages` puts the page itself beneath, once the document is written."""

    min_share = 0.55

    def __init__(self, source, index: int, size: tuple[float, float], placements: list, text_height: float) -> None:
        super().__init__()
        self.source, self.index = source, index
        self.page_width, self.page_height = size
        self.placements = placements
        self.text_height = text_height

    @property
    def min_height(self) -> float:
        """The least room the slot takes on a page before it moves to the next one."""
        return self.text_height * self.min_share

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        room = available_height if available_height >= self.min_height else self.text_height
        room -= 4  # leaves space for the border
        self.scale = min(available_width / self.page_width, room / self.page_height)
        self.width = self.page_width * self.scale
        self.height = self.page_height * self.scale + 4
        self._offset = (available_width - self.width) / 2
        return available_width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setStrokeColor(PAGE_BORDER)
        canvas.setLineWidth(0.5)
        canvas.rect(self._offset, 2, self.width, self.height - 4, stroke=1, fill=0)
        canvas.restoreState()
        if not getattr(canvas, "draft", False):
            x, y = canvas.absolutePosition(self._offset, 2)
            self.placements.append(Placement(canvas.getPageNumber(), x, y, self.scale, self.source, self.index))


def merge_pages(pdf: bytes, placements: list[Placement], report) -> bytes:
    """`pdf` with each placed page drawn beneath its slot (pypdf), so that the running header, the
    footer and the border stay on top. A page that fails to merge is reported and left blank.

    A page is placed as a form XObject (its content stream copied once, its resources cloned, shared
    ones once per source file) drawn by a one-line content stream put first: its operators are
    neither parsed nor renamed. A page with annotations (links, filled form fields) goes through
    pypdf's own merge, which carries them over."""
    if not placements:
        return pdf
    from pypdf import PdfReader, PdfWriter, Transformation

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for number, placement in enumerate(placements, start=1):
        try:
            source = placement.source.reader.pages[placement.index]
            if (source.get("/Rotate") or 0) % 360:
                source.transfer_rotation_to_content()
            target = writer.pages[placement.page_number - 1]
            if source.get("/Annots"):
                box = source.cropbox
                matrix = Transformation().translate(-float(box.left), -float(box.bottom)) \
                    .scale(placement.scale, placement.scale).translate(placement.x, placement.y)
                target.merge_transformed_page(source, matrix, over=False)
            else:
                _place_as_form(writer, target, source, placement, f"/ProbatioPage{number}")
        except Exception as error:  # a damaged page: its slot stays empty
            report.left_out.append(f"page {placement.index + 1} d'un document PDF non reproduite ({type(error).__name__})")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _place_as_form(writer, target, source, placement: Placement, name: str) -> None:
    """Draws `source` (a page of another PDF) beneath `target`'s content as a form XObject."""
    from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject,
                               NameObject)

    box = source.cropbox
    left, bottom = float(box.left), float(box.bottom)
    contents = source.get_contents()
    form = DecodedStreamObject()
    form.set_data(contents.get_data() if contents is not None else b"")
    resources = source.get("/Resources")
    form.update({
        NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject(FloatObject(v) for v in (left, bottom, float(box.right), float(box.top))),
        NameObject("/Resources"): resources.get_object().clone(writer) if resources is not None else DictionaryObject(),
    })
    form = form.flate_encode()
    page_resources = target.get("/Resources")
    if page_resources is None:
        page_resources = target[NameObject("/Resources")] = DictionaryObject()
    page_resources = page_resources.get_object()
    xobjects = page_resources.get("/XObject")
    if xobjects is None:
        xobjects = page_resources[NameObject("/XObject")] = DictionaryObject()
    xobjects.get_object()[NameObject(name)] = writer._add_object(form)
    scale = placement.scale
    draw = DecodedStreamObject()
    draw.set_data(f"q {scale:.6f} 0 0 {scale:.6f} {placement.x - left * scale:.4f} "
                  f"{placement.y - bottom * scale:.4f} cm {name} Do Q\n".encode())
    existing = target.get("/Contents")
    streams = ArrayObject([writer._add_object(draw)])
    if existing is not None:
        existing_object = existing.get_object()
        if isinstance(existing_object, ArrayObject):
            streams.extend(existing_object)
        else:
            streams.append(existing)
    target[NameObject("/Contents")] = streams


class KeepWithStart(KeepTogether):
    """What platypus builds for `keepWithNext` (headings, captions), made to move to the next page
    only when the last flowable's start would not fit: reportlab's own moves the whole group as
    soon as a long table, paragraph or excerpt after a heading does not fit, leaving a blank."""

    start_height = 2.5 * cm  # a few lines of text, or a table header and a row or two

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        *head, last = self._content
        if not isinstance(last, (Paragraph, Table, CodeFlowable, PageSlot)):
            return super().split(available_width, available_height)
        needed = 0.0
        for flowable in head:
            needed += flowable.wrapOn(self.canv, available_width, available_height)[1]
            needed += flowable.getSpaceBefore() + flowable.getSpaceAfter()
        if isinstance(last, PageSlot):
            # An embedded page shrinks to the room left, down to its minimum: the caption and the
            # page stay together on this page when that minimum fits under the caption.
            needed += last.min_height
        else:
            last_height = last.wrapOn(self.canv, available_width, available_height)[1]
            needed += min(last_height, self.start_height) + last.getSpaceBefore()
        if needed > available_height:
            return super().split(available_width, available_height)
        return list(self._content)


class _DraftText(PDFTextObject):
    """A text object that keeps its cursor but formats no text operator (nothing is written)."""

    def _formatText(self, text) -> str:  # noqa: N802 (reportlab's name)
        return ""


class DraftCanvas(Canvas):
    """The canvas of the layout passes, which settle page numbers: it counts pages, writes nothing,
    and its text objects skip formatting the text (font subsets, escaping)."""

    draft = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.page_count = 0

    def beginText(self, x=0, y=0, direction=None):  # noqa: N802 (reportlab's name)
        return _DraftText(self, x, y, direction=direction)

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self.page_count += 1
        super().showPage()

    def save(self) -> None:
        pass


class FinalCanvas(Canvas):
    """Draws each page's « Page X / Y » footer, Y being known from the layout passes.

    (The usual NumberedCanvas, which holds pages back until the end, would point every heading
    destination at the first page.)
    """

    draft = False

    def __init__(self, *args, page_total: int, footer_font: str, header_text: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.page_total = page_total
        self.footer_font = footer_font
        self.header_text = header_text
        self.page_count = 0

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self.page_count += 1
        self._decorate(self.page_count)
        super().showPage()

    def _decorate(self, number: int) -> None:
        width, height = self._pagesize
        self.saveState()
        self.setFont(self.footer_font, 8)
        self.setFillColor(LINE_NUMBER_COLOUR)
        self.drawCentredString(width / 2, 1.2 * cm, f"Page {number} / {self.page_total}")
        if number > 1 and self.header_text:
            self.drawRightString(width - 2 * cm, height - 1.3 * cm, self.header_text)
        self.restoreState()
