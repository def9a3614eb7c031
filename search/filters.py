"""What the search filters offer and accept: only certifications, blocs, criteria and candidates
the user may see, and only values those selects offer."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from authorization.scopes import visible_portfolio_ids, visible_submission_ids
from extensions import db
from portfolio.models import Portfolio, Submission
from referentials.models import Bloc, Criterion, Evaluation
from search.extraction import KIND_LABELS
from search.services import SearchFilters


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


def visible_portfolios(user, submission: Submission | None) -> list[Portfolio]:
    """The portfolios a search may cover: the submission's, or every one the user may see."""
    if submission is not None:
        return [submission.portfolio]
    query = select(Portfolio).where(
        Portfolio.id.in_(visible_portfolio_ids(user))
        | Portfolio.id.in_(select(Submission.portfolio_id).where(Submission.id.in_(visible_submission_ids(user))))
    )
    return list(db.session.scalars(query.options(selectinload(Portfolio.candidate), selectinload(Portfolio.certification))))


def filter_choices(portfolios: list[Portfolio], certification_id: int | None) -> FilterChoices:
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


def as_int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def read_filters(args, choices: FilterChoices) -> SearchFilters:
    """Filters from the query string, keeping only values the selects offer."""

    def pick(name: str, choice_list: str) -> int | None:
        value = args.get(name, "")
        return as_int(value) if value and choices.allows(choice_list, value) else None

    kind = args.get("type", "")
    return SearchFilters(
        certification_id=pick("certification", "certifications"),
        bloc_id=pick("bloc", "blocs"),
        criterion_id=pick("critere", "criteria"),
        kind=kind if kind in KIND_LABELS else None,
        candidate_id=pick("candidat", "candidates"),
        include_past_versions=args.get("anciennes") == "1",
    )
