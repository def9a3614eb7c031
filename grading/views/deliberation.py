"""Deliberation screen: every member who has handed in their grid reads the handed-in grids side
by side (disagreements first) with the rule's proposal and the decisions; the president opens the
deliberation, decides each bloc, and corrects a decision after the signature."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from accounts.policy import Permission, authorize, may, requires
from core.errors import render_error
from extensions import db
from referentials.models import Bloc

from grading import GradingError, assessments, decisions, slots
from grading.models import BlocDecision, Outcome, SessionAssignment
from grading.views import bp
from grading.views.common import current, load_assignment, load_session, perform, refused, session_page


HAND_IN_FIRST = (
    "Remettez d'abord votre propre grille pour ce dossier : les appréciations des autres membres restent "
    "confidentielles jusque-là, pour que chacun juge de façon indépendante."
)


def _deliberation_page(assignment: SessionAssignment, anchor: str | None = None) -> str:
    return url_for("grading.deliberation", assignment_id=assignment.id, _anchor=anchor)


@bp.route("/jury/sessions/<int:session_id>/deliberation", methods=["POST"])
@requires(Permission.DELIBERATE)
def start_deliberation(session_id: int):
    session = load_session(session_id, Permission.VIEW_JURY_SESSION)
    if session.president is None:
        # Nobody presides, so the policy alone would answer 403: tell the members what is missing.
        return refused(GradingError(decisions.NO_PRESIDENT), session_page(session))
    authorize(Permission.DELIBERATE, session)
    try:
        decisions.start_deliberation(session, actor=current())
    except GradingError as error:
        return refused(error, session_page(session))
    flash("Délibération ouverte : vous pouvez enregistrer les décisions de bloc.", "success")
    return redirect(session_page(session, "depots"), code=303)


@bp.route("/jury/affectations/<int:assignment_id>/deliberation")
@requires(Permission.VIEW_DELIBERATION)
def deliberation(assignment_id: int):
    assignment = db.session.get(SessionAssignment, assignment_id) or abort(404)
    if not may(current(), Permission.VIEW_DELIBERATION, assignment):
        if assignment.session.member_for(current()) is None:
            abort(403)
        return render_error(403, HAND_IN_FIRST)
    handed_in, members = assessments.submitted_grids(assignment)
    return render_template(
        "grading/deliberation.html", assignment=assignment, session=assignment.session,
        blocs=decisions.deliberation_of(assignment), handed_in=handed_in, members=members, outcomes=list(Outcome),
        presides=may(current(), Permission.DELIBERATE, assignment), interview_pending=slots.interview_pending(assignment),
    )


@bp.route("/jury/affectations/<int:assignment_id>/sans-entretien", methods=["POST"])
@requires(Permission.DELIBERATE)
def waive_interview(assignment_id: int):
    """The president records why the jury decides without waiting for the interview."""
    assignment = load_assignment(assignment_id, Permission.DELIBERATE)
    return perform(
        lambda: slots.waive_interview(assignment, request.form.get("reason", ""), actor=current()),
        "Raison enregistrée : elle figure au procès-verbal, qui peut être confirmé sans attendre l'entretien.",
        _deliberation_page(assignment, "entretien"),
    )


@bp.route("/jury/affectations/<int:assignment_id>/blocs/<int:bloc_id>/decision", methods=["POST"])
@requires(Permission.DELIBERATE)
def decide(assignment_id: int, bloc_id: int):
    assignment = load_assignment(assignment_id, Permission.DELIBERATE)
    bloc = db.session.get(Bloc, bloc_id) or abort(404)
    form = request.form
    return perform(
        lambda: decisions.decide(
            assignment, bloc, form.get("outcome", ""), form.get("justification", ""), actor=current(),
            override=form.get("override") == "oui", override_reason=form.get("override_reason", ""),
        ),
        lambda decision: f"Décision enregistrée pour le bloc {bloc.code} : {decision.outcome_label}.",
        _deliberation_page(assignment, f"bloc-{bloc.id}"),
    )


@bp.route("/jury/decisions/<int:decision_id>/rectification", methods=["POST"])
@requires(Permission.DELIBERATE)
def correct_decision(decision_id: int):
    decision = db.session.get(BlocDecision, decision_id)
    authorize(Permission.DELIBERATE, decision)
    form = request.form
    return perform(
        lambda: decisions.correct_decision(
            decision, form.get("outcome", ""), form.get("justification", ""), form.get("reason", ""), actor=current(),
        ),
        lambda correction: f"Décision rectifiée pour le bloc {correction.bloc.code} : {correction.outcome_label}.",
        _deliberation_page(decision.assignment, f"bloc-{decision.bloc_id}"),
    )
