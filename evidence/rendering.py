"""Renderers for the evidence preview: an SVG schema to a safe PNG, a Word or OpenDocument text to
readable pages. Plain functions on bytes (no database, no Flask), so that the dossier's renderer
(documents/) and this preview can later share one implementation.

    svg_to_png(data, max_side)       -> PNG bytes (sanitised first: see sanitize_svg)
    document_pages(data, "docx")     -> DocumentPages (headings, paragraphs, lists, tables per page)

SVG: scripts, event handlers, foreignObject, external references (href, url(), @import, <image>)
and the DOCTYPE with its entities are removed before anything draws it; the drawing (svglib →
reportlab) is made into a one-page PDF and rasterised by poppler's pdftoppm in a time- and
memory-limited process, like a PDF's first page.
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
RENDER_TIMEOUT_SECONDS = 15
RENDER_MEMORY_LIMIT = 1024**3
# A Word or OpenDocument file is a zip: its main XML part may be at most this large uncompressed.
MAX_DOCUMENT_XML_BYTES = 40 * 1024 * 1024
PAGE_CHARACTERS = 3500  # a page break is inserted when a page holds this much text
MAX_PAGES = 60

# Elements that run code, embed other documents or fetch things: removed with their content.
_DROPPED_ELEMENTS = {"script", "foreignObject", "iframe", "object", "embed", "audio", "video", "image", "feImage",
                     "handler", "listener", "set", "animate", "animateMotion", "animateTransform", "animateColor"}
_URL = re.compile(r"url\(\s*(['\"]?)(?!#)[^)]*\1\s*\)", re.IGNORECASE)
_IMPORT = re.compile(r"@import[^;]*;?", re.IGNORECASE)


class RenderError(Exception):
    """The file could not be rendered (malformed, too large, or the renderer failed)."""


# --- SVG --------------------------------------------------------------------------------------

def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
        remove_comments=True, remove_pis=True,
    )


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def sanitize_svg(data: bytes) -> bytes:
    """The SVG without anything that runs, fetches or expands: scripts and event handlers,
    embedded documents and images, references outside the file, the DOCTYPE and its entities."""
    try:
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as error:
        raise RenderError(f"SVG illisible : {error}") from None
    if _local(root.tag) != "svg":
        raise RenderError("Ce fichier n'est pas un schéma SVG.")
    for node in list(root.iter()):
        if node is root:
            continue
        if not isinstance(node.tag, str):  # entity references, leftovers of the DOCTYPE
            parent = node.getparent()
            if parent is not None:
                _remove_keeping_tail(node)
            continue
        if _local(node.tag) in _DROPPED_ELEMENTS:
            _remove_keeping_tail(node)
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        for name in list(node.attrib):
            local = etree.QName(name).localname.lower()
            value = node.attrib[name]
            if local.startswith("on") or (local == "href" and not value.strip().startswith("#")):
                del node.attrib[name]
            elif local == "style" or "url(" in value.lower():
                node.attrib[name] = _URL.sub("none", _IMPORT.sub("", value))
        if _local(node.tag) == "style" and node.text:
            node.text = _URL.sub("none", _IMPORT.sub("", node.text))
    # Serialising the root alone leaves the DOCTYPE (and its entity declarations) behind.
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


def _remove_keeping_tail(node) -> None:
    parent = node.getparent()
    if parent is None:
        return
    tail = node.tail
    previous = node.getprevious()
    parent.remove(node)
    if tail and tail.strip():
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def svg_to_png(data: bytes, max_side: int) -> bytes:
    """A PNG of the sanitised SVG, at most `max_side` pixels on its longer side."""
    from reportlab.graphics import renderPDF
    from svglib.svglib import svg2rlg

    clean = sanitize_svg(data)
    drawing = svg2rlg(io.BytesIO(clean))
    if drawing is None or not drawing.width or not drawing.height:
        raise RenderError("SVG vide ou sans dimensions.")
    pdf = renderPDF.drawToString(drawing)
    return _rasterise_pdf(pdf, max_side)


def _rasterise_pdf(pdf: bytes, max_side: int) -> bytes:
    program = shutil.which("pdftoppm")
    if program is None:
        raise RenderError("pdftoppm (poppler-utils) n'est pas installé.")
    with tempfile.TemporaryDirectory(prefix="probatio-svg-") as folder:
        source = Path(folder) / "drawing.pdf"
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
    kind: str  # heading, paragraph, list, table
    text: str = ""
    level: int = 0  # heading level (1 = title)
    items: list[str] = field(default_factory=list)  # list items
    rows: list[list[str]] = field(default_factory=list)  # table rows of cell texts

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


def document_pages(data: bytes, kind: str) -> DocumentPages:
    """The text of a .docx ("docx") or .odt ("odt") file, in reading order, split into pages at its
    own page breaks and every PAGE_CHARACTERS characters."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise RenderError("Document illisible : ce n'est pas une archive Office valide.") from None
    with archive:
        part = "word/document.xml" if kind == "docx" else "content.xml"
        try:
            info = archive.getinfo(part)
        except KeyError:
            raise RenderError("Document illisible : partie principale absente.") from None
        if info.file_size > MAX_DOCUMENT_XML_BYTES:
            raise RenderError("Document trop volumineux pour un aperçu.")
        xml = archive.read(part)
    try:
        root = etree.fromstring(xml, _safe_parser())
    except etree.XMLSyntaxError as error:
        raise RenderError(f"Document illisible : {error}") from None
    blocks = _docx_blocks(root) if kind == "docx" else _odt_blocks(root)
    return _paginate(blocks)


_PAGE_BREAK = Block("page-break")


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


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _w_text(node) -> str:
    parts = []
    for element in node.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr"):
        if element.tag == f"{W}t":
            parts.append(element.text or "")
        elif element.tag == f"{W}tab":
            parts.append("\t")
        elif element.get(f"{W}type") != "page":
            parts.append("\n")
    return "".join(parts).strip()


def _docx_blocks(root):
    body = root.find(f"{W}body")
    if body is None:
        return
    pending_list: list[str] = []
    for element in body:
        if element.tag == f"{W}p":
            style = element.find(f"{W}pPr/{W}pStyle")
            style_name = (style.get(f"{W}val") if style is not None else "") or ""
            is_list = element.find(f"{W}pPr/{W}numPr") is not None or style_name.lower().startswith(("list", "paragraphedeliste"))
            text = _w_text(element)
            breaks = element.findall(f".//{W}br[@{W}type='page']")
            if not is_list and pending_list:
                yield Block("list", items=pending_list)
                pending_list = []
            if text:
                if is_list:
                    pending_list.append(text)
                else:
                    level = _heading_level(style_name)
                    yield Block("heading", text=text, level=level) if level else Block("paragraph", text=text)
            if breaks:
                if pending_list:
                    yield Block("list", items=pending_list)
                    pending_list = []
                yield _PAGE_BREAK
        elif element.tag == f"{W}tbl":
            if pending_list:
                yield Block("list", items=pending_list)
                pending_list = []
            rows = [[_w_text(cell) for cell in row.findall(f"{W}tc")] for row in element.findall(f"{W}tr")]
            if rows:
                yield Block("table", rows=rows)
    if pending_list:
        yield Block("list", items=pending_list)


def _heading_level(style_name: str) -> int:
    lowered = style_name.lower().replace(" ", "")
    if lowered in ("title", "titre"):
        return 1  # the document's title reads like its first-level heading
    match = re.fullmatch(r"(?:heading|titre)(\d)", lowered)
    return min(int(match.group(1)), 6) if match else 0


TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _odf_text(node) -> str:
    parts = [node.text or ""]
    for child in node:
        if child.tag == f"{TEXT}s":
            parts.append(" " * int(child.get(f"{TEXT}c", "1") or 1))
        elif child.tag == f"{TEXT}tab":
            parts.append("\t")
        elif child.tag == f"{TEXT}line-break":
            parts.append("\n")
        else:
            parts.append(_odf_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _odt_blocks(root):
    text_body = root.find(f"{OFFICE}body/{OFFICE}text")
    if text_body is None:
        return
    yield from _odf_children(text_body)


def _odf_children(parent):
    for element in parent:
        if element.tag == f"{TEXT}h":
            text = _odf_text(element).strip()
            if text:
                yield Block("heading", text=text, level=min(int(element.get(f"{TEXT}outline-level", "1") or 1), 6))
        elif element.tag == f"{TEXT}p":
            text = _odf_text(element).strip()
            if text:
                yield Block("paragraph", text=text)
        elif element.tag == f"{TEXT}list":
            items = [" ".join(_odf_text(p).strip() for p in item.iter(f"{TEXT}p")).strip()
                     for item in element.findall(f"{TEXT}list-item")]
            items = [i for i in items if i]
            if items:
                yield Block("list", items=items)
        elif element.tag == f"{TABLE}table":
            rows = [[" ".join(_odf_text(p).strip() for p in cell.iter(f"{TEXT}p")).strip()
                     for cell in row.findall(f"{TABLE}table-cell")]
                    for row in element.iter(f"{TABLE}table-row")]
            if rows:
                yield Block("table", rows=rows)
        elif element.tag == f"{TEXT}section":
            yield from _odf_children(element)
