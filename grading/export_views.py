"""Bulk export of a jury session (ZIP of every dossier and grid), started and resumed here."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from accounts.policy import Permission, authorize, requires
from core.stores import object_store
from extensions import db
from jobs.models import JobState
from jobs.services import enqueue, get_job

from .bundle import export_session_bundle
from .models import JurySession

bp = Blueprint("grading_exports", __name__)


def _respond(job):
    if request.htmx:
        return render_template("core/_job_status.html", job=job)
    return redirect(url_for("core.job_status", job_id=job.id), code=303)


@bp.route("/jury/sessions/<int:session_id>/export", methods=["POST"])
@requires(Permission.MANAGE_JURY)
def start(session_id: int):
    session = db.session.get(JurySession, session_id) or abort(404)
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
    url = object_store().url(result["object_key"], result["filename"])
    if url:
        return redirect(url)
    return send_file(object_store().open(result["object_key"]), mimetype="application/zip", as_attachment=True,
                     download_name=result["filename"], max_age=0)
