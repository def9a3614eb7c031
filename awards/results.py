"""What signed minutes say about one assigned submission: each bloc's decision as last signed,
and, for the relevé, every juror's handed-in verdict and comment per criterion.

A decision counts once the minutes holding it are signed: while a correction awaits the
members' confirmations, the decision they had signed still stands.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from extensions import db
from grading.assessments import BlocComparison, compare_grids
from grading.models import BlocDecision, JurySession, Outcome, SessionAssignment
from portfolio.models import Portfolio, Submission
from referentials.models import Bloc


@dataclass
class BlocOutcome:
    bloc: Bloc
    decision: BlocDecision | None

    @property
    def validated(self) -> bool:
        return self.decision is not None and self.decision.outcome == Outcome.VALIDATED.value


@dataclass
class AssignmentResults:
    assignment: SessionAssignment
    blocs: list[BlocOutcome]

    @property
    def session(self) -> JurySession:
        return self.assignment.session

    @property
    def validated(self) -> list[BlocOutcome]:
        return [b for b in self.blocs if b.validated]

    @property
    def all_validated(self) -> bool:
        """Every bloc of the certification is validated in this session."""
        codes = {b.bloc.code for b in self.validated}
        return bool(codes) and codes >= {b.code for b in self.session.certification.blocs}


def signed_decisions(assignment: SessionAssignment) -> dict[int, BlocDecision]:
    """bloc id → the decision as last signed (none before the first signature)."""
    session = assignment.session
    if session.minutes_signed_at is None:
        return {}
    rows = [d for d in assignment.decisions if d.decided_at <= session.minutes_signed_at]
    corrected = {d.corrects_id for d in rows if d.corrects_id}
    return {d.bloc_id: d for d in rows if d.id not in corrected}


def results_of(assignment: SessionAssignment) -> AssignmentResults:
    decided = signed_decisions(assignment)
    return AssignmentResults(assignment, [BlocOutcome(b, decided.get(b.id)) for b in assignment.session.blocs])


def published(assignment: SessionAssignment | None) -> bool:
    return assignment is not None and assignment.session.is_signed


def signed_assignments(*, candidate=None, tutor=None) -> list[SessionAssignment]:
    """Assignments of signed sessions: the candidate's own, or those of a tutor's candidates."""
    query = (
        select(SessionAssignment)
        .join(JurySession, JurySession.id == SessionAssignment.session_id)
        .join(Submission, Submission.id == SessionAssignment.submission_id)
        .join(Portfolio, Portfolio.id == Submission.portfolio_id)
        .where(JurySession.minutes_signed_at.is_not(None))
        .order_by(JurySession.starts_at.desc(), SessionAssignment.id)
    )
    if candidate is not None:
        query = query.where(Portfolio.candidate_id == candidate.id)
    elif tutor is not None:
        query = query.where(Portfolio.tutors.any(id=tutor.id))
    else:
        return []
    return list(db.session.scalars(query))


def juror_assessments(assignment: SessionAssignment) -> list[BlocComparison]:
    """Each handed-in grid side by side (what the relevé lists per criterion)."""
    return compare_grids(assignment)
