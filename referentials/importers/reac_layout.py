"""The layout layer of REAC documents: page headers out, lines into items, tables into cells.

A REAC export repeats a small table on top of every page (`| Libellé réduit | Code titre | … |`
in markdown, or `SIGLE<TAB>Type de document<TAB>…` with tabs), often in the middle of a list or
of a sentence. The header is removed (its values give the title code, version and dates) and
the text on both sides of it is joined back when the sentence was cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from referentials.importers.text import clean, ends_sentence, fold, starts_continuation, strip_markdown


@dataclass
class Item:
    """One line of content: text, or the cells of a table row."""

    line_no: int
    text: str
    cells: list[str] | None = None
    after_page_header: bool = False


@dataclass
class PageHeader:
    """The values of one page header: {"sigle", "code", "type", "version", "date", "page"}."""

    line_no: int
    values: dict[str, str] = field(default_factory=dict)


_HEADER_NAMES = {
    "libelle reduit": "sigle",
    "sigle": "sigle",
    "code titre": "code",
    "type de document": "type",
    "version": "version",
    "millesime": "version",
    "date de validation": "date",
    "date dernier jo": "date",
    "date de mise a jour": "updated",
    "page": "page",
}


def _md_cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _is_md_row(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) > 1 and stripped.startswith("|") and stripped.endswith("|")


def _is_md_separator(line: str) -> bool:
    return _is_md_row(line) and all(re.fullmatch(r":?-+:?", c) for c in _md_cells(line))


def _page_header_names(line: str) -> list[str] | None:
    """The column names when `line` is the label row of a page header, else None."""
    if _is_md_row(line):
        cells = _md_cells(line)
    elif "\t" in line:
        cells = line.split("\t")
    else:
        return None
    names = [fold(c) for c in cells]
    if names and names[0] in ("libelle reduit", "sigle") and "code titre" in names and names[-1] == "page":
        return [_HEADER_NAMES.get(n, n) for n in names]
    return None


def items(text: str) -> tuple[list[Item], list[PageHeader]]:
    """Split a REAC export into content items, with page headers taken out."""
    lines = text.split("\n")
    result: list[Item] = []
    headers: list[PageHeader] = []
    pending_break = False
    blank_before = True
    i = 0
    while i < len(lines):
        line = lines[i]
        names = _page_header_names(line)
        if names:
            header, i = _read_page_header(lines, i, names)
            headers.append(header)
            pending_break = True
            continue
        i += 1
        if not line.strip():
            blank_before = True
            continue
        if _is_md_separator(line):
            continue
        line_no = i
        if _is_md_row(line) or "\t" in line:
            cells = _md_cells(line) if _is_md_row(line) else line.split("\t")
            result.append(Item(line_no, clean(" ".join(cells)), cells, pending_break))
        else:
            raw = line.strip()
            # A bold title wrapped over several lines: "**FICHE COMPÉTENCE PROFESSIONNELLE\nN° 2**".
            while raw.startswith("**") and raw.count("**") % 2 and i < len(lines) and lines[i].strip():
                raw, i = f"{raw} {lines[i].strip()}", i + 1
            item = Item(line_no, strip_markdown(raw), None, pending_break)
            if not _join(result, item, blank_before):
                result.append(item)
        pending_break = False
        blank_before = False
    return result, headers


def _read_page_header(lines: list[str], i: int, names: list[str]) -> tuple[PageHeader, int]:
    header = PageHeader(i + 1)
    i += 1
    if i < len(lines) and _is_md_separator(lines[i]):
        i += 1
    if i < len(lines):
        cells = _md_cells(lines[i]) if _is_md_row(lines[i]) else lines[i].split("\t")
        if re.fullmatch(r"\d+/\d+", cells[-1].strip()):
            header.values = {name: clean(value) for name, value in zip(names, cells)}
            i += 1
    return header, i


def _join(result: list[Item], item: Item, blank_before: bool) -> bool:
    """Glue `item` to the previous one when it carries on the same sentence or heading."""
    if not result or result[-1].cells is not None:
        return False
    previous = result[-1]
    if re.fullmatch(r"N°\s*\d+", item.text) and fold(previous.text).startswith("fiche "):
        previous.text = f"{previous.text} {item.text}"  # "FICHE ACTIVITÉ TYPE" / "N° 1"
        return True
    carried = item.after_page_header or not blank_before
    if carried and starts_continuation(item.text) and not ends_sentence(previous.text):
        previous.text = f"{previous.text} {item.text}"
        return True
    return False
