"""The job page (`/taches/<id>`): a background job's progress, then what it produced; "Relancer"
(`POST /taches/<id>/relancer`) runs a failed job again.

What a finished job offers (a download, a link back) is not known here: the package that starts
a kind of job registers with `show_outcome` the fragment that shows it and the context it needs,
so that this package stays below the ones whose jobs it runs.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for

from accounts.policy import Permission, authorize, requires

from jobs.models import Job
from jobs.services import JobError, get_job, retry_job

bp = Blueprint("jobs", __name__)

OUTCOMES = "job_outcomes"  # in app.extensions: job kind -> JobOutcome


@dataclass(frozen=True)
class JobOutcome:
    """How the job page shows one kind of job beyond its progress."""

    template: str  # a fragment included in the job's status, rendered with `job` and what `context` returns
    context: Callable[[Job], dict]  # may give `back_link`, a (label, url) pair for the full page


def show_outcome(app: Flask, kinds: Iterable[str], outcome: JobOutcome) -> None:
    """Let the job page of these kinds of jobs show `outcome` (called when a blueprint is registered)."""
    for kind in kinds:
        app.extensions.setdefault(OUTCOMES, {})[kind] = outcome


def _context(job: Job) -> dict:
    outcome = current_app.extensions.get(OUTCOMES, {}).get(job.kind)
    if outcome is None:
        return {"job": job}
    return {"job": job, "outcome_template": outcome.template, **outcome.context(job)}


def job_response(job: Job, error: str | None = None):
    """The answer to a request that started a job: its status fragment for htmx, else a redirect to
    its page. `error` (French) says why the request could not do what it asked."""
    if request.htmx:
        return render_template("jobs/_job_status.html", **_context(job), error=error)
    if error:
        flash(error, "error")
    return redirect(url_for("jobs.job_status", job_id=job.id), code=303)


@bp.route("/taches/<job_id>")
@requires(Permission.VIEW_JOB)
def job_status(job_id: str):
    """The job's page; htmx (which polls it while the job runs) gets only the status fragment."""
    job = get_job(job_id)
    authorize(Permission.VIEW_JOB, job)
    template = "jobs/_job_status.html" if request.htmx else "jobs/job.html"
    return render_template(template, **_context(job))


@bp.route("/taches/<job_id>/relancer", methods=["POST"])
@requires(Permission.RETRY_JOB)
def retry(job_id: str):
    """"Relancer": a failed job runs again under the same id (its page follows it as before)."""
    job = get_job(job_id)
    authorize(Permission.RETRY_JOB, job)
    try:
        job = retry_job(job)
    except JobError as error:
        return job_response(get_job(job_id), str(error))
    return job_response(job)
