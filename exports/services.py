"""Exports of a submission's documents (validation dossier, jury grid) as background jobs.

The job builds the document model, renders it, keeps the file in the object store and records
its key, name and page count as the job's result; the web layer polls the job for progress.
"""
from __future__ import annotations

import io
import re
import unicodedata

from storage.access import object_store
from core.timeutil import format_paris
from documents import RenderReport, render_docx, render_pdf
from extensions import db
from jobs.services import job_task, report_progress

from exports.dossier import DossierContext, build_dossier
from portfolio.models import Submission
from portfolio.submissions import snapshot_of

FORMATS = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
KINDS = {"dossier": "Dossier de validation", "grille": "Grille d'évaluation"}


class ExportError(Exception):
    """An export that cannot be produced; the message is French and safe to show."""


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower() or "document"


def build_document(submission: Submission, kind: str):
    """The document model of `kind` for this submission, and the problems met while building it."""
    if kind == "dossier":
        portfolio = submission.portfolio
        context = DossierContext(
            candidate_name=portfolio.candidate.full_name,
            certification=portfolio.certification,
            submitted_at=format_paris(submission.submitted_at, "%d/%m/%Y"),
        )
        return build_dossier(snapshot_of(submission), context), context.problems
    if kind == "grille":
        from exports.grid import build_submission_grid

        return build_submission_grid(submission), []
    raise ExportError(f"Type de document inconnu : {kind}.")


def render(document, fmt: str) -> tuple[bytes, RenderReport]:
    report = RenderReport()
    if fmt == "pdf":
        return render_pdf(document, report), report
    if fmt == "docx":
        return render_docx(document), report
    raise ExportError(f"Format inconnu : {fmt}.")


@job_task
def export_submission(job_id: str, submission_id: int, document_kind: str, fmt: str) -> dict:
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        raise ExportError("Le dépôt n'existe plus.")
    report_progress(job_id, 0, 3, "Assemblage du document…")
    kind = document_kind
    document, problems = build_document(submission, kind)
    report_progress(job_id, 1, 3, f"Mise en page ({fmt.upper()})…")
    data, report = render(document, fmt)
    report_progress(job_id, 2, 3, "Enregistrement du fichier…")
    ref = object_store().put(io.BytesIO(data), len(data))
    candidate = submission.portfolio.candidate.full_name
    filename = f"{slug(KINDS[kind])}-{slug(candidate)}-depot-{submission.number}.{fmt}"
    minimum = submission.portfolio.certification.dossier_min_pages if kind == "dossier" else None
    return {
        "object_key": ref.key,
        "filename": filename,
        "media_type": FORMATS[fmt],
        "size": ref.size,
        "pages": report.page_count if fmt == "pdf" else None,
        "minimum_pages": minimum,
        "problems": problems,
        "submission_id": submission.id,
    }
