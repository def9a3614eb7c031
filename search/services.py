"""Search as the application uses it: who may see what, indexing from the database, rebuilds, drift.

    results = search(current_user, "journal pare-feu", filters=SearchFilters(kind="texte"))
    index_evidence([evidence.id])          # after a change, when not done by the session listener
    rebuild_index(processes=2)             # `flask search reindex`
    report = check_index()                 # `flask search check`
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from whoosh import query as wq

from authorization.scopes import visible_portfolio_ids, visible_submission_ids
from extensions import db
from portfolio.models import Portfolio

from search.documents import all_evidence_ids, documents_for, iter_all_documents
from search.index import IndexMissing, SearchIndex, SearchIndexError, split
from search.postgres import PostgresIndex
from search.query import parse_query
from search.searching import TIME_LIMIT_SECONDS, SearchHit, SearchPage

log = logging.getLogger(__name__)

REBUILD_CHUNK = 500
SEARCH_FAILED = "La recherche n'a pas pu aboutir (erreur de l'index). Réessayez ; si cela persiste, prévenez l'administrateur."


def search_index() -> SearchIndex | PostgresIndex:
    """The configured backend (SEARCH_BACKEND): the Whoosh folder, or the PostgreSQL table.

    Both offer the same methods: replace_evidence, add_documents, delete_documents,
    delete_portfolios, fingerprints, truncated, doc_count, search_page, rebuild, forget_searcher.
    """
    if current_app.config.get("SEARCH_BACKEND", "whoosh") == "postgresql":
        return PostgresIndex(db.engine)
    return SearchIndex(current_app.config["SEARCH_INDEX_DIR"])


# --- searching -------------------------------------------------------------------------------

@dataclass(frozen=True)
class SearchFilters:
    certification_id: int | None = None
    bloc_id: int | None = None
    criterion_id: int | None = None
    kind: str | None = None
    candidate_id: int | None = None
    # Past versions of files (and the current one) instead of current versions only.
    include_past_versions: bool = False

    @property
    def active(self) -> bool:
        return any(v not in (None, "", False) for v in self.__dict__.values())


@dataclass
class SearchResults:
    query: str
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 20
    pages: int = 0
    # Nothing was searched, and why (empty box, only stop words…): French, for the page.
    message: str | None = None
    # Something was adjusted (query truncated, quote closed…): French, shown above the results.
    notices: list[str] = field(default_factory=list)
    # The index could not answer (missing, busy, broken): French, shown instead of results.
    error: str | None = None
    kind_counts: dict[str, int] = field(default_factory=dict)
    # The search was cut by its time limit: `total` is a lower bound (say "au moins").
    partial: bool = False

    @property
    def searched(self) -> bool:
        return self.message is None and self.error is None


@dataclass
class Visibility:
    """What `user` may see, from the policy's SELECTs, as Whoosh queries.

    `everything`: every portfolio (an administrator), nothing to filter. Otherwise documents of
    `portfolios`, and documents frozen in `submissions` (a juror's dossiers); either may be None.
    """

    everything: bool = False
    portfolios: wq.Query | None = None
    submissions: wq.Query | None = None

    @property
    def nothing(self) -> bool:
        return not (self.everything or self.portfolios or self.submissions)


def visibility(user) -> Visibility:
    portfolio_ids = set(db.session.scalars(visible_portfolio_ids(user)))
    submission_ids = set(db.session.scalars(visible_submission_ids(user)))
    if portfolio_ids and len(portfolio_ids) == db.session.scalar(select(func.count(Portfolio.id))):
        return Visibility(everything=True)
    return Visibility(
        portfolios=wq.Or([wq.Term("portfolio_id", str(i)) for i in sorted(portfolio_ids)]) if portfolio_ids else None,
        submissions=wq.Or([wq.Term("submission_ids", str(i)) for i in sorted(submission_ids)]) if submission_ids else None,
    )


@dataclass
class Scope:
    """Which documents a search may return: those matching `restriction` (None: all) and not
    `exclusion` (None: none excluded). `empty` when the user may see nothing at all."""

    restriction: wq.Query | None = None
    exclusion: wq.Query | None = None
    empty: bool = False


def _hidden(filters: SearchFilters) -> wq.Query:
    """Documents the portfolio does not show today: submissions' frozen copies, removed ones, and
    past versions unless asked."""
    flags = ["frozen", "removed"] if filters.include_past_versions else ["frozen", "removed", "past"]
    return wq.Or([wq.Term("hidden", flag) for flag in flags])


def scope_for(visible: Visibility, filters: SearchFilters, submission_id: int | None) -> Scope:
    """The documents a search may return: visible, in scope, matching the filters.

    In a dossier (`submission_id`): its frozen documents (the snapshot's texts and versions).
    Otherwise: the portfolio as it is today (current versions of live evidence, or every version
    with include_past_versions), plus the frozen documents of the submissions the user sees only
    through a jury (as submitted; a frozen document is never a past version).
    """
    if visible.nothing:
        return Scope(empty=True)
    parts: list[wq.Query] = []
    exclusion = None
    if submission_id is not None:
        parts.append(wq.Term("submission_ids", str(submission_id)))
        if not visible.everything:
            parts.append(wq.Or([q for q in (visible.portfolios, visible.submissions) if q is not None]))
    elif visible.everything:
        exclusion = _hidden(filters)
    else:
        scopes = []
        if visible.portfolios is not None:
            scopes.append(wq.AndNot(visible.portfolios, _hidden(filters)))
        if visible.submissions is not None:
            # Not twice: a portfolio the user also sees today is searched as it is today.
            through_jury = visible.submissions if visible.portfolios is None else wq.AndNot(visible.submissions, visible.portfolios)
            scopes.append(through_jury)
        parts.append(scopes[0] if len(scopes) == 1 else wq.Or(scopes))
    for fieldname, value in (
        ("certification_id", filters.certification_id), ("bloc_ids", filters.bloc_id),
        ("criterion_ids", filters.criterion_id), ("candidate_id", filters.candidate_id), ("kind", filters.kind),
    ):
        if value not in (None, ""):
            parts.append(wq.Term(fieldname, str(value)))
    restriction = (parts[0] if len(parts) == 1 else wq.And(parts)) if parts else None
    return Scope(restriction=restriction, exclusion=exclusion)


def search(user, query: str, *, filters: SearchFilters | None = None, page: int = 1, per_page: int = 20,
           submission_id: int | None = None) -> SearchResults:
    """The page of results `user` may see for `query`; never raises for what a user types.

    Permissions are part of the Whoosh query (see `scope_for`), so results, totals, facet counts
    and snippets all come from visible documents only.
    """
    filters = filters or SearchFilters()
    parsed = parse_query(query)
    results = SearchResults(query=query or "", page=max(1, page), per_page=per_page, notices=list(parsed.notices))
    if not parsed.searchable:
        results.message = parsed.message
        return results
    visible = visibility(user)
    scope = scope_for(visible, filters, submission_id)
    if scope.empty:
        return results
    # The counts per kind ignore the kind filter itself (they tell what the other kinds hold).
    without_kind = scope_for(visible, replace(filters, kind=None), submission_id) if filters.kind else None
    index = search_index()
    time_limit = current_app.config.get("SEARCH_TIME_LIMIT", TIME_LIMIT_SECONDS)
    for attempt in (1, 2):
        try:
            outcome: SearchPage = index.search_page(
                parsed.query, restriction=scope.restriction, exclusion=scope.exclusion, page=page,
                per_page=per_page, with_facets=without_kind is None, time_limit=time_limit,
            )
            if without_kind is not None:
                outcome.kind_counts = index.search_page(
                    parsed.query, restriction=without_kind.restriction, exclusion=without_kind.exclusion,
                    per_page=1, with_facets=True, snippets=False, time_limit=time_limit,
                ).kind_counts
            break
        except SearchIndexError as error:  # missing index, database unreachable: said in French
            results.error = str(error)
            return results
        except Exception:  # a searcher left stale by a concurrent merge: reopen once, then give up cleanly
            index.forget_searcher()
            if attempt == 2:
                log.exception("Search failed for %r", query)
                results.error = SEARCH_FAILED
                return results
    results.hits, results.total, results.kind_counts = outcome.hits, outcome.total, outcome.kind_counts
    results.page, results.pages, results.partial = outcome.page, outcome.pages, outcome.partial
    if outcome.partial:
        results.notices.append(
            "Recherche très large : elle a été arrêtée avant la fin, les résultats affichés sont partiels. "
            "Précisez-la (un mot de plus, une expression entre guillemets) ou filtrez par certification, type ou candidat."
        )
    return results


# --- indexing --------------------------------------------------------------------------------

def index_evidence(evidence_ids: Iterable[int], session: Session | None = None) -> int:
    """(Re)index every version of these evidence ids from the database; raises SearchIndexError.

    Uses its own session by default, so that it can run right after a commit of the caller's.
    """
    ids = sorted(set(evidence_ids))
    if not ids:
        return 0
    if session is not None:
        return search_index().replace_evidence(documents_for(session, ids))
    with Session(db.engine) as own:
        return search_index().replace_evidence(documents_for(own, ids))


def delete_portfolio_documents(portfolio_ids: Iterable[int]) -> None:
    """Drop every document of portfolios deleted from the database."""
    ids = sorted(set(portfolio_ids))
    if ids:
        search_index().delete_portfolios(ids)


_REBUILD_PARENT: list[int] = []


def _documents_of_chunk(evidence_ids: list[int]):
    """Documents of a chunk of evidence ids (module-level: rebuild processes call it)."""
    if _REBUILD_PARENT and os.getpid() != _REBUILD_PARENT[0]:
        # A forked process must not share the parent's database connections.
        db.engine.dispose(close=False)
    with Session(db.engine) as session:
        yield from iter_all_documents(session, evidence_ids)


@dataclass
class RebuildReport:
    documents: int
    repaired: int


def rebuild_index(processes: int = 1, on_progress: Callable[[int], None] | None = None) -> RebuildReport:
    """Build a fresh index from the database and swap it in, then catch up with the changes
    committed while it was being built (they went to the old index)."""
    with Session(db.engine) as session:
        ids = all_evidence_ids(session)
    if processes > 1:
        chunks = split(ids, processes)
        _REBUILD_PARENT[:] = [os.getpid()]
    else:
        chunks = [ids[i:i + REBUILD_CHUNK] for i in range(0, len(ids), REBUILD_CHUNK)] or [[]]
    try:
        count = search_index().rebuild(chunks, _documents_of_chunk, processes=processes, on_progress=on_progress)
    finally:
        _REBUILD_PARENT.clear()
    repaired = repair(check_index())
    return RebuildReport(documents=count, repaired=repaired)


# --- drift -----------------------------------------------------------------------------------

@dataclass
class DriftReport:
    indexed: int
    expected: int
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    # Evidence ids whose documents are missing or stale.
    evidence_ids: set[int] = field(default_factory=set)
    # doc_id → words of its text the index could not hold (PostgreSQL's 1 MB tsvector): not drift.
    truncated: dict[str, int] = field(default_factory=dict)
    backend: str = "whoosh"

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.extra)


def check_index() -> DriftReport:
    """Compare the index with what the database says it should hold; raises IndexMissing."""
    index = search_index()
    actual = index.fingerprints()
    expected: dict[str, tuple[str, int]] = {}
    with Session(db.engine) as session:
        for document in iter_all_documents(session):
            expected[document["doc_id"]] = (document["fingerprint"], int(document["evidence_id"]))
    report = DriftReport(indexed=len(actual), expected=len(expected), truncated=index.truncated(), backend=index.backend)
    for doc_id, (fingerprint, evidence_id) in sorted(expected.items()):
        if doc_id not in actual:
            report.missing.append(doc_id)
            report.evidence_ids.add(evidence_id)
        elif actual[doc_id] != fingerprint:
            report.stale.append(doc_id)
            report.evidence_ids.add(evidence_id)
    report.extra = sorted(set(actual) - set(expected))
    return report


def repair(report: DriftReport) -> int:
    """Reindex what `report` found missing or stale and drop extra documents; the count fixed."""
    if report.ok:
        return 0
    if report.evidence_ids:
        index_evidence(report.evidence_ids)
    if report.extra:
        search_index().delete_documents(report.extra)
    return len(report.missing) + len(report.stale) + len(report.extra)


__all__ = [
    "DriftReport", "IndexMissing", "RebuildReport", "SearchFilters", "SearchIndexError", "SearchResults",
    "check_index", "delete_portfolio_documents", "index_evidence", "rebuild_index", "repair", "search", "search_index",
]
