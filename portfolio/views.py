"""Portfolio pages: the candidate's workspace with its coverage matrix, submissions, enrolment."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from accounts.models import Role, User
from accounts.policy import Permission, authorize, may, requires
from accounts.services import active_users_with
from evidence import services as evidence_services
from evidence.forms import EvidenceForm
from evidence.models import Evidence
from extensions import db

from portfolio import services, submissions
from portfolio.coverage import CoverageStatus, compute_coverage, refresh_layout_estimate
from portfolio.charts import coverage_chart
from portfolio.forms import EnrolmentForm, TutorsForm
from portfolio.readiness import readiness_of
from referentials.models import Certification
from portfolio.models import Portfolio, Submission

bp = Blueprint("portfolio", __name__)


def _portfolio(portfolio_id: int, permission: Permission) -> Portfolio:
    portfolio = db.session.get(Portfolio, portfolio_id)
    authorize(permission, portfolio)
    return portfolio


def _coverage_context(portfolio: Portfolio) -> dict:
    refresh_layout_estimate(portfolio)
    coverage = compute_coverage(portfolio)
    bloc_filter = request.args.get("bloc", "")
    status_filter = request.args.get("statut", "")
    blocs = [b for b in coverage.blocs if not bloc_filter or b.bloc.code == bloc_filter]
    return {
        "portfolio": portfolio,
        "coverage": coverage,
        "shown_blocs": blocs,
        "bloc_filter": bloc_filter,
        "status_filter": status_filter if status_filter in {s.value for s in CoverageStatus} else "",
        "statuses": list(CoverageStatus),
        "coverage_chart": coverage_chart(coverage),
    }


@bp.route("/portefeuilles/<int:portfolio_id>")
@requires(Permission.VIEW_PORTFOLIO)
def show(portfolio_id: int):
    portfolio = _portfolio(portfolio_id, Permission.VIEW_PORTFOLIO)
    deleted = db.session.scalars(
        select(Evidence).where(Evidence.portfolio_id == portfolio.id, Evidence.deleted_at.is_not(None)).order_by(Evidence.number)
    ).all()
    return render_template(
        "portfolio/show.html",
        deleted=deleted,
        can_change=may(current_user, Permission.CHANGE_PORTFOLIO, portfolio),
        **_coverage_context(portfolio),
    )


@bp.route("/portefeuilles/<int:portfolio_id>/couverture")
@requires(Permission.VIEW_PORTFOLIO)
def coverage(portfolio_id: int):
    portfolio = _portfolio(portfolio_id, Permission.VIEW_PORTFOLIO)
    template = "portfolio/_coverage.html" if request.htmx else "portfolio/show.html"
    return render_template(template, deleted=[], can_change=may(current_user, Permission.CHANGE_PORTFOLIO, portfolio), **_coverage_context(portfolio))


@bp.route("/portefeuilles/<int:portfolio_id>/preuves/nouvelle", methods=["GET", "POST"])
@requires(Permission.CHANGE_PORTFOLIO)
def new_evidence(portfolio_id: int):
    """A new evidence in the portfolio (then its files and claims, on the evidence page)."""
    portfolio = _portfolio(portfolio_id, Permission.CHANGE_PORTFOLIO)
    form = EvidenceForm()
    if form.validate_on_submit():
        try:
            evidence = evidence_services.create_evidence(portfolio, form.evidence_fields())
        except evidence_services.EvidenceError as error:
            form.title.errors = [*form.title.errors, str(error)]
        else:
            flash(f"Preuve n°{evidence.number} créée. Ajoutez maintenant ses fichiers et rattachez-la aux critères.", "success")
            return redirect(url_for("evidence.show", evidence_id=evidence.id, _anchor="fichiers"), code=303)
    return render_template("evidence/edit.html", form=form, portfolio=portfolio, evidence=None)


@bp.route("/portefeuilles/<int:portfolio_id>/depot")
@requires(Permission.CHANGE_PORTFOLIO)
def prepare_submission(portfolio_id: int):
    """The readiness summary the candidate reads and confirms before submitting."""
    portfolio = _portfolio(portfolio_id, Permission.CHANGE_PORTFOLIO)
    refresh_layout_estimate(portfolio)
    return render_template("portfolio/prepare_submission.html", portfolio=portfolio, readiness=readiness_of(portfolio))


@bp.route("/portefeuilles/<int:portfolio_id>/depots", methods=["POST"])
@requires(Permission.CHANGE_PORTFOLIO)
def submit(portfolio_id: int):
    portfolio = _portfolio(portfolio_id, Permission.CHANGE_PORTFOLIO)
    back = url_for("portfolio.prepare_submission", portfolio_id=portfolio.id)
    if request.form.get("confirm") != "oui" or not request.form.get("recapitulatif"):
        flash("Lisez le récapitulatif, puis cochez la case de confirmation pour déposer votre dossier.", "error")
        return redirect(back, code=303)
    kept = {int(value) for value in request.form.getlist("garder") if value.isdigit()}
    try:
        submission = submissions.submit_portfolio(
            portfolio, current_user, kept_blank_ids=kept, readiness_token=request.form["recapitulatif"]
        )
    except submissions.SubmissionError as error:
        flash(str(error), "error")
        return redirect(back, code=303)
    flash(f"Dossier déposé (dépôt n°{submission.number}). Vos modifications ultérieures n'y changeront rien.", "success")
    return redirect(url_for("portfolio.submission", submission_id=submission.id), code=303)


@bp.route("/depots/<int:submission_id>")
@requires(Permission.VIEW_SUBMISSION)
def submission(submission_id: int):
    submission = db.session.get(Submission, submission_id)
    authorize(Permission.VIEW_SUBMISSION, submission)
    snapshot = submissions.snapshot_of(submission)
    # Sections that packages above this one add (the candidate's convocation, from the app's
    # wiring): portfolio cannot import them.
    sections = [s for s in (provider(submission, current_user) for provider in current_app.extensions.get("submission_sections", ())) if s]
    return render_template(
        "portfolio/submission.html",
        submission=submission,
        snapshot=snapshot,
        gaps=snapshot.get("readiness"),
        sections=sections,
        intact=submissions.verify_submission(submission),
        criteria=submissions.criteria_by_id(submission),
    )


# --- administration ---------------------------------------------------------------------------

@bp.route("/admin/portefeuilles", methods=["GET", "POST"])
@requires(Permission.MANAGE_PORTFOLIOS)
def manage():
    form = EnrolmentForm()
    form.candidate_id.choices = [(u.id, f"{u.full_name} ({u.email})") for u in active_users_with(Role.CANDIDATE)]
    form.certification_id.choices = [(c.id, c.label) for c in services.current_certifications()]
    form.tutor_ids.choices = [(u.id, u.full_name) for u in active_users_with(Role.TUTOR)]
    if form.validate_on_submit():
        candidate = db.session.get(User, form.candidate_id.data)
        certification = db.session.get(Certification, form.certification_id.data)
        tutors = [db.session.get(User, i) for i in form.tutor_ids.data or []]
        try:
            portfolio = services.enrol_candidate(candidate, certification, tutors, created_by=current_user)
        except services.PortfolioError as error:
            flash(str(error), "error")
        else:
            flash(f"{candidate.full_name} est inscrit·e à {certification.display_title}.", "success")
            return redirect(url_for("portfolio.manage", _anchor=f"portefeuille-{portfolio.id}"), code=303)
    portfolios = db.session.scalars(select(Portfolio).order_by(Portfolio.created_at.desc())).all()
    return render_template("portfolio/manage.html", form=form, portfolios=portfolios, tutors=active_users_with(Role.TUTOR))


@bp.route("/admin/portefeuilles/<int:portfolio_id>/tuteurs", methods=["POST"])
@requires(Permission.MANAGE_PORTFOLIOS)
def set_tutors(portfolio_id: int):
    portfolio = db.session.get(Portfolio, portfolio_id) or abort(404)
    form = TutorsForm()
    form.tutor_ids.choices = [(u.id, u.full_name) for u in active_users_with(Role.TUTOR)]
    if form.validate_on_submit():
        try:
            services.set_tutors(portfolio, [db.session.get(User, i) for i in form.tutor_ids.data or []])
        except services.PortfolioError as error:
            flash(str(error), "error")
        else:
            flash("Tuteurs enregistrés.", "success")
    else:
        flash("Choix de tuteurs invalide.", "error")
    return redirect(url_for("portfolio.manage", _anchor=f"portefeuille-{portfolio.id}"), code=303)
