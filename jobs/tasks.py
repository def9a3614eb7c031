"""Housekeeping jobs."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from accounts.models import LoginFailure, PasswordToken
from core.timeutil import utcnow
from extensions import db

from jobs.services import job_task, report_progress

EXPIRED_TOKEN_RETENTION = timedelta(days=30)


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
