"""Background extraction: `schedule_extraction(version_id)` after an upload has committed.

The worker (worker.py) imports this module, and search/tasks.py for the queued reindex.
The job belongs to the uploader, who follows it from its page. It is idempotent (extracting and
indexing again give the same rows and documents), so a job whose worker died is simply run again;
when it fails for good, the version says so instead of staying "pending".
"""
from __future__ import annotations

from evidence.models import EvidenceVersion, ExtractionStatus
from extensions import db
from jobs.models import Job
from jobs.queue import huey
from jobs.services import enqueue, job_task, report_progress
from evidence.excerpts import prepare_facts
from search.extraction.service import extract_version
from search.services import index_evidence
from search.sync import sync_suppressed

ABANDONED = "L'extraction du texte n'a pas pu aboutir (la tâche a échoué) : relancez-la depuis la page de la tâche."


def _mark_version_failed(job: Job) -> None:
    """The job ended failed: a version still pending is failed, with a French reason."""
    version = db.session.get(EvidenceVersion, (job.params or {}).get("version_id"))
    if version is None or version.extraction_status != ExtractionStatus.PENDING:
        return
    version.extraction_status = ExtractionStatus.FAILED.value
    version.extraction_error = ABANDONED
    db.session.commit()


@job_task(on_failure=_mark_version_failed)
def extract_and_index(job_id: str, version_id: int) -> dict:
    """Extract the text of one version, record it, and update the search index."""
    version = db.session.get(EvidenceVersion, version_id)
    if version is None:
        return {"version_id": version_id, "status": "missing"}
    report_progress(job_id, 0, 2, f"Extraction du texte de « {version.filename} »…")
    extract_version(version)
    prepare_facts(version)  # the line index excerpts read (evidence/excerpts.py), built once here
    evidence_id = version.file.evidence_id
    outcome = {"version_id": version_id, "status": version.extraction_status, "error": version.extraction_error}
    # Indexed explicitly below (inline: this already runs in the worker), not by the session listener.
    with sync_suppressed():
        db.session.commit()
    report_progress(job_id, 1, 2, "Mise à jour de l'index de recherche…")
    index_evidence([evidence_id])
    return outcome


def schedule_extraction(version_id: int) -> None:
    """Queue the extraction (and indexing) of a version whose upload has been committed; the job
    belongs to whoever uploaded it."""
    version = db.session.get(EvidenceVersion, version_id)
    name = version.filename if version is not None else f"version {version_id}"
    owner = version.uploaded_by_id if version is not None else None
    enqueue(extract_and_index, kind="extraction", title=f"Extraction du texte de « {name} »",
            created_by_id=owner, version_id=version_id)


__all__ = ["extract_and_index", "huey", "schedule_extraction"]
