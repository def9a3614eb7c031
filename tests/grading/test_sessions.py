"""Sessions and their composition: members, president, tutors kept off their candidate's jury,
assignments of the same certification version, interview slots and extra time."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from accounts.models import Role
from core.timeutil import paris_to_utc
from extensions import db
from grading import GradingError, accommodations, sessions, slots
from grading.models import AuditEvent, JuryMember
from tests import factories



def test_a_new_session_evaluates_every_bloc_and_is_audited(jury):
    assert [b.code for b in jury.session.blocs] == ["BC01", "BC02"]
    assert jury.session.status.value == "planned"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.session_id == jury.session.id)).all()
    assert actions[:4] == ["session.created", "member.added", "member.added", "assignment.created"]


def test_paris_wall_clock_is_stored_as_utc():
    assert paris_to_utc(datetime(2026, 6, 15, 9, 0)) == datetime(2026, 6, 15, 7, 0)
    assert paris_to_utc(datetime(2026, 1, 15, 9, 0)) == datetime(2026, 1, 15, 8, 0)


def test_the_candidates_tutor_cannot_be_added_to_the_jury(jury):
    factories.add_role(jury.tutor, Role.JUROR)  # a tutor who is also a juror elsewhere
    with pytest.raises(GradingError) as refused:
        sessions.add_member(jury.session, jury.tutor, actor=jury.admin)
    message = str(refused.value)
    assert "Théo Tuteur" in message and "Camille Candidate" in message
    assert db.session.scalar(select(JuryMember).where(JuryMember.user_id == jury.tutor.id)) is None


def test_a_submission_whose_tutor_sits_cannot_be_assigned(app_ctx, make_user):
    jury = factories.build_jury(make_user)
    other_candidate = make_user(Role.CANDIDATE, name="Bruno Candidat")
    factories.add_role(jury.juror, Role.TUTOR)  # Julie Jurée is also Bruno's tutor
    submission = factories.make_submission(other_candidate, jury.certification, tutors=[jury.juror])
    with pytest.raises(GradingError) as refused:
        sessions.assign_submission(jury.session, submission, actor=jury.admin)
    assert "Julie Jurée" in str(refused.value) and "Bruno Candidat" in str(refused.value)


def test_the_tutor_refusal_is_shown_on_screen(client_for, app_ctx, make_user):
    jury = factories.build_jury(make_user)
    factories.add_role(jury.tutor, Role.JUROR)
    admin = client_for(jury.admin)
    response = admin.submit(f"/jury/sessions/{jury.session.id}/membres", {"user_id": jury.tutor.id}, follow_redirects=True)
    html = response.text
    assert "Théo Tuteur est tuteur ou tutrice de Camille Candidate" in html


def test_fewer_than_half_external_members_is_a_warning_not_a_refusal(client_for, app_ctx, make_user):
    jury = factories.build_jury(make_user)
    assert sessions.composition_warnings(jury.session) == []  # 1 external of 2
    third = make_user(Role.JUROR, name="Xavier Interne")
    sessions.add_member(jury.session, third, actor=jury.admin)
    warnings = sessions.composition_warnings(jury.session)
    assert any("Moins de la moitié" in w and "(1 sur 3)" in w for w in warnings)
    admin = client_for(jury.admin)
    assert "Moins de la moitié des membres" in (admin.get(f"/jury/sessions/{jury.session.id}")).text


def test_exactly_one_president(jury, make_user):
    other = make_user(Role.JUROR)
    with pytest.raises(GradingError, match="déjà un président"):
        sessions.add_member(jury.session, other, actor=jury.admin, is_president=True)
    member = jury.session.member_for(jury.juror)
    sessions.set_president(member, actor=jury.admin)
    assert [m.user_id for m in jury.session.members if m.is_president] == [jury.juror.id]


def test_a_session_without_president_is_flagged(app_ctx, make_user):
    jury = factories.build_jury(make_user, president=False)
    assert any("pas de président" in w for w in sessions.composition_warnings(jury.session))


def test_only_submissions_of_the_same_certification_version(jury, make_user):
    other_version = factories.make_certification("RNCP-AUTRE")
    candidate = make_user(Role.CANDIDATE)
    submission = factories.make_submission(candidate, other_version)
    assert submission not in sessions.assignable_submissions(jury.session)
    with pytest.raises(GradingError, match="même version de certification"):
        sessions.assign_submission(jury.session, submission, actor=jury.admin)


def test_a_juror_must_hold_the_juror_role(jury, make_user):
    with pytest.raises(GradingError, match="membre du jury"):
        sessions.add_member(jury.session, make_user(Role.TUTOR), actor=jury.admin)


# --- interview slots -------------------------------------------------------------------------------

def test_slot_duration_is_interview_plus_questionnaire(jury):
    slot = slots.plan_slot(jury.assignment, factories.SESSION_START, actor=jury.admin)
    assert slot.duration_minutes == 30 and not slot.extended
    assert slot.ends_at == factories.SESSION_START + timedelta(minutes=30)


def test_extra_time_lengthens_the_slot_by_the_certification_ratio(jury):
    accommodations.add_accommodation(jury.candidate, "extra_time", "Trouble dys attesté", actor=jury.admin)
    slot = slots.plan_slot(jury.assignment, factories.SESSION_START, actor=jury.admin)
    assert (slot.duration_minutes, slot.extended) == (40, True)  # 30 min × 4/3


def test_overlapping_slots_are_refused(jury, make_user):
    candidate = make_user(Role.CANDIDATE, name="Denis Suivant")
    second = sessions.assign_submission(jury.session, factories.make_submission(candidate, jury.certification), actor=jury.admin)
    slots.plan_slot(jury.assignment, factories.SESSION_START, actor=jury.admin)
    with pytest.raises(GradingError, match="chevauche celui de Camille Candidate"):
        slots.plan_slot(second, factories.SESSION_START + timedelta(minutes=20), actor=jury.admin)
    slot = slots.plan_slot(second, factories.SESSION_START + timedelta(minutes=30), actor=jury.admin)
    assert slot.starts_at == factories.SESSION_START + timedelta(minutes=30)


def test_no_slot_when_the_rules_define_no_interview(jury):
    jury.certification.interview_minutes = None
    jury.certification.questionnaire_minutes = None
    db.session.commit()
    with pytest.raises(GradingError, match="ne prévoit pas d'entretien"):
        slots.plan_slot(jury.assignment, factories.SESSION_START, actor=jury.admin)


def test_slot_planning_through_the_form(client_for, jury, app_ctx):
    admin = client_for(jury.admin)
    response = admin.submit(f"/jury/affectations/{jury.assignment.id}/creneau", {"starts_at": "2026-06-15T09:00"}, follow_redirects=True)
    assert "planifié (30 minutes)" in response.text
    assert jury.assignment.slot.starts_at == factories.SESSION_START


def test_admin_creates_and_edits_a_session_through_the_forms(client_for, app_ctx, make_user):
    admin = make_user(Role.ADMIN)
    certification = factories.make_certification("RNCP-FORM")
    client = client_for(admin)
    response = client.submit("/jury/sessions/nouvelle", {
        "certification_id": certification.id, "starts_at": "2026-07-01T14:00", "place": "", "video_link": "",
        "decision_rule": "none_not_acquired",
    })
    assert "Indiquez un lieu ou un lien" in response.text
    response = client.submit("/jury/sessions/nouvelle", {
        "certification_id": certification.id, "starts_at": "2026-07-01T14:00", "place": "Salle B",
        "video_link": "https://visio.example.fr/jury", "decision_rule": "none_not_acquired",
    })
    assert response.status_code == 303
    session_url = response.headers["Location"]
    session_id = int(session_url.rsplit("/", 1)[1])
    bloc = certification.blocs[1]
    response = client.submit(f"/jury/sessions/{session_id}/modifier", {
        "starts_at": "2026-07-01T15:00", "place": "Salle C", "video_link": "", "decision_rule": "all_acquired",
        "bloc_ids": [bloc.id],
    })
    assert response.status_code == 303
    page = (client.get(session_url)).text
    assert "Salle C" in page and "01/07/2026 à 15:00" in page and "BC02" in page
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.session_id == session_id).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["session.created", "session.updated"]
    assert events[1].before["place"] == "Salle B" and events[1].after["blocs"] == ["BC02"]
