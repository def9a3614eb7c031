"""Mail goes out from a real huey consumer: the request only writes the row, the worker sends it,
and a refused attempt is retried later by the worker's scheduler."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from accounts.models import Role
from extensions import db
from jobs.queue import huey
from notifications.models import MailState, OutgoingMail
from tests import factories


@pytest.mark.real_worker
def test_a_refused_mail_is_retried_by_the_worker_then_delivered(app_ctx, smtp_server, start_consumer, make_user, client_for):
    assert not huey.immediate
    start_consumer(MAIL_URL=app_ctx.config["MAIL_URL"], MAIL_RETRY_SECONDS="1", MAIL_MAX_ATTEMPTS="3")
    candidate, tutor = make_user(Role.CANDIDATE), make_user(Role.TUTOR, name="Théo Tuteur")
    portfolio = factories.make_portfolio(candidate, factories.make_certification(), tutors=[tutor])
    evidence = factories.make_evidence(portfolio)
    smtp_server.refuse_next = 1
    client_for(tutor).submit(f"/preuves/{evidence.id}/commentaires", {"body": "Par le travailleur."},
                             token_from=f"/preuves/{evidence.id}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not smtp_server.to(candidate.email):
        time.sleep(0.2)
    [message] = smtp_server.to(candidate.email)
    assert "Par le travailleur." in message.get_body(preferencelist=("plain",)).get_content()
    assert smtp_server.attempts == 2
    db.session.expire_all()
    mail = db.session.scalar(select(OutgoingMail).where(OutgoingMail.user_id == candidate.id))
    while time.monotonic() < deadline and mail.state != MailState.SENT.value:
        time.sleep(0.2)
        db.session.expire_all()
        mail = db.session.get(OutgoingMail, mail.id)
    assert (mail.state, mail.attempts) == (MailState.SENT.value, 2)
