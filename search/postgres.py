"""The PostgreSQL search backend: the index is the `search_documents` table (search/models.py).

Shared by every app node and every worker, written in transactions of the database itself.
The same French analyzer as the Whoosh index makes the lexemes (Snowball French stems, accents
folded the Whoosh way, "configuree" → "configur"), so the `unaccent` extension is not needed and
both backends find the same documents; the lexemes are written as a `tsvector` literal with
positions and weights: A for the title and file name, B for the body (description, justifications,
candidate, blocs, criteria), D for the extracted text (weights 3, 1.5 and 1, as in Whoosh).

The query is the one search/query.py parsed, turned into a `tsquery` (`&`, `|`, `!`, `<->` for
expressions, `:*` for prefixes); the restriction built from the policy (services.scope_for) is
turned into a WHERE clause of the same statement, so totals, counts per kind and snippets only
ever come from documents the user may see.

Limits of a `tsvector`: positions up to 16,383 (later words still match as words, not inside
expressions), 256 positions per lexeme, 1 MB in all. A text whose lexemes would pass the size is
indexed up to what fits; `words_left_out` says how many words were left out and
`flask search check` lists those documents.
"""
from __future__ import annotations

import json
import logging
import multiprocessing
from collections.abc import Callable, Iterable

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, ProgrammingError
from whoosh import query as wq

from search.analysis import _TERM_CACHE, PART_GAP, PART_SEPARATOR, TOKEN_RE, FrenchAnalyzer, heads_of, may_give, terms_of
from search.index import IndexMissing, SearchIndexError
from search.schema import STORED_CONTENT_CHARS, to_index_fields
from search.searching import MAX_PAGE, SearchPage, _hit

log = logging.getLogger(__name__)

MAX_POSITION = 16_383
MAX_POSITIONS_PER_LEXEME = 256
# PostgreSQL refuses a tsvector past 1 MB (1,048,575 bytes of lexemes and positions); keep a margin.
TSVECTOR_BUDGET_BYTES = 1_000_000
FIELD_WEIGHTS = (("title", "A"), ("body", "B"), ("content", "D"))
# ts_rank's weights are given for {D, C, B, A}: content 1, body 1.5, title 3 (scaled to 1).
RANK_WEIGHTS = "{0.333, 0.1, 0.5, 1.0}"
# Up to this many matches, hits are ranked on their full tsvector (ts_rank reads every match's
# `terms`, stored out of line: about 30 µs each); past it, on `head` (the title and file name
# lexemes, in the row), which keeps a search matching half the index fast: documents whose title
# holds the words come first. The total and the counts per kind stay exact.
FULL_RANK_LIMIT = 2_000
WRITE_BATCH = 200
TERMS_INDEX = "ix_search_documents_terms"
# For building the GIN index after filling an empty table (session-local, that statement only).
REBUILD_MAINTENANCE_WORK_MEM = "256MB"

SEARCH_UNAVAILABLE = (
    "La recherche est momentanément indisponible (la base de données ne répond pas). "
    "Réessayez dans un instant ; si cela persiste, prévenez l'administrateur."
)

_ANALYZER = FrenchAnalyzer()


class SearchUnavailable(SearchIndexError):
    def __init__(self):
        super().__init__(SEARCH_UNAVAILABLE)


# --- documents → tsvector ----------------------------------------------------------------------

def _quote(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_of(fields: dict) -> tuple[str, int]:
    """The tsvector literal of an index document's searched fields (schema.to_index_fields), and
    the number of words of its text left out to stay under PostgreSQL's 1 MB limit."""
    literal, _head, left_out = tsvectors_of(fields)
    return literal, left_out


def tsvectors_of(fields: dict) -> tuple[str, str, int]:
    """(the tsvector literal of the searched fields, the literal of its title lexemes alone,
    words left out). The title's literal is what `ts_filter(terms, '{a}')` gives (the title and
    file name come first and are all weight A), made here so PostgreSQL parses one literal less.

    The positions and terms are FrenchAnalyzer's (positions=True), spelled as one loop: indexing
    spends most of its Python time here (tests/search check both agree)."""
    lexemes: dict[str, list[str]] = {}
    size = 0
    left_out = 0
    base = 1
    head = ""
    cache = _TERM_CACHE
    budget = TSVECTOR_BUDGET_BYTES
    for fieldname, weight in FIELD_WEIGHTS:
        value = fields.get(fieldname) or ""
        last = base
        full = False
        # Positions as FrenchAnalyzer gives them (StopFilter renumbering, PART_GAP per part).
        pos = None
        place = 0
        for part in value.split(PART_SEPARATOR):
            for word in TOKEN_RE.findall(part):
                terms = cache[word] if word in cache else terms_of(word)
                if terms is None:
                    place += 1
                    continue
                pos = place if pos is None else pos + 1
                place += 1
                if full:
                    left_out += len(terms)
                    continue
                position = base + pos
                if position > MAX_POSITION:
                    position = MAX_POSITION
                if position > last:
                    last = position
                mark = f"{position}{weight}"
                for term in terms:
                    if full:
                        left_out += 1
                        continue
                    found = lexemes.get(term)
                    if found is None:
                        cost = len(term.encode("utf-8")) + 8
                        if size + cost > budget:
                            full = True
                            left_out += 1
                            continue
                        size += cost
                        lexemes[term] = [mark]
                    elif len(found) < MAX_POSITIONS_PER_LEXEME and found[-1] != mark:
                        found.append(mark)
                        size += 2
            if pos is not None:
                pos += PART_GAP
            place += PART_GAP
        base = last + PART_GAP
        if weight == "A":
            head = _literal(lexemes)
    return _literal(lexemes), head, left_out


def _literal(lexemes: dict[str, list[str]]) -> str:
    return " ".join(f"{_quote(term)}:{','.join(positions)}" for term, positions in lexemes.items())


def _tsvector_of_reference(fields: dict) -> tuple[str, int]:
    """tsvector_of through FrenchAnalyzer's tokens (slower; the definition tests compare with)."""
    lexemes: dict[str, list[str]] = {}
    size = 0
    left_out = 0
    base = 1
    for fieldname, weight in FIELD_WEIGHTS:
        value = fields.get(fieldname) or ""
        last = base
        full = False
        for token in _ANALYZER(value, positions=True):
            if full:
                left_out += 1
                continue
            position = min(base + token.pos, MAX_POSITION)
            last = max(last, position)
            found = lexemes.get(token.text)
            if found is None:
                cost = len(token.text.encode("utf-8")) + 8
                if size + cost > TSVECTOR_BUDGET_BYTES:
                    full = True
                    left_out += 1
                    continue
                size += cost
                lexemes[token.text] = [f"{position}{weight}"]
            elif len(found) < MAX_POSITIONS_PER_LEXEME:
                mark = f"{position}{weight}"
                if found[-1] != mark:
                    found.append(mark)
                    size += 2
        base = last + PART_GAP
    return _literal(lexemes), left_out


def _row(document: dict) -> dict:
    fields = to_index_fields(document)
    terms, head, left_out = tsvectors_of(fields)
    stored = {k: v for k, v in document.items() if k != "fingerprint"}
    stored["content"] = document["content"][:STORED_CONTENT_CHARS]
    return {
        "doc_id": document["doc_id"],
        "evidence_id": int(document["evidence_id"]),
        "portfolio_id": int(document["portfolio_id"]),
        "candidate_id": int(document["candidate_id"]),
        "certification_id": int(document["certification_id"]),
        "submission_id": int(document["submission_ids"]) if document["submission_ids"] else None,
        "bloc_ids": f" {document['bloc_ids']} ",
        "criterion_ids": f" {document['criterion_ids']} ",
        "kind": document["kind"] or "",
        "is_current": bool(document["is_current"]),
        "is_live": bool(document["is_live"]),
        "fingerprint": document["fingerprint"],
        "stored": json.dumps(stored, ensure_ascii=False, default=str),
        "terms": terms,
        "head": head,
        "words_left_out": left_out,
    }


UPSERT = text(
    "INSERT INTO search_documents (doc_id, evidence_id, portfolio_id, candidate_id, certification_id, submission_id, "
    "bloc_ids, criterion_ids, kind, is_current, is_live, fingerprint, stored, terms, head, words_left_out) VALUES "
    "(:doc_id, :evidence_id, :portfolio_id, :candidate_id, :certification_id, :submission_id, :bloc_ids, :criterion_ids, "
    ":kind, :is_current, :is_live, :fingerprint, :stored, CAST(:terms AS tsvector), "
    "CAST(:head AS tsvector), :words_left_out) "
    "ON CONFLICT (doc_id) DO UPDATE SET evidence_id = EXCLUDED.evidence_id, portfolio_id = EXCLUDED.portfolio_id, "
    "candidate_id = EXCLUDED.candidate_id, certification_id = EXCLUDED.certification_id, "
    "submission_id = EXCLUDED.submission_id, bloc_ids = EXCLUDED.bloc_ids, criterion_ids = EXCLUDED.criterion_ids, "
    "kind = EXCLUDED.kind, is_current = EXCLUDED.is_current, is_live = EXCLUDED.is_live, "
    "fingerprint = EXCLUDED.fingerprint, stored = EXCLUDED.stored, terms = EXCLUDED.terms, head = EXCLUDED.head, "
    "words_left_out = EXCLUDED.words_left_out"
)


def _write(connection, documents: Iterable[dict]) -> tuple[int, list[str]]:
    count = 0
    ids: list[str] = []
    batch: list[dict] = []
    for document in documents:
        batch.append(_row(document))
        ids.append(document["doc_id"])
        if len(batch) >= WRITE_BATCH:
            connection.execute(UPSERT, batch)
            count += len(batch)
            batch = []
    if batch:
        connection.execute(UPSERT, batch)
        count += len(batch)
    return count, ids


# --- queries → SQL -----------------------------------------------------------------------------

def tsquery_of(query: wq.Query) -> str:
    """The tsquery of a parsed query. Every word of search/query.py is looked for in all three
    fields (an Or across fields): in one tsvector that is the word itself, whatever its weight."""
    if isinstance(query, wq.Term):
        return _quote(query.text)
    if isinstance(query, wq.Prefix):
        return _quote(query.text) + ":*"
    if isinstance(query, wq.Phrase):
        return "(" + " <-> ".join(_quote(w) for w in query.words) + ")"
    if isinstance(query, wq.AndNot):
        return f"({tsquery_of(query.a)} & !{tsquery_of(query.b)})"
    if isinstance(query, wq.Not):
        return f"!{tsquery_of(query.query)}"
    if isinstance(query, (wq.And, wq.Or)):
        parts = list(dict.fromkeys(tsquery_of(q) for q in query.subqueries))
        if len(parts) == 1:
            return parts[0]
        joiner = " & " if isinstance(query, wq.And) else " | "
        return "(" + joiner.join(parts) + ")"
    if isinstance(query, wq.ConstantScoreQuery):
        return tsquery_of(query.child)
    raise ValueError(f"Unsupported query node {query!r}")


_INT_COLUMNS = {"portfolio_id": "portfolio_id", "submission_ids": "submission_id", "candidate_id": "candidate_id",
                "certification_id": "certification_id", "evidence_id": "evidence_id"}
_HIDDEN = {"frozen": "submission_id IS NOT NULL", "removed": "NOT is_live", "past": "NOT is_current"}


class _Where:
    """A Whoosh restriction (services.scope_for) as a WHERE clause with bound parameters."""

    def __init__(self):
        self.params: dict[str, object] = {}

    def param(self, value) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def of(self, query: wq.Query) -> str:
        if isinstance(query, wq.Term):
            return self.term(query.fieldname, query.text)
        if isinstance(query, wq.Or):
            subs = query.subqueries
            if subs and all(isinstance(q, wq.Term) and q.fieldname == subs[0].fieldname for q in subs) \
                    and subs[0].fieldname in _INT_COLUMNS:
                column = _INT_COLUMNS[subs[0].fieldname]
                return f"{column} = ANY({self.param([int(q.text) for q in subs])})"
            return "(" + " OR ".join(self.of(q) for q in subs) + ")" if subs else "FALSE"
        if isinstance(query, wq.And):
            return "(" + " AND ".join(self.of(q) for q in query.subqueries) + ")" if query.subqueries else "TRUE"
        if isinstance(query, wq.AndNot):
            return f"({self.of(query.a)} AND NOT {self.of(query.b)})"
        if isinstance(query, wq.ConstantScoreQuery):
            return self.of(query.child)
        raise ValueError(f"Unsupported restriction {query!r}")

    def term(self, fieldname: str, value: str) -> str:
        if fieldname in _INT_COLUMNS:
            return f"{_INT_COLUMNS[fieldname]} = {self.param(int(value))}"
        if fieldname == "kind":
            return f"kind = {self.param(value)}"
        if fieldname in ("bloc_ids", "criterion_ids"):
            return f"{fieldname} LIKE {self.param(f'% {value} %')}"
        if fieldname == "hidden":
            return _HIDDEN[value]
        raise ValueError(f"Unsupported restriction field {fieldname}")


def _highlight_terms(query: wq.Query) -> tuple[set[str], tuple[str, ...]]:
    """The terms and prefixes of the positive part of a query (exclusions are never marked)."""
    positive = query.a if isinstance(query, wq.AndNot) else query
    terms: set[str] = set()
    prefixes: set[str] = set()
    for leaf in positive.leaves():
        if isinstance(leaf, wq.Prefix):
            prefixes.add(leaf.text)
        elif isinstance(leaf, wq.Phrase):
            terms.update(leaf.words)
        elif isinstance(leaf, wq.Term):
            terms.add(leaf.text)
    return terms, tuple(sorted(prefixes))


def _terms_for(stored: dict, terms: set[str], prefixes: tuple[str, ...], decided: dict) -> dict[str, set[str]]:
    """The terms to mark in one hit: the query's, and those of its words that begin with one of
    its prefixes. `decided` (word → its terms beginning with a prefix) is shared by the hits of a
    page: they repeat the same words."""
    found = set(terms)
    if prefixes:
        heads = heads_of(prefixes)
        words: set[str] = set()  # each distinct word once
        for fieldname in ("title", "filename", "description", "justifications", "content"):
            words.update(TOKEN_RE.findall(stored.get(fieldname) or ""))
        for word in words:
            given = decided.get(word)
            if given is None:
                given = decided[word] = tuple(
                    term for term in (terms_of(word) or ()) if term.startswith(prefixes)
                ) if may_give(word, heads) else ()
            found.update(given)
    return {"title": found, "body": found, "content": found}


# --- the backend -------------------------------------------------------------------------------

# The engine of a parallel rebuild, inherited by its forked processes (an engine cannot be pickled).
_REBUILD_ENGINE: list = []


def _chunk_writer(task) -> tuple[int, list[str]]:
    """In a rebuild process: build the documents of one chunk and write them (own connections)."""
    chunk, make_documents = task
    engine = _REBUILD_ENGINE[0]
    engine.dispose(close=False)
    with engine.begin() as connection:
        return _write(connection, make_documents(chunk))


class PostgresIndex:
    """The search_documents table of `engine`'s database, with the interface of SearchIndex."""

    backend = "postgresql"

    def __init__(self, engine):
        self.engine = engine
        self.path = "PostgreSQL (table search_documents)"

    def _run(self, work):
        try:
            with self.engine.begin() as connection:
                return work(connection)
        except ProgrammingError as error:
            if "search_documents" in str(error):
                raise IndexMissing(self.path) from error
            raise
        except DBAPIError as error:
            if error.connection_invalidated or isinstance(error.orig, OSError) or "connect" in str(error).lower():
                raise SearchUnavailable() from error
            raise

    # --- existence --------------------------------------------------------------------------
    def exists(self) -> bool:
        try:
            return self._run(lambda c: c.execute(text("SELECT to_regclass('search_documents') IS NOT NULL")).scalar())
        except SearchIndexError:
            return False

    def ensure(self) -> bool:
        return False  # the table comes with the migrations

    def forget_searcher(self) -> None:
        return None

    # --- writing ----------------------------------------------------------------------------
    def replace_evidence(self, documents_by_evidence: dict[int, list[dict]], connection=None) -> int:
        def work(connection):
            ids = sorted(documents_by_evidence)
            documents = [d for docs in documents_by_evidence.values() for d in docs]
            keep = [d["doc_id"] for d in documents]
            # Rows locked until the commit: a concurrent reindex of the same evidence waits.
            existing = dict(connection.execute(
                text("SELECT doc_id, fingerprint FROM search_documents WHERE evidence_id = ANY(:ids) FOR UPDATE"), {"ids": ids},
            ).all())
            connection.execute(
                text("DELETE FROM search_documents WHERE evidence_id = ANY(:ids) AND NOT (doc_id = ANY(:keep))"),
                {"ids": ids, "keep": keep},
            )
            # Documents whose fingerprint is unchanged are not analysed again (a new version of a
            # file does not re-analyse the texts of every older one).
            _write(connection, (d for d in documents if existing.get(d["doc_id"]) != d["fingerprint"]))
            return len(documents)

        return work(connection) if connection is not None else self._run(work)

    def add_documents(self, documents: Iterable[dict]) -> int:
        return self._run(lambda c: _write(c, documents)[0])

    def delete_documents(self, doc_ids: Iterable[str]) -> None:
        ids = list(doc_ids)
        self._run(lambda c: c.execute(text("DELETE FROM search_documents WHERE doc_id = ANY(:ids)"), {"ids": ids}))

    def delete_portfolios(self, portfolio_ids: Iterable[int]) -> None:
        ids = list(portfolio_ids)
        self._run(lambda c: c.execute(text("DELETE FROM search_documents WHERE portfolio_id = ANY(:ids)"), {"ids": ids}))

    # --- reading ----------------------------------------------------------------------------
    def doc_count(self) -> int:
        return self._run(lambda c: c.execute(text("SELECT count(*) FROM search_documents")).scalar())

    def fingerprints(self) -> dict[str, str]:
        return self._run(lambda c: dict(c.execute(text("SELECT doc_id, fingerprint FROM search_documents")).all()))

    def truncated(self) -> dict[str, int]:
        """doc_id → words of its text left out of the tsvector (PostgreSQL's 1 MB limit)."""
        return self._run(lambda c: dict(c.execute(
            text("SELECT doc_id, words_left_out FROM search_documents WHERE words_left_out > 0 ORDER BY doc_id")).all()))

    def search_page(
        self, query: wq.Query, *, restriction: wq.Query | None = None, exclusion: wq.Query | None = None,
        page: int = 1, per_page: int = 20, with_facets: bool = False, snippets: bool = True, time_limit=None,
    ) -> SearchPage:
        """One page of ranked hits, the exact total and the counts per kind (time_limit unused:
        totals are always exact here)."""
        page = max(1, min(int(page), MAX_PAGE))
        per_page = max(1, min(int(per_page), 100))
        where = _Where()
        clauses = [f"terms @@ CAST({where.param(tsquery_of(query))} AS tsquery)"]
        if restriction is not None:
            clauses.append(where.of(restriction))
        if exclusion is not None:
            clauses.append(f"NOT {where.of(exclusion)}")
        condition = " AND ".join(clauses)
        q = list(where.params)[0]

        def work(connection) -> SearchPage:
            # The planner prices `terms @@ …` as cheap and may pick a sequential scan, which reads
            # (detoasts) the tsvector of every row; the GIN index or a scope's b-tree is always
            # the better path here. Local to this transaction.
            connection.execute(text("SET LOCAL enable_seqscan = off"))
            outcome = SearchPage(page=page, per_page=per_page)
            if with_facets:
                rows = connection.execute(
                    text(f"SELECT kind, count(*) FROM search_documents WHERE {condition} GROUP BY kind"), where.params
                ).all()
                outcome.kind_counts = {kind: count for kind, count in rows if kind}
                outcome.total = sum(count for _kind, count in rows)
            else:
                outcome.total = connection.execute(
                    text(f"SELECT count(*) FROM search_documents WHERE {condition}"), where.params).scalar()
            if not outcome.total or not snippets and per_page == 1:
                return outcome
            ranked = "terms" if outcome.total <= FULL_RANK_LIMIT else "head"
            rows = connection.execute(
                text(
                    f"SELECT stored, ts_rank('{RANK_WEIGHTS}', {ranked}, CAST(:{q} AS tsquery)) AS rank "
                    f"FROM search_documents WHERE {condition} ORDER BY rank DESC, doc_id LIMIT :limit OFFSET :offset"
                ),
                {**where.params, "limit": per_page, "offset": (page - 1) * per_page},
            ).all()
            terms, prefixes = _highlight_terms(query) if snippets else (set(), ())
            hits = [(json.loads(stored_text), float(rank or 0.0)) for stored_text, rank in rows]
            marked: dict = {}
            if snippets:
                # The terms to mark, for the whole page: the query's, and those of the hits' words
                # that begin with one of its prefixes (a word of a hit gives the same terms in any
                # hit, so one set serves all and the highlighter's memo is shared).
                decided: dict[str, tuple[str, ...]] = {}
                found = set(terms)
                for stored, _rank in hits:
                    found |= _terms_for(stored, terms, prefixes, decided)["title"]
                page_terms = {"title": found, "body": found, "content": found}
            for stored, rank in hits:
                outcome.hits.append(_hit(stored, rank, page_terms if snippets else {}, marked))
            return outcome

        return self._run(work)

    # --- rebuilding -------------------------------------------------------------------------
    def rebuild(
        self, chunks: list, make_documents: Callable[[object], Iterable[dict]], processes: int = 1,
        on_progress: Callable[[int], None] | None = None,
    ) -> int:
        """Write every chunk's documents (upserts: searches keep answering), then delete the rows
        no chunk wrote. With processes > 1, chunks are written by forked processes."""
        written: set[str] = set()
        done = 0
        # Filling an empty table (a first `flask search reindex`): no search can find anything
        # yet, so the GIN index is built once after the load (one sort) instead of being updated
        # row by row. A rebuild over existing rows keeps it (searches keep answering).
        fresh = self._run(lambda c: c.execute(text("SELECT NOT EXISTS (SELECT 1 FROM search_documents)")).scalar())
        if fresh:
            self._run(lambda c: c.execute(text(f"DROP INDEX IF EXISTS {TERMS_INDEX}")))
        try:
            done = self._load(chunks, make_documents, processes, on_progress, written)
        finally:
            if fresh:
                self.build_terms_index()
        stale = sorted(set(self.fingerprints()) - written)
        if stale:
            self.delete_documents(stale)
        return done

    def build_terms_index(self) -> None:
        """The GIN index on `terms` (as migration 0009 makes it) when it is missing."""
        def work(connection):
            connection.execute(text(f"SET LOCAL maintenance_work_mem = '{REBUILD_MAINTENANCE_WORK_MEM}'"))
            connection.execute(text(f"CREATE INDEX IF NOT EXISTS {TERMS_INDEX} ON search_documents USING gin (terms)"))
        self._run(work)

    def _load(self, chunks, make_documents, processes, on_progress, written: set[str]) -> int:
        done = 0
        if processes > 1 and len(chunks) > 1:
            context = multiprocessing.get_context("fork")
            _REBUILD_ENGINE[:] = [self.engine]
            try:
                with context.Pool(processes) as pool:
                    for count, ids in pool.imap_unordered(_chunk_writer, [(c, make_documents) for c in chunks]):
                        written.update(ids)
                        done += count
                        if on_progress:
                            on_progress(done)
            finally:
                _REBUILD_ENGINE.clear()
        else:
            for chunk in chunks:
                count, ids = self._run(lambda c, chunk=chunk: _write(c, make_documents(chunk)))
                written.update(ids)
                done += count
                if on_progress:
                    on_progress(done)
        return done
