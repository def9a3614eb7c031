"""Reading the files that `PdfPages` and `Svg` blocks embed, checked and bounded, for both renderers.

A PDF is opened with pypdf (its pages are merged into the PDF output and, for Word, drawn as
pictures by pypdfium2 with their text beneath); an SVG is sanitised (`sanitise_svg`: scripts,
event attributes, animations, embedded documents and pictures, external references, the DTD and
its entities removed; the evidence preview draws schemas through the same function) and converted by svglib into a reportlab
drawing: vector in the PDF, a picture in Word (drawn through a one-page PDF by pypdfium2, no
Cairo needed). Anything that cannot be read gives a French reason, shown in place of the part.
"""
from __future__ import annotations

import io
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from lxml import etree

from documents.model import PdfPages, Svg, source_bytes

MAX_PDF_BYTES = 60 * 1024 * 1024
MAX_SVG_BYTES = 5 * 1024 * 1024
MAX_PAGE_SIDE = 14400  # points: PDF's own limit (200 inches)
WORD_PAGE_PIXELS = 800  # width of a page drawn for Word: about 120 dpi as printed, above a screen's 96
PAGE_TEXT_CHARS = 4000  # extracted text kept under each page in Word
# pdfium is not thread-safe: every call into it holds this lock.
PDFIUM_LOCK = threading.Lock()


class EmbedError(Exception):
    """The file cannot be included; the message, in French, says why (shown in the document)."""


# ------------------------------------------------------------------------------------------ PDF


@dataclass
class PreparedPdf:
    reader: object  # pypdf.PdfReader
    data: bytes
    total_pages: int
    pages: list[int]  # indexes of the pages shown
    sizes: list[tuple[float, float]]  # their width and height in points, as displayed
    notes: list[str] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return len(self.pages) < self.total_pages


def prepare_pdf(block: PdfPages) -> PreparedPdf:
    """The PDF opened and checked page by page; EmbedError (French) when it cannot be included."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        data = source_bytes(block.source)
    except OSError as error:
        raise EmbedError(f"fichier illisible ({error.strerror or error})") from None
    if len(data) > MAX_PDF_BYTES:
        raise EmbedError(f"fichier de {len(data) // (1024 * 1024)} Mo, trop volumineux pour le dossier")
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise EmbedError("ce n'est pas un document PDF valide")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception:
                opened = 0
            if not opened:
                raise EmbedError("document protégé par un mot de passe (chiffré)")
        total = len(reader.pages)
    except EmbedError:
        raise
    except (PdfReadError, Exception) as error:  # pypdf raises many types on damaged files
        raise EmbedError(f"document PDF endommagé ({type(error).__name__})") from None
    if total == 0:
        raise EmbedError("le document PDF ne contient aucune page")
    shown, sizes, notes = [], [], []
    for index in range(min(total, block.max_pages)):
        try:
            page = reader.pages[index]
            box = page.cropbox
            width, height = float(box.width), float(box.height)
            if (page.get("/Rotate") or 0) % 180:
                width, height = height, width
            page.get_contents()  # decodes the content streams: catches damaged ones
            if not (1 <= width <= MAX_PAGE_SIDE and 1 <= height <= MAX_PAGE_SIDE):
                raise ValueError("page size")
        except Exception:
            notes.append(f"page {index + 1} endommagée, non reproduite")
            continue
        shown.append(index)
        sizes.append((width, height))
    if not shown:
        raise EmbedError("document PDF endommagé : aucune page lisible")
    return PreparedPdf(reader, data, total, shown, sizes, notes)


def pdf_page_total(data: bytes) -> int | None:
    """The number of pages of a PDF, None when it cannot be opened (the renderers will say why)."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return None
        return len(reader.pages)
    except Exception:
        return None


def pdf_page_pictures(prepared: PreparedPdf) -> list[tuple[tuple[bytes, int, int] | None, str]]:
    """Each shown page drawn as a JPEG (bytes, width px, height px; None for a page pdfium refuses)
    with its text (bounded; "" when none can be read). Pages are drawn one at a time (pdfium is not
    thread-safe) and encoded in parallel (Pillow releases the GIL)."""
    import pypdfium2

    drawn: list[tuple[object, str]] = []
    with PDFIUM_LOCK:
        try:
            document = pypdfium2.PdfDocument(prepared.data, password="")
        except Exception:
            return [(None, pdf_page_text(prepared, index)) for index in prepared.pages]
        try:
            for index, (width, _) in zip(prepared.pages, prepared.sizes, strict=True):
                image, text = None, ""
                try:
                    page = document[index]
                    bitmap = page.render(scale=WORD_PAGE_PIXELS / width, draw_annots=True)
                    image = _rgb(bitmap.to_pil())
                    textpage = page.get_textpage()
                    text = textpage.get_text_bounded() or ""
                    textpage.close()
                    page.close()
                except Exception:
                    text = text or pdf_page_text(prepared, index)
                drawn.append((image, _bounded(text)))
        finally:
            document.close()
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        pictures = list(pool.map(_jpeg, [image for image, _ in drawn]))
    return [(picture, text) for picture, (_, text) in zip(pictures, drawn, strict=True)]


def _rgb(image):
    """pdfium's BGR bitmap comes out of `to_pil` as an RGB copy already: converting copies again."""
    return image if image.mode == "RGB" else image.convert("RGB")


def _jpeg(image) -> tuple[bytes, int, int] | None:
    if image is None:
        return None
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue(), image.width, image.height


def _bounded(text: str) -> str:
    text = " ".join(line.strip() for line in text.splitlines() if line.strip())
    return text[:PAGE_TEXT_CHARS] + ("…" if len(text) > PAGE_TEXT_CHARS else "")


def pdf_page_text(prepared: PreparedPdf, index: int) -> str:
    """The text of one page read by pypdf, bounded; "" when none can be read."""
    try:
        return _bounded(prepared.reader.pages[index].extract_text() or "")
    except Exception:
        return ""


# ------------------------------------------------------------------------------------------ SVG

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# Elements that run code, animate attributes (an <set> can turn a link into javascript:), embed
# other documents or pictures, or fetch things: removed with their content.
_ACTIVE_ELEMENTS = {"script", "iframe", "embed", "object", "audio", "video", "handler", "listener",
                    "set", "animate", "animateMotion", "animateTransform", "animateColor"}
_PICTURE_ELEMENTS = {"image", "feImage"}
_DOCTYPE = re.compile(rb"<!DOCTYPE\s[^\[>]*(\[.*?\]\s*)?>", re.DOTALL | re.IGNORECASE)
# Any entity reference but XML's five and character references.
_ENTITY_REFERENCE = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)[A-Za-z_][\w.-]*;")
_URL = re.compile(r"url\(\s*(['\"]?)(?!#)[^)]*\1\s*\)", re.IGNORECASE)
_IMPORT = re.compile(r"@import[^;]*;?", re.IGNORECASE)
_EXTERNAL = "références externes"
_ACTIVE = "scripts et contenus actifs"
_DTD = "déclarations DTD et entités"


@dataclass
class PreparedSvg:
    drawing: object  # reportlab.graphics.shapes.Drawing, at its natural size in points
    width: float
    height: float
    removed: list[str] = field(default_factory=list)  # French: what sanitising took out
    text: str = ""  # the words the schema shows (its <text> elements), for Word's readers


def sanitise_svg(data: bytes) -> tuple[bytes, list[str]]:
    """The SVG without anything that runs, fetches or expands, and what was removed (French):
    scripts, event handlers and animations, foreignObject and other embedded documents, pictures
    (<image>, <feImage>), references outside the file (href, url(), @import), the DTD and its
    entities. Shared by the dossier and the evidence preview. EmbedError when it is not
    well-formed SVG."""
    if len(data) > MAX_SVG_BYTES:
        raise EmbedError(f"schéma de {len(data) // 1024} Ko, trop volumineux")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    removed: set[str] = set()
    # The DTD goes before parsing: libxml2 would otherwise count (and refuse) a billion laughs.
    without_dtd = _DOCTYPE.sub(b"", data, count=1)
    without_dtd = _ENTITY_REFERENCE.sub(b"", without_dtd)
    if without_dtd != data:
        removed.add(_DTD)
        data = without_dtd
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise EmbedError(f"fichier SVG mal formé ({error.msg})") from None
    if not isinstance(root.tag, str) or etree.QName(root).localname != "svg":
        raise EmbedError("ce fichier n'est pas un schéma SVG")
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        removed.add(_DTD)
    for node in list(root.iter()):
        if not isinstance(node.tag, str):  # entity references, leftovers of the DOCTYPE
            _remove_keeping_tail(node)
            removed.add(_DTD)
            continue
        name = etree.QName(node).localname
        if name in _ACTIVE_ELEMENTS:
            _remove_keeping_tail(node)
            removed.add(_ACTIVE)
        elif name == "foreignObject":
            _remove_keeping_tail(node)
            removed.add("contenus HTML")
        elif name in _PICTURE_ELEMENTS:
            _remove_keeping_tail(node)
            href = next((value for key, value in node.attrib.items() if etree.QName(key).localname == "href"), "")
            removed.add(_EXTERNAL if href and not href.strip().startswith("#") and not href.strip().startswith("data:")
                        else "images incorporées")
    for node in list(root.iter()):
        if not isinstance(node.tag, str):
            continue
        name = etree.QName(node).localname
        if name == "style" and node.text:
            cleaned = _URL.sub("none", _IMPORT.sub("", node.text))
            if cleaned != node.text:
                removed.add(_EXTERNAL)
            if "@import" in cleaned.lower() or _external_url(cleaned):
                _remove_keeping_tail(node)
                continue
            node.text = cleaned
        for attribute in list(node.attrib):
            local = etree.QName(attribute).localname.lower()
            value = node.attrib[attribute]
            if local.startswith("on"):
                del node.attrib[attribute]
                removed.add(_ACTIVE)
            elif local == "href" and not value.strip().startswith("#"):
                removed.add(_EXTERNAL)
                if name == "use":
                    _remove_keeping_tail(node)
                    break
                del node.attrib[attribute]
            elif local == "style" or "url(" in value.lower() or "@import" in value.lower():
                cleaned = _URL.sub("none", _IMPORT.sub("", value))
                if cleaned != value:
                    removed.add(_EXTERNAL)
                if "@import" in cleaned.lower() or _external_url(cleaned):
                    del node.attrib[attribute]
                else:
                    node.attrib[attribute] = cleaned
    # Serialising the root alone leaves the DOCTYPE (and its entity declarations) behind.
    return etree.tostring(root, encoding="utf-8"), sorted(removed)


def _external_url(text: str) -> bool:
    lowered = "".join(text.lower().split()).replace("'", "").replace('"', "")
    return "url(" in lowered and lowered.count("url(") != lowered.count("url(#")


def _remove_keeping_tail(element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def prepare_svg(block: Svg) -> PreparedSvg:
    """The sanitised schema as a reportlab drawing; EmbedError (French) when it cannot be drawn."""
    from svglib.svglib import svg2rlg

    try:
        data = source_bytes(block.source)
    except OSError as error:
        raise EmbedError(f"fichier illisible ({error.strerror or error})") from None
    clean, removed = sanitise_svg(data)
    try:
        drawing = svg2rlg(io.BytesIO(clean), resolve_entities=False,
                          external_reference_root="/nonexistent-probatio-root")
    except Exception as error:  # svglib raises many types on odd drawings
        raise EmbedError(f"schéma impossible à dessiner ({type(error).__name__})") from None
    if drawing is None:
        raise EmbedError("schéma impossible à dessiner")
    width, height = float(drawing.width or 0), float(drawing.height or 0)
    if not (1 <= width <= MAX_PAGE_SIDE and 1 <= height <= MAX_PAGE_SIDE):
        raise EmbedError("dimensions du schéma absentes ou invalides")
    return PreparedSvg(drawing, width, height, removed, _svg_text(clean))


def _svg_text(clean: bytes, limit: int = 2000) -> str:
    root = etree.fromstring(clean, etree.XMLParser(resolve_entities=False, no_network=True))
    words = [" ".join("".join(element.itertext()).split()) for element in root.iter(f"{{{SVG_NS}}}text")]
    text = " · ".join(word for word in words if word)
    return text[:limit]


def scaled_drawing(prepared: PreparedSvg, max_width: float, max_height: float):
    """The drawing fitted into `max_width` × `max_height` points (never enlarged past 1.5×)."""
    from reportlab.graphics.shapes import Drawing, Group

    scale = min(1.5, max_width / prepared.width, max_height / prepared.height)
    group = Group(*prepared.drawing.contents)
    group.scale(scale, scale)
    drawing = Drawing(prepared.width * scale, prepared.height * scale)
    drawing.add(group)
    drawing.hAlign = "CENTER"
    return drawing


def svg_picture(prepared: PreparedSvg, width_px: int = 1200) -> tuple[bytes, int, int]:
    """The schema as a PNG (for Word): drawn to a one-page PDF by reportlab, rasterised by pdfium."""
    import pypdfium2
    from reportlab.graphics import renderPDF

    pdf = renderPDF.drawToString(prepared.drawing)
    with PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(pdf)
        try:
            page = document[0]
            bitmap = page.render(scale=width_px / prepared.width)
            image = _rgb(bitmap.to_pil())
        finally:
            document.close()
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue(), image.width, image.height
