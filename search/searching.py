"""Running a parsed query on a searcher: restriction, ranking, page, facets, highlighted snippets.

No Flask and no database here (the benchmark calls `run_search` directly); the restriction
query, built by the caller from the policy, is part of the Whoosh query itself, so results,
totals, facets and highlights only ever come from documents that pass it.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup
from whoosh import collectors, sorting
from whoosh import query as wq

from search.extraction.kinds import KIND_LABELS

from search.highlight import highlight, query_terms_by_field
from search.schema import STORED_TEXT_FIELDS

SNIPPET_FIELDS = ("content", "description", "justifications", "filename")
SNIPPET_CHARS = 220
MAX_PAGE = 500
# Collection stops after this long: a word found in most of a large index would otherwise keep a
# web worker busy for a second or more. The page then says the results are partial.
TIME_LIMIT_SECONDS = 0.12


@dataclass
class SearchHit:
    evidence_id: int
    version_id: int | None
    evidence_number: int
    version_number: int
    title_html: Markup
    snippet_html: Markup
    snippet_field: str
    filename: str
    kind: str
    candidate_name: str
    candidate_id: int
    certification_code: str
    bloc_codes: list[str]
    criterion_keys: list[str]
    is_current: bool
    is_live: bool
    # The submission a frozen document belongs to (None: today's portfolio).
    submission_id: int | None
    extraction_status: str
    extraction_error: str
    score: float

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, "Sans fichier")


@dataclass
class SearchPage:
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 20
    kind_counts: dict[str, int] = field(default_factory=dict)
    # The time limit cut the collection: `total` is a lower bound, the ranking covers what was seen.
    partial: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.total else 0


def restricted(query: wq.Query, restriction: wq.Query | None, exclusion: wq.Query | None = None) -> wq.Query:
    """The user's query limited to documents matching `restriction` and not `exclusion`, scored by
    the query alone.

    (Whoosh's own `Require` says the same, but its matcher trips an assertion when the collector
    skips low-scoring blocks; an intersection with a zero constant score does not.)
    """
    if restriction is not None:
        query = wq.And([query, wq.ConstantScoreQuery(restriction, 0.0)])
    if exclusion is not None:
        query = wq.AndNot(query, exclusion)
    return query


class _Deadline(collectors.WrappingCollector):
    """Stops collecting (TimeLimit) once `seconds` have passed; checked every 64 matches.

    Whoosh's TimeLimitCollector needs a timer thread per search or SIGALRM (main thread only).
    """

    def __init__(self, child, seconds: float):
        super().__init__(child)
        self.seconds = seconds
        self.deadline = None
        self.expired = False

    def prepare(self, top_searcher, q, context):
        self.child.prepare(top_searcher, q, context)
        self.deadline = time.monotonic() + self.seconds
        self.expired = False
        self.seen = 0

    def collect_matches(self):
        # Called once per index segment: the count of matches runs across segments.
        child = self.child
        for sub_docnum in child.matches():
            child.collect(sub_docnum)
            self.seen += 1
            if not self.seen & 63 and time.monotonic() > self.deadline:
                self.expired = True
                raise collectors.TimeLimit()


def _collect(searcher, query: wq.Query, limit: int, with_facets: bool, time_limit: float | None):
    """Score every match once: the top `limit`, the exact total and the kind counts in one pass.

    Whoosh's default collector skips low-scoring blocks, then runs the query a second time to
    count; without skipping it also prunes sub-queries that cannot reach the top and so
    undercounts. Scoring everything without pruning is exact and, measured, no slower.
    Returns the results and whether the time limit cut them short.
    """
    collector = collectors.TopCollector(limit, usequality=False)
    collector.replace = 0
    if with_facets:
        collector = collectors.FacetCollector(collector, sorting.FieldFacet("kind"), maptype=sorting.Count)
    if time_limit:
        collector = _Deadline(collector, time_limit)
    try:
        searcher.search_with_collector(query, collector)
    except collectors.TimeLimit:
        return collector.results(), True
    return collector.results(), False


def run_search(
    searcher,
    query: wq.Query,
    *,
    restriction: wq.Query | None = None,
    exclusion: wq.Query | None = None,
    page: int = 1,
    per_page: int = 20,
    with_facets: bool = False,
    snippets: bool = True,
    time_limit: float | None = TIME_LIMIT_SECONDS,
) -> SearchPage:
    """One page of ranked hits (1-based `page`), the total, and counts per file kind.

    Exact unless the collection ran past `time_limit` seconds (`partial`: the total is then a
    lower bound and the kind counts are left out).
    """
    page = max(1, min(int(page), MAX_PAGE))
    per_page = max(1, min(int(per_page), 100))
    results, partial = _collect(searcher, restricted(query, restriction, exclusion), page * per_page, with_facets, time_limit)
    outcome = SearchPage(total=len(results), page=page, per_page=per_page, partial=partial)
    if with_facets and not partial:
        outcome.kind_counts = {kind: count for kind, count in results.groups("kind").items() if kind}
    terms = query_terms_by_field(query, searcher.reader()) if snippets else {}
    start = (page - 1) * per_page
    decided: dict = {}
    for hit in results[start:start + per_page]:
        outcome.hits.append(_hit(hit.fields(), float(hit.score or 0.0), terms, decided))
    return outcome


def _decided_for(decided: dict | None, terms: set[str]) -> dict[str, bool] | None:
    """The page-wide memo of highlight() for one set of terms (the hits of a page share their words)."""
    return None if decided is None else decided.setdefault(frozenset(terms), {})


def _snippet(stored: dict, terms: dict[str, set[str]], decided: dict | None = None) -> tuple[Markup, str]:
    for fieldname in SNIPPET_FIELDS:
        text = stored.get(fieldname) or ""
        wanted = terms.get(STORED_TEXT_FIELDS[fieldname])
        if text and wanted:
            html = highlight(text, wanted, width=SNIPPET_CHARS, decided=_decided_for(decided, wanted))
            if html:
                return Markup(html), fieldname
    for fieldname in ("description", "content", "justifications"):
        text = (stored.get(fieldname) or "").strip()
        if text:
            return Markup(escape(text[:SNIPPET_CHARS]) + (" …" if len(text) > SNIPPET_CHARS else "")), ""
    return Markup(""), ""


def _hit(stored: dict, score: float, terms: dict[str, set[str]], decided: dict | None = None) -> SearchHit:
    """One hit as the page shows it. `decided`: a dict shared by the hits of one page (memo of
    the highlighter, keyed by terms)."""
    title = stored.get("title") or ""
    title_html = highlight(title, terms["title"], width=None, decided=_decided_for(decided, terms["title"])) \
        if terms.get("title") else None
    snippet_html, snippet_field = _snippet(stored, terms, decided)
    version_id = stored.get("version_id")
    return SearchHit(
        evidence_id=int(stored["evidence_id"]),
        version_id=int(version_id) if version_id else None,
        evidence_number=stored.get("evidence_number") or 0,
        version_number=stored.get("version_number") or 0,
        title_html=Markup(title_html or escape(title)),
        snippet_html=snippet_html,
        snippet_field=snippet_field,
        filename=stored.get("filename") or "",
        kind=stored.get("kind") or "",
        candidate_name=stored.get("candidate_name") or "",
        candidate_id=int(stored.get("candidate_id") or 0),
        certification_code=stored.get("certification_code") or "",
        bloc_codes=[c for c in (stored.get("bloc_codes") or "").split(",") if c],
        criterion_keys=[c for c in (stored.get("criterion_keys") or "").split(",") if c],
        is_current=bool(stored.get("is_current")),
        is_live=bool(stored.get("is_live")),
        submission_id=int(stored["submission_ids"]) if (stored.get("submission_ids") or "").isdigit() else None,
        extraction_status=stored.get("extraction_status") or "",
        extraction_error=stored.get("extraction_error") or "",
        score=score,
    )
