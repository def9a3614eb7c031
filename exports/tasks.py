"""The export jobs: one document of a submission, and the ZIP of a whole jury session.

Each job builds the document model, renders it, keeps the file in the object store and returns
its `ExportResult` (as JSON) for the job row; the web layer polls the job for progress.
Both are safe to run again under the same job (the reaper does when a worker died, "Relancer" when
one failed): a submission's export renders its document anew, and the session export is
resumable: each rendered file is recorded in the job's result as soon as it exists, so a job run
again after its worker stopped skips what is done and carries on. A file stored by an attempt that
died before recording it is an orphan that `flask storage gc` removes.
"""
from __future__ import annotations

import io

from accounts.models import User
from core.timeutil import format_paris
from documents import RenderReport, layout_page_count, render_docx, render_pdf
from extensions import db
from jobs.services import enqueue, get_job, job_task, report_progress, save_result
from storage.access import object_store

from exports.bundle import MINUTES, planned_files, write_archive
from exports.dossier import DossierContext, build_dossier
from exports.grid import build_submission_grid
from exports.minutes import build_minutes
from exports.results import FORMATS, ZIP, ExportError, ExportResult, session_filename, submission_filename
from grading.models import JurySession
from portfolio import coverage
from portfolio.models import Portfolio, Submission
from portfolio.submissions import build_snapshot, snapshot_of


def build_document(submission: Submission, kind: str, reader=None):
    """The document model of `kind` for this submission as `reader` may read it (see
    `build_submission_grid`), and the problems met while building it."""
    if kind == "dossier":
        portfolio = submission.portfolio
        context = DossierContext(
            candidate_name=portfolio.candidate.full_name,
            certification=portfolio.certification,
            submitted_at=format_paris(submission.submitted_at, "%d/%m/%Y"),
        )
        return build_dossier(snapshot_of(submission), context), context.problems
    if kind == "grille":
        return build_submission_grid(submission, reader), []
    raise ExportError(f"Type de document inconnu : {kind}.")


def _reader(job_id: str) -> User | None:
    """Who asked for the export: the documents show what the policy lets them read (nobody: the least)."""
    creator_id = get_job(job_id).created_by_id
    return db.session.get(User, creator_id) if creator_id else None


def render(document, fmt: str) -> tuple[bytes, RenderReport]:
    report = RenderReport()
    if fmt == "pdf":
        return render_pdf(document, report), report
    if fmt == "docx":
        return render_docx(document, report), report
    raise ExportError(f"Format inconnu : {fmt}.")


@job_task
def export_submission(job_id: str, submission_id: int, document_kind: str, fmt: str) -> dict:
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        raise ExportError("Le dépôt n'existe plus.")
    report_progress(job_id, 0, 3, "Assemblage du document…")
    document, problems = build_document(submission, document_kind, _reader(job_id))
    report_progress(job_id, 1, 3, f"Mise en page ({fmt.upper()})…")
    data, report = render(document, fmt)
    report_progress(job_id, 2, 3, "Enregistrement du fichier…")
    ref = object_store().put(io.BytesIO(data), len(data))
    minimum = submission.portfolio.certification.dossier_min_pages if document_kind == "dossier" else None
    return ExportResult(
        document=document_kind, submission_id=submission.id, object_key=ref.key,
        filename=submission_filename(submission, document_kind, fmt), media_type=FORMATS[fmt], size=ref.size,
        pages=report.page_count if fmt == "pdf" else None, minimum_pages=minimum,
        warnings=[*problems, *(note for note in report.left_out if note not in problems)],
    ).to_json()


@job_task
def export_session_bundle(job_id: str, session_id: int) -> dict:
    session = db.session.get(JurySession, session_id)
    if session is None:
        raise ExportError("La session n'existe plus.")
    files = planned_files(session)
    if not session.assignments:
        raise ExportError("Aucun dépôt n'est affecté à cette session : rien à exporter.")
    result = ExportResult.from_json(get_job(job_id).result)
    result.session_id = session.id
    done = result.parts
    total = len(files) + 1
    for index, (name, submission_id, kind) in enumerate(files):
        if name in done and object_store().exists(done[name]):
            continue  # finished before the worker stopped
        report_progress(job_id, index, total, f"{name}…")
        if kind == MINUTES:
            document = build_minutes(session)
        else:
            document, _ = build_document(db.session.get(Submission, submission_id), kind, _reader(job_id))
        data, _ = render(document, name.rsplit(".", 1)[-1])
        done[name] = object_store().put(io.BytesIO(data), len(data)).key
        save_result(job_id, result.to_json())
    report_progress(job_id, len(files), total, "Création de l'archive ZIP…")
    snapshots = {a.submission.id: a.submission.snapshot_sha256 for a in session.assignments}
    ref = write_archive(files, done, snapshots)
    result.object_key, result.size, result.files = ref.key, ref.size, len(files)
    result.filename, result.media_type = session_filename(session), ZIP
    return result.to_json()


@job_task
def estimate_dossier_pages(job_id: str, portfolio_id: int, digest: str) -> dict:
    """The page count of a portfolio's dossier as the export lays it out now (the candidate's
    page estimate), for its content when the job runs: `digest` (the content when it was
    queued) may be older, the result names the digest of what was laid out."""
    portfolio = db.session.get(Portfolio, portfolio_id)
    if portfolio is None:
        raise ExportError("Le portefeuille n'existe plus.")
    context = DossierContext(candidate_name=portfolio.candidate.full_name, certification=portfolio.certification)
    snapshot = build_snapshot(portfolio)
    pages = layout_page_count(build_dossier(snapshot, context))
    return {"portfolio_id": portfolio_id, "digest": coverage.snapshot_digest(snapshot), "pages": pages}


def start_page_estimate(portfolio: Portfolio, digest: str) -> None:
    enqueue(estimate_dossier_pages, coverage.PAGE_ESTIMATE_JOB, "Estimation du nombre de pages du dossier",
            portfolio_id=portfolio.id, digest=digest)


coverage.layout_estimator = start_page_estimate
