"""Bulk export of a jury session: every candidate's dossier and grid (PDF) in one ZIP.

Resumable: each rendered file is stored as soon as it exists and recorded in the job's result,
so a job restarted after its worker stopped skips what is done and carries on.
"""
from __future__ import annotations

import io
import tempfile
import zipfile

from storage.access import object_store
from extensions import db
from jobs.models import Job
from jobs.services import job_task, report_progress
from exports.services import build_document, render, slug

from grading.models import JurySession

PARTS = (("dossier", "dossier-de-validation"), ("grille", "grille-d-evaluation"))


def planned_files(session: JurySession) -> list[tuple[str, int, str]]:
    """(file name in the ZIP, submission id, document kind) for every assigned submission."""
    files = []
    for assignment in session.assignments:
        submission = assignment.submission
        folder = f"{slug(submission.portfolio.candidate.full_name)}-depot-{submission.number}"
        for kind, name in PARTS:
            files.append((f"{folder}/{name}.pdf", submission.id, kind))
    return files


def _record(job_id: str, done_files: dict[str, str]) -> None:
    job = db.session.get(Job, job_id)
    job.result = {**(job.result or {}), "parts": dict(done_files)}
    db.session.commit()


@job_task
def export_session_bundle(job_id: str, session_id: int) -> dict:
    from portfolio.models import Submission

    session = db.session.get(JurySession, session_id)
    if session is None:
        raise ValueError("La session n'existe plus.")
    files = planned_files(session)
    if not files:
        raise ValueError("Aucun dépôt n'est affecté à cette session : rien à exporter.")
    job = db.session.get(Job, job_id)
    done: dict[str, str] = dict((job.result or {}).get("parts", {}))
    job.result = {**(job.result or {}), "session_id": session.id}
    db.session.commit()
    total = len(files) + 1
    for index, (name, submission_id, kind) in enumerate(files):
        if name in done and object_store().exists(done[name]):
            continue  # finished before the worker stopped
        report_progress(job_id, index, total, f"{name}…")
        document, _ = build_document(db.session.get(Submission, submission_id), kind)
        data, _ = render(document, "pdf")
        done[name] = object_store().put(io.BytesIO(data), len(data)).key
        _record(job_id, done)
    report_progress(job_id, len(files), total, "Création de l'archive ZIP…")
    with tempfile.TemporaryFile() as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, _, _ in files:
                with object_store().open(done[name]) as source, archive.open(name, "w") as target:
                    while chunk := source.read(1024 * 1024):
                        target.write(chunk)
        size = spool.tell()
        spool.seek(0)
        ref = object_store().put(spool, size)
    filename = f"session-{session.id}-{session.starts_at:%Y-%m-%d}.zip"
    return {
        "parts": done, "object_key": ref.key, "filename": filename, "media_type": "application/zip",
        "size": ref.size, "session_id": session.id, "files": len(files), "problems": [],
    }
