import time
from datetime import timedelta

import pytest

from accounts.models import LoginFailure, Role
from core.timeutil import utcnow
from extensions import db
from jobs.tasks import purge_expired_credentials
from jobs.models import Job, JobState
from jobs.queue import huey
from jobs.services import enqueue


def _old_failure():
    db.session.add(LoginFailure(email="x@test.probatio.fr", remote_addr="127.0.0.1", at=utcnow() - timedelta(days=1)))
    db.session.commit()


def test_job_runs_in_immediate_mode_and_reports_progress(app_ctx, make_user):
    """Immediate mode: the job runs inside enqueue()."""
    _old_failure()
    admin = make_user(Role.ADMIN)
    job = enqueue(purge_expired_credentials, "maintenance", "Nettoyage", created_by_id=admin.id)
    assert job.state == JobState.DONE
    assert job.percent == 100
    assert job.result == {"login_failures": 1, "password_tokens": 0}


def _running_job(owner, done: int, total: int) -> Job:
    job = Job(id="11111111-1111-1111-1111-111111111111", kind="test", title="Export", created_by_id=owner.id,
              state=JobState.RUNNING.value, done=done, total=total)
    db.session.add(job)
    db.session.commit()
    return job


def test_job_status_is_readable_from_the_web_layer(app_ctx, client, login_as):
    """Immediate mode; the status fragment polls only while the job runs."""
    job = _running_job(login_as(Role.ADMIN), 3, 4)
    html = client.get(f"/taches/{job.id}").get_data(as_text=True)
    assert 'value="75"' in html and "hx-trigger" in html
    job.state = JobState.DONE.value
    db.session.commit()
    html = client.get(f"/taches/{job.id}").get_data(as_text=True)
    assert "Terminé" in html and "hx-trigger" not in html


def test_job_page_is_a_full_page_and_its_fragment_for_htmx(app_ctx, client, login_as):
    """Without JavaScript the job page stands on its own; htmx, polling it, gets only the fragment."""
    job = _running_job(login_as(Role.ADMIN), 1, 2)
    page = client.get(f"/taches/{job.id}").get_data(as_text=True)
    assert '<html lang="fr">' in page and 'aria-label="Navigation principale"' in page
    assert "<title>Suivi de la tâche" in page and f'id="job-{job.id}"' in page and 'value="50"' in page
    assert "Retour au tableau de bord" in page
    fragment = client.get(f"/taches/{job.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith(f'<div class="job-status" id="job-{job.id}"')
    assert "<html" not in fragment and "Navigation principale" not in fragment and 'value="50"' in fragment


def test_failing_job_records_the_reason(app_ctx):
    """Immediate mode; a task that raises leaves a failed job with its message."""
    from jobs.services import job_task

    @job_task
    def broken(job_id: str):
        raise RuntimeError("disque plein")

    job = enqueue(broken, "test", "Tâche cassée")
    assert job.state == JobState.FAILED
    assert "disque plein" in job.error


@pytest.mark.real_worker
def test_job_runs_in_a_real_consumer_process(app_ctx, job_worker):
    """Real worker: a huey_consumer process on the configured queue (SQLite file or Redis) runs the job."""
    _old_failure()
    assert not huey.immediate
    job = enqueue(purge_expired_credentials, "maintenance", "Nettoyage")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        db.session.expire_all()
        job = db.session.get(Job, job.id)
        if job.finished:
            break
        time.sleep(0.2)
    assert job.state == JobState.DONE, job.error
    assert job.result == {"login_failures": 1, "password_tokens": 0}
