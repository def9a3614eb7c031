"""Periodic work of the awards package: purge holder identities past their retention.

The consumer (`huey_consumer worker.huey`, which imports this module) runs it once a day; the
same purge is `flask accrochage purge`.
"""
from __future__ import annotations

from huey import crontab

from jobs.queue import huey
from jobs.services import task_app


@huey.periodic_task(crontab(hour="3", minute="17"), name="awards.tasks.purge_holder_identities", expires=3600)
def purge_holder_identities() -> dict:
    from awards.accrochage.services import purge_identities

    with task_app().app_context():
        return {"purged": purge_identities()}
