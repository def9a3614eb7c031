"""The role dashboards (one section per role the user holds) and the htmx script route."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, send_from_directory
from flask_login import current_user

from accounts.models import Role
from accounts.policy import Permission, public, requires
from evidence import services as evidence_services
from grading import assessments as jury_assessments
from grading import decisions as jury_decisions
from grading import slots as jury_slots
from portfolio import services as portfolio_services

bp = Blueprint("dashboard", __name__)

HTMX_DIST = Path(__file__).resolve().parent.parent / "node_modules" / "htmx.org" / "dist"


@bp.route("/")
@requires(Permission.VIEW_DASHBOARD)
def home():
    sections = [role for role in (Role.ADMIN, Role.JUROR, Role.TUTOR, Role.CANDIDATE) if current_user.has_role(role)]
    context = {"sections": sections}
    if current_user.has_role(Role.CANDIDATE):
        context["my_portfolios"] = portfolio_services.portfolios_of_candidate(current_user)
        context["unread_comments"] = evidence_services.unread_comments_for_candidate(current_user)
        context["convocations"] = jury_slots.convocations_of(current_user)
    if current_user.has_role(Role.TUTOR):
        tutored = portfolio_services.portfolios_of_tutor(current_user)
        context["tutored_portfolios"] = tutored
        context["awaiting_review"] = evidence_services.awaiting_review_counts([p.id for p in tutored])
    if current_user.has_role(Role.JUROR):
        context["memberships"] = jury_assessments.memberships_of(current_user)
    if current_user.has_role(Role.CANDIDATE):
        # Only what signed minutes say: nothing shows before every member has confirmed.
        context["jury_results"] = [r for r in jury_decisions.candidate_results(current_user) if r.decided]
    # Notices from packages above this one (e.g. results once minutes are signed), wired in app.py.
    notices = (provider(current_user) for provider in current_app.extensions.get("dashboard_notices", []))
    context["notices"] = [notice for notice in notices if notice]
    return render_template("dashboard/dashboard.html", **context)


@bp.route("/vendor/htmx.min.js")
@public
def htmx_script():
    """htmx as installed from its npm package by the set-up; never copied into the repository."""
    if not (HTMX_DIST / "htmx.min.js").is_file():
        abort(404)
    response = send_from_directory(HTMX_DIST, "htmx.min.js", mimetype="text/javascript", max_age=3600)
    return response
