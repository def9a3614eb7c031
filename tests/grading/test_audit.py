"""The audit trail: every change of the jury's work is an append-only event an admin browses,
filters and exports as CSV for Excel."""
import csv
import io

import pytest
from sqlalchemy import func, select
from tests import factories

from accounts.models import Role
from extensions import db
from grading import GradingError, accommodations, assessments, audit, decisions, minutes, sessions, slots
from grading.models import AuditEvent



def _full_flow(jury) -> None:
    accommodations.add_accommodation(jury.candidate, "extra_time", "Note confidentielle", actor=jury.admin)
    slots.plan_slot(jury.assignment, factories.SESSION_START, actor=jury.admin)
    slots.waive_interview(jury.assignment, "Décision sur dossier", actor=jury.president)
    sessions.set_president(jury.session.member_for(jury.juror), actor=jury.admin)
    sessions.set_president(jury.session.member_for(jury.president), actor=jury.admin)
    factories.grade_all(jury, jury.juror)
    factories.grade_all(jury, jury.president)
    decisions.start_deliberation(jury.session, actor=jury.president)
    decision = None
    for bloc in jury.session.blocs:
        decision = decisions.decide(jury.assignment, bloc, "validated", "Motif", actor=jury.president)
    for member in (jury.president, jury.juror):
        minutes.confirm_minutes(jury.session, member, minutes.minutes_hash(jury.session))
    decisions.correct_decision(decision, "adjourned", "Motif corrigé", "Erreur de saisie", actor=jury.president)


def test_every_action_leaves_an_event(jury, make_user):
    extra = make_user(Role.JUROR)
    member = sessions.add_member(jury.session, extra, actor=jury.admin)
    sessions.remove_member(member, actor=jury.admin)
    _full_flow(jury)
    accommodation = accommodations.accommodations_of(jury.candidate.id)[0]
    accommodations.remove_accommodation(accommodation, actor=jury.admin)
    actions = set(db.session.scalars(select(AuditEvent.action)))
    # Exports are audited by the HTTP views (test_bundle, the route test below), not by this flow;
    # the actions packages above add to the trail (awards) are theirs to test (tests/awards).
    from awards import AUDIT_ACTIONS

    grading_actions = set(audit.ACTION_LABELS) - set(AUDIT_ACTIONS)
    assert actions >= grading_actions - {"session.updated", "assignment.removed", "session.exported", "session.export_resumed"}
    removed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "member.removed")).one()
    assert removed.before["user_id"] == extra.id and removed.actor_id == jury.admin.id


def test_unassigning_is_audited_and_refused_once_graded(client_for, jury, app_ctx, make_user):
    assessments.record_verdict(jury.assignment, jury.juror, jury.criteria[0].id, "acquired")
    with pytest.raises(GradingError, match="Des appréciations ont déjà été saisies"):
        sessions.unassign(jury.assignment, actor=jury.admin)
    other = make_user(Role.CANDIDATE, name="Denis Retiré")
    assignment = sessions.assign_submission(jury.session, factories.make_submission(other, jury.certification), actor=jury.admin)
    admin = client_for(jury.admin)
    response = admin.submit(f"/jury/affectations/{assignment.id}/retirer", follow_redirects=True)
    assert "Le dépôt de Denis Retiré est retiré de la session." in response.text
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "assignment.removed")).one()
    assert event.before["candidate"] == "Denis Retiré"


def test_events_are_append_only(jury):
    event = db.session.scalars(select(AuditEvent)).first()
    event.action = "session.updated"
    with pytest.raises(ValueError, match="ajout seul"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(AuditEvent)).first())
    with pytest.raises(ValueError, match="ajout seul"):
        db.session.commit()
    db.session.rollback()


def test_admin_browses_filters_and_pages(client_for, jury, app_ctx):
    for _ in range(5):
        factories.grade_all(jury, jury.juror, submit=False, verdict="acquired")
        factories.grade_all(jury, jury.juror, submit=False, verdict="partial")
    total = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert total > audit.PER_PAGE
    admin = client_for(jury.admin)
    page = (admin.get("/admin/journal")).text
    assert f"{total} événement(s) — page 1 sur 2" in page and "Page suivante" in page
    page = (admin.get("/admin/journal?page=2")).text
    assert "page 2 sur 2" in page and "Page précédente" in page
    page = (admin.get(f"/admin/journal?action=member.added&actor_id={jury.admin.id}")).text
    assert "2 événement(s)" in page and "Membre ajouté" in page
    fragment = (admin.get("/admin/journal?action=session.created", headers={"HX-Request": "true"})).text
    assert fragment.startswith('<div id="evenements">') and "1 événement(s)" in fragment
    page = (admin.get("/admin/journal?date_from=2000-01-01&date_to=2000-01-02")).text
    assert "Aucun événement ne correspond" in page
    page = (admin.get("/admin/journal?session_id=pas-un-nombre&date_from=n'importe")).text
    assert f"{total} événement(s)" in page


def test_csv_export_for_excel(client_for, jury, app_ctx):
    assessments.record_verdict(jury.assignment, jury.juror, jury.criteria[0].id, "acquired", "=SOMME(A1:A9)")
    response = client_for(jury.admin).get("/admin/journal.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == list(audit.CSV_HEADERS)
    assert rows[0][1] == "Date (heure de Paris)"
    assert len(rows) - 1 == db.session.scalar(select(func.count()).select_from(AuditEvent))
    verdict_row = next(r for r in rows if r[3] == "Appréciation enregistrée")
    assert verdict_row[2] == "Julie Jurée"
    assert '"comment": "=SOMME' in verdict_row[8] and not verdict_row[8].startswith("=")
    filtered = client_for(jury.admin).get("/admin/journal.csv?action=member.added").get_data().decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(filtered), delimiter=";"))) == 3


def test_only_admins_read_the_trail(client_for, jury, app_ctx):
    for user in (jury.juror, jury.president, jury.candidate, jury.tutor):
        client = client_for(user)
        assert client.get("/admin/journal").status_code == 403
        assert client.get("/admin/journal.csv").status_code == 403


def test_every_state_changing_route_leaves_an_event(client_for, app_ctx, make_user):
    """Each POST route of the jury, driven through HTTP like a user, adds at least one event."""
    jury = factories.build_jury(make_user)
    extra_juror = make_user(Role.JUROR, name="Xavier Ajouté")
    other = make_user(Role.CANDIDATE, name="Denis Deuxième")
    spare = factories.make_submission(other, jury.certification)
    accommodation = accommodations.add_accommodation(other, "other", "Salle au rez-de-chaussée", actor=jury.admin)
    admin, juror = client_for(jury.admin), client_for(jury.juror)
    a, s = f"/jury/affectations/{jury.assignment.id}", f"/jury/sessions/{jury.session.id}"
    criteria = jury.criteria
    grid = {f"verdict-{c.id}": "acquired" for c in criteria}
    steps = [
        ("grading.new_session", admin, "/jury/sessions/nouvelle", lambda: {
            "certification_id": jury.certification.id, "starts_at": "2026-09-01T09:00", "place": "Salle 5",
            "video_link": "", "decision_rule": "all_acquired"}),
        ("grading.edit_session", admin, s + "/modifier", lambda: {
            "starts_at": "2026-06-15T10:00", "place": "Salle 3", "video_link": "", "decision_rule": "all_acquired",
            "bloc_ids": [b.id for b in jury.session.blocs]}),
        ("grading.add_member", admin, s + "/membres", lambda: {"user_id": extra_juror.id}),
        # Julie Jurée presides from here on.
        ("grading.set_president", admin, lambda: f"/jury/membres/{jury.session.member_for(jury.juror).id}/president", dict),
        ("grading.remove_member", admin, lambda: f"/jury/membres/{jury.session.member_for(extra_juror).id}/retirer", dict),
        ("grading.assign", admin, s + "/depots", lambda: {"submission_id": spare.id}),
        ("grading.unassign", admin, lambda: f"/jury/affectations/{jury.session.assignments[-1].id}/retirer", dict),
        ("grading.plan_slot", admin, a + "/creneau", lambda: {"starts_at": "2026-06-15T09:00"}),
        ("grading.accommodations", admin, "/admin/amenagements", lambda: {"candidate_id": jury.candidate.id, "kind": "room", "note": "Rampe"}),
        ("grading.remove_accommodation", admin, f"/admin/amenagements/{accommodation.id}/retirer", dict),
        ("grading.record_verdict", juror, f"{a}/criteres/{criteria[0].id}", lambda: {f"verdict-{criteria[0].id}": "partial"}),
        ("grading.save_grid", juror, a + "/grille", lambda: grid),
        ("grading.submit_grid", juror, a + "/remise", lambda: {"confirm": "oui"}),
        ("grading.start_deliberation", juror, s + "/deliberation", dict),
        ("grading.decide", juror, lambda: f"{a}/blocs/{jury.session.blocs[0].id}/decision", lambda: {
            "outcome": "validated", "justification": "Motif", "override": "oui", "override_reason": "Absence"}),
        ("grading.waive_interview", juror, a + "/sans-entretien", lambda: {"reason": "Décision sur dossier"}),
        ("grading.confirm_minutes", juror, s + "/proces-verbal/confirmation", lambda: {
            "confirm": "oui", "sha256": minutes.minutes_hash(jury.session)}),
        ("exports.start_session_export", admin, s + "/export", dict),
        ("grading.correct_decision", juror, lambda: f"/jury/decisions/{jury.assignment.decisions[0].id}/rectification",
         lambda: {"outcome": "adjourned", "justification": "Motif", "reason": "Erreur"}),
    ]
    post_endpoints = {
        rule.endpoint for rule in app_ctx.url_map.iter_rules()
        if (rule.endpoint.startswith("grading") or rule.endpoint.endswith("_session_export")) and "POST" in rule.methods
    }
    # Resuming needs an interrupted export; test_bundle drives it and checks its event.
    assert {name for name, *_ in steps} == post_endpoints - {"exports.resume_session_export"}
    for name, client, url, data in steps:
        if name == "grading.decide":  # every bloc decided, so the minutes can be confirmed next
            for bloc in jury.session.blocs[1:]:
                decisions.decide(jury.assignment, bloc, "validated", "Motif", actor=jury.juror, override=True, override_reason="Absence")
        if name == "grading.confirm_minutes":
            minutes.confirm_minutes(jury.session, jury.president, minutes.minutes_hash(jury.session))
        if name == "grading.start_deliberation":
            factories.grade_all(jury, jury.president)
        before = db.session.scalar(select(func.max(AuditEvent.id))) or 0
        response = client.submit(url() if callable(url) else url, data())
        assert response.status_code == 303, (name, response.text)
        db.session.expire_all()
        added = db.session.scalars(select(AuditEvent.action).where(AuditEvent.id > before)).all()
        assert added, f"{name} left no audit event"
