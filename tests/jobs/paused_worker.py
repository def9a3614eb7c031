"""A job consumer whose jobs pause at one step, so that a test can kill it there.

    PROBATIO_TEST_PAUSE_AT=1 PROBATIO_TEST_PAUSE_SECONDS=120 huey_consumer tests.jobs.paused_worker.huey

Test-only: production runs worker.py, whose code paths this leaves untouched. This module is
worker.py (every task, the app bound) plus one wrapper, installed in this process only: once a
job's progress report with `done == PROBATIO_TEST_PAUSE_AT` is committed (the job row then shows
that step, "running", and its lease), the task sleeps PROBATIO_TEST_PAUSE_SECONDS before going
on. Meanwhile the heartbeat thread keeps renewing the lease, as it does for any slow step, until
the test kills the process.
"""
import os
import time

from jobs import leases
from worker import huey

PAUSE_AT = int(os.environ.get("PROBATIO_TEST_PAUSE_AT", "0"))
PAUSE_SECONDS = float(os.environ.get("PROBATIO_TEST_PAUSE_SECONDS", "120"))
_renew = leases.renew


def _renew_then_pause(job_id: str, **fields) -> None:
    _renew(job_id, **fields)
    if fields.get("done") == PAUSE_AT:
        time.sleep(PAUSE_SECONDS)


leases.renew = _renew_then_pause

__all__ = ["huey"]
