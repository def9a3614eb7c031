"""The reportlab flowables the PDF renderer adds to platypus: numbered code, pictures, canvases."""
from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFName, PDFObject, PDFStream
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
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
        canvas.saveState()
        canvas.setFillColor(CODE_BACKGROUND)
        canvas.rect(0, 0, self.width, self.height, stroke=0, fill=1)
        numbers, code = canvas.beginText(), canvas.beginText()
        numbers.setFont(self.font, self.size)
        numbers.setFillColor(LINE_NUMBER_COLOUR)
        code.setFont(self.font, self.size)
        code.setFillColor(self.colour or HexColor("#000000"))
        baseline = self.height - self.padding - self.size
        for row in self.rows:
            if row.number:
                numbers.setTextOrigin(
                    self.number_width - stringWidth(row.number, self.font, self.size), baseline)
                numbers.textOut(row.number)
            code.setTextOrigin(self.number_width + self.size, baseline)
            code.textOut(row.text)
            baseline -= self.leading
        canvas.drawText(numbers)
        canvas.drawText(code)
        canvas.restoreState()


def code_rows(lines: list[str], first_line: int, columns: int) -> list[CodeRow]:
    """Each line as one row, or several when longer than `columns` characters."""
    columns = max(columns, 8)
    rows: list[CodeRow] = []
    for number, line in enumerate(lines, start=first_line):
        rows.append(CodeRow(str(number), line[:columns]))
        for start in range(columns, len(line), columns):
            rows.append(CodeRow("", line[start:start + columns]))
    return rows


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


class KeepWithStart(KeepTogether):
    """What platypus builds for `keepWithNext` (headings, captions), made to move to the next page
    only when the last flowable's start would not fit: reportlab's own moves the whole group as
    soon as a long table, paragraph or excerpt after a heading does not fit, leaving a blank."""

    start_height = 2.5 * cm  # a few lines of text, or a table header and a row or two

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        *head, last = self._content
        if not isinstance(last, (Paragraph, Table, CodeFlowable)):
            return super().split(available_width, available_height)
        needed = 0.0
        for flowable in head:
            needed += flowable.wrapOn(self.canv, available_width, available_height)[1]
            needed += flowable.getSpaceBefore() + flowable.getSpaceAfter()
        last_height = last.wrapOn(self.canv, available_width, available_height)[1]
        needed += min(last_height, self.start_height) + last.getSpaceBefore()
        if needed > available_height:
            return super().split(available_width, available_height)
        return list(self._content)


class DraftCanvas(Canvas):
    """The canvas of the layout passes, which settle page numbers: it counts pages, writes nothing."""

    draft = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.page_count = 0

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
