"""Full-text search screens: across everything the user may see, and inside one submitted dossier.

One URL, two renderings: the full page, or (for htmx requests from the search form) only the
results fragment that the page includes. Without JavaScript the form submits as a plain GET.
"""
from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request, url_for
from flask_login import current_user

from sqlalchemy.exc import OperationalError

from accounts.policy import Permission, authorize, requires
from core.errors import render_error
from extensions import db
from portfolio.models import Submission
from search import search
from search.anchored import anchored_matches
from search.extraction import KIND_LABELS, ocr_status
from search.postgres import SEARCH_UNAVAILABLE
from search.filters import as_int, filter_choices, read_filters, visible_portfolios

bp = Blueprint("search", __name__)


@bp.errorhandler(OperationalError)
def database_unreachable(_error):
    """The database does not answer (the policy's scopes, the filters, the PostgreSQL index): a
    French page saying so, never a 500. The page is drawn without asking the database again (the
    layout would load the signed-in user): as for a visitor."""
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the session is reset either way
        db.session.close()
    g._login_user = current_app.login_manager.anonymous_user()
    return render_error(503, SEARCH_UNAVAILABLE)

PER_PAGE = 20


def evidence_link(hit) -> str:
    """Where a result leads: a frozen document to the evidence in its submission (the submitted
    words), a live one to the evidence page at the matched version."""
    if hit.submission_id is not None:
        return url_for("portfolio.submission", submission_id=hit.submission_id, _anchor=f"preuve-{hit.evidence_number}")
    anchor = f"version-{hit.version_id}" if hit.version_id else None
    return url_for("evidence.show", evidence_id=hit.evidence_id, _anchor=anchor)


def _render(submission: Submission | None):
    query = request.args.get("q", "")
    certification_id = as_int(request.args.get("certification"))
    portfolios = visible_portfolios(current_user, submission)
    choices = filter_choices(portfolios, certification_id)
    filters = read_filters(request.args, choices)
    page = max(1, as_int(request.args.get("page")) or 1)
    asked = "q" in request.args
    results = search(
        current_user, query, filters=filters, page=page, per_page=PER_PAGE,
        submission_id=submission.id if submission is not None else None,
    ) if asked else None
    endpoint_args = {"submission_id": submission.id} if submission is not None else {}
    action = url_for(request.endpoint, **endpoint_args)

    def page_url(number: int) -> str:
        args = {k: v for k, v in request.args.items() if k != "page"}
        return url_for(request.endpoint, **endpoint_args, **args, page=number)

    context = dict(
        query=query, results=results, filters=filters, choices=choices, submission=submission, action=action,
        page_url=page_url, evidence_link=evidence_link, ocr=ocr_status(), kind_labels=KIND_LABELS,
        has_portfolios=bool(portfolios),
        anchored=anchored_matches(results.hits, query) if results else {},
    )
    fragment = request.htmx and not request.htmx.history_restore_request and not request.htmx.boosted
    return render_template("search/_results.html" if fragment else "search/index.html", **context)


@bp.route("/recherche")
@requires(Permission.SEARCH_EVIDENCE)
def index():
    return _render(None)


@bp.route("/depots/<int:submission_id>/recherche")
@requires(Permission.SEARCH_EVIDENCE)
def submission(submission_id: int):
    dossier = db.session.get(Submission, submission_id)
    authorize(Permission.VIEW_SUBMISSION, dossier)
    return _render(dossier)
