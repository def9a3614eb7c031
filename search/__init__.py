"""Full-text search over every evidence version (Whoosh), with the policy applied inside queries.

    from search import SearchFilters, search
    results = search(current_user, "journal pare-feu", filters=SearchFilters(kind="texte"))

Two backends, chosen by SEARCH_BACKEND: index (the Whoosh folder, its lock, rebuilds) and
postgres (the search_documents table of models, a tsvector per document), with the same methods.
Modules: analysis (French analyzer), schema, documents (rows → documents), query (the search box syntax), searching (ranking, snippets), services
(permissions, indexing, drift), sync (session listeners, `init_search`), tasks (queued reindex).
"""
from search.index import IndexBusy, IndexMissing, SearchIndex, SearchIndexError
from search.models import SearchDocument
from search.searching import SearchHit
from search.services import (
    DriftReport,
    RebuildReport,
    SearchFilters,
    SearchResults,
    check_index,
    index_evidence,
    rebuild_index,
    repair,
    search,
    search_index,
)
from search.sync import init_search, sync_suppressed

__all__ = [
    "DriftReport", "IndexBusy", "IndexMissing", "RebuildReport", "SearchDocument", "SearchFilters", "SearchHit", "SearchIndex",
    "SearchIndexError", "SearchResults", "check_index", "index_evidence", "init_search", "rebuild_index",
    "repair", "search", "search_index", "sync_suppressed",
]
