"""Deliberation, bloc decisions and their proposal, minutes and their confirmation, corrections
after signature, and the candidate's result across sessions."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts.models import Role
from extensions import db
from grading import GradingError, accommodations, assessments, decisions, minutes, sessions, slots
from grading.models import AuditEvent, BlocDecision, DecisionRule, Outcome
from tests import factories



def _decide_all(jury, outcome: str = "validated", **kwargs) -> list[BlocDecision]:
    return [
        decisions.decide(jury.assignment, bloc, outcome, f"Décision motivée pour {bloc.code}", actor=jury.president, **kwargs)
        for bloc in jury.session.blocs
    ]


def _sign(jury) -> None:
    for member in (jury.president, jury.juror):
        minutes.confirm_minutes(jury.session, member, minutes.minutes_hash(jury.session))
    db.session.refresh(jury.session)
    assert jury.session.is_signed


def _deliberated(jury, outcome: str = "validated") -> list[BlocDecision]:
    factories.hold_interview(jury)
    factories.grade_all(jury, jury.juror)
    factories.grade_all(jury, jury.president)
    decisions.start_deliberation(jury.session, actor=jury.president)
    return _decide_all(jury, outcome)


# --- deliberation ----------------------------------------------------------------------------------

def test_no_president_no_deliberation(client_for, app_ctx, make_user):
    jury = factories.build_jury(make_user, president=False)
    with pytest.raises(GradingError, match="n'a pas de président"):
        decisions.start_deliberation(jury.session, actor=jury.juror)
    client = client_for(jury.juror)
    response = client.submit(f"/jury/sessions/{jury.session.id}/deliberation", follow_redirects=True)
    assert "La session n'a pas de président : la délibération ne peut pas commencer." in response.text
    assert jury.session.deliberation_started_at is None


def test_only_the_president_opens_the_deliberation(client_for, jury, app_ctx):
    assert client_for(jury.juror).submit(f"/jury/sessions/{jury.session.id}/deliberation").status_code == 403
    assert client_for(jury.admin).submit(f"/jury/sessions/{jury.session.id}/deliberation").status_code == 403
    response = client_for(jury.president).submit(f"/jury/sessions/{jury.session.id}/deliberation")
    assert response.status_code == 303 and jury.session.deliberation_started_at is not None


def test_deciding_needs_an_open_deliberation(jury):
    with pytest.raises(GradingError, match="pas ouverte"):
        decisions.decide(jury.assignment, jury.session.blocs[0], "validated", "Motif", actor=jury.president)


def test_deciding_before_every_grid_needs_an_override_and_its_reason(client_for, jury, app_ctx):
    factories.grade_all(jury, jury.president)
    decisions.start_deliberation(jury.session, actor=jury.president)
    bloc = jury.session.blocs[0]
    with pytest.raises(GradingError, match=r"Toutes les grilles n'ont pas été remises \(1 sur 2\)"):
        decisions.decide(jury.assignment, bloc, "validated", "Motif", actor=jury.president)
    with pytest.raises(GradingError):
        decisions.decide(jury.assignment, bloc, "validated", "Motif", actor=jury.president, override=True, override_reason="  ")
    client = client_for(jury.president)
    url = f"/jury/affectations/{jury.assignment.id}/blocs/{bloc.id}/decision"
    response = client.submit(url, {"outcome": "validated", "justification": "Motif"}, follow_redirects=True)
    assert "Décider sans attendre toutes les grilles" in response.text
    assert db.session.scalar(select(BlocDecision)) is None
    response = client.submit(url, {
        "outcome": "validated", "justification": "Tous les critères démontrés",
        "override": "oui", "override_reason": "Julie Jurée est absente ; son avis a été recueilli oralement.",
    }, follow_redirects=True)
    assert "Décision enregistrée pour le bloc BC01 : Validé." in response.text
    decision = db.session.scalar(select(BlocDecision))
    assert decision.override_reason.startswith("Julie Jurée est absente")
    assert decision.proposed_outcome == "validated"


def test_the_proposal_follows_the_session_rule(jury):
    first = jury.bloc_criteria(0)[0]
    factories.grade_all(jury, jury.juror, overrides={first.id: "partial"})
    factories.grade_all(jury, jury.president)
    comparison = assessments.compare_grids(jury.assignment)
    assert decisions.propose(DecisionRule.ALL_ACQUIRED, comparison[0]) is Outcome.NOT_VALIDATED
    assert decisions.propose(DecisionRule.NONE_NOT_ACQUIRED, comparison[0]) is Outcome.VALIDATED
    assert decisions.propose(DecisionRule.ALL_ACQUIRED, comparison[1]) is Outcome.VALIDATED


def test_a_criterion_not_evaluated_proposes_an_adjournment(jury):
    factories.grade_all(jury, jury.juror, overrides={jury.bloc_criteria(0)[1].id: "not_evaluated"})
    comparison = assessments.compare_grids(jury.assignment)
    assert decisions.propose(DecisionRule.ALL_ACQUIRED, comparison[0]) is Outcome.ADJOURNED


def test_no_grid_no_proposal(jury):
    assert decisions.propose(DecisionRule.ALL_ACQUIRED, assessments.compare_grids(jury.assignment)[0]) is None


def test_the_jury_may_decide_against_the_proposal(jury):
    _deliberated(jury, outcome="not_validated")
    decision = decisions.effective_decision(jury.assignment, jury.session.blocs[0].id)
    assert (decision.outcome, decision.proposed_outcome) == ("not_validated", "validated")


def test_a_decision_changes_in_place_until_signature(jury):
    first = _deliberated(jury)[0]
    again = decisions.decide(jury.assignment, first.bloc, "adjourned", "Entretien à reprendre", actor=jury.president)
    assert again.id == first.id and again.outcome == "adjourned"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "decision.recorded").order_by(AuditEvent.id.desc())).first()
    assert (event.before["outcome"], event.after["outcome"]) == ("validated", "adjourned")


# --- minutes ---------------------------------------------------------------------------------------

def test_minutes_are_signed_when_every_member_confirmed(client_for, jury, app_ctx):
    _deliberated(jury)
    sha = minutes.minutes_hash(jury.session)
    minutes.confirm_minutes(jury.session, jury.juror, sha)
    assert not jury.session.is_signed
    client = client_for(jury.president)
    page = (client.get(f"/jury/sessions/{jury.session.id}/proces-verbal")).text
    assert sha in page and "En attente" in page
    response = client.submit(f"/jury/sessions/{jury.session.id}/proces-verbal/confirmation", {"confirm": "oui", "sha256": sha}, follow_redirects=True)
    assert "le procès-verbal est signé" in response.text
    db.session.refresh(jury.session)
    assert jury.session.is_signed and jury.session.minutes_sha256 == sha
    confirmations = minutes.confirmations(jury.session)
    assert {c.confirmation.user_email for c in confirmations} == {jury.president.email, jury.juror.email}
    assert all(c.confirmation.content_sha256 == sha for c in confirmations)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "minutes")).all()
    assert actions == ["minutes.confirmed", "minutes.confirmed", "minutes.signed"]


def test_minutes_cannot_be_confirmed_while_incomplete_or_changed(jury):
    factories.hold_interview(jury)
    factories.grade_all(jury, jury.juror)
    factories.grade_all(jury, jury.president)
    decisions.start_deliberation(jury.session, actor=jury.president)
    first = decisions.decide(jury.assignment, jury.session.blocs[0], "validated", "Motif", actor=jury.president)
    with pytest.raises(GradingError, match="il manque 1 décision"):
        minutes.confirm_minutes(jury.session, jury.juror, minutes.minutes_hash(jury.session))
    decisions.decide(jury.assignment, jury.session.blocs[1], "validated", "Motif", actor=jury.president)
    shown = minutes.minutes_hash(jury.session)
    minutes.confirm_minutes(jury.session, jury.juror, shown)
    # The president changes a decision: the juror's confirmation was for another text.
    decisions.decide(jury.assignment, first.bloc, "adjourned", "Finalement ajourné", actor=jury.president)
    with pytest.raises(GradingError, match="a changé depuis"):
        minutes.confirm_minutes(jury.session, jury.president, shown)
    minutes.confirm_minutes(jury.session, jury.president, minutes.minutes_hash(jury.session))
    assert not jury.session.is_signed  # the juror must confirm the new text
    minutes.confirm_minutes(jury.session, jury.juror, minutes.minutes_hash(jury.session))
    assert jury.session.is_signed


def test_minutes_never_mention_accommodations(jury):
    accommodations.add_accommodation(jury.candidate, "extra_time", "Dyslexie sévère attestée", actor=jury.admin)
    _deliberated(jury)
    assert "Dyslexie" not in minutes.minutes_text(jury.session)
    assert "extra_time" not in minutes.minutes_text(jury.session)


# --- after signature -------------------------------------------------------------------------------

def test_a_signed_decision_is_final_and_corrected_by_a_linked_decision(client_for, jury, app_ctx):
    original = _deliberated(jury, outcome="not_validated")[0]
    _sign(jury)
    with pytest.raises(GradingError, match="définitive"):
        decisions.decide(jury.assignment, original.bloc, "validated", "Changement", actor=jury.president)
    client = client_for(jury.president)
    url = f"/jury/affectations/{jury.assignment.id}/blocs/{original.bloc_id}/decision"
    response = client.submit(url, {"outcome": "validated", "justification": "Changement"}, follow_redirects=True)
    assert "Rectifier la décision" in response.text
    db.session.refresh(original)
    assert original.outcome == "not_validated"
    response = client.submit(f"/jury/decisions/{original.id}/rectification",
                    {"outcome": "validated", "justification": "Critère CE2 démontré par la preuve 1", "reason": ""},
                    follow_redirects=True)
    assert "Indiquez le motif de la rectification." in response.text
    response = client.submit(f"/jury/decisions/{original.id}/rectification",
                    {"outcome": "validated", "justification": "Critère CE2 démontré par la preuve 1", "reason": "Erreur de saisie"},
                    follow_redirects=True)
    assert "Décision rectifiée pour le bloc BC01 : Validé." in response.text
    db.session.expire_all()
    correction = decisions.effective_decision(jury.assignment, original.bloc_id)
    assert correction.id != original.id and correction.corrects_id == original.id
    assert correction.correction_reason == "Erreur de saisie"
    assert db.session.get(BlocDecision, original.id).outcome == "not_validated"  # never updated in place
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "decision.corrected")).one()
    assert event.before["outcome"] == "not_validated" and event.after["corrects_id"] == original.id
    with pytest.raises(GradingError, match="déjà été rectifiée"):
        decisions.correct_decision(db.session.get(BlocDecision, original.id), "adjourned", "x", "y", actor=jury.president)
    minutes_page = (client.get(f"/jury/sessions/{jury.session.id}/proces-verbal")).text
    assert "Rectifications postérieures à la signature" in minutes_page and "Erreur de saisie" in minutes_page


def test_correction_is_refused_before_signature(jury):
    original = _deliberated(jury)[0]
    with pytest.raises(GradingError, match="pas encore signé"):
        decisions.correct_decision(original, "adjourned", "x", "y", actor=jury.president)


def test_a_signed_session_refuses_grading_and_composition_changes(jury, make_user):
    _deliberated(jury)
    _sign(jury)
    with pytest.raises(GradingError, match="signé"):
        sessions.add_member(jury.session, make_user(Role.JUROR), actor=jury.admin)
    with pytest.raises(GradingError, match="signé"):
        assessments.record_verdict(jury.assignment, jury.juror, jury.criteria[0].id, "partial")


# --- the candidate's result -------------------------------------------------------------------------

def test_the_candidate_sees_results_only_once_signed(client_for, jury, app_ctx):
    _deliberated(jury)
    client = client_for(jury.candidate)
    assert "Résultats du jury" not in (client.get("/")).text
    minutes.confirm_minutes(jury.session, jury.president, minutes.minutes_hash(jury.session))
    assert "Résultats du jury" not in (client.get("/")).text
    minutes.confirm_minutes(jury.session, jury.juror, minutes.minutes_hash(jury.session))
    page = (client.get("/")).text
    assert "Résultats du jury" in page and "Certification obtenue" in page
    assert "Décision motivée pour BC01" in page


def test_blocs_validated_earlier_stay_acquired_across_sessions(jury, make_user):
    # First session: BC01 validated, BC02 not validated.
    factories.hold_interview(jury)
    factories.grade_all(jury, jury.juror)
    factories.grade_all(jury, jury.president)
    decisions.start_deliberation(jury.session, actor=jury.president)
    bc01, bc02 = jury.session.blocs
    decisions.decide(jury.assignment, bc01, "validated", "Acquis", actor=jury.president)
    decisions.decide(jury.assignment, bc02, "not_validated", "Non démontré", actor=jury.president)
    _sign(jury)
    assert decisions.acquired_bloc_codes(jury.candidate, jury.certification.lineage) == {"BC01"}
    [result] = decisions.candidate_results(jury.candidate)
    assert not result.granted
    # A later session on a new referential version evaluates only BC02 on a new submission.
    version2 = factories.make_certification("RNCP-JURY-V2")
    version2.lineage, version2.version_number = jury.certification.lineage, 2
    db.session.commit()
    submission = factories.make_submission(jury.candidate, version2)
    second = sessions.create_session(
        version2, sessions.SessionFields(starts_at=factories.SESSION_START + timedelta(days=90), place="Salle 4"),
        actor=jury.admin, blocs=[version2.blocs[1]],
    )
    sessions.add_member(second, jury.president, actor=jury.admin, is_president=True, is_external=True)
    assignment = sessions.assign_submission(second, submission, actor=jury.admin)
    slots.plan_slot(assignment, factories.SESSION_START + timedelta(days=90), actor=jury.admin)
    for criterion in assessments.session_criteria(second):
        assessments.record_verdict(assignment, jury.president, criterion.id, "acquired")
    assessments.submit_grid(assignment, jury.president)
    decisions.start_deliberation(second, actor=jury.president)
    decisions.decide(assignment, version2.blocs[1], "validated", "Acquis cette fois", actor=jury.president)
    assert decisions.acquired_bloc_codes(jury.candidate, jury.certification.lineage) == {"BC01"}  # not signed yet
    minutes.confirm_minutes(second, jury.president, minutes.minutes_hash(second))
    assert decisions.acquired_bloc_codes(jury.candidate, jury.certification.lineage) == {"BC01", "BC02"}
    [result] = decisions.candidate_results(jury.candidate)
    assert result.certification.id == version2.id and result.granted
