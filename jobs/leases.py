"""Leases: a job is alive only while its worker keeps saying so.

A huey consumer that is killed takes the task it was running with it (huey removes a task from
the queue when it starts it), so the job row is the only trace left. Each attempt therefore
holds a lease on its row:

    attempt = claim(job_id)        # queued -> running, attempts + 1, lease from now
    with running(job_id, attempt): # renews the lease from a heartbeat thread while the task runs
        renew(job_id, done=1)      # a progress report renews it too (report_progress)
    finish(job_id, attempt, state="done", result=...)

Every write after the claim is fenced by the attempt number: once the reaper (jobs/housekeeping.py)
has handed an expired job over again, the late writes of the attempt it gave up on change
nothing, and `renew` raises LeaseLost so that attempt stops.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update
from sqlalchemy.engine import Engine

from core.timeutil import utcnow
from extensions import db

from jobs.models import Job, JobState
from jobs.queue import huey

log = logging.getLogger(__name__)

# A queued job nobody claims within this many leases is handed to the queue again (its message
# may have been lost: the queue was down when it was sent, or a worker died before claiming it).
QUEUED_PATIENCE = 5
# The heartbeat renews the lease this many times per lease period.
BEATS_PER_LEASE = 3

_current: ContextVar[tuple[str, int] | None] = ContextVar("job_attempt", default=None)


class LeaseLost(Exception):
    """This attempt no longer holds its job: it was handed over again or removed. Stop quietly."""


def lease_seconds() -> int:
    return current_app.config["JOB_LEASE_SECONDS"]


def lease_from(now: datetime) -> datetime:
    return now + timedelta(seconds=lease_seconds())


def queued_lease_from(now: datetime) -> datetime:
    return now + timedelta(seconds=lease_seconds() * QUEUED_PATIENCE)


def _execute(statement) -> int:
    """Run one UPDATE and commit (with whatever the task's session holds); the rows it changed."""
    rows = db.session.execute(statement.execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return rows


def unchanged(job: Job) -> tuple:
    """SQL conditions true while the row still holds the lease `job` was read with."""
    if job.lease_expires_at is None:
        return (Job.lease_expires_at.is_(None),)
    return (Job.lease_expires_at == job.lease_expires_at,)


def claim(job_id: str) -> int | None:
    """Take a queued job for this worker: the attempt number, or None when the job is not queued
    (finished, running under another attempt, or gone: a second delivery of its message)."""
    now = utcnow()
    rows = db.session.execute(
        update(Job).where(Job.id == job_id, Job.state == JobState.QUEUED.value)
        .values(state=JobState.RUNNING.value, attempts=Job.attempts + 1, lease_expires_at=lease_from(now),
                updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if rows != 1:
        db.session.rollback()
        return None
    attempt = db.session.scalar(db.select(Job.attempts).where(Job.id == job_id))
    db.session.commit()
    return attempt


def renew(job_id: str, **fields) -> None:
    """Write `fields` on the job and, inside its run, extend the lease (fenced by the attempt).

    Raises LeaseLost when the run's attempt no longer holds the job.
    """
    now = utcnow()
    statement = update(Job).where(Job.id == job_id).values(updated_at=now, **fields)
    current = _current.get()
    if current is None or current[0] != job_id:
        _execute(statement)
        return
    fenced = statement.where(Job.attempts == current[1], Job.state == JobState.RUNNING.value)
    if _execute(fenced.values(lease_expires_at=lease_from(now))) != 1:
        raise LeaseLost(job_id)


def finish(job_id: str, attempt: int, **fields) -> bool:
    """End the attempt with `fields` (its state, result or error); False when it had lost the job."""
    statement = (
        update(Job).where(Job.id == job_id, Job.attempts == attempt, Job.state == JobState.RUNNING.value)
        .values(lease_expires_at=None, updated_at=utcnow(), **fields)
    )
    return _execute(statement) == 1


@contextmanager
def running(job_id: str, attempt: int) -> Iterator[None]:
    """The attempt's run: progress reports renew its lease, and so does a heartbeat thread (except
    in immediate mode, where the task runs inside a request and no reaper watches it)."""
    token = _current.set((job_id, attempt))
    beat = None if huey.immediate else _Heartbeat(db.engine, job_id, attempt, lease_seconds())
    try:
        yield
    finally:
        if beat is not None:
            beat.stop()
        _current.reset(token)


class _Heartbeat:
    """Renews one attempt's lease on its own connection until stopped or the attempt lost the job.

    A task may spend longer than a lease between two progress reports (rendering a long dossier);
    the heartbeat keeps it alive while its process is, and stops with it.
    """

    def __init__(self, engine: Engine, job_id: str, attempt: int, seconds: int):
        self._engine, self._job_id, self._attempt, self._seconds = engine, job_id, attempt, seconds
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"job-lease-{job_id}", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        table = Job.__table__
        while not self._stopped.wait(self._seconds / BEATS_PER_LEASE):
            now = utcnow()
            try:
                with self._engine.begin() as connection:
                    rows = connection.execute(
                        update(table)
                        .where(table.c.id == self._job_id, table.c.attempts == self._attempt,
                               table.c.state == JobState.RUNNING.value)
                        .values(lease_expires_at=now + timedelta(seconds=self._seconds))
                    ).rowcount
            except Exception:  # a busy database: the next beat tries again, within the lease
                log.warning("Could not renew the lease of job %s", self._job_id, exc_info=True)
                continue
            if rows != 1:
                return  # finished, or handed over to another attempt

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=self._seconds)
