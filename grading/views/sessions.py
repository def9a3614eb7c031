"""Sessions screen: the jury index, a session's page and form, its members, the submissions
assigned, interview slots (admins compose, members read), and the candidates' accommodations."""
from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for

from accounts.models import Role, User
from accounts.policy import Permission, may, requires
from accounts.services import active_users_with
from core.timeutil import paris_to_utc, to_paris
from extensions import db
from portfolio.models import Submission
from referentials.models import Certification

from grading import GradingError, assessments, charts, decisions, sessions, slots
from grading import accommodations as accommodation_service
from grading.forms import AccommodationForm, AssignmentForm, EditSessionForm, MemberForm, NewSessionForm
from grading.models import Accommodation, JuryMember, JurySession, SessionAssignment
from grading.views import bp
from grading.views.common import (
    current, flash_form_errors, load_session, perform, refused, session_page, visible_accommodations,
)


@bp.route("/jury")
@requires(Permission.VIEW_JURY_SESSION)
def index():
    user = current()
    managed = sessions.all_sessions() if may(user, Permission.MANAGE_JURY) else []
    memberships = assessments.memberships_of(user) if user.has_role(Role.JUROR) else []
    return render_template("grading/index.html", managed=managed, memberships=memberships)


def _session_fields(form) -> sessions.SessionFields:
    return sessions.SessionFields(
        starts_at=paris_to_utc(form.starts_at.data), place=form.place.data or "",
        video_link=form.video_link.data or "", decision_rule=form.decision_rule.data,
    )


@bp.route("/jury/sessions/nouvelle", methods=["GET", "POST"])
@requires(Permission.MANAGE_JURY)
def new_session():
    form = NewSessionForm()
    certifications = sessions.certifications()
    form.certification_id.choices = [(c.id, c.label) for c in certifications]
    if request.method == "GET" and certifications:
        form.decision_rule.data = sessions.default_rule(certifications[0]).value
    if form.validate_on_submit():
        certification = db.session.get(Certification, form.certification_id.data)
        try:
            session = sessions.create_session(certification, _session_fields(form), actor=current())
        except GradingError as error:
            form.place.errors = [*form.place.errors, str(error)]
        else:
            flash("Session de jury ouverte. Ajoutez maintenant ses membres et les dépôts à examiner.", "success")
            return redirect(session_page(session), code=303)
    return render_template("grading/session_form.html", form=form, session=None)


@bp.route("/jury/sessions/<int:session_id>")
@requires(Permission.VIEW_JURY_SESSION)
def session(session_id: int):
    session = load_session(session_id, Permission.VIEW_JURY_SESSION)
    user = current()
    manage = may(user, Permission.MANAGE_JURY)
    context = {
        "session": session,
        "manage": manage,
        "member": session.member_for(user),
        "warnings": sessions.composition_warnings(session),
        "interview_minutes": slots.interview_minutes(session.certification),
        "accommodations": {a.id: visible_accommodations(a.candidate.id) for a in session.assignments},
        "grids": assessments.grids_of_session(session, user.id),
        "missing_decisions": len(decisions.missing_decisions(session)),
    }
    context["charts"] = charts.session_charts(session, context["grids"], sees_all=manage)
    if manage:
        member_form = MemberForm()
        member_form.user_id.choices = [(u.id, f"{u.full_name} ({u.email})") for u in sessions.addable_jurors(session)]
        assignment_form = AssignmentForm()
        assignment_form.submission_id.choices = [
            (s.id, f"{s.portfolio.candidate.full_name} — dépôt n°{s.number} du {s.submitted_at:%d/%m/%Y}")
            for s in sessions.assignable_submissions(session)
        ]
        context |= {"member_form": member_form, "assignment_form": assignment_form}
    return render_template("grading/session.html", **context)


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
        blocs = sessions.chosen_blocs(session, form.bloc_ids.data)
        try:
            sessions.update_session(session, _session_fields(form), blocs, actor=current())
        except GradingError as error:
            form.bloc_ids.errors = [*form.bloc_ids.errors, str(error)]
        else:
            flash("Session enregistrée.", "success")
            return redirect(session_page(session), code=303)
    return render_template("grading/session_form.html", form=form, session=session)


@bp.route("/jury/sessions/<int:session_id>/membres", methods=["POST"])
@requires(Permission.MANAGE_JURY)
def add_member(session_id: int):
    session = db.session.get(JurySession, session_id) or abort(404)
    form = MemberForm()
    # Every juror is a valid choice here: the service answers "already sits" in French.
    form.user_id.choices = [(u.id, u.full_name) for u in active_users_with(Role.JUROR)]
    back = session_page(session, "membres")
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(back, code=303)
    user = db.session.get(User, form.user_id.data)
    try:
        sessions.add_member(session, user, actor=current(), is_president=form.is_president.data, is_external=form.is_external.data)
    except GradingError as error:
        return refused(error, back)
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
    return perform(
        lambda: sessions.remove_member(member, actor=current()), f"{member.user.full_name} ne siège plus dans la session.",
        session_page(member.session, "membres"),
    )


@bp.route("/jury/membres/<int:member_id>/president", methods=["POST"])
@requires(Permission.MANAGE_JURY)
def set_president(member_id: int):
    member = _member(member_id)
    return perform(
        lambda: sessions.set_president(member, actor=current()), f"{member.user.full_name} préside désormais le jury.",
        session_page(member.session, "membres"),
    )


@bp.route("/jury/sessions/<int:session_id>/depots", methods=["POST"])
@requires(Permission.MANAGE_JURY)
def assign(session_id: int):
    session = db.session.get(JurySession, session_id) or abort(404)
    form = AssignmentForm()
    form.submission_id.choices = [(s.id, str(s.id)) for s in sessions.assignable_submissions(session)]
    back = session_page(session, "depots")
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(back, code=303)
    submission = db.session.get(Submission, form.submission_id.data)
    return perform(
        lambda: sessions.assign_submission(session, submission, actor=current()),
        f"Dépôt de {submission.portfolio.candidate.full_name} affecté à la session.", back,
    )


@bp.route("/jury/affectations/<int:assignment_id>/retirer", methods=["POST"])
@requires(Permission.MANAGE_JURY)
def unassign(assignment_id: int):
    assignment = db.session.get(SessionAssignment, assignment_id) or abort(404)
    return perform(
        lambda: sessions.unassign(assignment, actor=current()),
        f"Le dépôt de {assignment.candidate.full_name} est retiré de la session.", session_page(assignment.session, "depots"),
    )


@bp.route("/jury/affectations/<int:assignment_id>/creneau", methods=["POST"])
@requires(Permission.MANAGE_JURY)
def plan_slot(assignment_id: int):
    assignment = db.session.get(SessionAssignment, assignment_id) or abort(404)
    back = session_page(assignment.session, "creneaux")
    try:
        local = datetime.strptime(request.form.get("starts_at", ""), "%Y-%m-%dT%H:%M")
    except ValueError:
        flash("Indiquez le début de l'entretien (date et heure).", "error")
        return redirect(back, code=303)
    return perform(
        lambda: slots.plan_slot(assignment, paris_to_utc(local), actor=current()),
        lambda slot: f"Entretien de {assignment.candidate.full_name} planifié ({slot.duration_minutes} minutes).", back,
    )


@bp.route("/admin/amenagements", methods=["GET", "POST"])
@requires(Permission.MANAGE_JURY)
def accommodations():
    form = AccommodationForm()
    form.candidate_id.choices = [(u.id, f"{u.full_name} ({u.email})") for u in active_users_with(Role.CANDIDATE)]
    if form.validate_on_submit():
        candidate = db.session.get(User, form.candidate_id.data)
        try:
            accommodation_service.add_accommodation(candidate, form.kind.data, form.note.data or "", actor=current())
        except GradingError as error:
            form.kind.errors = [*form.kind.errors, str(error)]
        else:
            flash(f"Aménagement enregistré pour {candidate.full_name}.", "success")
            return redirect(url_for("grading.accommodations"), code=303)
    return render_template(
        "grading/accommodations.html", form=form, accommodations=accommodation_service.all_accommodations(),
    )


@bp.route("/admin/amenagements/<int:accommodation_id>/retirer", methods=["POST"])
@requires(Permission.MANAGE_JURY)
def remove_accommodation(accommodation_id: int):
    accommodation = db.session.get(Accommodation, accommodation_id) or abort(404)
    accommodation_service.remove_accommodation(accommodation, actor=current())
    flash("Aménagement retiré.", "success")
    return redirect(url_for("grading.accommodations"), code=303)
