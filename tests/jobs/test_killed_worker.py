"""A huey consumer killed (SIGKILL) in the middle of a job, then started again: the job ends done,
run again, or clearly failed with "Relancer", never "En cours" forever.

Real worker: every test starts `huey_consumer` processes on the configured queue (SQLite file, or
Redis in the production pass). To be killed mid-run, a job must be slow enough: the first consumer
is `tests/jobs/paused_worker.py` (worker.py plus a pause after one progress report, set by
PROBATIO_TEST_PAUSE_AT / PROBATIO_TEST_PAUSE_SECONDS in that consumer's environment only), and
its lease lasts 2 seconds (JOB_LEASE_SECONDS). The consumer started afterwards is the plain
`worker.py`; its scheduler runs the housekeeping task at once, which reaps the expired lease.
"""
from __future__ import annotations

import pytest

from core.timeutil import utcnow
from evidence.models import EvidenceVersion, ExtractionStatus
from extensions import db
from jobs.models import JobState
from search import search
from tests import factories

PAUSED = "tests.jobs.paused_worker"
# A short lease for the consumers these tests start, so that a killed worker's job expires in seconds.
LEASE = {"JOB_LEASE_SECONDS": "2"}


def _kill_at_step(start_consumer, job_row, step: int, kind: str, start_job, **paused_env):
    """Start a paused consumer, start the job, kill the consumer once the job reports `step`;
    the job's row once its lease has lapsed."""
    paused = start_consumer(PAUSED, PROBATIO_TEST_PAUSE_AT=str(step), **LEASE, **paused_env)
    start_job()
    job = job_row(lambda j: j.state == JobState.RUNNING and j.done == step, kind=kind,
                  what=f"{kind} paused at step {step}", consumer=paused)
    first_lease = job.lease_expires_at
    # Paused, it reports nothing: only the heartbeat keeps its lease ahead.
    job_row(lambda j: j.lease_expires_at > first_lease, job_id=job.id, what="lease renewed by the heartbeat",
            consumer=paused)
    paused.kill()
    return job_row(lambda j: j.lease_expires_at < utcnow(), job_id=job.id, what="lease lapsed after the kill")


def _version(evidence) -> EvidenceVersion:
    db.session.expire_all()
    return db.session.scalars(db.select(EvidenceVersion)).one()


@pytest.mark.real_worker
def test_an_extraction_killed_mid_run_is_run_again_and_ends_done(start_consumer, job_row, uploader, unique_word):
    content = f"Alerte : {unique_word} sur le pare-feu\n".encode()
    job = _kill_at_step(start_consumer, job_row, 0, "extraction", lambda: uploader.upload(content, "alerte.log"))
    # The uploader owns the job: its page is theirs to follow, and says the worker went silent.
    assert job.created_by_id == uploader.candidate.id
    page = uploader.client.get(f"/taches/{job.id}")
    assert page.status_code == 200 and "ne donne plus de nouvelles" in page.text
    assert _version(uploader.evidence).extraction_status == ExtractionStatus.PENDING

    worker = start_consumer(**LEASE)
    job = job_row(lambda j: j.finished, job_id=job.id, what="extraction run again", consumer=worker)
    assert job.state == JobState.DONE and job.attempts == 2, job.error
    assert _version(uploader.evidence).extraction_status == ExtractionStatus.DONE
    assert search(uploader.candidate, unique_word).total == 1
    assert "Terminé" in uploader.client.get(f"/taches/{job.id}").text


@pytest.mark.real_worker
def test_an_indexing_killed_mid_run_is_run_again_and_the_text_becomes_searchable(
    start_consumer, job_row, uploader, unique_word
):
    content = f"Sauvegarde {unique_word} terminée\n".encode()
    job = _kill_at_step(start_consumer, job_row, 1, "extraction", lambda: uploader.upload(content, "sauvegarde.log"))
    # Killed while updating the index: the text is extracted, the index does not know it yet.
    assert job.message == "Mise à jour de l'index de recherche…"
    assert _version(uploader.evidence).extraction_status == ExtractionStatus.DONE
    assert search(uploader.candidate, unique_word).total == 0

    worker = start_consumer(**LEASE)
    job = job_row(lambda j: j.finished, job_id=job.id, what="indexing run again", consumer=worker)
    assert job.state == JobState.DONE and job.attempts == 2, job.error
    assert search(uploader.candidate, unique_word).total == 1


@pytest.mark.real_worker
def test_a_dossier_export_killed_at_every_attempt_fails_clearly_then_relaunched_ends_done(
    start_consumer, job_row, as_candidate, app_ctx, monkeypatch
):
    monkeypatch.setitem(app_ctx.config, "JOB_MAX_ATTEMPTS", 2)
    candidate = as_candidate.user
    submission = factories.make_submission(candidate, factories.make_certification())

    def start_export():
        response = as_candidate.submit(f"/depots/{submission.id}/exports", {"kind": "dossier", "format": "pdf"})
        assert response.status_code == 303

    job = _kill_at_step(start_consumer, job_row, 1, "export", start_export)
    assert job.created_by_id == candidate.id and job.attempts == 1
    # Its second attempt is killed too, at the same step.
    again = start_consumer(PAUSED, PROBATIO_TEST_PAUSE_AT="1", **LEASE)
    job_row(lambda j: j.attempts == 2 and j.state == JobState.RUNNING and j.done == 1, job_id=job.id,
            what="second attempt paused", consumer=again)
    again.kill()
    job_row(lambda j: j.lease_expires_at < utcnow(), job_id=job.id, what="second lease lapsed")

    worker = start_consumer(**LEASE)
    job = job_row(lambda j: j.finished, job_id=job.id, what="export given up", consumer=worker)
    assert job.state == JobState.FAILED and job.attempts == 2
    page = as_candidate.get(f"/taches/{job.id}").text
    assert "Échec" in page and "interrompue 2 fois" in page and "Relancer" in page
    assert "hx-trigger" not in page  # finished: the page no longer polls

    response = as_candidate.submit(f"/taches/{job.id}/relancer", token_from=f"/taches/{job.id}")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/taches/{job.id}")
    job = job_row(lambda j: j.finished, job_id=job.id, what="export relaunched", consumer=worker)
    assert job.state == JobState.DONE, job.error
    assert "Télécharger" in as_candidate.get(f"/taches/{job.id}").text
