"""Excerpts cut from a stored version for an anchored claim (issue 13), and the facts they rest on.

    excerpt_for(anchor, version=None, *, context=3) -> Excerpt
    excerpts_by_claim(snapshot)  -> {(evidence_id, criterion_id): [Excerpt…]}   (a frozen submission)
    live_excerpts(claim_ids), portfolio_excerpts(portfolio_id)                  (live claims, one query)
    crop_png(span) / page_png(span, number, max_side) -> PNG bytes, rendered once and cached

`anchor` is a ClaimAnchor row (live: the candidate's and tutor's pages) or an AnchorSpan
(`AnchorSpan.from_snapshot(d)`: frozen submissions are cut from their snapshot, never from live
rows). An excerpt never raises for a damaged or missing file: `Excerpt.error` says why in French.

The facts about a version (line_count, page_count, sheet_names, sheet_bounds, read_lines, the line
index) live in evidence/excerpt_facts.py and are re-exported here.
"""
from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from flask import current_app, url_for

from evidence.excerpt_facts import (  # noqa: F401  (re-exported: the anchor services call them here)
    FACTS_NAME,
    LINE_INDEX_NAME,
    LINE_INDEX_STEP,
    OFFICE_FACTS_MAX_BYTES,
    PDF_FACTS_MAX_BYTES,
    _scan_lines,
    _spooled_path,
    build_line_index,
    clear_memory_cache,
    facts_of,
    kind_of,
    line_count,
    line_index,
    page_count,
    pdf_page_text,
    prepare_facts,
    read_lines,
    sheet_bounds,
    sheet_names,
    store_for,
)
from evidence.files import StoredElsewhere
from evidence.filetypes import FileKind, extension_of
from storage.base import ObjectNotFound, StorageError, derived_key


# --- anchors as spans ---------------------------------------------------------------------------

LOCATION_KEYS = {
    "lines": ("line_start", "line_end"),
    "pages": ("page_start", "page_end"),
    "region": ("x", "y", "width", "height"),
    "cells": ("sheet", "cells"),
}
KIND_WORDS = {"lines": "lignes", "pages": "pages", "region": "zone de l'image", "cells": "cellules"}


@dataclass(frozen=True)
class AnchorSpan:
    """An anchor as a frozen submission recorded it: the ClaimAnchor attribute names, plus the
    version's object (sha256, object_key, backend), media type and file name."""

    id: int | None
    kind: str
    version_id: int | None
    version_number: int | None = None
    sha256: str = ""
    filename: str = ""
    media_type: str = ""
    object_key: str = ""
    backend: str = ""
    size: int | None = None
    line_start: int | None = None
    line_end: int | None = None
    page_start: int | None = None
    page_end: int | None = None
    x: float | None = None
    y: float | None = None
    width: float | None = None
    height: float | None = None
    sheet: str | None = None
    cells: str | None = None

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any]) -> AnchorSpan:
        known = {f.name for f in fields(cls)}
        return cls(**{key: data.get(key) for key in known if key in data or key in ("id", "kind", "version_id")})

    @classmethod
    def of(cls, anchor: Any, version: Any = None) -> AnchorSpan:
        """A live ClaimAnchor (and its version) as a span; a span is returned unchanged."""
        if isinstance(anchor, AnchorSpan):
            return anchor
        version = version if version is not None else anchor.version
        location = {key: getattr(anchor, key) for key in LOCATION_KEYS.get(anchor.kind, ())}
        return cls(
            id=getattr(anchor, "id", None), kind=anchor.kind, version_id=version.id, version_number=version.number,
            sha256=version.sha256, filename=version.filename, media_type=version.media_type,
            object_key=version.object_key, backend=version.backend, size=version.size, **location,
        )

    @property
    def region_name(self) -> str:
        """The region in the name of its cached crop: four numbers in ten-thousandths."""
        return "-".join(str(round(float(v or 0) * 10000)) for v in (self.x, self.y, self.width, self.height))


def label_of(span: Any) -> str:
    """The anchor in French: "lignes 1200–1234", "pages 3–4", "zone de l'image", "feuille X, B2:D40"."""
    if span.kind == "lines":
        return _range_label("ligne", "lignes", span.line_start, span.line_end)
    if span.kind == "pages":
        return _range_label("page", "pages", span.page_start, span.page_end)
    if span.kind == "region":
        return "zone de l'image"
    if span.kind == "cells":
        return f"feuille {span.sheet}, {span.cells}"
    return "extrait"


def _range_label(one: str, many: str, start, end) -> str:
    if start is None:
        return many
    if end is None or end == start:
        return f"{one} {start}"
    return f"{many} {start}–{end}"


# --- excerpts -----------------------------------------------------------------------------------

MAX_EXCERPT_LINES = 200  # anchored lines shown; the rest is one click away
MAX_LINE_CHARS = 2000
MAX_EXCERPT_PAGES = 6
MAX_EXCERPT_CELLS = 400
CROP_MAX_SIDE = 1200
PAGE_SIZES = {"petite": 300, "grande": 1200}
CROP_NAME = "crop-{region}-v1.png"
PAGE_NAME = "page-{number}-{side}-v1.png"


@dataclass
class Excerpt:
    """One anchor's excerpt, ready for templates/evidence/_excerpt.html and the dossier."""

    kind: str
    label: str
    filename: str = ""
    version_number: int | None = None
    lines: list[tuple[int, str, bool]] | None = None
    more_lines: int = 0  # anchored lines not shown (beyond MAX_EXCERPT_LINES)
    image_url: str | None = None
    full_url: str | None = None
    pages: list[tuple[int, str | None]] | None = None
    page_texts: list[tuple[int, list]] | None = None  # Word/ODT: the blocks of the anchored pages
    rows: list[tuple[int, list[str]]] | None = None
    columns: list[str] | None = None
    error: str | None = None
    span: AnchorSpan | None = None

    @property
    def description(self) -> str:
        """The alternative text of a crop, and the caption of any excerpt."""
        version = f" (version {self.version_number})" if self.version_number else ""
        return f"{self.label[:1].upper()}{self.label[1:]} de « {self.filename} »{version}"


def _url(endpoint: str, **values) -> str | None:
    try:
        return url_for(endpoint, **values)
    except RuntimeError:  # no request (a dossier built by a job): no link to give
        return None


def _storage_message(error: StorageError) -> str:
    if isinstance(error, ObjectNotFound):
        return "Le fichier de cet extrait est introuvable dans le stockage : l'extrait ne peut pas être affiché."
    if isinstance(error, StoredElsewhere):
        return "Le fichier de cet extrait est conservé par un autre stockage : l'extrait ne peut pas être affiché."
    return "Le stockage n'a pas pu lire le fichier de cet extrait ; réessayez plus tard."


def excerpt_for(anchor: Any, version: Any = None, *, context: int = 3) -> Excerpt:
    """The excerpt of one anchor (a ClaimAnchor or an AnchorSpan); never raises for a bad file."""
    span = AnchorSpan.of(anchor, version)
    excerpt = Excerpt(kind=span.kind, label=label_of(span), filename=span.filename,
                      version_number=span.version_number, span=span)
    try:
        if span.kind == "lines":
            _cut_lines(span, excerpt, context)
        elif span.kind == "region":
            _cut_region(span, excerpt)
        elif span.kind == "pages":
            _cut_pages(span, excerpt)
        elif span.kind == "cells":
            _cut_cells(span, excerpt)
        else:
            excerpt.error = "Extrait d'un type inconnu : il ne peut pas être affiché."
    except StorageError as error:
        current_app.logger.warning("Excerpt of anchor %s: %s", span.id, error)
        excerpt.error = _storage_message(error)
    except ExcerptUnavailable as error:
        excerpt.error = str(error)
    except Exception as error:  # an untrusted file met a reader: say so, keep a trace, never a 500
        current_app.logger.warning("Excerpt of anchor %s (%s): %r", span.id, span.filename, error)
        excerpt.error = "Ce fichier est endommagé ou illisible : l'extrait ne peut pas être affiché."
    return excerpt


class ExcerptUnavailable(Exception):
    """The excerpt cannot be cut (French message)."""


def _cut_lines(span: AnchorSpan, excerpt: Excerpt, context: int) -> None:
    if kind_of(span) not in (FileKind.TEXT, FileKind.SCRIPT):
        raise ExcerptUnavailable("Ce fichier n'est pas un texte : ses lignes ne peuvent pas être affichées.")
    start, end = int(span.line_start or 1), int(span.line_end or span.line_start or 1)
    total = int(build_line_index(span)["lines"])
    if start > total:
        raise ExcerptUnavailable(
            f"Le fichier ne compte que {total} ligne(s) : les lignes {start}–{end} n'existent pas dans cette version."
        )
    shown_end = min(end, start + MAX_EXCERPT_LINES - 1, total)
    excerpt.more_lines = max(0, min(end, total) - shown_end)
    first = max(1, start - context)
    last = min(total, shown_end + context) if not excerpt.more_lines else shown_end
    texts = read_lines(span, first, last)
    excerpt.lines = [
        (number, text[:MAX_LINE_CHARS] + ("…" if len(text) > MAX_LINE_CHARS else ""), start <= number <= end)
        for number, text in enumerate(texts, start=first)
    ]
    if span.version_id is not None:
        from evidence.previews import TEXT_PAGE_MAX_BYTES

        if span.size is not None and span.size <= TEXT_PAGE_MAX_BYTES:
            excerpt.full_url = _url("evidence_files.text", version_id=span.version_id, _anchor=f"v{span.version_id}-ligne-{start}")
        else:
            excerpt.full_url = _url("evidence_files.download", version_id=span.version_id)


def _region_box(span: AnchorSpan) -> tuple[float, float, float, float]:
    x, y, w, h = (float(v) if v is not None else None for v in (span.x, span.y, span.width, span.height))
    if None in (x, y, w, h) or not (0 <= x < 1 and 0 <= y < 1 and 0 < w <= 1 and 0 < h <= 1):
        raise ExcerptUnavailable("La zone de cet extrait est invalide : elle ne peut pas être affichée.")
    return x, y, min(w, 1 - x), min(h, 1 - y)


def _cut_region(span: AnchorSpan, excerpt: Excerpt) -> None:
    if kind_of(span) not in (FileKind.IMAGE, FileKind.SVG):
        raise ExcerptUnavailable("Ce fichier n'est pas une image : une zone ne peut pas y être découpée.")
    _region_box(span)
    if not crop_is_cached(span):
        crop_png(span)  # rendered now (and cached) so that a damaged image says so here
    if span.version_id is not None:
        excerpt.image_url = _url("evidence_excerpts.crop", version_id=span.version_id, zone=span.region_name)
        excerpt.full_url = _url("evidence_files.thumbnail", version_id=span.version_id, taille="grande")


def _cut_pages(span: AnchorSpan, excerpt: Excerpt) -> None:
    kind = kind_of(span)
    start, end = int(span.page_start or 1), int(span.page_end or span.page_start or 1)
    if kind == FileKind.PDF:
        total = page_count(span)
        if total is None:
            raise ExcerptUnavailable("Ce document PDF est endommagé ou illisible : ses pages ne peuvent pas être affichées.")
        _check_pages(start, end, total)
        numbers = list(range(start, min(end, total, start + MAX_EXCERPT_PAGES - 1) + 1))
        excerpt.pages = [
            (n, _url("evidence_excerpts.page", version_id=span.version_id, number=n, taille="petite")
             if span.version_id is not None else None)
            for n in numbers
        ]
        if span.version_id is not None:
            excerpt.full_url = _url("evidence_excerpts.page", version_id=span.version_id, number=start, taille="grande")
    elif kind == FileKind.DOCUMENT:
        from evidence.previews import document_preview

        rendered = document_preview(span)
        _check_pages(start, end, rendered.count)
        excerpt.page_texts = [(n, rendered.pages[n - 1]) for n in range(start, min(end, rendered.count) + 1)]
        if span.version_id is not None:
            excerpt.full_url = _url("evidence_files.preview", version_id=span.version_id)
    else:
        raise ExcerptUnavailable("Ce fichier n'a pas de pages : l'extrait ne peut pas être affiché.")


def _check_pages(start: int, end: int, total: int) -> None:
    if start > total:
        raise ExcerptUnavailable(f"Le document ne compte que {total} page(s) : la page {start} n'existe pas dans cette version.")


def _cut_cells(span: AnchorSpan, excerpt: Excerpt) -> None:
    from evidence.sheets import column_letters, parse_range, read_cells

    if kind_of(span) != FileKind.SPREADSHEET:
        raise ExcerptUnavailable("Ce fichier n'est pas un classeur : ses cellules ne peuvent pas être affichées.")
    bounds = parse_range(span.cells or "")
    if bounds is None:
        raise ExcerptUnavailable(f"La plage « {span.cells} » est invalide : elle ne peut pas être affichée.")
    if span.sheet not in sheet_names(span):
        raise ExcerptUnavailable(f"La feuille « {span.sheet} » n'existe pas dans ce classeur.")
    first_row, first_col, last_row, last_col = bounds
    width = last_col - first_col + 1
    last_row = min(last_row, first_row + max(1, MAX_EXCERPT_CELLS // width) - 1)
    with tempfile.TemporaryDirectory(prefix="probatio-cells-") as folder:
        path = _spooled_path(span, OFFICE_FACTS_MAX_BYTES, folder)
        rows = read_cells(path, extension_of(span.filename), span.sheet, (first_row, first_col, last_row, last_col))
    excerpt.columns = [column_letters(n) for n in range(first_col, last_col + 1)]
    excerpt.rows = [(first_row + i, row) for i, row in enumerate(rows)]
    if span.version_id is not None:
        excerpt.full_url = _url("evidence_files.download", version_id=span.version_id)


# --- images rendered once and cached ------------------------------------------------------------

def _cached_png(span: Any, name: str, render: Callable[[], bytes]) -> bytes:
    store = store_for(span)
    key = derived_key(span.sha256, name)
    try:
        with store.open(key) as stream:
            data = stream.read()
        if data.startswith(b"\x89PNG"):
            return data
    except ObjectNotFound:
        pass
    png = render()
    try:
        store.put_derived(key, png)
    except StorageError as error:
        current_app.logger.warning("Derived image %s not stored: %s", key, error)
    return png


def crop_is_cached(span: AnchorSpan) -> bool:
    return store_for(span).exists(derived_key(span.sha256, CROP_NAME.format(region=span.region_name)))


def crop_png(span: AnchorSpan) -> bytes:
    """The anchored region of an image (or of a rendered SVG schema) as a PNG of at most
    CROP_MAX_SIDE pixels a side, re-encoded (metadata dropped); rendered once and cached."""
    x, y, w, h = _region_box(span)

    def render() -> bytes:
        from PIL import Image, ImageOps

        from evidence import previews

        if kind_of(span) == FileKind.SVG:
            source = io.BytesIO(previews.svg_thumbnail(span, 2400))
            formats = ("PNG",)
        else:
            source = previews._spool(span, previews.IMAGE_PREVIEW_MAX_BYTES)
            formats = previews.IMAGE_FORMATS
        with source, warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source, formats=formats) as image:
                if image.width * image.height > previews.MAX_IMAGE_PIXELS:
                    raise Image.DecompressionBombError(f"{image.width}x{image.height} pixels")
                image = ImageOps.exif_transpose(image)
                box = (
                    int(x * image.width), int(y * image.height),
                    max(int(x * image.width) + 1, round((x + w) * image.width)),
                    max(int(y * image.height) + 1, round((y + h) * image.height)),
                )
                piece = image.crop(box)
                piece.thumbnail((CROP_MAX_SIDE, CROP_MAX_SIDE))
                return previews._png(piece)

    return _cached_png(span, CROP_NAME.format(region=span.region_name), render)


def page_png(span: Any, number: int, max_side: int) -> bytes:
    """Page `number` of a PDF version as a PNG of at most `max_side` pixels a side, drawn by
    poppler's pdftoppm in a time- and memory-limited process; rendered once and cached."""
    def render() -> bytes:
        from evidence import previews
        from evidence.rendering import RENDER_MEMORY_LIMIT, RENDER_TIMEOUT_SECONDS, RenderError

        program = previews.pdftoppm()
        if program is None:
            raise RenderError("pdftoppm (poppler-utils) n'est pas installé.")
        with tempfile.TemporaryDirectory(prefix="probatio-page-") as folder:
            source = _spooled_path(span, PDF_FACTS_MAX_BYTES, folder)
            command = [program, "-f", str(number), "-l", str(number), "-png", "-scale-to", str(max_side),
                       "-singlefile", str(source), str(Path(folder) / "page")]
            limiter = shutil.which("prlimit")
            if limiter:
                command = [limiter, f"--as={RENDER_MEMORY_LIMIT}", f"--cpu={RENDER_TIMEOUT_SECONDS}", "--", *command]
            try:
                subprocess.run(command, check=True, capture_output=True, timeout=RENDER_TIMEOUT_SECONDS,
                               stdin=subprocess.DEVNULL)
            except (subprocess.SubprocessError, OSError) as error:
                raise RenderError(f"rendu impossible : {error}") from None
            return (Path(folder) / "page.png").read_bytes()

    return _cached_png(span, PAGE_NAME.format(number=int(number), side=int(max_side)), render)


# --- a frozen submission's excerpts, in one pass ------------------------------------------------

def excerpts_by_claim(snapshot: Mapping[str, Any], *, context: int = 3) -> dict[tuple[int, int], list[Excerpt]]:
    """Every anchored claim of a submission snapshot: {(evidence id, criterion id): [Excerpt…]},
    cut from the snapshot (never from live rows). No database query."""
    found: dict[tuple[int, int], list[Excerpt]] = {}
    sizes = {v["id"]: v.get("size") for e in snapshot.get("evidence", []) for v in e.get("versions", [])}
    for evidence in snapshot.get("evidence", []):
        for claim in evidence.get("claims", []):
            anchors = claim.get("anchors") or []
            if anchors:
                found[(evidence["id"], claim["criterion_id"])] = [
                    excerpt_for(AnchorSpan.from_snapshot({"size": sizes.get(a.get("version_id")), **a}), context=context)
                    for a in anchors
                ]
    return found


def _live_anchors(query) -> list:
    from sqlalchemy.orm import selectinload

    from evidence.models import ClaimAnchor
    from extensions import db

    return list(db.session.scalars(query.options(selectinload(ClaimAnchor.version)).order_by(ClaimAnchor.id)))


def live_excerpts(claim_ids) -> dict[int, list[Excerpt]]:
    """The excerpts of live claims (the evidence page: candidate and tutor), {claim id: [Excerpt…]},
    their anchors read in one query."""
    from sqlalchemy import select

    from evidence.models import ClaimAnchor

    ids = sorted(set(claim_ids))
    found: dict[int, list[Excerpt]] = {}
    if ids:
        for anchor in _live_anchors(select(ClaimAnchor).where(ClaimAnchor.claim_id.in_(ids))):
            found.setdefault(anchor.claim_id, []).append(excerpt_for(anchor))
    return found


def portfolio_excerpts(portfolio_id: int) -> dict[tuple[int, int], list[Excerpt]]:
    """The excerpts of a portfolio's live claims (the coverage matrix), {(evidence id, criterion
    id): [Excerpt…]}, their anchors read in one query."""
    from sqlalchemy import select

    from evidence.models import Claim, ClaimAnchor, Evidence

    query = (
        select(ClaimAnchor, Claim.evidence_id, Claim.criterion_id)
        .join(Claim, ClaimAnchor.claim_id == Claim.id)
        .join(Evidence, Claim.evidence_id == Evidence.id)
        .where(Evidence.portfolio_id == portfolio_id, Evidence.deleted_at.is_(None))
    )
    from sqlalchemy.orm import selectinload

    from extensions import db

    found: dict[tuple[int, int], list[Excerpt]] = {}
    rows = db.session.execute(query.options(selectinload(ClaimAnchor.version)).order_by(ClaimAnchor.id))
    for anchor, evidence_id, criterion_id in rows:
        found.setdefault((evidence_id, criterion_id), []).append(excerpt_for(anchor))
    return found


def parse_region_name(name: str) -> tuple[float, float, float, float] | None:
    """"1000-2000-3000-4000" -> (0.1, 0.2, 0.3, 0.4); None when malformed."""
    parts = name.split("-")
    if len(parts) != 4 or not all(p.isdigit() and len(p) <= 5 for p in parts):
        return None
    return tuple(int(p) / 10000 for p in parts)  # type: ignore[return-value]

