"""Enqueue jobs and report their progress.

A job function is a plain function `fn(job_id, **kwargs)` decorated with @job_task; it runs
inside an application context in the worker (or in-process in immediate mode) and calls
`report_progress` as it goes. Its return value (JSON-able) becomes the job's result.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from functools import wraps

from flask import Flask

from core.timeutil import utcnow
from extensions import db

from jobs.models import Job, JobState
from jobs.queue import huey

log = logging.getLogger(__name__)
_bound_app: Flask | None = None


def bind_app(app: Flask) -> None:
    """Remember the app whose context tasks run in (the web app in immediate mode)."""
    global _bound_app
    _bound_app = app


def task_app() -> Flask:
    if _bound_app is None:
        raise RuntimeError("No application bound: start the consumer with `huey_consumer worker.huey`.")
    return _bound_app


def _update(job_id: str, **fields) -> None:
    job = db.session.get(Job, job_id)
    if job is None:
        return
    for name, value in fields.items():
        setattr(job, name, value)
    job.updated_at = utcnow()
    db.session.commit()


def report_progress(job_id: str, done: int, total: int | None = None, message: str | None = None) -> None:
    fields: dict = {"done": done}
    if total is not None:
        fields["total"] = total
    if message is not None:
        fields["message"] = message[:500]
    _update(job_id, **fields)


def job_task(fn: Callable) -> Callable:
    """Turn `fn(job_id, **kwargs)` into a huey task that keeps its Job row up to date."""

    @huey.task(name=f"{fn.__module__}.{fn.__name__}")
    @wraps(fn)
    def run(job_id: str, **kwargs):
        with task_app().app_context():
            _update(job_id, state=JobState.RUNNING.value)
            try:
                result = fn(job_id, **kwargs)
            except Exception as error:  # the job row must say why, whatever went wrong
                db.session.rollback()
                log.exception("Job %s failed", job_id)
                _update(job_id, state=JobState.FAILED.value, error=str(error)[:2000], message="La tâche a échoué.")
                return None
            _update(job_id, state=JobState.DONE.value, result=result, message="Terminé.")
            return result

    return run


def enqueue(
    task: Callable, kind: str, title: str, created_by_id: int | None = None, result: dict | None = None, **kwargs
) -> Job:
    """Record a queued Job, commit, then hand it to the queue (so the worker always finds the row).

    `result` is what the job's page may show before the task returns (e.g. what the job is about);
    the task's return value replaces it.
    """
    job = Job(id=str(uuid.uuid4()), kind=kind, title=title, created_by_id=created_by_id, result=result)
    db.session.add(job)
    db.session.commit()
    return _hand_over(job.id, task, kwargs)


def rerun(job: Job, task: Callable, **kwargs) -> Job:
    """Queue an unfinished job again under the same id; its result so far is kept for the task."""
    job.state = JobState.QUEUED.value
    job.error = None
    db.session.commit()
    return _hand_over(job.id, task, kwargs)


def _hand_over(job_id: str, task: Callable, kwargs: dict) -> Job:
    """Queue the task (immediate mode: run it now) and return the job row as it stands after."""
    task(job_id, **kwargs)
    db.session.expire_all()
    return db.session.get(Job, job_id)


def save_result(job_id: str, result: dict) -> None:
    """Record what a running job has done so far (a resumable task reads it back when run again)."""
    _update(job_id, result=result)


def get_job(job_id: str) -> Job | None:
    return db.session.get(Job, job_id)

