"""The ZIP of a jury session: per submission (one folder each) the dossier and the jury grid in PDF
and in Word, the session's minutes, and `manifeste.csv` with every file's SHA-256 (and, for each
submission's files, the SHA-256 of the frozen snapshot they were made from), so that an auditor
can check the archive against the submissions.

The files are rendered and stored one by one by the session export job (`exports.tasks`), which
records each in its result as soon as it exists; the archive is then written from those objects.
"""
from __future__ import annotations

import csv
import hashlib
import io
import tempfile
import zipfile

from storage.access import object_store
from storage.base import ObjectRef

from exports.results import minutes_filename, submission_folder
from grading.models import JurySession

PARTS = (("dossier", "dossier-de-validation"), ("grille", "grille-d-evaluation"))
FORMATS = ("pdf", "docx")
MINUTES = "proces-verbal"
MANIFEST = "manifeste.csv"


def planned_files(session: JurySession) -> list[tuple[str, int | None, str]]:
    """(file name in the ZIP, submission id or None, document kind) of every file; the format is the
    name's extension. The minutes come last."""
    files: list[tuple[str, int | None, str]] = []
    for assignment in session.assignments:
        submission = assignment.submission
        folder = submission_folder(submission)
        for kind, name in PARTS:
            for fmt in FORMATS:
                files.append((f"{folder}/{name}.{fmt}", submission.id, kind))
    files.append((minutes_filename(session, "pdf"), None, MINUTES))
    return files


def write_archive(files: list[tuple[str, int | None, str]], done: dict[str, str],
                  snapshots: dict[int, str] | None = None) -> ObjectRef:
    """Store the ZIP of `files`, each read from the object `done` names for it, and its manifest.

    `snapshots` maps a submission id to its snapshot's SHA-256, written beside its files.
    """
    snapshots = snapshots or {}
    manifest = io.StringIO()
    writer = csv.writer(manifest, delimiter=";", lineterminator="\r\n")
    writer.writerow(["fichier", "sha256", "octets", "depot", "sha256_instantane_du_depot"])
    with tempfile.TemporaryFile() as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, submission_id, _ in files:
                digest, size = hashlib.sha256(), 0
                with object_store().open(done[name]) as source, archive.open(name, "w") as target:
                    while chunk := source.read(1024 * 1024):
                        digest.update(chunk)
                        size += len(chunk)
                        target.write(chunk)
                writer.writerow([name, digest.hexdigest(), size, submission_id or "",
                                 snapshots.get(submission_id, "") if submission_id else ""])
            archive.writestr(MANIFEST, "\ufeff" + manifest.getvalue())  # BOM: Excel reads it as UTF-8
        size = spool.tell()
        spool.seek(0)
        ref = object_store().put(spool, size)
    return ref
