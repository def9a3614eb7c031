"""The images of excerpts: an anchored region of an image, a PDF page (issue 13).

Both are rendered once per version and region (or page and size) and cached as derived objects
of the store (evidence/excerpts.py); both are read under the same rule as the version's file
(Permission.READ_EVIDENCE_FILE: whoever may see the portfolio, and jurors for the versions of a
submission they examine).
"""
from __future__ import annotations

from flask import Blueprint, Response, g, request
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from accounts.policy import Permission, authorize, requires
from extensions import db

from evidence import excerpts
from evidence.models import ClaimAnchor, EvidenceVersion

bp = Blueprint("evidence_excerpts", __name__)


# --- template helpers: every excerpt of a page built in one pass (one query), once per request --

@bp.app_template_global("claim_excerpts")
def claim_excerpts(claims) -> dict[int, list[excerpts.Excerpt]]:
    """{claim id: [Excerpt…]} for these live claims (the evidence page)."""
    ids = tuple(sorted(claim.id for claim in claims))
    memo = g.setdefault("claim_excerpts", {})
    if ids not in memo:
        memo[ids] = excerpts.live_excerpts(ids)
    return memo[ids]


@bp.app_template_global("portfolio_excerpts")
def portfolio_excerpts(portfolio_id: int) -> dict[tuple[int, int], list[excerpts.Excerpt]]:
    """{(evidence id, criterion id): [Excerpt…]} for a portfolio's live claims (the coverage matrix)."""
    memo = g.setdefault("portfolio_excerpts", {})
    if portfolio_id not in memo:
        memo[portfolio_id] = excerpts.portfolio_excerpts(portfolio_id)
    return memo[portfolio_id]


def _readable_version(version_id: int) -> EvidenceVersion:
    version = db.session.get(EvidenceVersion, version_id)
    authorize(Permission.READ_EVIDENCE_FILE, version)
    return version


def _png(data: bytes, etag: str) -> Response:
    response = Response(data, mimetype="image/png")
    response.set_etag(etag)
    # Versions never change: the browser may keep the picture, privately.
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _not_modified(etag: str) -> Response | None:
    if request.if_none_match.contains(etag):
        response = Response(status=304)
        response.set_etag(etag)
        return response
    return None


def _span(version: EvidenceVersion, **location) -> excerpts.AnchorSpan:
    return excerpts.AnchorSpan(
        id=None, kind=location.pop("kind"), version_id=version.id, version_number=version.number,
        sha256=version.sha256, filename=version.filename, media_type=version.media_type,
        object_key=version.object_key, backend=version.backend, size=version.size, **location,
    )


def _anchored_region(version: EvidenceVersion, zone: str) -> bool:
    """Whether this region is (or was, its crop being cached) anchored on the version: arbitrary
    regions are not rendered, so that nobody fills the store with crops."""
    rows = db.session.scalars(
        select(ClaimAnchor).where(ClaimAnchor.version_id == version.id, ClaimAnchor.kind == "region")
    )
    return any(excerpts.AnchorSpan.of(row, version).region_name == zone for row in rows)


@bp.route("/versions/<int:version_id>/zones/<zone>.png")
@requires(Permission.VIEW_PORTFOLIO)
def crop(version_id: int, zone: str):
    """The anchored region `zone` (x-y-width-height in ten-thousandths) of an image version."""
    version = _readable_version(version_id)
    region = excerpts.parse_region_name(zone)
    if region is None:
        raise NotFound()
    etag = f"{version.sha256}-zone-{zone}-1"
    if (cached := _not_modified(etag)) is not None:
        return cached
    x, y, width, height = region
    span = _span(version, kind="region", x=x, y=y, width=width, height=height)
    if not (excerpts.crop_is_cached(span) or _anchored_region(version, zone)):
        raise NotFound()
    try:
        png = excerpts.crop_png(span)
    except excerpts.StorageError:
        raise
    except Exception:  # a damaged image: the neutral placeholder, as for thumbnails
        from evidence.previews import placeholder_png

        png = placeholder_png(400)
    return _png(png, etag)


@bp.route("/versions/<int:version_id>/pages/<int:number>")
@requires(Permission.VIEW_PORTFOLIO)
def page(version_id: int, number: int):
    """Page `number` of a PDF version as a picture (?taille=petite|grande)."""
    version = _readable_version(version_id)
    side = excerpts.PAGE_SIZES.get(request.args.get("taille", "petite"))
    if side is None or number < 1:
        raise NotFound()
    total = excerpts.page_count(version) if excerpts.kind_of(version) == excerpts.FileKind.PDF else None
    if total is None or number > total:
        raise NotFound()
    etag = f"{version.sha256}-page-{number}-{side}-1"
    if (cached := _not_modified(etag)) is not None:
        return cached
    try:
        png = excerpts.page_png(version, number, side)
    except excerpts.StorageError:
        raise
    except Exception:  # a damaged PDF: the neutral placeholder, as for thumbnails
        from evidence.previews import placeholder_png

        png = placeholder_png(side)
    return _png(png, etag)
