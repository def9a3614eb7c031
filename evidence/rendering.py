"""What the evidence preview adds to the dossier's renderer (documents/): an SVG schema drawn to a
PNG, a Word or OpenDocument text cut into pages. Plain functions on bytes (no database, no Flask).

    svg_to_png(data, max_side)                  -> PNG bytes
    document_pages(data, "docx", "note.docx")   -> DocumentPages (headings, paragraphs, lists, tables per page)

The reading is shared with the validation dossier: an SVG is sanitised and drawn by
documents/embedded.py (`prepare_svg`: scripts, event handlers, animations, foreignObject, pictures,
external references, url() and @import, the DOCTYPE and its entities removed), a Word or
OpenDocument file is read by documents/office.py (`office_blocks`: every ZIP member bounded, no
entity expanded). What is preview-specific stays here: the drawing, made into a one-page PDF, is
rasterised by poppler's pdftoppm in a time- and memory-limited process (like a PDF's first page);
the blocks are cut into pages of plain text that the template escapes.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from documents.embedded import EmbedError, prepare_svg
from documents.model import BulletList, Heading, PageBreak, Paragraph, Svg, Table
from documents.office import OfficeError, office_blocks

RENDER_TIMEOUT_SECONDS = 15
RENDER_MEMORY_LIMIT = 1024**3
PAGE_CHARACTERS = 3500  # a page break is inserted when a page holds this much text
MAX_PAGES = 60


class RenderError(Exception):
    """The file could not be rendered (malformed, too large, or the renderer failed); French."""


# --- SVG --------------------------------------------------------------------------------------

def svg_to_png(data: bytes, max_side: int) -> bytes:
    """A PNG of the sanitised SVG (documents.embedded.prepare_svg), at most `max_side` pixels on
    its longer side."""
    from reportlab.graphics import renderPDF

    try:
        prepared = prepare_svg(Svg(data))
    except EmbedError as error:
        raise RenderError(f"Schéma impossible à afficher : {error}.") from None
    return rasterise_pdf(renderPDF.drawToString(prepared.drawing), max_side)


def rasterise_pdf(pdf: bytes | Path, max_side: int) -> bytes:
    """The first page of a PDF (bytes, or a file) as a PNG of at most `max_side` pixels a side,
    drawn by pdftoppm in a process limited in time and memory."""
    program = shutil.which("pdftoppm")
    if program is None:
        raise RenderError("pdftoppm (poppler-utils) n'est pas installé.")
    with tempfile.TemporaryDirectory(prefix="probatio-render-") as folder:
        source = pdf if isinstance(pdf, Path) else Path(folder) / "drawing.pdf"
        if not isinstance(pdf, Path):
            source.write_bytes(pdf)
        command = [program, "-f", "1", "-l", "1", "-png", "-scale-to", str(max_side), "-singlefile", str(source),
                   str(Path(folder) / "page")]
        limiter = shutil.which("prlimit")
        if limiter:
            command = [limiter, f"--as={RENDER_MEMORY_LIMIT}", f"--cpu={RENDER_TIMEOUT_SECONDS}", "--", *command]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=RENDER_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL)
        except (subprocess.SubprocessError, OSError) as error:
            raise RenderError(f"rendu impossible : {error}") from None
        return (Path(folder) / "page.png").read_bytes()


# --- Word and OpenDocument --------------------------------------------------------------------

@dataclass
class Block:
    """One block of a preview page, as plain text (escaped by the template)."""

    kind: str  # heading, paragraph, list, table
    text: str = ""
    level: int = 0  # heading level (1 = title)
    items: list[str] = field(default_factory=list)  # list items
    rows: list[list[str]] = field(default_factory=list)  # table rows of cell texts, the header first

    @property
    def size(self) -> int:
        return len(self.text) + sum(map(len, self.items)) + sum(len(c) for r in self.rows for c in r)


@dataclass
class DocumentPages:
    pages: list[list[Block]]
    truncated: bool = False

    @property
    def count(self) -> int:
        return len(self.pages)


def document_pages(data: bytes, kind: str, name: str = "Le document") -> DocumentPages:
    """The text of a .docx ("docx") or .odt ("odt") file as read by documents.office, in reading
    order, split into pages at its own page breaks and every PAGE_CHARACTERS characters."""
    try:
        blocks, _ = office_blocks(data, kind, name, outline=True)
    except OfficeError as error:
        raise RenderError(f"Document illisible : {error}.") from None
    return _paginate(_preview_blocks(blocks))


_PAGE_BREAK = Block("page-break")


def _plain(inlines) -> str:
    return inlines if isinstance(inlines, str) else "".join(inline.text for inline in inlines)


def _preview_blocks(blocks):
    """The document-model blocks as preview blocks; pictures are not shown in the preview."""
    for block in blocks:
        if isinstance(block, Heading):
            yield Block("heading", text=block.text, level=block.level)
        elif isinstance(block, Paragraph):
            if text := _plain(block.runs).strip():
                yield Block("paragraph", text=text)
        elif isinstance(block, BulletList):
            yield Block("list", items=[_plain(item) for item in block.items])
        elif isinstance(block, Table):
            yield Block("table", rows=[list(block.header)] + [[_plain(cell) for cell in row] for row in block.rows])
        elif isinstance(block, PageBreak):
            yield _PAGE_BREAK


def _paginate(blocks) -> DocumentPages:
    pages: list[list[Block]] = [[]]
    used = 0
    for block in blocks:
        if block is _PAGE_BREAK or used >= PAGE_CHARACTERS:
            if pages[-1]:
                if len(pages) >= MAX_PAGES:
                    return DocumentPages(pages, truncated=True)
                pages.append([])
                used = 0
            if block is _PAGE_BREAK:
                continue
        pages[-1].append(block)
        used += block.size
    return DocumentPages(pages)
