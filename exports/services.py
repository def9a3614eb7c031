"""Exports, as the views and other packages ask for them: start one, resume one, the blank grid,
and the stored objects that export results hold (which storage garbage collection must keep).

The documents themselves are built and rendered by the jobs in `exports.tasks`.
"""
from __future__ import annotations

from sqlalchemy import select

from extensions import db
from jobs.models import Job
from jobs.services import JobError, enqueue, resume_stalled

from exports.grid import build_blank_grid
from exports.minutes import build_minutes
from exports.results import (
    FORMATS, JOB_KINDS, KINDS, SESSION_EXPORT, SUBMISSION_EXPORT, ExportError, ExportResult, blank_grid_filename,
    minutes_filename,
)
from exports.tasks import export_session_bundle, export_submission, render
from grading import audit
from grading.models import JurySession
from portfolio.models import Submission
from referentials.models import Certification


def start_submission_export(submission: Submission, kind: str, fmt: str, actor) -> Job:
    """Queue the export of one document (`kind` of KINDS, `fmt` of FORMATS) of a submission."""
    if kind not in KINDS or fmt not in FORMATS:
        raise ExportError("Type de document ou format inconnu.")
    return enqueue(
        export_submission, SUBMISSION_EXPORT, f"{KINDS[kind]} ({fmt.upper()})", created_by_id=actor.id,
        result=ExportResult(document=kind, submission_id=submission.id).to_json(),
        submission_id=submission.id, document_kind=kind, fmt=fmt,
    )


def start_session_export(session: JurySession, actor) -> Job:
    """Queue the ZIP of every dossier and grid of a session; the export is on the audit trail."""
    # Dossiers hold personal data: who exported a whole session is on the record (committed with the job).
    audit.record("session.exported", "session", session.id, actor=actor, session_id=session.id)
    return enqueue(
        export_session_bundle, SESSION_EXPORT, f"Export de la session du {session.starts_at:%d/%m/%Y}",
        created_by_id=actor.id, result=ExportResult(session_id=session.id).to_json(), session_id=session.id,
    )


def resume_session_export(job: Job, actor) -> Job:
    """Run again, under the same job, a session export whose worker stopped (its lease expired,
    never while it runs); the files already made are kept. A failed one is "Relancer"'s."""
    session_id = ExportResult.from_json(job.result).session_id
    if job.kind != SESSION_EXPORT or session_id is None or not job.stalled:
        raise ExportError("Seul un export de session interrompu peut être repris.")
    audit.record("session.export_resumed", "session", session_id, actor=actor, session_id=session_id,
                 after={"job_id": job.id})
    try:
        return resume_stalled(job)
    except JobError as error:
        raise ExportError(str(error)) from None


def blank_grid(certification: Certification, fmt: str) -> tuple[bytes, str]:
    """The blank jury grid of a certification in `fmt`, and its file name."""
    if fmt not in FORMATS:
        raise ExportError(f"Format inconnu : {fmt}.")
    data, _ = render(build_blank_grid(certification), fmt)
    return data, blank_grid_filename(certification, fmt)


def minutes_document(session: JurySession, fmt: str) -> tuple[bytes, str]:
    """The session's minutes in `fmt` (with each member's confirmation time), and its file name."""
    if fmt not in FORMATS:
        raise ExportError(f"Format inconnu : {fmt}.")
    data, _ = render(build_minutes(session), fmt)
    return data, minutes_filename(session, fmt)


def stored_object_keys() -> set[str]:
    """Object-store keys that export results point at (files, session archives and their parts).

    Storage garbage collection must keep them: no evidence version references them.
    """
    query = select(Job.result).where(Job.kind.in_(JOB_KINDS), Job.result.is_not(None))
    keys: set[str] = set()
    for data in db.session.scalars(query):
        keys |= ExportResult.from_json(data).object_keys
    return keys
