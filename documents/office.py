"""Office files as document-model blocks, so that they read as part of a dossier in both formats.

    blocks, notes = office_blocks(data, "docx", "Procédure.docx")

Word (DOCX) and OpenDocument text (ODT): headings (as bold lines: the dossier keeps its own
outline), paragraphs, lists, tables and pictures. Spreadsheets (XLSX, ODS): each sheet as a
table, its first rows when long. Everything is bounded: the ZIP's members are read with a size
limit (a zip bomb stops at the limit), pictures larger than `MAX_IMAGE_SIDE` are named instead of
drawn, long documents and sheets are cut. What was left out comes back as French notes, which are
also placed in the blocks where the content was. A file that cannot be read raises `OfficeError`
(French).
"""
from __future__ import annotations

import io
import posixpath
import re
import warnings
import zipfile

from lxml import etree

from documents.model import Block, BulletList, Heading, Image, PageBreak, Paragraph, Run, Table

MAX_MEMBER_BYTES = 40 * 1024 * 1024  # one decompressed part (document.xml, a sheet, a picture)
MAX_TOTAL_BYTES = 120 * 1024 * 1024  # all the parts read from one file
MAX_RATIO = 200  # a part compressed more than this is a zip bomb, not a document
MAX_IMAGE_SIDE = 10_000  # pixels
MAX_IMAGE_PIXELS = 40_000_000
MAX_BLOCKS = 400  # paragraphs, lists, tables of one document
MAX_ROWS = 40  # rows of one table or sheet
MAX_COLUMNS = 8
MAX_SHEETS = 6
MAX_CELL_CHARS = 300

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
ODF_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
ODF_DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
XLINK = "http://www.w3.org/1999/xlink"


class OfficeError(Exception):
    """The file cannot be included; the message (French) says why."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class _Package:
    """A ZIP read member by member, each bounded, the whole bounded too."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError):
            raise OfficeError("fichier endommagé (archive illisible)") from None
        self.names = set(self.zip.namelist())
        self.read_bytes = 0

    def read(self, name: str, limit: int = MAX_MEMBER_BYTES) -> bytes:
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            raise OfficeError(f"fichier incomplet (partie {name} absente)") from None
        if info.file_size > limit or (info.compress_size and info.file_size / info.compress_size > MAX_RATIO
                                      and info.file_size > 1024 * 1024):
            raise OfficeError(_bomb(info.file_size))
        try:
            with self.zip.open(info) as stream:
                data = stream.read(limit + 1)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as error:
            raise OfficeError(f"fichier endommagé ({type(error).__name__})") from None
        if len(data) > limit:
            raise OfficeError(_bomb(len(data)))
        self.read_bytes += len(data)
        if self.read_bytes > MAX_TOTAL_BYTES:
            raise OfficeError(_bomb(self.read_bytes))
        return data

    def xml(self, name: str):
        try:
            return etree.fromstring(self.read(name), _parser())
        except etree.XMLSyntaxError as error:
            raise OfficeError(f"fichier endommagé (XML invalide : {error.msg})") from None


def _bomb(size: int) -> str:
    return (f"son contenu décompressé dépasse {MAX_MEMBER_BYTES // (1024 * 1024)} Mo "
            f"(au moins {size // (1024 * 1024)} Mo) : archive suspecte ou document trop volumineux")


def office_blocks(data: bytes, kind: str, name: str, *, outline: bool = False) -> tuple[list[Block], list[str]]:
    """The blocks of an office file (`kind`: docx, odt, xlsx, ods) and what was left out (French).

    With `outline` (the evidence preview, which shows the file on its own), a text's headings are
    `Heading` blocks with their levels and its page breaks `PageBreak` blocks; without it (the
    dossier, which keeps its own outline) headings are bold lines and page breaks are ignored."""
    converter = {"docx": _docx, "odt": _odt, "xlsx": _xlsx, "ods": _ods}.get(kind)
    if converter is None:
        raise OfficeError(f"format {kind} non pris en charge")
    package = _Package(data)
    return converter(package, name, outline) if kind in ("docx", "odt") else converter(package, name)


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def _note(text: str) -> Paragraph:
    return Paragraph([Run(text, italic=True)])


def _clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_CELL_CHARS else text[:MAX_CELL_CHARS] + "…"


def _table(rows: list[list[str]], caption: str, total_rows: int, notes: list[str], name: str) -> list[Block]:
    """A table from rows of text: the first row is the header; cut to MAX_ROWS / MAX_COLUMNS."""
    rows = [_trimmed(row) for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return []
    columns = min(max(len(row) for row in rows), MAX_COLUMNS)
    wide = any(len(row) > MAX_COLUMNS for row in rows)
    grid = [[_clip(cell) for cell in (row + [""] * columns)[:columns]] for row in rows]
    header, body = grid[0], grid[1:MAX_ROWS + 1]
    header = [cell or f"Colonne {n + 1}" for n, cell in enumerate(header)]
    blocks: list[Block] = [Table(header, body, caption=caption)]
    total_body = max(total_rows - 1, len(body))
    said = []
    if total_body > len(body):
        said.append(f"{len(body)} premières lignes sur {_thousands(total_body)}")
    if wide:
        said.append(f"{MAX_COLUMNS} premières colonnes")
    if said:
        note = f"{caption or name} : {' et '.join(said)} reproduites ; le fichier complet reste consultable dans Probatio."
        notes.append(note)
        blocks.append(_note(note))
    return blocks


def _trimmed(row: list[str]) -> list[str]:
    row = list(row)
    while row and not row[-1].strip():
        row.pop()
    return row


class _Body:
    """Collects blocks, groups list items, stops at MAX_BLOCKS."""

    def __init__(self, name: str, notes: list[str], outline: bool = False) -> None:
        self.name, self.notes, self.outline = name, notes, outline
        self.blocks: list[Block] = []
        self.items: list[str] = []
        self.full = False
        self.pictures = 0

    def _flush(self) -> None:
        if self.items:
            self.blocks.append(BulletList(self.items))
            self.items = []

    def add(self, block: Block) -> None:
        self._flush()
        self._push(block)

    def heading(self, text: str, level: int) -> None:
        self.add(Heading(text, min(max(level, 1), 6)) if self.outline else Paragraph([Run(text, bold=True)]))

    def page_break(self) -> None:
        if self.outline:
            self.add(PageBreak())

    def item(self, text: str) -> None:
        if text.strip() and not self.full:
            self.items.append(text.strip())

    def _push(self, block: Block) -> None:
        if self.full:
            return
        if len(self.blocks) >= MAX_BLOCKS:
            self.full = True
            note = f"{self.name} : seuls les {MAX_BLOCKS} premiers paragraphes sont reproduits."
            self.notes.append(note)
            self.blocks.append(_note(note))
            return
        self.blocks.append(block)

    def picture(self, data: bytes | None, label: str) -> None:
        self.pictures += 1
        caption = f"{self.name}, illustration {self.pictures}"
        if data is None:
            self.add(_note(f"{caption} : {label}."))
            self.notes.append(f"{caption} : {label}")
            return
        problem = _picture_problem(data)
        if problem:
            self.add(_note(f"{caption} non reproduite : {problem}."))
            self.notes.append(f"{caption} non reproduite : {problem}")
            return
        self.add(Image(data, caption, max_height_cm=10))

    def done(self) -> list[Block]:
        self._flush()
        return self.blocks


def _picture_problem(data: bytes) -> str:
    import PIL.Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with PIL.Image.open(io.BytesIO(data)) as picture:
                width, height = picture.size
    except Exception:
        return "image illisible ou d'un format non pris en charge"
    if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
        return f"image de {_thousands(width)} × {_thousands(height)} pixels, trop grande pour le dossier"
    return ""


# ------------------------------------------------------------------------------------------ DOCX


def _docx(package: _Package, name: str, outline: bool = False) -> tuple[list[Block], list[str]]:
    notes: list[str] = []
    root = package.xml("word/document.xml")
    styles = {}
    if "word/styles.xml" in package.names:
        for style in package.xml("word/styles.xml").iter(f"{{{W}}}style"):
            label = style.find(f"{{{W}}}name")
            styles[style.get(f"{{{W}}}styleId")] = (label.get(f"{{{W}}}val") if label is not None else "").lower()
    relations = {}
    if "word/_rels/document.xml.rels" in package.names:
        for relation in package.xml("word/_rels/document.xml.rels").iter(f"{{{REL}}}Relationship"):
            if relation.get("TargetMode") != "External":
                relations[relation.get("Id")] = posixpath.normpath(posixpath.join("word", relation.get("Target", "")))
    body = root.find(f"{{{W}}}body")
    out = _Body(name, notes, outline)
    if body is None:
        raise OfficeError("document Word sans contenu")
    for element in body:
        if out.full:
            break
        tag = etree.QName(element).localname
        if tag == "p":
            _docx_paragraph(element, styles, relations, package, out)
        elif tag == "tbl":
            rows = [[_docx_text(cell) for cell in row.iter(f"{{{W}}}tc")] for row in element.iter(f"{{{W}}}tr")]
            for block in _table(rows, "", len(rows), notes, name):
                out.add(block)
    return out.done(), notes


def _docx_text(element) -> str:
    parts = []
    for node in element.iter(f"{{{W}}}t", f"{{{W}}}tab", f"{{{W}}}br", f"{{{W}}}p"):
        local = etree.QName(node).localname
        if local == "t":
            parts.append(node.text or "")
        elif local == "tab":
            parts.append(" ")
        elif local == "br" or (local == "p" and parts):
            parts.append("\n")
    return "".join(parts).strip()


def _docx_paragraph(element, styles, relations, package: _Package, out: _Body) -> None:
    style_id = element.find(f"{{{W}}}pPr/{{{W}}}pStyle")
    style = styles.get(style_id.get(f"{{{W}}}val"), style_id.get(f"{{{W}}}val").lower()) if style_id is not None else ""
    numbered = element.find(f"{{{W}}}pPr/{{{W}}}numPr") is not None
    runs: list[Run] = []
    for run in element.iter(f"{{{W}}}r"):
        text = "".join((t.text or "") if etree.QName(t).localname == "t" else " "
                       for t in run if etree.QName(t).localname in ("t", "tab"))
        if text:
            properties = run.find(f"{{{W}}}rPr")
            bold = properties is not None and properties.find(f"{{{W}}}b") is not None
            italic = properties is not None and properties.find(f"{{{W}}}i") is not None
            runs.append(Run(text, bold=bold, italic=italic))
    text = "".join(run.text for run in runs).strip()
    heading = re.match(r"(heading|titre|title)\s*(\d*)", style)
    if heading and text:
        out.heading(text, int(heading.group(2) or 1))
    elif (numbered or style.startswith("list")) and text:
        out.item(text)
    elif text:
        out.add(Paragraph(runs))
    for blip in element.iter(f"{{{A}}}blip"):
        target = relations.get(blip.get(f"{{{R}}}embed"))
        out.picture(_member(package, target), "image absente du fichier")
    if element.find(f".//{{{W}}}br[@{{{W}}}type='page']") is not None:
        out.page_break()


def _member(package: _Package, name: str | None) -> bytes | None:
    if not name or name not in package.names:
        return None
    try:
        return package.read(name)
    except OfficeError:
        return None


# ------------------------------------------------------------------------------------------ ODT


def _odt(package: _Package, name: str, outline: bool = False) -> tuple[list[Block], list[str]]:
    notes: list[str] = []
    root = package.xml("content.xml")
    text = root.find(f"{{{ODF_OFFICE}}}body/{{{ODF_OFFICE}}}text")
    if text is None:
        raise OfficeError("document OpenDocument sans texte")
    out = _Body(name, notes, outline)
    for element in text:
        if out.full:
            break
        _odt_element(element, package, out, notes, name)
    return out.done(), notes


def _odf_text(element) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def _odt_element(element, package: _Package, out: _Body, notes: list[str], name: str) -> None:
    if not isinstance(element.tag, str):
        return
    tag = etree.QName(element).localname
    if tag == "h":
        if text := _odf_text(element):
            out.heading(text, _level(element.get(f"{{{ODF_TEXT}}}outline-level")))
    elif tag == "p":
        if text := _odf_text(element):
            out.add(Paragraph(text))
        for image in element.iter(f"{{{ODF_DRAW}}}image"):
            out.picture(_member(package, image.get(f"{{{XLINK}}}href")), "image absente du fichier")
    elif tag == "list":
        for item in element.iter(f"{{{ODF_TEXT}}}list-item"):
            out.item(_odf_text(item))
    elif tag == "table":
        rows = _odf_rows(element, MAX_ROWS + 1)
        for block in _table(rows[0], "", rows[1], notes, name):
            out.add(block)
    elif tag == "section":
        for child in element:
            _odt_element(child, package, out, notes, name)


def _level(value: str | None) -> int:
    try:
        return int(value or 1)
    except ValueError:
        return 1


def _odf_rows(table, limit: int) -> tuple[list[list[str]], int]:
    """Up to `limit` rows of an ODF table (repeated rows and cells expanded, bounded) and the
    total number of rows, repetitions included."""
    rows: list[list[str]] = []
    total = 0
    for row in table.iter(f"{{{ODF_TABLE}}}table-row"):
        repeat = _repeat(row, "number-rows-repeated")
        cells: list[str] = []
        for cell in row:
            if not isinstance(cell.tag, str) or etree.QName(cell).localname not in ("table-cell", "covered-table-cell"):
                continue
            count = min(_repeat(cell, "number-columns-repeated"), MAX_COLUMNS + 1 - len(cells))
            cells += [_odf_text(cell)] * max(count, 0)
            if len(cells) > MAX_COLUMNS:
                break
        while cells and not cells[-1]:
            cells.pop()
        if not cells:  # empty rows (often repeated a million times to the sheet's end) are not rows
            continue
        total += repeat
        for _ in range(min(repeat, limit - len(rows))):
            rows.append(cells)
    return rows, total


def _repeat(element, attribute: str) -> int:
    try:
        return max(1, int(element.get(f"{{{ODF_TABLE}}}{attribute}", "1")))
    except ValueError:
        return 1


def _ods(package: _Package, name: str) -> tuple[list[Block], list[str]]:
    notes: list[str] = []
    root = package.xml("content.xml")
    sheet_root = root.find(f"{{{ODF_OFFICE}}}body/{{{ODF_OFFICE}}}spreadsheet")
    if sheet_root is None:
        raise OfficeError("classeur OpenDocument sans feuille")
    blocks: list[Block] = []
    sheets = sheet_root.findall(f"{{{ODF_TABLE}}}table")
    for table in sheets[:MAX_SHEETS]:
        rows, total = _odf_rows(table, MAX_ROWS + 1)
        title = f"Feuille « {table.get(f'{{{ODF_TABLE}}}name', '')} » de {name}"
        blocks += _table(rows, title, total, notes, name) or [_note(f"{title} : feuille vide.")]
    if len(sheets) > MAX_SHEETS:
        notes.append(f"{name} : {MAX_SHEETS} premières feuilles sur {len(sheets)} reproduites")
        blocks.append(_note(notes[-1] + "."))
    return blocks, notes


# ------------------------------------------------------------------------------------------ XLSX


def _xlsx(package: _Package, name: str) -> tuple[list[Block], list[str]]:
    import openpyxl

    # openpyxl reads the parts itself: those it loads whole (shared strings, styles…) are checked
    # first, with their real sizes; sheets are streamed, and only their first rows read.
    for info in package.zip.infolist():
        if info.filename.endswith(".xml") and not info.filename.startswith("xl/worksheets/"):
            package.read(info.filename)
    package.read_bytes = 0
    notes: list[str] = []
    blocks: list[Block] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(package.data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types on damaged files
        raise OfficeError(f"classeur Excel endommagé ({type(error).__name__})") from None
    try:
        sheets = workbook.worksheets
        for sheet in sheets[:MAX_SHEETS]:
            rows = []
            for values in sheet.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS + 1, values_only=True):
                rows.append(["" if value is None else _cell(value) for value in values])
            total = sheet.max_row or len(rows)
            title = f"Feuille « {sheet.title} » de {name}"
            blocks += _table(rows, title, total, notes, name) or [_note(f"{title} : feuille vide.")]
        if len(sheets) > MAX_SHEETS:
            notes.append(f"{name} : {MAX_SHEETS} premières feuilles sur {len(sheets)} reproduites")
            blocks.append(_note(notes[-1] + "."))
    finally:
        workbook.close()
    return blocks, notes


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.10g}".replace(".", ",")
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y" if not getattr(value, "hour", 0) else "%d/%m/%Y %H:%M")
    return str(value)
