"""Full-text search screens: across everything the user may see, and inside one submitted dossier.

One URL, two renderings: the full page, or (for htmx requests from the search form) only the
results fragment that the page includes. Without JavaScript the form submits as a plain GET.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.routing import BuildError

from accounts.policy import Permission, authorize, requires
from authorization.scopes import visible_portfolio_ids, visible_submission_ids
from extensions import db
from referentials.models import Bloc, Criterion, Evaluation
from portfolio.models import Portfolio, Submission

from search.extraction import KIND_LABELS, ocr_status
from search import SearchFilters, search

bp = Blueprint("search", __name__)

PER_PAGE = 20


@dataclass
class Choice:
    value: str
    label: str


@dataclass
class FilterChoices:
    """What the filter selects offer: only certifications, blocs, criteria and candidates the user may see."""

    certifications: list[Choice] = field(default_factory=list)
    blocs: list[Choice] = field(default_factory=list)
    criteria: list[Choice] = field(default_factory=list)
    candidates: list[Choice] = field(default_factory=list)
    kinds: list[Choice] = field(default_factory=lambda: [Choice(k, label) for k, label in KIND_LABELS.items()])

    def allows(self, name: str, value: str) -> bool:
        return any(choice.value == value for choice in getattr(self, name))


def _visible_portfolios(submission: Submission | None) -> list[Portfolio]:
    if submission is not None:
        return [submission.portfolio]
    query = select(Portfolio).where(
        Portfolio.id.in_(visible_portfolio_ids(current_user))
        | Portfolio.id.in_(select(Submission.portfolio_id).where(Submission.id.in_(visible_submission_ids(current_user))))
    )
    return list(db.session.scalars(query.options(selectinload(Portfolio.candidate), selectinload(Portfolio.certification))))


def _choices(portfolios: list[Portfolio], certification_id: int | None) -> FilterChoices:
    choices = FilterChoices()
    certifications = {p.certification.id: p.certification for p in portfolios}
    choices.certifications = [
        Choice(str(c.id), c.label) for c in sorted(certifications.values(), key=lambda c: (c.title, c.version_number))
    ]
    # Blocs and criteria of the chosen certification (or of the only one there is).
    if certification_id not in certifications and len(certifications) == 1:
        certification_id = next(iter(certifications))
    if certification_id in certifications:
        blocs = db.session.scalars(select(Bloc).where(Bloc.certification_id == certification_id).order_by(Bloc.position))
        choices.blocs = [Choice(str(b.id), f"{b.code} — {b.title}"[:120]) for b in blocs]
        criteria = db.session.scalars(
            select(Criterion).join(Evaluation, Evaluation.id == Criterion.evaluation_id).join(Bloc, Bloc.id == Evaluation.bloc_id)
            .where(Criterion.certification_id == certification_id)
            .order_by(Bloc.position, Evaluation.position, Criterion.position)
        )
        choices.criteria = [Choice(str(c.id), f"{c.key} — {c.text}"[:140]) for c in criteria]
    candidates = {p.candidate.id: p.candidate for p in portfolios}
    if len(candidates) > 1:
        choices.candidates = [Choice(str(u.id), u.full_name) for u in sorted(candidates.values(), key=lambda u: u.full_name)]
    return choices


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _read_filters(args, choices: FilterChoices) -> SearchFilters:
    """Filters from the query string, keeping only values the selects offer."""

    def pick(name: str, choice_list: str) -> int | None:
        value = args.get(name, "")
        return _int(value) if value and choices.allows(choice_list, value) else None

    kind = args.get("type", "")
    return SearchFilters(
        certification_id=pick("certification", "certifications"),
        bloc_id=pick("bloc", "blocs"),
        criterion_id=pick("critere", "criteria"),
        kind=kind if kind in KIND_LABELS else None,
        candidate_id=pick("candidat", "candidates"),
        include_past_versions=args.get("anciennes") == "1",
    )


def evidence_link(evidence_id: int, version_id: int | None) -> str:
    """Where a result leads: the evidence page at the matched version."""
    anchor = f"version-{version_id}" if version_id else None
    try:
        return url_for("evidence.show", evidence_id=evidence_id, _anchor=anchor)
    except BuildError:
        # Before the evidence pages exist, a result still names a real place.
        return url_for("search.index", q=f"preuve {evidence_id}")


def _render(submission: Submission | None):
    query = request.args.get("q", "")
    certification_id = _int(request.args.get("certification"))
    portfolios = _visible_portfolios(submission)
    choices = _choices(portfolios, certification_id)
    filters = _read_filters(request.args, choices)
    page = max(1, _int(request.args.get("page")) or 1)
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
