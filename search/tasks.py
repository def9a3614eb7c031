"""The queued side of index synchronisation (the worker, worker.py, imports this module)."""
from __future__ import annotations

from jobs.queue import huey
from jobs.services import task_app

from search.sync import PendingChanges, apply_changes


@huey.task(name="search.tasks.reindex_changes", retries=3, retry_delay=5)
def reindex_changes(changes: dict) -> bool:
    """Reindex the evidence a commit touched (see sync.py); retried when the index is busy."""
    with task_app().app_context():
        return apply_changes(PendingChanges.from_dict(changes), raise_errors=True)


__all__ = ["huey", "reindex_changes"]
