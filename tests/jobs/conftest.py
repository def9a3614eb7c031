"""Jobs fixtures: a candidate with a portfolio and an evidence who uploads through the HTTP app
(`uploader`), and `job_row`, which polls a job's row until it reads as a test expects (state is
polled with a deadline, never timed)."""
from __future__ import annotations

import io
import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from extensions import db
from jobs.models import Job
from tests import factories

@dataclass
class Uploader:
    client: object
    candidate: object
    portfolio: object
    evidence: object

    def upload(self, content: bytes, name: str):
        """POST one file the way the evidence page's upload form does."""
        data = {"csrf_token": self.client.token("/"), "files": [(io.BytesIO(content), name)]}
        response = self.client.post(f"/preuves/{self.evidence.id}/fichiers", data=data,
                                    content_type="multipart/form-data")
        assert response.status_code in (200, 302, 303), response.text
        return response


@pytest.fixture()
def uploader(as_candidate) -> Uploader:
    portfolio = factories.make_portfolio(as_candidate.user)
    return Uploader(as_candidate, as_candidate.user, portfolio, factories.make_evidence(portfolio))


@pytest.fixture()
def unique_word() -> str:
    """A word no other test put in the shared search index."""
    return "quokka" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))


@pytest.fixture()
def job_row():
    """`job_row(until, kind=… or job_id=…, what=…)`: the job's row once `until(job)` holds (fails
    with `what` and the row as it stands after the deadline)."""

    def poll(until: Callable[[Job], bool], *, kind: str | None = None, job_id: str | None = None,
             what: str = "", deadline: float = 90, consumer=None) -> Job:
        end = time.monotonic() + deadline
        job = None
        while time.monotonic() < end:
            db.session.expire_all()
            query = db.select(Job).where(Job.id == job_id) if job_id else db.select(Job).where(Job.kind == kind)
            job = db.session.scalars(query).first()
            if job is not None and until(job):
                return job
            time.sleep(0.2)
        state = None if job is None else (job.state, job.done, job.attempts, job.lease_expires_at, job.error)
        log = consumer.output()[-3000:] if consumer is not None else ""
        pytest.fail(f"{what}: job never got there, last seen {state}\n{log}")

    return poll
