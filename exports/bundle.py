"""The ZIP of a jury session: every candidate's dossier and grid (PDF), one folder per submission.

The files are rendered and stored one by one by the session export job (`exports.tasks`), which
records each in its result as soon as it exists; the archive is then written from those objects.
"""
from __future__ import annotations

import tempfile
import zipfile

from storage.access import object_store
from storage.base import ObjectRef

from exports.results import submission_folder
from grading.models import JurySession

PARTS = (("dossier", "dossier-de-validation"), ("grille", "grille-d-evaluation"))


def planned_files(session: JurySession) -> list[tuple[str, int, str]]:
    """(file name in the ZIP, submission id, document kind) for every assigned submission."""
    files = []
    for assignment in session.assignments:
        submission = assignment.submission
        folder = submission_folder(submission)
        for kind, name in PARTS:
            files.append((f"{folder}/{name}.pdf", submission.id, kind))
    return files


def write_archive(files: list[tuple[str, int, str]], done: dict[str, str]) -> ObjectRef:
    """Store the ZIP of `files`, each read from the object `done` names for it."""
    with tempfile.TemporaryFile() as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, _, _ in files:
                with object_store().open(done[name]) as source, archive.open(name, "w") as target:
                    while chunk := source.read(1024 * 1024):
                        target.write(chunk)
        size = spool.tell()
        spool.seek(0)
        ref = object_store().put(spool, size)
    return ref
