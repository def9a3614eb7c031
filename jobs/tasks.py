"""Housekeeping: the periodic task the consumer runs every minute, and the credentials purge job.

The consumer's scheduler (huey's periodic tasks; started by `huey_consumer worker.huey`, which
imports this module) queues `housekeeping` once a minute, and once as soon as it starts, so a
consumer restarted after a crash picks up at once the jobs its predecessor left running.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from huey import crontab
from sqlalchemy import delete, func, select

from accounts.models import LoginFailure, PasswordToken
from core.timeutil import utcnow
from extensions import db

from storage.access import object_store
from storage.base import StorageError
from storage.gc import collect_temporary

from jobs.housekeeping import purge_finished_jobs, reap_expired_jobs
from jobs.queue import huey
from jobs.services import job_task, report_progress, task_app

log = logging.getLogger(__name__)
EXPIRED_TOKEN_RETENTION = timedelta(days=30)


# Several consumers each queue it: every step is safe to run twice at once. A run that waited
# past the next one is dropped (expires) rather than piled up behind a busy queue.
@huey.periodic_task(crontab(minute="*"), name="jobs.tasks.housekeeping", expires=55)
def housekeeping() -> dict:
    """Reap expired leases, purge finished jobs past their retention, and remove what unfinished
    uploads left in the object store (storage.gc.collect_temporary, past its grace period)."""
    with task_app().app_context():
        reaped = reap_expired_jobs()
        purged = purge_finished_jobs()
        try:
            leftovers = collect_temporary(object_store())
        except StorageError:  # the store is down: the next run tries again
            log.exception("Could not remove the leftovers of unfinished uploads")
            leftovers = []
        return {"handed_over": reaped.handed_over, "failed": reaped.failed, "purged_jobs": purged,
                "upload_leftovers": leftovers}


@job_task
def purge_expired_credentials(job_id: str) -> dict:
    """Delete login failures past the throttle window and set-password links long expired."""
    from accounts.services import THROTTLE_WINDOW

    now = utcnow()
    report_progress(job_id, 0, 2, "Nettoyage des tentatives de connexion…")
    failures = db.session.scalar(select(func.count(LoginFailure.id)).where(LoginFailure.at < now - THROTTLE_WINDOW)) or 0
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - THROTTLE_WINDOW))
    db.session.commit()
    report_progress(job_id, 1, 2, "Nettoyage des liens de mot de passe expirés…")
    cutoff = now - EXPIRED_TOKEN_RETENTION
    tokens = db.session.scalar(select(func.count(PasswordToken.id)).where(PasswordToken.expires_at < cutoff)) or 0
    db.session.execute(delete(PasswordToken).where(PasswordToken.expires_at < cutoff))
    db.session.commit()
    report_progress(job_id, 2, 2)
    return {"login_failures": failures, "password_tokens": tokens}
