"""The candidate's result notices on their dashboard: the dashboard sits below this package, so
`init_awards` registers `result_notices` in `app.extensions["dashboard_notices"]` and the
dashboard renders whatever is registered there."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from accounts.models import Role

from awards.results import results_of, signed_assignments


def result_notices(user) -> Markup | None:
    """Candidates: their signed results; tutors: their candidates'; admins: the CDC declarations."""
    results = [results_of(a) for a in signed_assignments(candidate=user)] if user.has_role(Role.CANDIDATE) else []
    tutored = [results_of(a) for a in signed_assignments(tutor=user)] if user.has_role(Role.TUTOR) else []
    admin = user.has_role(Role.ADMIN)
    if not (results or tutored or admin):
        return None
    return Markup(render_template("awards/_notices.html", results=results, tutored=tutored, admin=admin))
