"""Enqueue jobs, report their progress, run them again.

A job function is a plain function `fn(job_id, **kwargs)` decorated with @job_task; it runs
inside an application context in the worker (or in-process in immediate mode) and calls
`report_progress` as it goes. Its return value (JSON-able) becomes the job's result. Its keyword
arguments are recorded on the row, so that the job can be run again under the same id: by the
reaper when its worker died (jobs/housekeeping.py), by "Relancer" when it failed, by a package's
own resume. Job functions must therefore be idempotent (or resumable, like the session export).
"""
from __future__ import annotations

import importlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import Flask, current_app
from sqlalchemy import update

from core.timeutil import utcnow
from extensions import db

from jobs import leases
from jobs.models import Job, JobState
from jobs.queue import huey

log = logging.getLogger(__name__)
_bound_app: Flask | None = None

FAILED_MESSAGE = "La tâche a échoué."


class JobError(Exception):
    """A job cannot be run again as asked; the message is French."""


@dataclass(frozen=True)
class _Registered:
    task: Callable  # the huey task
    on_failure: Callable[[Job], None] | None


_TASKS: dict[str, _Registered] = {}


def bind_app(app: Flask) -> None:
    """Remember the app whose context tasks run in (the web app in immediate mode)."""
    global _bound_app
    _bound_app = app


def task_app() -> Flask:
    if _bound_app is None:
        raise RuntimeError("No application bound: start the consumer with `huey_consumer worker.huey`.")
    return _bound_app


def report_progress(job_id: str, done: int, total: int | None = None, message: str | None = None) -> None:
    """Record progress; inside the job's run this renews its lease (LeaseLost if it was taken over)."""
    fields: dict = {"done": done}
    if total is not None:
        fields["total"] = total
    if message is not None:
        fields["message"] = message[:500]
    leases.renew(job_id, **fields)


def save_result(job_id: str, result: dict) -> None:
    """Record what a running job has done so far (a resumable task reads it back when run again)."""
    leases.renew(job_id, result=result)


def job_task(fn: Callable | None = None, *, on_failure: Callable[[Job], None] | None = None) -> Callable:
    """Turn `fn(job_id, **kwargs)` into a huey task that keeps its Job row up to date.

    `on_failure(job)` is called (in the task's app context) once the job has ended failed, whether
    the function raised or its attempts ran out: e.g. extraction marks its version failed.
    """
    if fn is None:
        return lambda function: job_task(function, on_failure=on_failure)
    name = f"{fn.__module__}.{fn.__name__}"

    @huey.task(name=name)
    @wraps(fn)
    def run(job_id: str, **kwargs):
        with task_app().app_context():
            attempt = leases.claim(job_id)
            if attempt is None:
                log.info("Job %s is not waiting to run (a second delivery, or already done): skipped", job_id)
                return None
            with leases.running(job_id, attempt):
                try:
                    result = fn(job_id, **kwargs)
                except leases.LeaseLost:
                    db.session.rollback()
                    log.warning("Job %s was handed over to another attempt: attempt %s stops", job_id, attempt)
                    return None
                except Exception as error:  # the job row must say why, whatever went wrong
                    db.session.rollback()
                    log.exception("Job %s failed", job_id)
                    if leases.finish(job_id, attempt, state=JobState.FAILED.value, error=str(error)[:2000],
                                     message=FAILED_MESSAGE):
                        job_failed(job_id)
                    return None
                leases.finish(job_id, attempt, state=JobState.DONE.value, result=result, message="Terminé.")
                # The row holds the result; returning it would also keep it in huey's result store,
                # which nobody reads.
                return None

    _TASKS[name] = _Registered(run, on_failure)
    return run


def job_failed(job_id: str) -> None:
    """Tell the package whose task it is that the job ended failed (see job_task's on_failure)."""
    job = db.session.get(Job, job_id)
    registered = _TASKS.get(job.task) if job is not None and job.task else None
    if registered is None or registered.on_failure is None:
        return
    try:
        registered.on_failure(job)
    except Exception:
        db.session.rollback()
        log.exception("on_failure of job %s failed", job_id)


def _registered(name: str) -> _Registered:
    """The task recorded on a row; its module is imported when this process has not loaded it yet
    (a web process asked to run again a task that only workers had imported so far)."""
    if name not in _TASKS:
        try:
            importlib.import_module(name.rpartition(".")[0])
        except ImportError:
            pass
    if name not in _TASKS:
        raise JobError(f"Tâche inconnue : {name}.")
    return _TASKS[name]


def can_run_again(job: Job) -> bool:
    """Whether the row says what to run, and this code still has that task."""
    try:
        return bool(job.task) and _registered(job.task) is not None
    except JobError:
        return False


def enqueue(
    task: Callable, kind: str, title: str, created_by_id: int | None = None, result: dict | None = None, **kwargs
) -> Job:
    """Record a queued Job, commit, then hand it to the queue (so the worker always finds the row).

    `created_by_id` is the job's owner, who may follow it and run it again. `result` is what the
    job's page may show before the task returns (e.g. what the job is about); the task's return
    value replaces it. `kwargs` (JSON-able) are recorded on the row to run the job again.
    """
    job = Job(
        id=str(uuid.uuid4()), kind=kind, title=title, created_by_id=created_by_id, result=result,
        task=task.name, params=kwargs, max_attempts=current_app.config["JOB_MAX_ATTEMPTS"],
        lease_expires_at=leases.queued_lease_from(utcnow()),
    )
    db.session.add(job)
    db.session.commit()
    return hand_over(job.id)


def hand_over(job_id: str) -> Job:
    """Send the job's task to the queue (immediate mode: run it now) and return the row as it stands after.

    When the queue refuses, the job stays queued and the reaper sends it again later.
    """
    job = db.session.get(Job, job_id)
    _registered(job.task).task(job_id, **(job.params or {}))
    db.session.expire_all()
    return db.session.get(Job, job_id)


def requeue(job: Job, *conditions, **fields) -> bool:
    """Put `job` back in the queued state if it still meets `conditions` (nobody changed it since)."""
    now = utcnow()
    statement = (
        update(Job).where(Job.id == job.id, *conditions)
        .values(state=JobState.QUEUED.value, lease_expires_at=leases.queued_lease_from(now), updated_at=now, **fields)
        .execution_options(synchronize_session=False)
    )
    rows = db.session.execute(statement).rowcount
    db.session.commit()
    return rows == 1


def retry_job(job: Job) -> Job:
    """"Relancer": run a failed job again under the same id, with a fresh count of attempts."""
    if job.state != JobState.FAILED or not can_run_again(job):
        raise JobError("Seule une tâche en échec peut être relancée.")
    if not requeue(job, Job.state == JobState.FAILED.value, attempts=0, error=None,
                    message="Relancée : en attente d'un travailleur de tâches…"):
        raise JobError("La tâche a déjà été relancée.")
    return hand_over(job.id)


def resume_stalled(job: Job) -> Job:
    """Run again a job whose worker stopped (its lease expired), without waiting for the reaper."""
    if not job.stalled or not can_run_again(job):
        raise JobError("Cette tâche est toujours en cours : elle ne peut pas être reprise.")
    if not requeue(job, Job.state == job.state, Job.attempts == job.attempts, *leases.unchanged(job),
                    message="Reprise : en attente d'un travailleur de tâches…"):
        raise JobError("La tâche a déjà été reprise.")
    return hand_over(job.id)


def get_job(job_id: str) -> Job | None:
    return db.session.get(Job, job_id)
