"""Jury screens: sessions and their composition (admins), the review workspace and grid (jurors),
the deliberation and bloc decisions (president), the minutes (every member).

Views parse the request and ask the policy; the operations live in sessions, assessments and
decisions. A refused operation (GradingError) becomes a French message: flashed on the page it
came from, or an error fragment for htmx.
"""
from __future__ import annotations

import json
from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from accounts.models import Role, User
from accounts.policy import Permission, authorize, may, requires
from accounts.services import active_users_with
from core.errors import render_error
from core.timeutil import to_paris
from extensions import db
from referentials.models import Bloc, Certification
from portfolio.models import Submission
from portfolio.submissions import verify_submission

from grading import GradingError, assessments, decisions, sessions
from grading.forms import AccommodationForm, AssignmentForm, EditSessionForm, MemberForm, NewSessionForm
from grading.models import Accommodation, BlocDecision, JuryMember, JurySession, Outcome, SessionAssignment, Verdict

bp = Blueprint("grading", __name__)


def _user() -> User:
    return current_user._get_current_object()


def _session(session_id: int, permission: Permission) -> JurySession:
    session = db.session.get(JurySession, session_id)
    authorize(permission, session)
    return session


def _assignment(assignment_id: int, permission: Permission) -> SessionAssignment:
    assignment = db.session.get(SessionAssignment, assignment_id)
    authorize(permission, assignment)
    return assignment


def _refused(error: GradingError, back: str):
    """A refused action: the message as an htmx error fragment, or flashed on the page it came from."""
    if request.htmx:
        return render_error(error.status, str(error))
    flash(str(error), "error")
    return redirect(back, code=303)


def _session_page(session: JurySession, anchor: str | None = None) -> str:
    return url_for("grading.session", session_id=session.id, _anchor=anchor)


def _form_errors(form) -> None:
    for errors in form.errors.values():
        for message in errors:
            flash(message, "error")


def file_endpoints() -> dict[str, bool]:
    """Which evidence file endpoints exist, so that templates link to them only when they do."""
    return {name: f"evidence_files.{name}" in current_app.view_functions for name in ("download", "preview")}


# --- sessions ----------------------------------------------------------------------------------

@bp.route("/jury")
@requires(Permission.VIEW_JURY_SESSION)
def index():
    user = _user()
    managed = sessions.all_sessions() if may(user, Permission.MANAGE_JURY) else []
    memberships = assessments.memberships_of(user) if user.has_role(Role.JUROR) else []
    return render_template("grading/index.html", managed=managed, memberships=memberships)


def _session_fields(form) -> sessions.SessionFields:
    return sessions.SessionFields(
        starts_at=sessions.paris_to_utc(form.starts_at.data), place=form.place.data or "",
        video_link=form.video_link.data or "", decision_rule=form.decision_rule.data,
    )


@bp.route("/jury/sessions/nouvelle", methods=["GET", "POST"])
@requires(Permission.MANAGE_JURY)
def new_session():
    form = NewSessionForm()
    certifications = db.session.scalars(select(Certification).order_by(Certification.title, Certification.version_number)).all()
    form.certification_id.choices = [(c.id, c.label) for c in certifications]
    if request.method == "GET" and certifications:
        form.decision_rule.data = sessions.default_rule(certifications[0]).value
    if form.validate_on_submit():
        certification = db.session.get(Certification, form.certification_id.data)
        try:
            session = sessions.create_session(certification, _session_fields(form), actor=_user())
        except GradingError as error:
            form.place.errors = [*form.place.errors, str(error)]
        else:
            flash("Session de jury ouverte. Ajoutez maintenant ses membres et les dépôts à examiner.", "success")
            return redirect(_session_page(session), code=303)
    return render_template("grading/session_form.html", form=form, session=None)


@bp.route("/jury/sessions/<int:session_id>")
@requires(Permission.VIEW_JURY_SESSION)
def session(session_id: int):
    session = _session(session_id, Permission.VIEW_JURY_SESSION)
    user = _user()
    manage = may(user, Permission.MANAGE_JURY)
    context = {
        "session": session,
        "manage": manage,
        "member": session.member_for(user),
        "warnings": sessions.composition_warnings(session),
        "interview_minutes": sessions.interview_minutes(session.certification),
        "accommodations": {a.id: _visible_accommodations(a.candidate.id) for a in session.assignments},
        "grids": {a.id: assessments.submitted_grids(a) for a in session.assignments},
        "my_grids": {a.id: assessments.grid_submission(a, user.id) is not None for a in session.assignments},
        "missing_decisions": len(decisions.missing_decisions(session)),
    }
    if manage:
        member_form = MemberForm()
        member_ids = {m.user_id for m in session.members}
        member_form.user_id.choices = [(u.id, f"{u.full_name} ({u.email})") for u in active_users_with(Role.JUROR) if u.id not in member_ids]
        assignment_form = AssignmentForm()
        assignment_form.submission_id.choices = [
            (s.id, f"{s.portfolio.candidate.full_name} — dépôt n°{s.number} du {s.submitted_at:%d/%m/%Y}")
            for s in sessions.assignable_submissions(session)
        ]
        context |= {"member_form": member_form, "assignment_form": assignment_form}
    return render_template("grading/session.html", **context)


def _visible_accommodations(candidate_id: int) -> list[Accommodation]:
    user = _user()
    return [a for a in sessions.accommodations_of(candidate_id) if may(user, Permission.VIEW_ACCOMMODATION, a)]


@bp.route("/jury/sessions/<int:session_id>/modifier", methods=["GET", "POST"])
@requires(Permission.MANAGE_JURY)
def edit_session(session_id: int):
    session = db.session.get(JurySession, session_id) or abort(404)
    form = EditSessionForm(obj=session if request.method == "GET" else None)
    form.bloc_ids.choices = [(b.id, f"{b.code} — {b.title}") for b in session.certification.blocs]
    if request.method == "GET":
        form.starts_at.data = to_paris(session.starts_at).replace(tzinfo=None)
        form.bloc_ids.data = [b.id for b in session.blocs]
    if form.validate_on_submit():
        blocs = [b for b in session.certification.blocs if b.id in set(form.bloc_ids.data or [])]
        try:
            sessions.update_session(session, _session_fields(form), blocs, actor=_user())
        except GradingError as error:
            form.bloc_ids.errors = [*form.bloc_ids.errors, str(error)]
        else:
            flash("Session enregistrée.", "success")
            return redirect(_session_page(session), code=303)
    return render_template("grading/session_form.html", form=form, session=session)


@bp.route("/jury/sessions/<int:session_id>/membres", methods=["POST"])
@requires(Permission.MANAGE_JURY)
def add_member(session_id: int):
    session = db.session.get(JurySession, session_id) or abort(404)
    form = MemberForm()
    form.user_id.choices = [(u.id, u.full_name) for u in active_users_with(Role.JUROR)]
    back = _session_page(session, "membres")
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(back, code=303)
    user = db.session.get(User, form.user_id.data)
    try:
        sessions.add_member(session, user, actor=_user(), is_president=form.is_president.data, is_external=form.is_external.data)
    except GradingError as error:
        return _refused(error, back)
    flash(f"{user.full_name} siège désormais dans la session.", "success")
    for warning in sessions.composition_warnings(session):
        flash(warning, "info")
    return redirect(back, code=303)


def _member(member_id: int) -> JuryMember:
    return db.session.get(JuryMember, member_id) or abort(404)


@bp.route("/jury/membres/<int:member_id>/retirer", methods=["POST"])
@requires(Permission.MANAGE_JURY)
def remove_member(member_id: int):
    member = _member(member_id)
    session, name = member.session, member.user.full_name
    try:
        sessions.remove_member(member, actor=_user())
    except GradingError as error:
        return _refused(error, _session_page(session, "membres"))
    flash(f"{name} ne siège plus dans la session.", "success")
    return redirect(_session_page(session, "membres"), code=303)


@bp.route("/jury/membres/<int:member_id>/president", methods=["POST"])
@requires(Permission.MANAGE_JURY)
def set_president(member_id: int):
    member = _member(member_id)
    try:
        sessions.set_president(member, actor=_user())
    except GradingError as error:
        return _refused(error, _session_page(member.session, "membres"))
    flash(f"{member.user.full_name} préside désormais le jury.", "success")
    return redirect(_session_page(member.session, "membres"), code=303)


@bp.route("/jury/sessions/<int:session_id>/depots", methods=["POST"])
@requires(Permission.MANAGE_JURY)
def assign(session_id: int):
    session = db.session.get(JurySession, session_id) or abort(404)
    form = AssignmentForm()
    form.submission_id.choices = [(s.id, str(s.id)) for s in sessions.assignable_submissions(session)]
    back = _session_page(session, "depots")
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(back, code=303)
    submission = db.session.get(Submission, form.submission_id.data)
    try:
        sessions.assign_submission(session, submission, actor=_user())
    except GradingError as error:
        return _refused(error, back)
    flash(f"Dépôt de {submission.portfolio.candidate.full_name} affecté à la session.", "success")
    return redirect(back, code=303)


@bp.route("/jury/affectations/<int:assignment_id>/retirer", methods=["POST"])
@requires(Permission.MANAGE_JURY)
def unassign(assignment_id: int):
    assignment = db.session.get(SessionAssignment, assignment_id) or abort(404)
    session, name = assignment.session, assignment.candidate.full_name
    try:
        sessions.unassign(assignment, actor=_user())
    except GradingError as error:
        return _refused(error, _session_page(session, "depots"))
    flash(f"Le dépôt de {name} est retiré de la session.", "success")
    return redirect(_session_page(session, "depots"), code=303)


@bp.route("/jury/affectations/<int:assignment_id>/creneau", methods=["POST"])
@requires(Permission.MANAGE_JURY)
def plan_slot(assignment_id: int):
    assignment = db.session.get(SessionAssignment, assignment_id) or abort(404)
    back = _session_page(assignment.session, "creneaux")
    try:
        local = datetime.strptime(request.form.get("starts_at", ""), "%Y-%m-%dT%H:%M")
    except ValueError:
        flash("Indiquez le début de l'entretien (date et heure).", "error")
        return redirect(back, code=303)
    try:
        slot = sessions.plan_slot(assignment, sessions.paris_to_utc(local), actor=_user())
    except GradingError as error:
        return _refused(error, back)
    flash(f"Entretien de {assignment.candidate.full_name} planifié ({slot.duration_minutes} minutes).", "success")
    return redirect(back, code=303)


# --- accommodations ----------------------------------------------------------------------------

@bp.route("/admin/amenagements", methods=["GET", "POST"])
@requires(Permission.MANAGE_JURY)
def accommodations():
    form = AccommodationForm()
    form.candidate_id.choices = [(u.id, f"{u.full_name} ({u.email})") for u in active_users_with(Role.CANDIDATE)]
    if form.validate_on_submit():
        candidate = db.session.get(User, form.candidate_id.data)
        try:
            sessions.add_accommodation(candidate, form.kind.data, form.note.data or "", actor=_user())
        except GradingError as error:
            form.kind.errors = [*form.kind.errors, str(error)]
        else:
            flash(f"Aménagement enregistré pour {candidate.full_name}.", "success")
            return redirect(url_for("grading.accommodations"), code=303)
    return render_template("grading/accommodations.html", form=form, accommodations=sessions.all_accommodations())


@bp.route("/admin/amenagements/<int:accommodation_id>/retirer", methods=["POST"])
@requires(Permission.MANAGE_JURY)
def remove_accommodation(accommodation_id: int):
    accommodation = db.session.get(Accommodation, accommodation_id) or abort(404)
    sessions.remove_accommodation(accommodation, actor=_user())
    flash("Aménagement retiré.", "success")
    return redirect(url_for("grading.accommodations"), code=303)


# --- review and grid ---------------------------------------------------------------------------

def _review_page(assignment: SessionAssignment, anchor: str | None = None) -> str:
    return url_for("grading.review", assignment_id=assignment.id, _anchor=anchor)


def _locked(assignment: SessionAssignment) -> bool:
    """The grid can no longer change: handed in, or the minutes are signed."""
    return assignment.session.is_signed or assessments.grid_submission(assignment, _user().id) is not None


@bp.route("/jury/affectations/<int:assignment_id>")
@requires(Permission.GRADE_SUBMISSION)
def review(assignment_id: int):
    assignment = _assignment(assignment_id, Permission.GRADE_SUBMISSION)
    user = _user()
    blocs = assessments.review_workspace(assignment, user)
    total = sum(len(b.criteria) for b in blocs)
    graded = sum(1 for b in blocs for c in b.criteria if c.assessment and c.assessment.verdict)
    return render_template(
        "grading/review.html",
        assignment=assignment, session=assignment.session, submission=assignment.submission, blocs=blocs,
        total=total, graded=graded, locked=_locked(assignment),
        grid=assessments.grid_submission(assignment, user.id), intact=verify_submission(assignment.submission),
        accommodations=_visible_accommodations(assignment.candidate.id), verdicts=list(Verdict),
        files=file_endpoints(), presides=may(user, Permission.DELIBERATE, assignment),
    )


@bp.route("/jury/affectations/<int:assignment_id>/criteres/<int:criterion_id>", methods=["POST"])
@requires(Permission.GRADE_SUBMISSION)
def record_verdict(assignment_id: int, criterion_id: int):
    """One criterion's verdict: the htmx row fragment, or back to the grid without JavaScript."""
    assignment = _assignment(assignment_id, Permission.GRADE_SUBMISSION)
    try:
        criterion = assessments.gradable_criterion(assignment, criterion_id)
    except GradingError as error:
        return render_error(error.status, str(error))
    verdict = request.form.get(f"verdict-{criterion.id}", request.form.get("verdict"))
    comment = request.form.get(f"comment-{criterion.id}", request.form.get("comment", ""))
    try:
        assessment = assessments.record_verdict(assignment, _user(), criterion.id, verdict, comment)
    except GradingError as error:
        return _refused(error, _review_page(assignment, f"critere-{criterion.id}"))
    if request.htmx:
        return render_template(
            "grading/_verdict.html", assignment=assignment, criterion=criterion, assessment=assessment,
            locked=False, saved=True, verdicts=list(Verdict),
        )
    flash(f"Appréciation du critère {criterion.code} enregistrée.", "success")
    return redirect(_review_page(assignment, f"critere-{criterion.id}"), code=303)


@bp.route("/jury/affectations/<int:assignment_id>/grille", methods=["POST"])
@requires(Permission.GRADE_SUBMISSION)
def save_grid(assignment_id: int):
    """The whole grid at once: the form without JavaScript."""
    assignment = _assignment(assignment_id, Permission.GRADE_SUBMISSION)
    entries: dict[int, tuple[str | None, str]] = {}
    for key in request.form:
        if key.startswith("verdict-") and key[8:].isdigit():
            criterion_id = int(key[8:])
            entries[criterion_id] = (request.form.get(key), request.form.get(f"comment-{criterion_id}", ""))
    try:
        changed = assessments.save_grid(assignment, _user(), entries)
    except GradingError as error:
        if error.status in (400, 404):
            return render_error(error.status, str(error))
        return _refused(error, _review_page(assignment))
    flash(f"Grille enregistrée ({changed} appréciation(s) modifiée(s)).", "success")
    return redirect(_review_page(assignment, "grille"), code=303)


@bp.route("/jury/affectations/<int:assignment_id>/remise", methods=["POST"])
@requires(Permission.GRADE_SUBMISSION)
def submit_grid(assignment_id: int):
    assignment = _assignment(assignment_id, Permission.GRADE_SUBMISSION)
    back = _review_page(assignment, "remise")
    if request.form.get("confirm") != "oui":
        flash("Cochez la case de confirmation pour remettre votre grille.", "error")
        return redirect(back, code=303)
    try:
        assessments.submit_grid(assignment, _user())
    except GradingError as error:
        return _refused(error, back)
    flash("Grille remise. Le président du jury peut maintenant la lire ; elle ne peut plus être modifiée.", "success")
    return redirect(back, code=303)


# --- deliberation ------------------------------------------------------------------------------

@bp.route("/jury/sessions/<int:session_id>/deliberation", methods=["POST"])
@requires(Permission.DELIBERATE)
def start_deliberation(session_id: int):
    session = _session(session_id, Permission.VIEW_JURY_SESSION)
    if session.president is None:
        # Nobody presides, so the policy alone would answer 403: tell the members what is missing.
        return _refused(GradingError(decisions.NO_PRESIDENT), _session_page(session))
    authorize(Permission.DELIBERATE, session)
    try:
        decisions.start_deliberation(session, actor=_user())
    except GradingError as error:
        return _refused(error, _session_page(session))
    flash("Délibération ouverte : vous pouvez enregistrer les décisions de bloc.", "success")
    return redirect(_session_page(session, "depots"), code=303)


def _deliberation_page(assignment: SessionAssignment, anchor: str | None = None) -> str:
    return url_for("grading.deliberation", assignment_id=assignment.id, _anchor=anchor)


@bp.route("/jury/affectations/<int:assignment_id>/deliberation")
@requires(Permission.VIEW_DELIBERATION)
def deliberation(assignment_id: int):
    assignment = _assignment(assignment_id, Permission.VIEW_DELIBERATION)
    session = assignment.session
    comparison = assessments.compare_grids(assignment)
    handed_in, members = assessments.submitted_grids(assignment)
    blocs = [
        {
            "comparison": c,
            "proposal": decisions.propose(session.rule, c),
            "decision": decisions.effective_decision(assignment, c.bloc.id),
            "history": decisions.decision_history(assignment, c.bloc.id),
        }
        for c in comparison
    ]
    return render_template(
        "grading/deliberation.html", assignment=assignment, session=session, blocs=blocs,
        handed_in=handed_in, members=members, outcomes=list(Outcome),
        presides=may(_user(), Permission.DELIBERATE, assignment),
    )


@bp.route("/jury/affectations/<int:assignment_id>/blocs/<int:bloc_id>/decision", methods=["POST"])
@requires(Permission.DELIBERATE)
def decide(assignment_id: int, bloc_id: int):
    assignment = _assignment(assignment_id, Permission.DELIBERATE)
    bloc = db.session.get(Bloc, bloc_id) or abort(404)
    back = _deliberation_page(assignment, f"bloc-{bloc.id}")
    try:
        decision = decisions.decide(
            assignment, bloc, request.form.get("outcome", ""), request.form.get("justification", ""), actor=_user(),
            override=request.form.get("override") == "oui", override_reason=request.form.get("override_reason", ""),
        )
    except GradingError as error:
        return _refused(error, back)
    flash(f"Décision enregistrée pour le bloc {bloc.code} : {decision.outcome_label}.", "success")
    return redirect(back, code=303)


@bp.route("/jury/decisions/<int:decision_id>/rectification", methods=["POST"])
@requires(Permission.DELIBERATE)
def correct_decision(decision_id: int):
    decision = db.session.get(BlocDecision, decision_id)
    authorize(Permission.DELIBERATE, decision)
    back = _deliberation_page(decision.assignment, f"bloc-{decision.bloc_id}")
    try:
        correction = decisions.correct_decision(
            decision, request.form.get("outcome", ""), request.form.get("justification", ""),
            request.form.get("reason", ""), actor=_user(),
        )
    except GradingError as error:
        return _refused(error, back)
    flash(f"Décision rectifiée pour le bloc {correction.bloc.code} : {correction.outcome_label}.", "success")
    return redirect(back, code=303)


# --- minutes -----------------------------------------------------------------------------------

@bp.route("/jury/sessions/<int:session_id>/proces-verbal")
@requires(Permission.VIEW_JURY_SESSION)
def minutes(session_id: int):
    session = _session(session_id, Permission.VIEW_JURY_SESSION)
    user = _user()
    status = decisions.confirmations(session)
    mine = next((c for c in status if c.member.user_id == user.id), None)
    corrections = [
        d for a in session.assignments for d in a.decisions if d.corrects_id is not None
    ]
    return render_template(
        "grading/minutes.html", session=session, content=json.loads(decisions.minutes_text(session)),
        sha256=decisions.minutes_hash(session), status=status, mine=mine,
        missing=decisions.missing_decisions(session), corrections=sorted(corrections, key=lambda d: d.id),
        can_confirm=may(user, Permission.CONFIRM_MINUTES, session),
    )


@bp.route("/jury/sessions/<int:session_id>/proces-verbal/confirmation", methods=["POST"])
@requires(Permission.CONFIRM_MINUTES)
def confirm_minutes(session_id: int):
    session = _session(session_id, Permission.CONFIRM_MINUTES)
    back = url_for("grading.minutes", session_id=session.id)
    if request.form.get("confirm") != "oui":
        flash("Cochez la case pour confirmer avoir relu et approuvé le procès-verbal.", "error")
        return redirect(back, code=303)
    try:
        decisions.confirm_minutes(session, _user(), request.form.get("sha256", ""))
    except GradingError as error:
        return _refused(error, back)
    db.session.refresh(session)
    if session.is_signed:
        flash("Confirmation enregistrée. Tous les membres ont confirmé : le procès-verbal est signé.", "success")
    else:
        flash("Confirmation enregistrée. Le procès-verbal sera signé quand tous les membres l'auront confirmé.", "success")
    return redirect(back, code=303)
