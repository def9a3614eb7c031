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


def test_job_status_is_readable_from_the_web_layer(app_ctx, browser, login_as):
    """Immediate mode; the status fragment polls only while the job runs."""
    admin = login_as(Role.ADMIN)
    job = Job(id="11111111-1111-1111-1111-111111111111", kind="test", title="Export", created_by_id=admin.id,
              state=JobState.RUNNING.value, done=3, total=4)
    db.session.add(job)
    db.session.commit()
    html = browser.get(f"/taches/{job.id}").get_data(as_text=True)
    assert 'value="75"' in html and "hx-trigger" in html
    job.state = JobState.DONE.value
    db.session.commit()
    html = browser.get(f"/taches/{job.id}").get_data(as_text=True)
    assert "Terminé" in html and "hx-trigger" not in html


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
