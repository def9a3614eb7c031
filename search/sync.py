"""Keeping the index in step with the database.

`init_search(app)` installs two session listeners: `after_flush` notes which evidence a flush
touched (Evidence, EvidenceFile, EvidenceVersion, Claim; a new Submission touches its portfolio's
evidence; a renamed candidate touches theirs), and `after_commit` has those evidence reindexed.
Reindexing is inline (own session, own connection: the committed session cannot run SQL any more)
when jobs run in-process, and goes through the job queue otherwise, so a web request never waits
for the index lock. `SEARCH_SYNC = "inline" | "queue" | "off"` in the config overrides the choice.

A failed reindex is logged as an error with its cause and shows up in `flask search check`; it
never turns a committed change into an error page.

`init_search` also answers what evidence asks of search without importing it: it connects to
evidence/signals.version_stored (a new upload: queue its text extraction, which reindexes it), and
registers `app.extensions["ocr_status"]`, which the evidence page reads to say whether
screenshots' text will be searchable.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from accounts.models import User
from evidence.models import Claim, Evidence, EvidenceFile, EvidenceVersion
from evidence.signals import version_stored
from extensions import db
from portfolio.models import Portfolio, Submission

from search.extraction import ocr_status, schedule_extraction
from search.index import SearchIndex, SearchIndexError

log = logging.getLogger(__name__)

PENDING_KEY = "search_pending"
_suppressed: ContextVar[bool] = ContextVar("search_sync_suppressed", default=False)
_installed = False


@dataclass
class PendingChanges:
    evidence_ids: set[int] = field(default_factory=set)
    file_ids: set[int] = field(default_factory=set)
    portfolio_ids: set[int] = field(default_factory=set)
    candidate_ids: set[int] = field(default_factory=set)
    deleted_portfolio_ids: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return any(self.as_dict().values())

    def as_dict(self) -> dict[str, list[int]]:
        return {name: sorted(value) for name, value in self.__dict__.items()}

    @classmethod
    def from_dict(cls, data: dict) -> PendingChanges:
        return cls(**{name: set(data.get(name, ())) for name in cls.__dataclass_fields__})


def init_search(app: Flask) -> None:
    """Create the index on first start and keep it in step with the database (call from create_app)."""
    app.extensions["search"] = {"sync": app.config.get("SEARCH_SYNC")}
    try:
        # The postgresql backend's table comes with the migrations; only a Whoosh folder is made here.
        if app.config.get("SEARCH_BACKEND", "whoosh") == "whoosh" and SearchIndex(app.config["SEARCH_INDEX_DIR"]).ensure():
            app.logger.info("Search index created in %s (run `flask search reindex` if the database already holds evidence)",
                            app.config["SEARCH_INDEX_DIR"])
    except OSError as error:
        app.logger.error("Search index folder %s unusable: %s", app.config["SEARCH_INDEX_DIR"], error)
    app.extensions["ocr_status"] = ocr_status
    version_stored.connect(_extract_stored_version)  # connecting twice keeps one connection
    global _installed
    if not _installed:
        event.listen(db.session, "after_flush", _after_flush)
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_rollback", _after_rollback)
        _installed = True


def _extract_stored_version(_app, version: EvidenceVersion, **_extra) -> None:
    """A version was uploaded and committed: queue its text extraction (then its reindexing). A
    failure here is logged by evidence/signals.announce_stored and never fails the upload."""
    schedule_extraction(version.id)


@contextmanager
def sync_suppressed():
    """Commits inside this block do not schedule reindexing (the caller indexes explicitly)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def _enabled() -> bool:
    return has_app_context() and "search" in current_app.extensions


def _value(obj, name: str):
    """An attribute as loaded (works on deleted objects, whose state may be expired)."""
    state = inspect(obj)
    value = state.dict.get(name)
    if value is None:
        history = state.attrs[name].history
        value = (history.deleted or history.unchanged or [None])[0]
    return value


def _after_flush(session: Session, _context) -> None:
    if not _enabled():
        return
    pending: PendingChanges = session.info.setdefault(PENDING_KEY, PendingChanges())
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        if isinstance(obj, Evidence):
            pending.evidence_ids.add(_value(obj, "id"))
        elif isinstance(obj, (EvidenceFile, Claim)):
            pending.evidence_ids.add(_value(obj, "evidence_id"))
        elif isinstance(obj, EvidenceVersion):
            pending.file_ids.add(_value(obj, "file_id"))
        elif isinstance(obj, Submission):
            pending.portfolio_ids.add(_value(obj, "portfolio_id"))
        elif isinstance(obj, Portfolio) and obj in session.deleted:
            pending.deleted_portfolio_ids.add(_value(obj, "id"))
        elif isinstance(obj, User) and obj in session.dirty and inspect(obj).attrs.full_name.history.has_changes():
            pending.candidate_ids.add(_value(obj, "id"))
    for name in ("evidence_ids", "file_ids", "portfolio_ids", "candidate_ids", "deleted_portfolio_ids"):
        getattr(pending, name).discard(None)


def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


def _after_commit(session: Session) -> None:
    pending: PendingChanges | None = session.info.pop(PENDING_KEY, None)
    if not pending or _suppressed.get() or not _enabled():
        return
    mode = sync_mode()
    if mode == "off":
        return
    if mode == "queue":
        from search.tasks import reindex_changes

        try:
            reindex_changes(pending.as_dict())
            return
        except Exception:  # the queue is down: index now rather than lose the change
            log.exception("Could not queue a search reindex; indexing inline instead")
    apply_changes(pending)


def sync_mode() -> str:
    configured = current_app.extensions["search"].get("sync")
    if configured in ("inline", "queue", "off"):
        return configured
    from jobs.queue import huey

    return "inline" if huey.immediate else "queue"


def resolve(session: Session, pending: PendingChanges) -> set[int]:
    """Every evidence id the pending changes touch."""
    ids = set(pending.evidence_ids)
    if pending.file_ids:
        ids.update(session.scalars(select(EvidenceFile.evidence_id).where(EvidenceFile.id.in_(pending.file_ids))))
    portfolio_ids = set(pending.portfolio_ids)
    if pending.candidate_ids:
        portfolio_ids.update(session.scalars(select(Portfolio.id).where(Portfolio.candidate_id.in_(pending.candidate_ids))))
    if portfolio_ids:
        ids.update(session.scalars(select(Evidence.id).where(Evidence.portfolio_id.in_(portfolio_ids))))
    return ids


def apply_changes(pending: PendingChanges, raise_errors: bool = False) -> bool:
    """Reindex what `pending` touched, now. On failure: False and an error in the log, or the
    exception itself with `raise_errors` (the queued task re-raises so that huey retries)."""
    from search.services import delete_portfolio_documents, index_evidence

    try:
        with Session(db.engine) as session:
            ids = resolve(session, pending)
            index_evidence(ids, session=session)
        delete_portfolio_documents(pending.deleted_portfolio_ids)
        return True
    except SearchIndexError as error:
        log.error("Search index not updated for %s: %s", pending.as_dict(), error)
        if raise_errors:
            raise
    except Exception:
        log.exception("Search index not updated for %s", pending.as_dict())
        if raise_errors:
            raise
    return False
