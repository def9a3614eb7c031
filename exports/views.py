"""Export screens: start a submission's or a session's export, resume a session's, download any
export's file, the blank grid of a certification and the minutes of a session."""
from __future__ import annotations

from flask import Blueprint, Response, abort, request, url_for
from flask_login import current_user

from accounts.policy import Permission, authorize, requires
from extensions import db
from jobs.models import Job, JobState
from jobs.services import get_job
from jobs.views import JobOutcome, job_response, show_outcome
from storage.access import send_stored_file

from exports import services
from exports.results import FORMATS, JOB_KINDS, ExportError, ExportResult
from grading.models import JurySession
from portfolio.models import Submission
from referentials.models import Certification

bp = Blueprint("exports", __name__)


def _outcome_context(job: Job) -> dict:
    export = ExportResult.from_json(job.result)
    if export.is_session_bundle:
        back_link = ("Retour à la session", url_for("grading.session", session_id=export.session_id))
    elif export.submission_id is not None:
        back_link = ("Retour au dépôt", url_for("portfolio.submission", submission_id=export.submission_id))
    else:
        back_link = None
    return {"export": export, "back_link": back_link}


@bp.record_once
def _show_exports_on_job_pages(state) -> None:
    show_outcome(state.app, JOB_KINDS, JobOutcome("exports/_job_outcome.html", _outcome_context))


@bp.route("/depots/<int:submission_id>/exports", methods=["POST"])
@requires(Permission.EXPORT_SUBMISSION)
def start_submission_export(submission_id: int):
    submission = db.session.get(Submission, submission_id)
    authorize(Permission.EXPORT_SUBMISSION, submission)
    kind, fmt = request.form.get("kind", ""), request.form.get("format", "")
    if kind == "grille":
        authorize(Permission.EXPORT_GRID, submission)
    try:
        job = services.start_submission_export(submission, kind, fmt, current_user)
    except ExportError:
        abort(400)
    return job_response(job)


@bp.route("/jury/sessions/<int:session_id>/export", methods=["POST"])
@requires(Permission.MANAGE_JURY)
def start_session_export(session_id: int):
    session = db.session.get(JurySession, session_id) or abort(404)
    return job_response(services.start_session_export(session, current_user))


@bp.route("/jury/exports/<job_id>/reprendre", methods=["POST"])
@requires(Permission.MANAGE_JURY)
def resume_session_export(job_id: str):
    job = get_job(job_id)
    authorize(Permission.VIEW_JOB, job)
    try:
        job = services.resume_session_export(job, current_user)
    except ExportError:
        abort(400)
    return job_response(job)


@bp.route("/jury/exports/<job_id>/archive")  # where session ZIPs were first downloaded from
@bp.route("/exports/<job_id>/fichier")  # the address url_for builds: this rule is registered first
@requires(Permission.VIEW_JOB)
def download(job_id: str):
    """The file of any finished export job, for whom may still export what it holds."""
    job = get_job(job_id)
    authorize(Permission.VIEW_JOB, job)
    export = ExportResult.from_json(job.result)
    if job.kind not in JOB_KINDS or job.state != JobState.DONE or export.object_key is None:
        abort(404)
    if export.is_session_bundle:
        authorize(Permission.MANAGE_JURY)
    else:
        submission = db.session.get(Submission, export.submission_id) if export.submission_id else None
        authorize(Permission.EXPORT_GRID if export.document == "grille" else Permission.EXPORT_SUBMISSION, submission)
    return send_stored_file(export.object_key, export.filename, export.media_type)


@bp.route("/referentiels/<int:certification_id>/grille-vierge.<fmt>")
@requires(Permission.VIEW_JURY_SESSION)
def blank_grid(certification_id: int, fmt: str):
    """The blank jury grid of a certification, for juries who print it before the session."""
    certification = db.session.get(Certification, certification_id) or abort(404)
    try:
        data, filename = services.blank_grid(certification, fmt)
    except ExportError:
        abort(404)
    return _attachment(data, FORMATS[fmt], filename)


@bp.route("/jury/sessions/<int:session_id>/proces-verbal.<fmt>")
@requires(Permission.VIEW_JURY_SESSION)
def minutes_document(session_id: int, fmt: str):
    """The minutes of a session (PDF or Word), for its members and admins, as the minutes page shows them."""
    session = db.session.get(JurySession, session_id)
    authorize(Permission.VIEW_JURY_SESSION, session)
    try:
        data, filename = services.minutes_document(session, fmt)
    except ExportError:
        abort(404)
    return _attachment(data, FORMATS[fmt], filename)


def _attachment(data: bytes, media_type: str, filename: str) -> Response:
    return Response(
        data, mimetype=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
