"""Mail against a real SMTP server on 127.0.0.1 (aiosmtpd): every kind of mail, the convocation's
.ics, preferences, digests, retries and the admins' view of a failed mail."""
from __future__ import annotations

import email
import email.policy
import logging
import re
from datetime import datetime
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import select

from accounts.models import Role
from evidence import services as evidence_services
from evidence.models import EvidenceStatus
from extensions import db
from notifications import notify_results, services
from notifications.models import MailState, OutgoingMail
from tests import factories
from tests.mail_fixtures import SMTP_PASSWORD


@pytest.fixture()
def world(make_user, client_for):
    candidate = make_user(Role.CANDIDATE, name="Camille Candidate")
    tutor = make_user(Role.TUTOR, name="Théo Tuteur")
    portfolio = factories.make_portfolio(candidate, factories.make_certification(), tutors=[tutor])
    evidence = factories.make_evidence(portfolio, title="Règles du pare-feu")
    return {"candidate": candidate, "tutor": tutor, "portfolio": portfolio, "evidence": evidence,
            "as_candidate": client_for(candidate), "as_tutor": client_for(tutor)}


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def _comment(client, evidence, body):
    return client.submit(f"/preuves/{evidence.id}/commentaires", {"body": body}, token_from=f"/preuves/{evidence.id}")


# --- each kind ---------------------------------------------------------------------------------

def test_a_new_account_receives_its_set_password_link(smtp_server, as_admin, client):
    response = as_admin.submit("/admin/utilisateurs", {"full_name": "Nina Nouvelle", "email": "nina@example.org",
                                                       "roles": "candidate"})
    assert response.status_code == 200 and "envoyé par courriel" in response.text
    [message] = smtp_server.to("nina@example.org")
    assert message["Subject"] == "Probatio : choisissez votre mot de passe"
    body = _text(message)
    assert "Bonjour Nina Nouvelle" in body and "choisir votre mot de passe" in body
    link = next(word for word in body.split() if word.startswith("http"))
    page = client.get(link.replace("http://localhost", ""))
    assert page.status_code == 200 and "mot de passe" in page.text.lower()
    assert 'lang="fr"' in _html(message)


def test_a_tutor_comment_reaches_the_candidate_not_the_other_way(smtp_server, world):
    _comment(world["as_tutor"], world["evidence"], "Ajoutez la capture de la règle NAT.")
    [message] = smtp_server.to(world["candidate"].email)
    assert message["Subject"] == f"Nouveau commentaire sur votre preuve n°{world['evidence'].number}"
    assert "Théo Tuteur a commenté votre preuve" in _text(message) and "Ajoutez la capture de la règle NAT." in _text(message)
    assert f"/preuves/{world['evidence'].id}#commentaire-" in _text(message)
    _comment(world["as_candidate"], world["evidence"], "C'est fait.")
    assert len(smtp_server.messages) == 1


def test_a_review_request_and_a_change_after_validation_reach_the_tutor(smtp_server, world):
    evidence, show = world["evidence"], f"/preuves/{world['evidence'].id}"
    world["as_candidate"].submit(f"{show}/statut", {"status": "ready"}, token_from=show)
    [request_mail] = smtp_server.to(world["tutor"].email)
    assert "attend votre relecture" in _text(request_mail)
    world["as_tutor"].submit(f"{show}/statut", {"status": "approved"}, token_from=show)
    [decision] = smtp_server.to(world["candidate"].email)
    assert decision["Subject"] == f"Votre preuve n°{evidence.number} : Validée par le tuteur"
    world["as_candidate"].submit(f"{show}/modifier", {"title": "Règles du pare-feu (v2)", "context": "company"},
                                 token_from=f"{show}/modifier")
    reopened = smtp_server.to(world["tutor"].email)[-1]
    assert "a été modifiée après validation et est à revoir" in _text(reopened)


def test_a_submission_is_acknowledged_to_the_candidate_and_told_to_the_tutor(smtp_server, make_user):
    candidate, tutor = make_user(Role.CANDIDATE), make_user(Role.TUTOR, name="Théo Tuteur")
    submission = factories.make_submission(candidate, factories.make_certification(), tutors=[tutor])
    [ack] = smtp_server.to(candidate.email)
    assert ack["Subject"].startswith(f"Dossier reçu : dépôt n°{submission.number}")
    assert "a bien été reçu le" in _text(ack) and f"/depots/{submission.id}" in _text(ack)
    [told] = smtp_server.to(tutor.email)
    assert f"{candidate.full_name} a déposé son dossier" in told["Subject"]


def _ics(message) -> Calendar:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "convocation-entretien.ics"
    return Calendar.from_ical(part.get_content())


def _convocations(smtp_server, jury) -> list:
    return [m for m in smtp_server.to(jury.candidate.email) if m["X-Probatio-Kind"] == "convocation"]


def test_the_convocation_carries_an_ics_in_paris_time_and_an_update_follows_a_move(smtp_server, jury, client_for):
    admin = client_for(jury.admin)
    url = f"/jury/affectations/{jury.assignment.id}/creneau"
    session_page = f"/jury/sessions/{jury.session.id}"
    admin.submit(url, {"starts_at": "2027-03-15T09:30"}, token_from=session_page)
    [first] = _convocations(smtp_server, jury)
    assert first["Subject"].startswith("Convocation à votre entretien")
    assert "le 15/03/2027 à 09:30" in _text(first) and "heure de Paris" in _text(first)
    [event] = _ics(first).walk("VEVENT")
    start = event.decoded("dtstart")
    assert (start.hour, start.minute, str(start.tzinfo)) == (9, 30, "Europe/Paris")
    assert start.utcoffset().total_seconds() == 3600  # winter time: 08:30 UTC
    assert (event.decoded("dtend") - start).total_seconds() / 60 == jury.assignment.slot.duration_minutes
    assert _ics(first).walk("VTIMEZONE"), "the timezone is defined in the calendar"

    admin.submit(url, {"starts_at": "2027-04-02T14:00"}, token_from=session_page)
    moved = _convocations(smtp_server, jury)[-1]
    assert moved["Subject"].startswith("Changement d'horaire de votre entretien")
    [update] = _ics(moved).walk("VEVENT")
    assert str(update["uid"]) == str(event["uid"]) and int(update["sequence"]) > int(event["sequence"])
    new_start = update.decoded("dtstart")
    assert (new_start.hour, new_start.minute, str(new_start.tzinfo)) == (14, 0, "Europe/Paris")
    assert new_start.utcoffset().total_seconds() == 7200  # summer time


def test_results_available_is_a_hook_for_the_results_feature(smtp_server, make_user):
    candidate = make_user(Role.CANDIDATE, name="Camille Candidate")
    notify_results(candidate, certification_title="Administrateur d'infrastructures sécurisées",
                   url="http://localhost/resultats/1", summary="Les blocs BC01 et BC02 sont validés.")
    [message] = smtp_server.to(candidate.email)
    assert message["Subject"] == "Vos résultats sont disponibles — Administrateur d'infrastructures sécurisées"
    assert "Les blocs BC01 et BC02 sont validés." in _text(message) and "http://localhost/resultats/1" in _text(message)


# --- preferences and digests -------------------------------------------------------------------

def test_preferences_are_chosen_on_a_page_and_honoured(smtp_server, world):
    page = world["as_candidate"].get("/compte/courriels")
    assert page.status_code == 200 and "Commentaires et décisions du tuteur" in page.text
    response = world["as_candidate"].submit("/compte/courriels", {
        "comment": "none", "review": "immediate", "submission": "digest", "convocation": "immediate", "results": "immediate",
    }, token_from="/compte/courriels")
    assert response.status_code == 303
    again = world["as_candidate"].get("/compte/courriels").text
    assert re.search(r'<input checked id="comment-\d" name="comment" type="radio" value="none">', again)
    assert re.search(r'<input checked id="submission-\d" name="submission" type="radio" value="digest">', again)
    _comment(world["as_tutor"], world["evidence"], "Pensez à flouter les adresses IP.")
    assert smtp_server.to(world["candidate"].email) == []
    db.session.expire_all()
    assert db.session.scalars(select(OutgoingMail).where(OutgoingMail.user_id == world["candidate"].id)).all() == []
    services.set_preferences(world["candidate"], {"comment": "immediate"})
    _comment(world["as_tutor"], world["evidence"], "Merci.")
    assert len(smtp_server.to(world["candidate"].email)) == 1


def test_digests_group_the_waiting_mails_by_kind(smtp_server, world, make_user):
    tutor = world["tutor"]
    services.set_preferences(tutor, {"review": "digest", "submission": "digest"})
    second = factories.make_evidence(world["portfolio"], title="Plan d'adressage")
    for evidence in (world["evidence"], second):
        evidence_services.change_status(evidence, EvidenceStatus.READY.value, world["candidate"], as_reviewer=False)
    factories.make_submission(world["candidate"], world["portfolio"].certification, tutors=[tutor])
    other_tutor = make_user(Role.TUTOR)
    services.set_preferences(other_tutor, {"review": "digest"})
    assert smtp_server.to(tutor.email) == []

    digests = services.send_digests()
    assert len(digests) == 1  # only the tutor has mails waiting
    [digest] = smtp_server.to(tutor.email)
    assert digest["Subject"].startswith("Probatio : votre récapitulatif du") and "(3 messages)" in digest["Subject"]
    text = _text(digest)
    review_at, submission_at = text.index("Demandes de relecture de preuves (2)"), text.index("Dépôts de dossier reçus (1)")
    assert review_at < submission_at
    assert "Preuve n°1 de Camille Candidate : à relire" in text and "Preuve n°2 de Camille Candidate : à relire" in text
    db.session.expire_all()
    carried = db.session.scalars(select(OutgoingMail).where(OutgoingMail.digest_id == digests[0].id)).all()
    assert len(carried) == 3 and {m.state for m in carried} == {MailState.DIGESTED.value}
    assert services.send_digests() == []  # nothing waits any more
    assert len(smtp_server.to(tutor.email)) == 1


# --- failures ---------------------------------------------------------------------------------

def test_a_failing_server_is_retried_then_the_failure_is_shown_to_admins(smtp_server, world, as_admin, caplog):
    smtp_server.refuse = True
    with caplog.at_level(logging.DEBUG):
        _comment(world["as_tutor"], world["evidence"], "Commentaire qui ne passe pas.")
    assert smtp_server.attempts == 3  # MAIL_MAX_ATTEMPTS
    db.session.expire_all()
    mail = db.session.scalar(select(OutgoingMail).where(OutgoingMail.user_id == world["candidate"].id))
    assert (mail.state, mail.attempts) == (MailState.FAILED.value, 3)
    assert "451" in mail.last_error and f"127.0.0.1:{smtp_server.port}" in mail.last_error
    assert SMTP_PASSWORD not in mail.last_error and SMTP_PASSWORD not in caplog.text

    home = as_admin.get("/")
    assert "Courriels" in home.text and "(1 en échec)" in home.text
    outbox = as_admin.get("/admin/courriels")
    assert "Courriels en échec" in outbox.text and mail.subject in outbox.text and "Renvoyer" in outbox.text
    assert SMTP_PASSWORD not in outbox.text

    smtp_server.refuse = False
    response = as_admin.submit(f"/admin/courriels/{mail.id}/renvoyer", {}, token_from="/admin/courriels")
    assert response.status_code == 303
    assert "envoyé" in as_admin.get(response.headers["Location"]).text
    [message] = smtp_server.to(world["candidate"].email)
    assert "Commentaire qui ne passe pas." in _text(message)
    db.session.expire_all()
    assert db.session.get(OutgoingMail, mail.id).state == MailState.SENT.value


def test_an_unreachable_server_fails_without_showing_the_password(app_ctx, world, caplog):
    saved = dict(app_ctx.config)
    app_ctx.config.update(MAIL_URL=f"smtp://probatio:{SMTP_PASSWORD}@127.0.0.1:9", MAIL_RETRY_SECONDS=0, MAIL_MAX_ATTEMPTS=2)
    try:
        with caplog.at_level(logging.DEBUG):
            _comment(world["as_tutor"], world["evidence"], "Serveur éteint.")
    finally:
        app_ctx.config.update({k: saved[k] for k in ("MAIL_URL", "MAIL_RETRY_SECONDS", "MAIL_MAX_ATTEMPTS")})
    db.session.expire_all()
    mail = db.session.scalar(select(OutgoingMail).where(OutgoingMail.user_id == world["candidate"].id))
    assert mail.state == MailState.FAILED.value and "injoignable" in mail.last_error
    assert SMTP_PASSWORD not in mail.last_error and SMTP_PASSWORD not in caplog.text


def test_without_mail_url_mails_are_written_as_eml_files(app_ctx, world):
    assert not app_ctx.config["MAIL_URL"]
    folder = Path(app_ctx.config["MAIL_DIR"])
    before = set(folder.glob("*.eml")) if folder.exists() else set()
    _comment(world["as_tutor"], world["evidence"], "Écrit sur le disque.")
    [written] = set(folder.glob("*.eml")) - before
    message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert message["Subject"].startswith("Nouveau commentaire sur votre preuve")
    assert "Écrit sur le disque." in _text(message)


def test_the_convocation_time_is_parsed_back_exactly(smtp_server, jury):
    """The slot planned through the service (a naive UTC time) comes back as the same instant."""
    from grading import slots

    slots.plan_slot(jury.assignment, datetime(2027, 6, 1, 7, 0), actor=jury.admin)  # 09:00 in Paris
    [event] = _ics(_convocations(smtp_server, jury)[-1]).walk("VEVENT")
    start = event.decoded("dtstart")
    assert (start.hour, str(start.tzinfo)) == (9, "Europe/Paris")
