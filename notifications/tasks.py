"""Mail delivery in the background (huey, imported by worker.py).

`deliver_mail` makes one attempt and, when it fails and attempts remain, schedules the next one
(MAIL_RETRY_SECONDS × attempts later); after MAIL_MAX_ATTEMPTS the mail is failed and shown to
admins. The sweep queues again mails whose task was lost; the digest task runs every hour and
writes the digests at MAIL_DIGEST_HOUR (Europe/Paris).
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from huey import crontab

from core.timeutil import to_paris, utcnow
from jobs.queue import huey
from jobs.services import task_app

from notifications import services

SWEEP_AFTER = timedelta(minutes=30)


@huey.task(name="notifications.tasks.deliver_mail")
def deliver_mail(mail_id: int) -> None:
    with task_app().app_context():
        delay = services.deliver(mail_id)
    if delay is not None:
        deliver_mail.schedule(args=(mail_id,), delay=delay)


@huey.periodic_task(crontab(minute="*/10"), name="notifications.tasks.mail_sweep", expires=300)
def mail_sweep() -> None:
    with task_app().app_context():
        stale = services.stale_queued(SWEEP_AFTER)
    for mail_id in stale:
        deliver_mail(mail_id)


@huey.periodic_task(crontab(minute="0"), name="notifications.tasks.daily_digests", expires=1800)
def daily_digests() -> None:
    with task_app().app_context():
        if to_paris(utcnow()).hour == current_app.config["MAIL_DIGEST_HOUR"]:
            services.send_digests()
