"""Bulk export of a session as a ZIP, resumable after an interruption. Immediate mode."""
import hashlib
import io
import zipfile
from datetime import timedelta

from core.timeutil import utcnow

from storage.access import object_store
from extensions import db
from exports.bundle import planned_files
from exports.results import ExportResult
from exports.tasks import export_session_bundle
from jobs.models import Job, JobState
from jobs.services import enqueue



def _zip(job) -> zipfile.ZipFile:
    with object_store().open(ExportResult.from_json(job.result).object_key) as stream:
        return zipfile.ZipFile(io.BytesIO(stream.read()))


def test_admin_exports_every_dossier_and_grid_of_a_session(client_for, jury, app_ctx):
    admin = client_for(jury.admin)
    response = admin.submit(f"/jury/sessions/{jury.session.id}/export", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Télécharger session-" in response.get_data(as_text=True)
    job = db.session.query(Job).filter_by(kind="session-export").one()
    archive = _zip(job)
    names = sorted(archive.namelist())
    planned = [name for name, _, _ in planned_files(jury.session)]
    assert names == sorted([*planned, "manifeste.csv"])
    assert {name.rsplit("/", 1)[-1] for name in planned} >= {
        "dossier-de-validation.pdf", "dossier-de-validation.docx", "grille-d-evaluation.pdf", "grille-d-evaluation.docx"}
    assert any(name.startswith("proces-verbal-session-") for name in planned)
    for name in planned:
        assert archive.read(name).startswith(b"%PDF" if name.endswith(".pdf") else b"PK")
    manifest = archive.read("manifeste.csv").decode("utf-8-sig").splitlines()
    assert manifest[0] == "fichier;sha256;octets;depot;sha256_instantane_du_depot"
    rows = {line.split(";")[0]: line.split(";") for line in manifest[1:]}
    assert set(rows) == set(planned)
    for name, row in rows.items():
        assert row[1] == hashlib.sha256(archive.read(name)).hexdigest()
    dossier = next(name for name in planned if name.endswith("dossier-de-validation.pdf"))
    assert rows[dossier][4] == jury.submission.snapshot_sha256
    download = admin.get(f"/jury/exports/{job.id}/archive")
    assert download.status_code in (200, 302)


def _running_session_export(jury, lease_expires_at, parts=None) -> Job:
    """A session export as its worker left it: running, with the lease its worker last renewed."""
    job = Job(id="22222222-2222-2222-2222-222222222222", kind="session-export", title="Export",
              created_by_id=jury.admin.id, state=JobState.RUNNING.value, attempts=1,
              task=export_session_bundle.name, params={"session_id": jury.session.id},
              lease_expires_at=lease_expires_at, result={"session_id": jury.session.id, "parts": parts or {}})
    db.session.add(job)
    db.session.commit()
    return job


def test_an_interrupted_export_resumes_without_redoing_finished_files(client_for, jury, app_ctx):
    first_name = planned_files(jury.session)[0][0]
    already = object_store().put(io.BytesIO(b"%PDF-fichier produit avant l'interruption"), 41)
    job = _running_session_export(jury, utcnow() - timedelta(minutes=1), parts={first_name: already.key})
    admin = client_for(jury.admin)
    assert "Reprendre l'export" in admin.get(f"/taches/{job.id}").text
    response = admin.submit(f"/jury/exports/{job.id}/reprendre")
    assert response.status_code == 303
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.state == JobState.DONE
    assert _zip(job).read(first_name) == b"%PDF-fichier produit avant l'interruption"
    from grading.models import AuditEvent

    assert db.session.query(AuditEvent).filter_by(action="session.export_resumed").count() == 1


def test_an_export_still_running_is_not_offered_to_resume(client_for, jury, app_ctx):
    """Its worker renewed the lease a moment ago: "Reprendre" would run it twice at once."""
    job = _running_session_export(jury, utcnow() + timedelta(minutes=1))
    admin = client_for(jury.admin)
    page = admin.get(f"/taches/{job.id}").text
    assert "En cours" in page and "Reprendre l'export" not in page
    assert admin.submit(f"/jury/exports/{job.id}/reprendre", token_from=f"/taches/{job.id}").status_code == 400
    db.session.expire_all()
    assert db.session.get(Job, job.id).state == JobState.RUNNING


def test_a_session_without_submissions_fails_with_a_reason(jury, app_ctx):
    from grading import sessions

    empty = sessions.create_session(jury.certification, sessions.SessionFields(starts_at=jury.session.starts_at, place="Salle 4"), actor=jury.admin)
    job = enqueue(export_session_bundle, "session-export", "Export", session_id=empty.id)
    assert job.state == JobState.FAILED and "Aucun dépôt" in job.error
