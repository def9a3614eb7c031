"""The on-disk Whoosh index: opening it, writing under its lock, rebuilding it, reading it back.

Independent of Flask and of the database: everything here takes a folder path and plain
documents (dicts from documents.py), so the benchmark and multi-process tests use it as it is.

Writes: one writer at a time, across processes (Whoosh's file lock). A writer that finds the lock
taken waits and retries until WRITE_DEADLINE_SECONDS, then raises IndexBusy; nothing is dropped
silently. Rebuilds write a fresh index next to the live one and swap the folders, so searches keep
working while it runs.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import EmptyIndexError, LockError
from whoosh.writing import SegmentWriter

from search.schema import build_schema, to_index_fields

log = logging.getLogger(__name__)

LOCK_ATTEMPT_SECONDS = 2.0
WRITE_DEADLINE_SECONDS = 60.0
REBUILD_MEMORY_MB = 256


class SearchIndexError(Exception):
    """The index cannot serve this request; the message is French and safe to show."""


class IndexMissing(SearchIndexError):
    def __init__(self, path: Path | str = ""):
        self.path = str(path)
        super().__init__("L'index de recherche est absent : lancez « flask search reindex ».")


class IndexBusy(SearchIndexError):
    def __init__(self):
        super().__init__("L'index de recherche est occupé par une autre écriture : réessayez dans un instant.")


# One cached searcher per thread and folder, reopened when the index has changed.
_local = threading.local()


class SearchIndex:
    """The index stored in one folder (the `whoosh` backend; search/postgres.py has the other one,
    with the same methods)."""

    backend = "whoosh"

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    # --- existence ---------------------------------------------------------------------------

    def exists(self) -> bool:
        try:
            return self.path.is_dir() and whoosh_index.exists_in(str(self.path))
        except OSError:
            return False

    def create(self) -> None:
        """A new, empty index (replacing whatever the folder held)."""
        self.path.mkdir(parents=True, exist_ok=True)
        whoosh_index.create_in(str(self.path), build_schema())

    def ensure(self) -> bool:
        """Create the index when the folder holds none; True when it was created."""
        if self.exists():
            return False
        self.create()
        return True

    def open(self):
        if not self.exists():
            raise IndexMissing(self.path)
        try:
            return whoosh_index.open_dir(str(self.path))
        except (EmptyIndexError, FileNotFoundError) as error:
            raise IndexMissing(self.path) from error

    # --- writing -----------------------------------------------------------------------------

    @contextmanager
    def writer(self, deadline_seconds: float = WRITE_DEADLINE_SECONDS, **kwargs):
        """A writer holding the index lock; committed on success, cancelled on error."""
        ix = self.open()
        deadline = time.monotonic() + deadline_seconds
        while True:
            try:
                writer = ix.writer(timeout=LOCK_ATTEMPT_SECONDS, delay=0.05, **kwargs)
                break
            except LockError:
                if time.monotonic() >= deadline:
                    raise IndexBusy() from None
                log.info("Search index %s is locked by another writer; waiting", self.path)
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def replace_evidence(self, documents_by_evidence: dict[int, list[dict]]) -> int:
        """Make each evidence's documents the given ones ([] deletes them); returns their number.

        Incremental: inside the writer's lock, a document whose fingerprint is the one already
        indexed is left as it is (not analysed again), one that changed is replaced, and the
        documents of the evidence that are no longer given are deleted. A new version of a file
        thus costs the analysis of that version only, not of every older one."""
        given = 0
        with self.writer() as writer:
            searcher = writer.searcher()  # the index as it is under the lock (closed with the writer)
            columns: list = []  # (doc_id, fingerprint) column readers, opened when first needed
            for evidence_id, documents in documents_by_evidence.items():
                indexed: dict[str, list[str]] = {}
                for docnum in searcher.document_numbers(evidence_id=str(evidence_id)):
                    if not columns:
                        columns[:] = [searcher.reader().column_reader(name) for name in ("doc_id", "fingerprint")]
                    indexed.setdefault(columns[0][docnum], []).append(columns[1][docnum].decode("ascii"))
                wanted = {d["doc_id"] for d in documents}
                for doc_id in indexed.keys() - wanted:
                    writer.delete_by_term("doc_id", doc_id)
                for document in documents:
                    given += 1
                    if indexed.get(document["doc_id"]) == [document["fingerprint"]]:
                        continue  # unchanged, and indexed once (a duplicate is rewritten)
                    # By the unique doc_id: also replaces a copy indexed under another evidence.
                    writer.update_document(**to_index_fields(document))
        return given

    def add_documents(self, documents: Iterable[dict]) -> int:
        """Add (or replace, by doc_id) documents in one commit."""
        added = 0
        with self.writer() as writer:
            for document in documents:
                writer.update_document(**to_index_fields(document))
                added += 1
        return added

    def delete_documents(self, doc_ids: Iterable[str]) -> None:
        with self.writer() as writer:
            for doc_id in doc_ids:
                writer.delete_by_term("doc_id", doc_id)

    def delete_portfolios(self, portfolio_ids: Iterable[int]) -> None:
        with self.writer() as writer:
            for portfolio_id in portfolio_ids:
                writer.delete_by_term("portfolio_id", str(portfolio_id))

    # --- reading -----------------------------------------------------------------------------

    def searcher(self):
        """A searcher on the latest commit (cached per thread); IndexMissing when the folder is gone."""
        cache = _local.__dict__.setdefault("searchers", {})
        key = str(self.path)
        if not self.exists():
            stale = cache.pop(key, None)
            if stale:
                stale[1].close()
            raise IndexMissing(self.path)
        identity = os.stat(self.path).st_ino
        cached = cache.get(key)
        try:
            if cached and cached[0] == identity and cached[1].up_to_date():
                searcher = cached[1]
            else:
                # Not Searcher.refresh(): it reuses the old segment readers, which keep showing
                # documents deleted since (a replaced evidence would be found twice).
                if cached:
                    cached[1].close()
                searcher = self.open().searcher()
        except (EmptyIndexError, FileNotFoundError) as error:
            cache.pop(key, None)
            raise IndexMissing(self.path) from error
        cache[key] = (identity, searcher)
        return searcher

    def forget_searcher(self) -> None:
        """Drop this thread's cached searcher (after a read error, the next call reopens)."""
        cached = _local.__dict__.setdefault("searchers", {}).pop(str(self.path), None)
        if cached:
            try:
                cached[1].close()
            except Exception:  # a broken searcher may fail to close; it is dropped either way
                log.debug("Closing a stale searcher failed", exc_info=True)

    def doc_count(self) -> int:
        return self.open().doc_count()

    def truncated(self) -> dict[str, int]:
        """Documents indexed in part (none here: Whoosh indexes every word of a text)."""
        return {}

    def search_page(self, query, **kwargs):
        """One page of results (searching.run_search on the latest commit)."""
        from search.searching import run_search

        return run_search(self.searcher(), query, **kwargs)

    def fingerprints(self) -> dict[str, str]:
        """doc_id → fingerprint of every live document, read from columns (no stored text)."""
        ix = self.open()
        with ix.reader() as reader:
            ids = reader.column_reader("doc_id")
            prints = reader.column_reader("fingerprint")
            return {
                ids[docnum]: prints[docnum].decode("ascii")
                for docnum in reader.all_doc_ids()
            }

    # --- rebuilding --------------------------------------------------------------------------

    def rebuild(
        self,
        chunks: list,
        make_documents: Callable[[object], Iterable[dict]],
        processes: int = 1,
        on_progress: Callable[[int], None] | None = None,
    ) -> int:
        """Build a new index from `make_documents(chunk)` for every chunk, then swap it in.

        With processes > 1, each process builds the documents of its chunks itself and writes its
        own segment; the segments are then listed in one table of contents (no merge pass).
        `make_documents` must be a module-level function (it is sent to the processes).
        """
        building = self.path.with_name(f".{self.path.name}.rebuild-{os.getpid()}")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        try:
            ix = whoosh_index.create_in(str(building), build_schema())
            if processes > 1 and len(chunks) > 1:
                _write_in_parallel(ix, chunks, make_documents, processes, on_progress)
            else:
                done = 0
                with ix.writer(limitmb=REBUILD_MEMORY_MB) as writer:
                    for chunk in chunks:
                        for document in make_documents(chunk):
                            writer.add_document(**to_index_fields(document))
                            done += 1
                        if on_progress:
                            on_progress(done)
            count = whoosh_index.open_dir(str(building)).doc_count()
            self._swap_in(building)
        finally:
            shutil.rmtree(building, ignore_errors=True)
        return count

    def _swap_in(self, building: Path) -> None:
        retired = self.path.with_name(f".{self.path.name}.old-{os.getpid()}")
        shutil.rmtree(retired, ignore_errors=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            os.rename(self.path, retired)
        os.rename(building, self.path)
        shutil.rmtree(retired, ignore_errors=True)
        self.forget_searcher()


def _write_segment(task) -> tuple[object | None, int]:
    """In a worker process: write the documents of one chunk as one segment of the index."""
    path, chunk, make_documents = task
    ix = whoosh_index.open_dir(path)
    # No lock: the folder is the rebuild's own, unknown to anyone else (as in Whoosh's MpWriter).
    writer = SegmentWriter(ix, _lk=False, limitmb=REBUILD_MEMORY_MB)
    count = 0
    for document in make_documents(chunk):
        writer.add_document(**to_index_fields(document))
        count += 1
    if not count:
        return None, 0
    # Finished but not committed: the parent lists every process's segment in one table of
    # contents. The shared temporary folder is left to the parent (other processes still use it).
    return writer._finalize_segment(), count


def _write_in_parallel(ix, chunks, make_documents, processes, on_progress) -> None:
    context = multiprocessing.get_context("fork")
    segments = []
    done = 0
    with context.Pool(processes) as pool:
        tasks = [(str(ix.storage.folder), chunk, make_documents) for chunk in chunks]
        for segment, count in pool.imap_unordered(_write_segment, tasks):
            if segment is not None:
                segments.append(segment)
            done += count
            if on_progress:
                on_progress(done)
    writer = ix.writer()
    try:
        writer._close_segment()
        writer._commit_toc(writer.segments + segments)
    except BaseException:
        writer.cancel()
        raise
    writer._finish()


def split(items: list, parts: int) -> list[list]:
    """`items` in `parts` interleaved chunks (similar sizes and similar mixes of documents)."""
    parts = max(1, min(parts, len(items))) if items else 1
    return [items[i::parts] for i in range(parts)]
