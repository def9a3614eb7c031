"""The candidate in Chromium: the readiness summary before submitting (gaps, a blank evidence kept
or left out, the confirmation), then, once the dossier is assigned and the interview planned, the
convocation on the dashboard and on the submission page."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from accounts.models import Role
from core.timeutil import format_paris, utcnow
from extensions import db
from grading import accommodations, sessions, slots
from portfolio.models import Submission
from portfolio.submissions import snapshot_of
from tests import factories


def test_candidate_confirms_the_readiness_summary_then_reads_the_convocation(page, log_in, make_user, screenshots):
    admin = make_user(Role.ADMIN)
    juror = make_user(Role.JUROR, name="Julie Jurée")
    candidate = make_user(Role.CANDIDATE, name="Camille Candidate")
    certification = factories.make_certification("RNCP-NAV")
    portfolio = factories.make_portfolio(candidate, certification)
    evidence = factories.make_evidence(portfolio, title="Journal du pare-feu")
    factories.add_version(evidence, b"DENY tcp 10.0.0.8\n", "pare-feu.log", "text/plain")
    factories.claim(evidence, certification.blocs[0].evaluations[0].criteria[0], "Le journal montre les refus.")
    factories.make_evidence(portfolio, title="Brouillon sans contenu")

    log_in(page, candidate.email)
    page.get_by_role("link", name=f"Portefeuille — {certification.title}").click()
    page.get_by_role("link", name="Préparer le dépôt").click()
    summary = page.get_by_role("table", name="Ce que le jury recevra")
    assert "5 sur 6" in summary.get_by_role("row", name="Critères sans preuve").inner_text()
    assert "trop court" in summary.get_by_role("row", name="Estimation du dossier").inner_text()
    assert page.get_by_role("heading", name="Livrables attendus non fournis").is_visible()
    page.get_by_role("link", name="Preuve n°2 : Brouillon sans contenu").first.wait_for()
    blank_box = page.get_by_label("Garder la preuve n°2 « Brouillon sans contenu » dans le dépôt")
    assert not blank_box.is_checked()
    page.screenshot(path=str(screenshots / "depot-recapitulatif.png"), full_page=True)

    # Without the confirmation the dossier is not submitted.
    page.get_by_role("button", name="Déposer le dossier").click()
    page.get_by_text("cochez la case de confirmation").wait_for()
    assert db.session.scalar(select(Submission.id)) is None
    page.get_by_label("J'ai lu ce récapitulatif et je dépose mon dossier tel qu'il est").check()
    page.get_by_role("button", name="Déposer le dossier").click()
    page.get_by_text("Dossier déposé (dépôt n°1)").wait_for()
    gaps = page.get_by_role("region", name="Manques signalés au dépôt")
    assert "Critères sans preuve (5)" in gaps.inner_text()
    assert "Preuves vides non transmises : n°2." in gaps.inner_text()
    page.get_by_text("pas encore affecté à une session de jury").wait_for()
    submission = db.session.scalar(select(Submission))
    assert [e["number"] for e in snapshot_of(submission)["evidence"]] == [1]

    # The administrator assigns the dossier and plans the interview (extra time).
    starts = (utcnow() + timedelta(days=10)).replace(hour=7, minute=0, second=0, microsecond=0)
    session = sessions.create_session(
        certification, sessions.SessionFields(starts_at=starts, place="Salle 3", video_link="https://visio.example.fr/jury"), actor=admin
    )
    sessions.add_member(session, juror, actor=admin, is_president=True)
    assignment = sessions.assign_submission(session, submission, actor=admin)
    accommodations.add_accommodation(candidate, "extra_time", "Motif médical confidentiel", actor=admin)
    slot_start = starts + timedelta(hours=1, minutes=30)
    slots.plan_slot(assignment, slot_start, actor=admin)
    when = (f"le {format_paris(slot_start, '%d/%m/%Y')} de {format_paris(slot_start, '%H:%M')} "
            f"à {format_paris(slot_start + timedelta(minutes=40), '%H:%M')} (heure de Paris)")

    page.goto("/")
    convocation = page.get_by_role("region", name=f"Convocation à l'entretien — {certification.title}")
    text = convocation.inner_text()
    assert when in text and "40 minutes, temps supplémentaire compris" in text and "Salle 3" in text
    assert convocation.get_by_role("link", name="https://visio.example.fr/jury").is_visible()
    assert "médical" not in page.content() and "Tiers temps" not in page.content()
    page.screenshot(path=str(screenshots / "convocation-tableau-de-bord.png"), full_page=True)
    convocation.get_by_role("link", name="Dépôt n°1").click()
    page.get_by_role("heading", name="Dépôt n°1").first.wait_for()
    on_submission = page.get_by_role("region", name=f"Convocation à l'entretien — {certification.title}").inner_text()
    assert when in on_submission and "40 minutes" in on_submission
    assert "médical" not in page.content()
