"""The candidate's convocation: session, interview date and time (Paris), place, visio link and
duration including extra time, never the reason for it; on the dashboard and on the submission
page, for the candidate only."""
from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.models import Role
from core.timeutil import format_paris, utcnow
from grading import accommodations, sessions, slots
from tests import factories


@pytest.fixture()
def convoked(app_ctx, make_user, client_for):
    admin = make_user(Role.ADMIN)
    tutor = make_user(Role.TUTOR, name="Théo Tuteur")
    candidate = make_user(Role.CANDIDATE, name="Camille Candidate")
    juror = make_user(Role.JUROR, name="Julie Jurée")
    certification = factories.make_certification("RNCP-CONV")
    submission = factories.make_submission(candidate, certification, tutors=[tutor])
    starts = (utcnow() + timedelta(days=14)).replace(hour=7, minute=0, second=0, microsecond=0)
    session = sessions.create_session(
        certification, sessions.SessionFields(starts_at=starts, place="Salle 3, 12 rue de la Paix, Lyon",
                                              video_link="https://visio.example.fr/jury-42"), actor=admin,
    )
    sessions.add_member(session, juror, actor=admin, is_president=True)
    assignment = sessions.assign_submission(session, submission, actor=admin)
    accommodations.add_accommodation(candidate, "extra_time", "Dyslexie reconnue par la MDPH", actor=admin)
    return {
        "admin": admin, "tutor": tutor, "candidate": candidate, "juror": juror, "session": session,
        "submission": submission, "assignment": assignment, "starts": starts, "client_for": client_for,
    }


def test_before_the_slot_is_planned_the_candidate_sees_the_session(convoked):
    client = convoked["client_for"](convoked["candidate"])
    dashboard = client.get("/").text
    assert "Convocation à l'entretien" in dashboard and convoked["session"].label in dashboard
    assert "horaire pas encore fixé" in dashboard
    assert f'href="/depots/{convoked["submission"].id}">Dépôt n°1</a>' in dashboard


def test_the_convocation_gives_date_time_place_link_and_duration_but_not_the_reason(convoked):
    slot_start = convoked["starts"] + timedelta(hours=2)
    slots.plan_slot(convoked["assignment"], slot_start, actor=convoked["admin"])
    client = convoked["client_for"](convoked["candidate"])
    day, start, end = format_paris(slot_start, "%d/%m/%Y"), format_paris(slot_start, "%H:%M"), format_paris(slot_start + timedelta(minutes=40), "%H:%M")
    for url in ("/", f"/depots/{convoked['submission'].id}"):
        page = client.get(url).text
        assert f"le {day} de {start} à {end} (heure de Paris)" in page, url
        assert "40 minutes, temps supplémentaire compris" in page, url
        assert "Salle 3, 12 rue de la Paix, Lyon" in page, url
        assert '<a href="https://visio.example.fr/jury-42">' in page, url
        assert "Dyslexie" not in page and "Tiers temps" not in page and "ménagement" not in page, url


def test_only_the_candidate_sees_the_convocation_on_the_submission_page(convoked):
    url = f"/depots/{convoked['submission'].id}"
    for user in (convoked["tutor"], convoked["juror"], convoked["admin"]):
        page = convoked["client_for"](user).get(url).text
        assert "Convocation à l'entretien" not in page and "pas encore affecté" not in page, user.full_name


def test_a_dossier_not_yet_assigned_says_where_the_convocation_will_appear(app_ctx, make_user, client_for):
    candidate = make_user(Role.CANDIDATE)
    submission = factories.make_submission(candidate, factories.make_certification("RNCP-SEUL"))
    client = client_for(candidate)
    assert "pas encore affecté à une session de jury" in client.get(f"/depots/{submission.id}").text
    assert "Convocation à l'entretien" not in client.get("/").text


def test_a_past_session_leaves_the_dashboard(convoked, jury, client_for):
    # The fixture's session (June 2026) is over: no convocation for its candidate on the dashboard.
    assert jury.session.starts_at < utcnow()
    assert "Convocation à l'entretien" not in client_for(jury.candidate).get("/").text
    assert slots.convocation_of(jury.submission).session_label == jury.session.label
