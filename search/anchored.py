"""Search results that fall inside an anchored excerpt (issue 13): which claim and criterion the
found words support.

    anchored_matches(hits, query) -> {(version_id, submission_id): [AnchoredMatch…]}

A result is a file version; each anchor on that version (live claims for today's portfolio, the
snapshot's anchors for a frozen submission: never live rows for a frozen result) is read back
(evidence/excerpts.py: the anchored lines by a ranged read, the PDF pages' text, the cells) and
kept when it holds every word of the query, compared as the index compares them (stems, accents
folded: search/analysis.py). Regions of images hold no text we can compare: they are not named.
Queries for the whole page of results: one for the live anchors, one for the submissions.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from evidence import excerpts
from evidence.models import Claim, ClaimAnchor
from extensions import db
from portfolio.models import Submission
from referentials.models import Criterion
from storage.base import StorageError

from search.analysis import alternatives

MAX_TEXT_LINES = 400  # anchored lines compared; a longer anchor is compared on its first lines
MAX_PDF_PAGES = 6


@dataclass(frozen=True)
class AnchoredMatch:
    criterion_label: str  # "BC01 · CE3"
    criterion_text: str
    anchor_label: str  # "lignes 120–124"
    justification: str


def _query_words(query: str) -> list[set[str]]:
    return [set(terms) for terms in alternatives(query or "")]


def _text_terms(text: str) -> set[str]:
    return {term for terms in alternatives(text) for term in terms}


def _anchored_text(span: excerpts.AnchorSpan) -> str:
    """The text inside an anchor ("" when it holds none we can read)."""
    if span.kind == "lines" and span.line_start:
        end = min(int(span.line_end or span.line_start), int(span.line_start) + MAX_TEXT_LINES - 1)
        return "\n".join(excerpts.read_lines(span, int(span.line_start), end))
    if span.kind == "pages" and span.page_start and excerpts.kind_of(span) == excerpts.FileKind.PDF:
        end = min(int(span.page_end or span.page_start), int(span.page_start) + MAX_PDF_PAGES - 1)
        return "\n".join(excerpts.pdf_page_text(span, n) for n in range(int(span.page_start), end + 1))
    if span.kind == "cells":
        excerpt = excerpts.excerpt_for(span, context=0)
        return "\n".join(" ".join(cells) for _, cells in excerpt.rows or [])
    return ""


def _holds(span: excerpts.AnchorSpan, wanted: list[set[str]]) -> bool:
    try:
        terms = _text_terms(_anchored_text(span))
    except StorageError as error:
        current_app.logger.warning("Anchored search: anchor %s unreadable: %s", span.id, error)
        return False
    except Exception as error:  # a damaged file: it supports nothing we can show
        current_app.logger.warning("Anchored search: anchor %s: %r", span.id, error)
        return False
    return all(words & terms for words in wanted)


def anchored_matches(hits, query: str) -> dict[tuple[int, int | None], list[AnchoredMatch]]:
    """For the results of one page: the claims whose anchored excerpt holds the query's words."""
    wanted = _query_words(query)
    found: dict[tuple[int, int | None], list[AnchoredMatch]] = {}
    if not wanted:
        return found
    live = {hit.version_id for hit in hits if hit.version_id and hit.submission_id is None}
    frozen = {hit.submission_id for hit in hits if hit.version_id and hit.submission_id is not None}
    wanted_frozen = {(hit.version_id, hit.submission_id) for hit in hits if hit.version_id and hit.submission_id}
    candidates: list[tuple[tuple[int, int | None], excerpts.AnchorSpan, Criterion | int, str]] = []
    if live:
        rows = db.session.execute(
            select(ClaimAnchor, Claim)
            .join(Claim, ClaimAnchor.claim_id == Claim.id)
            .where(ClaimAnchor.version_id.in_(sorted(live)))
            .options(selectinload(ClaimAnchor.version), selectinload(Claim.criterion))
            .order_by(ClaimAnchor.id)
        )
        for anchor, claim in rows:
            candidates.append(((anchor.version_id, None), excerpts.AnchorSpan.of(anchor), claim.criterion, claim.justification))
    if frozen:
        for submission in db.session.scalars(select(Submission).where(Submission.id.in_(sorted(frozen)))):
            snapshot = json.loads(submission.snapshot)
            for evidence in snapshot.get("evidence", []):
                for claim in evidence.get("claims", []):
                    for anchor in claim.get("anchors") or []:
                        key = (anchor.get("version_id"), submission.id)
                        if key in wanted_frozen:
                            candidates.append((key, excerpts.AnchorSpan.from_snapshot(anchor), claim["criterion_id"],
                                               claim.get("justification", "")))
    criterion_ids = {c for _, _, c, _ in candidates if isinstance(c, int)}
    criteria = {c.id: c for c in db.session.scalars(select(Criterion).where(Criterion.id.in_(sorted(criterion_ids))))} \
        if criterion_ids else {}
    for key, span, criterion, justification in candidates:
        criterion = criteria.get(criterion) if isinstance(criterion, int) else criterion
        if criterion is None or not _holds(span, wanted):
            continue
        found.setdefault(key, []).append(AnchoredMatch(criterion.label, criterion.text, excerpts.label_of(span), justification))
    return found
