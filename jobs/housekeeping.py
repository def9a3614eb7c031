"""What the periodic housekeeping task (jobs/tasks.py) does: reap expired leases, purge old jobs.

    reap_expired_jobs()    # jobs whose worker died: handed over again, or failed after the last attempt
    purge_finished_jobs()  # finished jobs past JOB_RETENTION_DAYS, and with them the export files
                           # only their results referenced (which `flask storage gc` then removes)
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update

from core.timeutil import utcnow
from extensions import db

from jobs import leases
from jobs.models import Job, JobState
from jobs.services import FAILED_MESSAGE, can_run_again, hand_over, job_failed, requeue

log = logging.getLogger(__name__)


def abandoned_error(attempts: int) -> str:
    """What a job whose every attempt was interrupted says on its page."""
    return (
        f"La tâche a été interrompue {attempts} fois : le travailleur de tâches s'est arrêté avant la fin. "
        "Elle n'est plus relancée automatiquement ; relancez-la quand le service est rétabli."
    )


UNRESUMABLE_ERROR = (
    "La tâche a été interrompue (le travailleur de tâches s'est arrêté) et ne peut pas être reprise : "
    "recommencez l'action qui l'avait lancée."
)


@dataclass
class Reaped:
    """What one pass of the reaper did, by job id."""

    handed_over: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def reap_expired_jobs(now: datetime | None = None) -> Reaped:
    """Every unfinished job whose lease expired: queued again (a running one counts an attempt
    used), or failed with a French message when its attempts are spent or nothing says what to run.

    Each change is conditional on the row being as it was read, so that reapers on several nodes,
    and a worker renewing its lease at that moment, never both win.
    """
    now = now or utcnow()
    stale = db.session.scalars(
        select(Job).where(
            Job.state.in_((JobState.QUEUED.value, JobState.RUNNING.value)),
            or_(Job.lease_expires_at.is_(None), Job.lease_expires_at < now),
        )
    ).all()
    reaped = Reaped()
    for job in stale:
        as_read = (Job.state == job.state, Job.attempts == job.attempts, *leases.unchanged(job))
        if not can_run_again(job) or (job.state == JobState.RUNNING and job.attempts >= job.max_attempts):
            if _give_up(job, as_read):
                reaped.failed.append(job.id)
            continue
        message = None
        if job.state == JobState.RUNNING:
            message = f"Le travailleur de tâches s'est arrêté : nouvelle tentative ({job.attempts + 1} sur {job.max_attempts})…"
        if requeue(job, *as_read, **({"message": message} if message else {})):
            reaped.handed_over.append(job.id)
    for job_id in reaped.handed_over:
        try:
            hand_over(job_id)
        except Exception:  # the queue is down: the job stays queued and the next pass sends it again
            log.exception("Could not hand job %s over to the queue", job_id)
    if reaped.handed_over or reaped.failed:
        log.warning("Reaped expired jobs: handed over %s, failed %s", reaped.handed_over, reaped.failed)
    return reaped


def _give_up(job: Job, as_read: tuple) -> bool:
    error = abandoned_error(job.attempts) if can_run_again(job) else UNRESUMABLE_ERROR
    rows = db.session.execute(
        update(Job).where(Job.id == job.id, *as_read)
        .values(state=JobState.FAILED.value, error=error, message=FAILED_MESSAGE, lease_expires_at=None,
                updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if rows == 1:
        job_failed(job.id)
    return rows == 1


def purge_finished_jobs(now: datetime | None = None) -> int:
    """Delete the jobs finished more than JOB_RETENTION_DAYS ago; how many were deleted.

    An export's file is kept only while its job's result points at it (storage gc asks
    exports.services.stored_object_keys), so old downloads stop pinning objects in the store.
    """
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["JOB_RETENTION_DAYS"])
    rows = db.session.execute(
        delete(Job).where(Job.state.in_((JobState.DONE.value, JobState.FAILED.value)), Job.updated_at < cutoff)
    ).rowcount
    db.session.commit()
    return rows
