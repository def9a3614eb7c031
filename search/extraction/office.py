"""Office documents: DOCX through python-docx, XLSX and ODT/ODS through a small zip + XML reader.

Every one of them is a zip archive: its central directory (sizes as declared, before anything is
decompressed) is checked against the budget first. Python's zipfile never returns more bytes than
a member declares (a member that lies fails its CRC check), so the declared sizes are binding.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from search.extraction.limits import Budget, ExtractionError, TextCollector
from search.extraction.xmlsafe import collect_text


def open_checked_zip(path: Path, budget: Budget, what: str) -> zipfile.ZipFile:
    """The archive, once its declared sizes are within the budget (a zip bomb is refused unopened)."""
    limits = budget.limits
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ExtractionError(f"{what} illisible : ce n'est pas une archive valide (fichier endommagé ou mal nommé).") from None
    infos = archive.infolist()
    if len(infos) > limits.max_zip_entries:
        archive.close()
        raise ExtractionError(f"{what} refusé : l'archive contient trop d'éléments ({len(infos)}).")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size > limits.max_zip_member or total > limits.max_zip_uncompressed or (
            info.file_size > 1024 * 1024 and ratio > limits.max_zip_ratio
        ):
            archive.close()
            raise ExtractionError(
                f"{what} refusé : une fois décompressé, il dépasserait la taille autorisée (archive piégée ou démesurée)."
            )
    return archive


# --- DOCX ------------------------------------------------------------------------------------

def extract_docx(path: Path, budget: Budget) -> str:
    import docx  # python-docx; imported here so that the other extractors do not pay for it

    archive = open_checked_zip(path, budget, "Document Word")
    try:
        if "word/document.xml" not in archive.namelist():
            raise ExtractionError("Document Word illisible : il ne contient pas de texte (word/document.xml absent).")
    finally:
        archive.close()
    budget.check_time("l'ouverture du document Word")
    try:
        document = docx.Document(str(path))
    except Exception as error:  # python-docx and lxml raise many types for broken files
        raise ExtractionError(f"Document Word illisible ou endommagé ({type(error).__name__}).") from None
    collector = TextCollector(budget)
    _docx_paragraphs_and_tables(document, collector, budget)
    for section in document.sections:
        for part in (section.header, section.footer):
            try:
                _docx_paragraphs_and_tables(part, collector, budget)
            except Exception:  # a broken header is not worth losing the body's text
                continue
    return collector.text()


def _docx_paragraphs_and_tables(container, collector: TextCollector, budget: Budget, depth: int = 0) -> None:
    """Paragraphs, then tables row by row (cells joined by " | "), nested tables up to 3 deep."""
    for paragraph in container.paragraphs:
        collector.add(paragraph.text)
        if collector.full:
            return
    for table in container.tables:
        budget.check_time("la lecture des tableaux du document Word")
        for row in table.rows:
            texts, seen = [], set()
            for cell in row.cells:
                # A merged cell comes back once per grid column: keep one copy.
                if id(cell._tc) in seen:
                    continue
                seen.add(id(cell._tc))
                texts.append(" ".join(p.text for p in cell.paragraphs if p.text))
                if depth < 3 and cell.tables:
                    _docx_paragraphs_and_tables(_TablesOnly(cell), collector, budget, depth + 1)
            collector.add(" | ".join(t for t in texts if t))
            if collector.full:
                return


class _TablesOnly:
    """A cell seen only through its nested tables (its paragraphs are already in the row's text)."""

    paragraphs = ()

    def __init__(self, cell):
        self.tables = cell.tables


# --- XLSX ------------------------------------------------------------------------------------

def extract_xlsx(path: Path, budget: Budget) -> str:
    archive = open_checked_zip(path, budget, "Classeur Excel")
    collector = TextCollector(budget)
    try:
        names = archive.namelist()
        if "xl/workbook.xml" in names:
            _xml_text(archive, "xl/workbook.xml", budget, collector, lambda stack: False,
                      attributes={"sheet": "name"}, what="le classeur")
        if "xl/sharedStrings.xml" in names:
            _xml_text(
                archive, "xl/sharedStrings.xml", budget, collector,
                lambda stack: "t" in stack and "rPh" not in stack, breaks=("si",), what="les textes du classeur",
            )
        for name in sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")):
            # Inline strings (<is><t>) and formulas' cached strings live in the sheets themselves.
            _xml_text(archive, name, budget, collector, lambda stack: "is" in stack and "t" in stack, breaks=("c",), what="une feuille du classeur")
            if collector.full:
                break
    finally:
        archive.close()
    return collector.text("")


# --- ODT / ODS -------------------------------------------------------------------------------

ODF_BREAKS = ("p", "h", "list-item", "table-cell", "frame")
ODF_REPLACEMENTS = {"tab": "\t", "s": " ", "line-break": "\n"}


def extract_odf(path: Path, budget: Budget) -> str:
    archive = open_checked_zip(path, budget, "Document OpenDocument")
    collector = TextCollector(budget)
    try:
        if "content.xml" not in archive.namelist():
            raise ExtractionError("Document OpenDocument illisible : content.xml absent.")
        _xml_text(
            archive, "content.xml", budget, collector,
            lambda stack: "body" in stack and "annotation" not in stack,
            breaks=ODF_BREAKS, replacements=ODF_REPLACEMENTS, what="le document OpenDocument",
        )
    finally:
        archive.close()
    return collector.text("")


def _xml_text(archive, name, budget, collector, text_in, breaks=(), replacements=None, attributes=None, what="le document") -> None:
    with archive.open(name) as stream:
        collect_text(
            stream, budget, collector, max_bytes=budget.limits.max_xml_bytes, text_in=text_in,
            breaks_after=breaks, replacements=replacements, attributes=attributes, what=what,
        )
