"""Spreadsheets (XLSX, ODS) read for anchors: their sheets, their bounds, and a block of cells.

    read_sheets(path, "xlsx")                          -> [SheetInfo(name, max_row, max_col)]
    read_cells(path, "ods", "Inventaire", (2, 2, 40, 4)) -> rows of cell texts (B2:D40)
    parse_range("B2:D40")                               -> (2, 2, 40, 4)  (row, col, row, col)

Reading is bounded: ZIP parts larger than MAX_PART_BYTES are refused, XML is parsed without
entities or network, at most MAX_CELLS cells of a range are returned. Errors raise SheetError
(French).
"""
from __future__ import annotations

import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

MAX_PART_BYTES = 40 * 1024 * 1024
MAX_RATIO = 200
MAX_CELLS = 2000
MAX_REPEAT = 10_000  # ODS repeats empty rows/columns up to the sheet's end: never expand that far
ODF_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
RANGE = re.compile(r"\s*([A-Za-z]{1,3})([1-9][0-9]{0,6})\s*(?::\s*([A-Za-z]{1,3})([1-9][0-9]{0,6}))?\s*")


class SheetError(Exception):
    """The spreadsheet cannot be read; the message is French."""


@dataclass(frozen=True)
class SheetInfo:
    name: str
    max_row: int
    max_col: int


def column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + (ord(letter) - 64)
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def parse_range(cells: str) -> tuple[int, int, int, int] | None:
    """"B2:D40" -> (2, 2, 40, 4): first row, first column, last row, last column; None if invalid."""
    match = RANGE.fullmatch(cells or "")
    if not match:
        return None
    first_col, first_row = column_number(match.group(1)), int(match.group(2))
    last_col = column_number(match.group(3)) if match.group(3) else first_col
    last_row = int(match.group(4)) if match.group(4) else first_row
    return (min(first_row, last_row), min(first_col, last_col), max(first_row, last_row), max(first_col, last_col))


def _checked_zip(path: Path) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise SheetError("classeur illisible (ce n'est pas un fichier ZIP valide)") from None
    for info in archive.infolist():
        if info.file_size > MAX_PART_BYTES or (info.compress_size and info.file_size / info.compress_size > MAX_RATIO):
            archive.close()
            raise SheetError(f"classeur refusé : la partie {info.filename} est trop volumineuse")
    return archive


# --- XLSX ---------------------------------------------------------------------------------------

def _workbook(path: Path):
    import openpyxl

    _checked_zip(path).close()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types on damaged files
        raise SheetError(f"classeur Excel endommagé ({type(error).__name__})") from None


def _xlsx_bounds(sheet) -> tuple[int, int]:
    rows = sheet.max_row
    cols = sheet.max_column
    if rows is None or cols is None:  # no <dimension>: count what is there
        rows = cols = 0
        for values in sheet.iter_rows(values_only=True):
            rows += 1
            cols = max(cols, len(values))
    return int(rows or 0), int(cols or 0)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.10g}".replace(".", ",")
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y" if not getattr(value, "hour", 0) else "%d/%m/%Y %H:%M")
    return str(value)


# --- ODS ----------------------------------------------------------------------------------------

def _ods_tables(path: Path):
    from lxml import etree

    archive = _checked_zip(path)
    try:
        if "content.xml" not in archive.namelist():
            raise SheetError("classeur OpenDocument illisible : content.xml absent")
        data = archive.read("content.xml")
    finally:
        archive.close()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        raise SheetError("classeur OpenDocument endommagé (XML invalide)") from None
    body = root.find(f"{{{ODF_OFFICE}}}body/{{{ODF_OFFICE}}}spreadsheet")
    if body is None:
        raise SheetError("classeur OpenDocument sans feuille")
    return body.findall(f"{{{ODF_TABLE}}}table")


def _repeat(element, attribute: str) -> int:
    try:
        return min(MAX_REPEAT, max(1, int(element.get(f"{{{ODF_TABLE}}}{attribute}", "1"))))
    except ValueError:
        return 1


def _ods_rows(table, max_row: int | None = None, max_col: int | None = None):
    """(row number, [cell texts]) of the non-empty rows, repetitions expanded (bounded)."""
    number = 0
    for row in table.iter(f"{{{ODF_TABLE}}}table-row"):
        repeat = _repeat(row, "number-rows-repeated")
        cells: list[str] = []
        for cell in row:
            if not isinstance(cell.tag, str) or not cell.tag.endswith(("}table-cell", "}covered-table-cell")):
                continue
            text = "\n".join("".join(p.itertext()) for p in cell.iter(f"{{{ODF_TEXT}}}p"))
            count = _repeat(cell, "number-columns-repeated")
            if max_col is not None:
                count = min(count, max_col - len(cells))
            cells += [text] * max(count, 0)
            if max_col is not None and len(cells) >= max_col:
                break
        while cells and not cells[-1]:
            cells.pop()
        for _ in range(repeat):
            number += 1
            if max_row is not None and number > max_row:
                return
            if cells:
                yield number, cells
            else:
                if repeat > 1:  # a block of empty rows: skip it whole
                    number += repeat - 1
                    break


# --- the interface ------------------------------------------------------------------------------

def read_sheets(path: Path, extension: str) -> list[SheetInfo]:
    if extension == "ods":
        sheets = []
        for table in _ods_tables(path):
            rows = cols = 0
            for number, cells in _ods_rows(table):
                rows, cols = number, max(cols, len(cells))
            sheets.append(SheetInfo(table.get(f"{{{ODF_TABLE}}}name", ""), rows, cols))
        return sheets
    workbook = _workbook(path)
    try:
        return [SheetInfo(sheet.title, *_xlsx_bounds(sheet)) for sheet in workbook.worksheets]
    finally:
        workbook.close()


def read_cells(path: Path, extension: str, sheet: str, bounds: tuple[int, int, int, int]) -> list[list[str]]:
    """The texts of the cells of `bounds` (first row, first col, last row, last col) of `sheet`,
    row by row; at most MAX_CELLS cells (the last rows are dropped)."""
    first_row, first_col, last_row, last_col = bounds
    width = last_col - first_col + 1
    last_row = min(last_row, first_row + max(1, MAX_CELLS // max(width, 1)) - 1)
    if extension == "ods":
        for table in _ods_tables(path):
            if table.get(f"{{{ODF_TABLE}}}name", "") == sheet:
                found = dict(_ods_rows(table, max_row=last_row, max_col=last_col))
                return [
                    (found.get(row, []) + [""] * last_col)[first_col - 1:last_col]
                    for row in range(first_row, last_row + 1)
                ]
        raise SheetError(f"feuille « {sheet} » absente du classeur")
    workbook = _workbook(path)
    try:
        if sheet not in workbook.sheetnames:
            raise SheetError(f"feuille « {sheet} » absente du classeur")
        rows = []
        for values in workbook[sheet].iter_rows(
            min_row=first_row, max_row=last_row, min_col=first_col, max_col=last_col, values_only=True
        ):
            rows.append([_text(value) for value in values] + [""] * (width - len(values)))
        while len(rows) < last_row - first_row + 1:
            rows.append([""] * width)
        return rows
    finally:
        workbook.close()
