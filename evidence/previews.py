"""How a stored version is shown: previewers chosen by file type, each with its own fragment.

The file-type registry (evidence/filetypes.py) names the previewer of each type; that previewer
is used when it `can_preview(version)` (size limits, pdftoppm installed), else the icon. Each
renders `template` with what its `context(version)` returns. Objects are read through
evidence/files.open_version, which refuses a version held by another backend. The original file
is never served inline: images, PDF pages and SVG schemas are shown as PNG thumbnails made here
(an SVG is sanitised first, by the dossier's own documents/embedded.py: evidence/rendering.py),
text is escaped and highlighted, Word and OpenDocument texts (read by the dossier's
documents/office.py) are shown as pages of escaped text, and everything else is an icon with a
download link.
"""
from __future__ import annotations

import io
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app
from markupsafe import Markup
from PIL import Image, ImageDraw, ImageOps
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_for_filename
from pygments.util import ClassNotFound

from documents.embedded import MAX_SVG_BYTES
from storage.base import CHUNK_SIZE, StorageError, human_size

from evidence.files import StoredElsewhere, open_version
from evidence.filetypes import FileKind, FileType, extension_of, file_type_of
from evidence.models import EvidenceVersion
from evidence.rendering import DocumentPages, RenderError, document_pages, rasterise_pdf, svg_to_png
from evidence.sniffing import decode_text

# Pillow refuses larger images (DecompressionBombError); 40 Mpx covers an 8K screenshot. Set for
# the whole process on purpose: every image decoded by the application is an untrusted upload.
MAX_IMAGE_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
THUMBNAIL_SIZES = {"petite": 400, "grande": 1200}
IMAGE_PREVIEW_MAX_BYTES = 64 * 1024 * 1024
PDF_PREVIEW_MAX_BYTES = 100 * 1024 * 1024
SVG_PREVIEW_MAX_BYTES = MAX_SVG_BYTES  # what the shared sanitiser accepts
DOCUMENT_PREVIEW_MAX_BYTES = 50 * 1024 * 1024
DOCUMENT_FRAGMENT_PAGES = 2  # pages shown on the evidence page; the preview page shows them all
TEXT_PREVIEW_MAX_BYTES = 256 * 1024
TEXT_PREVIEW_MAX_LINES = 2000
TEXT_PAGE_MAX_BYTES = 8 * 1024 * 1024
TEXT_PAGE_MAX_LINES = 200_000
# Above this, text is shown with line numbers but without colours (highlighting is slow).
HIGHLIGHT_MAX_BYTES = 1024 * 1024
PYGMENTS_STYLE = "default"
CSS_CLASS = "highlight"

IMAGE_FORMATS = ("PNG", "JPEG", "WEBP")  # what the registry's "image" previewer types may contain


@dataclass(frozen=True)
class Preview:
    """What a preview fragment needs: which previewer, its template, and its data."""

    kind: str
    template: str
    version: EvidenceVersion
    data: dict[str, Any] = field(default_factory=dict)


class Previewer:
    kind = "icon"
    template = "evidence/previews/_icon.html"
    has_thumbnail = False

    def can_preview(self, version: EvidenceVersion) -> bool:
        raise NotImplementedError

    def context(self, version: EvidenceVersion) -> dict[str, Any]:
        return {}


class ImagePreviewer(Previewer):
    kind = "image"
    template = "evidence/previews/_image.html"
    has_thumbnail = True

    def can_preview(self, version: EvidenceVersion) -> bool:
        return version.size <= IMAGE_PREVIEW_MAX_BYTES


class TextPreviewer(Previewer):
    kind = "text"
    template = "evidence/previews/_text.html"

    def can_preview(self, version: EvidenceVersion) -> bool:
        return True

    def context(self, version: EvidenceVersion) -> dict[str, Any]:
        try:
            excerpt = highlighted_text(version, max_bytes=TEXT_PREVIEW_MAX_BYTES, max_lines=TEXT_PREVIEW_MAX_LINES)
        except StoredElsewhere as error:
            return {"unavailable": True, "refused": str(error)}
        except StorageError as error:
            current_app.logger.warning("Text preview of version %s unavailable: %s", version.id, error)
            return {"unavailable": True}
        return {"excerpt": excerpt, "unavailable": False}


class PdfPreviewer(Previewer):
    kind = "pdf"
    template = "evidence/previews/_pdf.html"
    has_thumbnail = True

    def can_preview(self, version: EvidenceVersion) -> bool:
        return version.size <= PDF_PREVIEW_MAX_BYTES and pdftoppm() is not None


class SvgPreviewer(Previewer):
    """A schema drawn to a PNG on the server after its scripts and external references are removed."""

    kind = "svg"
    template = "evidence/previews/_image.html"
    has_thumbnail = True

    def can_preview(self, version: EvidenceVersion) -> bool:
        return version.size <= SVG_PREVIEW_MAX_BYTES and pdftoppm() is not None


class DocumentPreviewer(Previewer):
    """A Word or OpenDocument text shown as pages: headings, paragraphs, lists and tables, escaped."""

    kind = "document"
    template = "evidence/previews/_document.html"

    def can_preview(self, version: EvidenceVersion) -> bool:
        return version.size <= DOCUMENT_PREVIEW_MAX_BYTES

    def context(self, version: EvidenceVersion) -> dict[str, Any]:
        try:
            document = document_preview(version)
        except StoredElsewhere as error:
            return {"unavailable": True, "refused": str(error)}
        except StorageError as error:
            current_app.logger.warning("Document preview of version %s unavailable: %s", version.id, error)
            return {"unavailable": True}
        except (RenderError, ValueError) as error:
            current_app.logger.warning("No document preview for version %s: %s", version.id, error)
            return {"unavailable": True, "unreadable": True}
        return {"document": document, "unavailable": False}


class IconPreviewer(Previewer):
    """Everything else: a typed icon, the size and a download link."""

    def can_preview(self, version: EvidenceVersion) -> bool:
        return True


ICON = IconPreviewer()
# By the names the file-type registry gives (FileType.previewer).
PREVIEWERS: dict[str, Previewer] = {
    "image": ImagePreviewer(), "text": TextPreviewer(), "pdf": PdfPreviewer(), "svg": SvgPreviewer(),
    "document": DocumentPreviewer(), "icon": ICON,
}


def file_type(version: EvidenceVersion) -> FileType:
    return file_type_of(version.filename, version.media_type)


def is_text(version: EvidenceVersion) -> bool:
    return file_type(version).is_text


def previewer_for(version: EvidenceVersion) -> Previewer:
    previewer = PREVIEWERS[file_type(version).previewer]
    return previewer if previewer.can_preview(version) else ICON


def preview_of(version: EvidenceVersion) -> Preview:
    """The preview of a version, ready for `evidence/previews/_preview.html`."""
    previewer = previewer_for(version)
    known = file_type(version)
    data = {
        "type_label": known.label[:1].upper() + known.label[1:],
        "extension": (extension_of(version.filename) or "?").upper(),
        "size": human_size(version.size),
        "is_svg": known.kind == FileKind.SVG,
        **previewer.context(version),
    }
    return Preview(kind=previewer.kind, template=previewer.template, version=version, data=data)


# --- text ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HighlightedText:
    html: Markup
    truncated: bool
    lines: int
    shown_bytes: int


def _read_at_most(version: EvidenceVersion, limit: int) -> bytes:
    chunks: list[bytes] = []
    remaining = limit
    with open_version(version) as stream:
        while remaining > 0 and (data := stream.read(min(CHUNK_SIZE, remaining))):
            chunks.append(data)
            remaining -= len(data)
    return b"".join(chunks)


def _lexer(filename: str, size: int):
    if size <= HIGHLIGHT_MAX_BYTES:
        try:
            return get_lexer_for_filename(filename, stripnl=False, ensurenl=True)
        except ClassNotFound:
            pass
    return TextLexer(stripnl=False, ensurenl=True)


def highlighted_text(version: EvidenceVersion, *, max_bytes: int, max_lines: int) -> HighlightedText:
    """The beginning of a text version, escaped and highlighted (CSS classes only, no inline style)."""
    data = _read_at_most(version, max_bytes)
    cut = version.size > len(data)
    text = decode_text(data, complete=not cut)
    lines = text.splitlines(keepends=True)
    truncated = cut or len(lines) > max_lines
    text = "".join(lines[:max_lines])
    formatter = HtmlFormatter(
        linenos="table", cssclass=CSS_CLASS, wrapcode=True, lineanchors=f"v{version.id}-ligne", style=PYGMENTS_STYLE
    )
    html = highlight(text, _lexer(version.filename, len(data)), formatter)
    return HighlightedText(html=Markup(html), truncated=truncated, lines=min(len(lines), max_lines), shown_bytes=len(data))


def pygments_css() -> str:
    """The stylesheet static/css/pygments.css is generated from (see tests/evidence/test_previews.py)."""
    rules = HtmlFormatter(style=PYGMENTS_STYLE, cssclass=CSS_CLASS).get_style_defs(f".{CSS_CLASS}")
    # Pygments leaves a few rules (pre, line numbers) unscoped: keep them inside the highlighted block.
    scoped = [rule if rule.startswith(f".{CSS_CLASS}") else f".{CSS_CLASS} {rule}" for rule in rules.splitlines()]
    header = f"/* Generated by evidence.previews.pygments_css() ({PYGMENTS_STYLE} style); do not edit. */"
    return "\n".join([header, *scoped]) + "\n"


# --- thumbnails ----------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def pdftoppm() -> str | None:
    return shutil.which("pdftoppm")


@lru_cache(maxsize=4)
def placeholder_png(size: int) -> bytes:
    """A neutral "no preview" picture (the page's alt text says what it stands for)."""
    width, height = size, size * 3 // 4
    image = Image.new("RGB", (width, height), (238, 240, 244))
    draw = ImageDraw.Draw(image)
    margin = size // 5
    draw.rectangle((margin, margin, width - margin, height - margin), outline=(150, 154, 164), width=max(2, size // 100))
    draw.line((margin, margin, width - margin, height - margin), fill=(150, 154, 164), width=max(2, size // 100))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _spool(version: EvidenceVersion, limit: int):
    """The object copied into a seekable spooled file (memory, then disk past 8 MB)."""
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    copied = 0
    with open_version(version) as stream:
        while data := stream.read(CHUNK_SIZE):
            copied += len(data)
            if copied > limit:
                spool.close()
                raise ValueError("object larger than the preview limit")
            spool.write(data)
    spool.seek(0)
    return spool


def _png(image: Image.Image) -> bytes:
    if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def image_thumbnail(version: EvidenceVersion, max_side: int) -> bytes:
    """A PNG of at most max_side pixels a side, re-encoded from the image (metadata dropped)."""
    with _spool(version, IMAGE_PREVIEW_MAX_BYTES) as source, warnings.catch_warnings():
        # Between MAX_IMAGE_PIXELS and twice that, Pillow only warns: refuse those as well.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(source, formats=IMAGE_FORMATS) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise Image.DecompressionBombError(f"{image.width}x{image.height} pixels")
            image.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced scale
            image = ImageOps.exif_transpose(image)
            image.thumbnail((max_side, max_side))
            return _png(image)


def svg_thumbnail(version: EvidenceVersion, max_side: int) -> bytes:
    """The sanitised schema drawn to a PNG (evidence/rendering.svg_to_png, on documents/embedded.py)."""
    with _spool(version, SVG_PREVIEW_MAX_BYTES) as source:
        return svg_to_png(source.read(), max_side)


def document_preview(version: EvidenceVersion) -> DocumentPages:
    """The pages of a Word (.docx) or OpenDocument (.odt) version (evidence/rendering.document_pages,
    on documents/office.py)."""
    kind = "odt" if extension_of(version.filename) == "odt" else "docx"
    with _spool(version, DOCUMENT_PREVIEW_MAX_BYTES) as source:
        return document_pages(source.read(), kind, version.filename)


def pdf_thumbnail(version: EvidenceVersion, max_side: int) -> bytes:
    """The first page rendered by poppler's pdftoppm, in a time- and memory-limited process
    (evidence/rendering.rasterise_pdf)."""
    if pdftoppm() is None:
        raise FileNotFoundError("pdftoppm")
    with tempfile.TemporaryDirectory(prefix="probatio-pdf-") as folder:
        source = Path(folder) / "source.pdf"
        with _spool(version, PDF_PREVIEW_MAX_BYTES) as data, open(source, "wb") as out:
            shutil.copyfileobj(data, out, CHUNK_SIZE)
        return rasterise_pdf(source, max_side)


def thumbnail(version: EvidenceVersion, max_side: int) -> bytes | None:
    """The thumbnail PNG of an image or PDF version, a placeholder when it cannot be made, or
    None when this kind of version has no thumbnail."""
    previewer = previewer_for(version)
    if not previewer.has_thumbnail:
        return None
    try:
        if previewer.kind == "image":
            return image_thumbnail(version, max_side)
        if previewer.kind == "svg":
            return svg_thumbnail(version, max_side)
        return pdf_thumbnail(version, max_side)
    except StorageError:
        raise
    except Exception as error:  # an untrusted file met a decoder: show the placeholder, keep a trace
        current_app.logger.warning("No thumbnail for version %s (%s): %r", version.id, version.media_type, error)
        return placeholder_png(max_side)
