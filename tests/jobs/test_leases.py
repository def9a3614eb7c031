"""Owners, leases, attempts, the reaper and "Relancer", in huey's immediate mode: a job row is left
the way a dead worker leaves it, then the reaper (or a person) takes it from there."""
from __future__ import annotations

import io
import os
import time
from datetime import timedelta

import pytest

from accounts.models import Role
from core.timeutil import utcnow
from evidence.models import EvidenceVersion, ExtractionStatus
from exports.services import stored_object_keys
from extensions import db
from jobs import leases
from jobs.housekeeping import reap_expired_jobs
from jobs.models import Job, JobState
from jobs.queue import huey
from jobs.services import enqueue, job_task, report_progress, requeue
from jobs.tasks import housekeeping, purge_expired_credentials
from search.extraction.tasks import ABANDONED, extract_and_index
from storage import LocalStore
from storage.access import object_store
from storage.gc import TEMPORARY_GRACE, collect_garbage
from tests import factories

AGO = timedelta(minutes=5)


def _left_by_a_dead_worker(task, state=JobState.RUNNING, attempts=1, max_attempts=3, owner=None, **params) -> Job:
    """A job as a killed consumer leaves it: its lease lapsed, nobody renews it."""
    job = Job(id=f"00000000-0000-0000-0000-{len(params) + attempts:012d}", kind="test", title="Tâche",
              created_by_id=owner.id if owner else None, task=task.name, params=params, state=state.value,
              attempts=attempts, max_attempts=max_attempts, lease_expires_at=utcnow() - AGO)
    db.session.add(job)
    db.session.commit()
    return job


def _reload(job: Job) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job.id)


def test_an_extraction_job_belongs_to_the_uploader_who_follows_it(uploader, make_user, client_for):
    uploader.upload("Journal du commutateur\n".encode(), "commutateur.log")
    job = db.session.scalars(db.select(Job).where(Job.kind == "extraction")).one()
    assert job.created_by_id == uploader.candidate.id and job.state == JobState.DONE
    assert uploader.client.get(f"/taches/{job.id}").status_code == 200
    assert client_for(make_user(Role.CANDIDATE)).get(f"/taches/{job.id}").status_code == 403


def test_the_reaper_runs_again_a_job_whose_worker_died(app_ctx):
    job = _left_by_a_dead_worker(purge_expired_credentials)
    assert job.stalled
    reaped = reap_expired_jobs()
    assert reaped.handed_over == [job.id] and reaped.failed == []
    job = _reload(job)
    assert job.state == JobState.DONE and job.attempts == 2
    assert job.result == {"login_failures": 0, "password_tokens": 0}


def test_a_queued_job_whose_message_was_lost_is_sent_again(app_ctx):
    """The queue was down when the job was enqueued (or a worker died before claiming it)."""
    job = _left_by_a_dead_worker(purge_expired_credentials, state=JobState.QUEUED, attempts=0)
    assert reap_expired_jobs().handed_over == [job.id]
    job = _reload(job)
    assert job.state == JobState.DONE and job.attempts == 1


def test_a_job_whose_lease_runs_is_left_alone(app_ctx):
    job = _left_by_a_dead_worker(purge_expired_credentials)
    job.lease_expires_at = utcnow() + AGO
    db.session.commit()
    assert not job.stalled
    assert reap_expired_jobs().handed_over == []
    assert _reload(job).state == JobState.RUNNING


def test_an_extraction_fails_clearly_after_its_last_attempt_and_its_owner_relaunches_it(uploader, make_user, client_for):
    version = factories.add_version(uploader.evidence, "Règle 4 : accès SSH refusé\n".encode(), "ssh.log", "text/plain")
    job = _left_by_a_dead_worker(extract_and_index, attempts=3, owner=uploader.candidate, version_id=version.id)
    assert reap_expired_jobs().failed == [job.id]
    job = _reload(job)
    assert job.state == JobState.FAILED and "interrompue 3 fois" in job.error and job.lease_expires_at is None
    version = db.session.get(EvidenceVersion, version.id)
    assert version.extraction_status == ExtractionStatus.FAILED and version.extraction_error == ABANDONED

    page = uploader.client.get(f"/taches/{job.id}").text
    assert "Échec" in page and "interrompue 3 fois" in page and "Relancer" in page and "hx-trigger" not in page
    evidence_page = uploader.client.get(f"/preuves/{uploader.evidence.id}").text
    assert ABANDONED in evidence_page and "Extraction du texte pour la recherche en cours" not in evidence_page
    stranger = client_for(make_user(Role.CANDIDATE))
    assert stranger.submit(f"/taches/{job.id}/relancer").status_code == 403

    response = uploader.client.submit(f"/taches/{job.id}/relancer", headers={"HX-Request": "true"},
                                      token_from=f"/taches/{job.id}")
    assert response.status_code == 200 and "Terminé" in response.text and "<html" not in response.text
    job = _reload(job)
    assert job.state == JobState.DONE and job.attempts == 1 and job.error is None
    assert db.session.get(EvidenceVersion, version.id).extraction_status == ExtractionStatus.DONE


def test_only_a_failed_job_can_be_relaunched(client_for, make_user):
    owner = make_user(Role.CANDIDATE)
    job = _left_by_a_dead_worker(purge_expired_credentials, owner=owner)
    job.lease_expires_at = utcnow() + AGO
    db.session.commit()
    client = client_for(owner)
    page = client.get(f"/taches/{job.id}").text
    assert "Relancer" not in page and "ne donne plus de nouvelles" not in page
    response = client.submit(f"/taches/{job.id}/relancer", follow_redirects=True)
    assert "Seule une tâche en échec peut être relancée." in response.text
    assert _reload(job).state == JobState.RUNNING


def test_a_superseded_attempt_can_no_longer_write(app_ctx):
    """The reaper handed the job to attempt 2 while attempt 1 was only slow, not dead: attempt 1's
    late progress stops it (LeaseLost) and its late ending changes nothing."""
    job = _left_by_a_dead_worker(purge_expired_credentials, state=JobState.QUEUED, attempts=0)
    first = leases.claim(job.id)
    assert requeue(_reload(job), Job.attempts == first)
    second = leases.claim(job.id)
    assert (first, second) == (1, 2)
    with leases.running(job.id, first), pytest.raises(leases.LeaseLost):
        report_progress(job.id, 5, 10, "En retard")
    assert not leases.finish(job.id, first, state=JobState.FAILED.value, error="trop tard")
    job = _reload(job)
    assert (job.state, job.attempts, job.done, job.error) == (JobState.RUNNING, 2, 0, None)


def test_a_second_delivery_of_a_finished_job_is_skipped(app_ctx):
    job = enqueue(purge_expired_credentials, "maintenance", "Nettoyage")
    assert job.state == JobState.DONE and job.attempts == 1
    purge_expired_credentials(job.id)  # the same message delivered again
    assert _reload(job).attempts == 1


def test_a_job_that_raises_tells_its_package(app_ctx):
    failures = []

    @job_task(on_failure=lambda job: failures.append(job.id))
    def breaks(job_id: str):
        raise RuntimeError("disque plein")

    job = enqueue(breaks, "test", "Tâche cassée")
    assert job.state == JobState.FAILED and failures == [job.id]


def test_housekeeping_is_periodic_and_purges_old_jobs_with_their_export_files(app_ctx, make_user):
    assert "jobs.tasks.housekeeping" in {task.name for task in huey._registry.periodic_tasks}
    admin = make_user(Role.ADMIN)
    retention = timedelta(days=app_ctx.config["JOB_RETENTION_DAYS"])
    files = {}
    for job_id, age in (("old", retention + timedelta(days=1)), ("recent", retention - timedelta(days=1))):
        content = f"%PDF dossier {job_id}".encode()
        files[job_id] = object_store().put(io.BytesIO(content), len(content)).key
        db.session.add(Job(id=job_id, kind="export", title="Dossier", created_by_id=admin.id, state="done",
                           result={"object_key": files[job_id], "filename": "dossier.pdf"}, updated_at=utcnow() - age))
    db.session.commit()
    assert housekeeping.call_local()["purged_jobs"] == 1
    db.session.expire_all()
    assert [job.id for job in db.session.scalars(db.select(Job))] == ["recent"]
    assert files["old"] not in stored_object_keys() and files["recent"] in stored_object_keys()
    orphans = collect_garbage(dry_run=True, grace=timedelta(0))
    assert files["old"] in orphans and files["recent"] not in orphans


def test_housekeeping_removes_what_unfinished_uploads_left(app_ctx, tmp_path, monkeypatch):
    """A server killed mid-upload left a part in the store's tmp/: removed once past its grace."""
    store = LocalStore(tmp_path / "objects")
    monkeypatch.setitem(app_ctx.extensions, "object_store", store)
    store.tmp_dir.mkdir(parents=True)
    stale, fresh = store.tmp_dir / "put-stale.part", store.tmp_dir / "put-fresh.part"
    for part in (stale, fresh):
        part.write_bytes(b"x" * 1024)
    past = time.time() - TEMPORARY_GRACE.total_seconds() - 60
    os.utime(stale, (past, past))
    assert housekeeping.call_local()["upload_leftovers"] == ["tmp/put-stale.part"]
    assert not stale.exists() and fresh.exists()
