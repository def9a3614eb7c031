"""Bulk export of a jury session (ZIP of every dossier and grid), started and resumed here."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from accounts.policy import Permission, authorize, requires
from storage.access import send_stored_file
from extensions import db
from jobs.models import JobState
from jobs.services import enqueue, get_job

from grading import audit
from exports.bundle import export_session_bundle
from grading.models import JurySession

bp = Blueprint("grading_exports", __name__)


def _respond(job):
    if request.htmx:
        return render_template("jobs/_job_status.html", job=job)
    return redirect(url_for("core.job_status", job_id=job.id), code=303)


@bp.route("/jury/sessions/<int:session_id>/export", methods=["POST"])
@requires(Permission.MANAGE_JURY)
def start(session_id: int):
    session = db.session.get(JurySession, session_id) or abort(404)
    # Dossiers hold personal data: who exported a whole session is on the record.
    audit.record("session.exported", "session", session.id, actor=current_user, session_id=session.id)
    db.session.commit()
    job = enqueue(
        export_session_bundle, "session-export", f"Export de la session du {session.starts_at:%d/%m/%Y}",
        created_by_id=current_user.id, session_id=session.id,
    )
    return _respond(job)


@bp.route("/jury/exports/<job_id>/reprendre", methods=["POST"])
@requires(Permission.MANAGE_JURY)
def resume(job_id: str):
    """Run an interrupted bulk export again under the same job; finished files are kept."""
    job = get_job(job_id)
    authorize(Permission.VIEW_JOB, job)
    if job.kind != "session-export" or job.state == JobState.DONE:
        abort(400)
    session_id = (job.result or {}).get("session_id") or request.form.get("session_id", type=int)
    if session_id is None:
        abort(400)
    job.state = JobState.QUEUED.value
    job.error = None
    audit.record("session.export_resumed", "session", session_id, actor=current_user, session_id=session_id,
                 after={"job_id": job.id})
    db.session.commit()
    export_session_bundle(job.id, session_id=session_id)
    db.session.expire_all()
    return _respond(get_job(job_id))


@bp.route("/jury/exports/<job_id>/archive")
@requires(Permission.MANAGE_JURY)
def download(job_id: str):
    job = get_job(job_id)
    authorize(Permission.VIEW_JOB, job)
    result = job.result or {}
    if job.kind != "session-export" or job.state != JobState.DONE or "object_key" not in result:
        abort(404)
    return send_stored_file(result["object_key"], result["filename"], "application/zip")
