"""Accommodations are sensitive: admins and the jurors of the candidate's sessions see them;
tutors, other jurors and other candidates never do, on any page they can open."""
from accounts.models import Role
from accounts.policy import Permission, may
from grading import accommodations, sessions, slots
from tests import factories


NOTE = "Trouble dys attesté par la MDPH, secrétaire lecteur"


def _pages(client, urls: list[str]) -> str:
    return "\n".join((client.get(url)).text for url in urls)


def test_admin_records_an_accommodation_through_the_form(client_for, jury, app_ctx):
    admin = client_for(jury.admin)
    response = admin.submit("/admin/amenagements", {"candidate_id": jury.candidate.id, "kind": "extra_time", "note": NOTE}, follow_redirects=True)
    page = response.text
    assert "Aménagement enregistré pour Camille Candidate." in page and NOTE in page
    assert NOTE in (admin.get(f"/jury/sessions/{jury.session.id}")).text


def test_only_admins_and_the_candidates_jurors_see_it(client_for, jury, app_ctx, make_user):
    accommodation = accommodations.add_accommodation(jury.candidate, "extra_time", NOTE, actor=jury.admin)
    slots.plan_slot(jury.assignment, jury.session.starts_at, actor=jury.admin)
    other_juror = make_user(Role.JUROR, name="Olivier Autre")
    other_candidate = make_user(Role.CANDIDATE, name="Bruno Autre")
    # The other juror sits on another session of the same certification, examining someone else.
    other_session = sessions.create_session(
        jury.certification, sessions.SessionFields(starts_at=jury.session.starts_at, place="Salle 9"), actor=jury.admin
    )
    sessions.add_member(other_session, other_juror, actor=jury.admin, is_president=True)
    sessions.assign_submission(other_session, factories.make_submission(other_candidate, jury.certification), actor=jury.admin)

    assert may(jury.admin, Permission.VIEW_ACCOMMODATION, accommodation)
    assert may(jury.juror, Permission.VIEW_ACCOMMODATION, accommodation)
    assert not may(other_juror, Permission.VIEW_ACCOMMODATION, accommodation)
    assert not may(jury.tutor, Permission.VIEW_ACCOMMODATION, accommodation)
    assert not may(other_candidate, Permission.VIEW_ACCOMMODATION, accommodation)

    session_url = f"/jury/sessions/{jury.session.id}"
    review_url = f"/jury/affectations/{jury.assignment.id}"
    juror_pages = _pages(client_for(jury.juror), ["/", session_url, review_url])
    assert NOTE in juror_pages

    tutor = client_for(jury.tutor)
    tutor_html = _pages(tutor, [
        "/", f"/portefeuilles/{jury.portfolio.id}", f"/depots/{jury.submission.id}", session_url, review_url,
        "/jury", "/admin/amenagements", "/admin/journal.csv",
    ])
    assert f"/portefeuilles/{jury.portfolio.id}" in (tutor.get("/")).text  # the tutor does follow the candidate
    assert NOTE not in tutor_html and "Tiers temps" not in tutor_html and "temps majoré" not in tutor_html

    outsider = client_for(other_juror)
    outsider_html = _pages(outsider, [
        "/", "/jury", f"/jury/sessions/{other_session.id}", session_url, review_url, f"/depots/{jury.submission.id}",
        f"/jury/sessions/{other_session.id}/proces-verbal",
    ])
    assert "Salle 9" in outsider_html  # they do see their own session
    assert NOTE not in outsider_html and "Tiers temps" not in outsider_html

    candidate_html = _pages(client_for(other_candidate), ["/", "/jury", session_url])
    assert NOTE not in candidate_html and "Tiers temps" not in candidate_html


def test_the_minutes_page_members_read_does_not_show_it(client_for, jury, app_ctx):
    accommodations.add_accommodation(jury.candidate, "assistant", NOTE, actor=jury.admin)
    page = (client_for(jury.juror).get(f"/jury/sessions/{jury.session.id}/proces-verbal")).text
    assert NOTE not in page
