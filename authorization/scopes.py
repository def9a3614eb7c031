"""The policy as SQL: SELECTs of the ids a user may view, for filters inside queries (search, lists).

They answer what `accounts.policy.may()` answers row by row, without loading the rows.
"""
from __future__ import annotations

from sqlalchemy import false, or_, select

from accounts.models import Role
from accounts.policy import is_signed_in
from authorization.jury import jury_submission_ids
from portfolio.models import Portfolio, Submission, portfolio_tutors


def visible_submission_ids(user):
    """A SELECT of the submission ids `user` may view through a jury session (admins: all)."""
    query = select(Submission.id)
    if not is_signed_in(user):
        return query.where(false())
    if user.has_role(Role.ADMIN):
        return query
    if user.has_role(Role.JUROR):
        return query.where(Submission.id.in_(jury_submission_ids(user)))
    return query.where(false())


def visible_portfolio_ids(user):
    """A SELECT of the portfolio ids `user` may view."""
    query = select(Portfolio.id)
    if not is_signed_in(user):
        return query.where(false())
    if user.has_role(Role.ADMIN):
        return query
    conditions = [Portfolio.candidate_id == user.id]
    if user.has_role(Role.TUTOR):
        conditions.append(
            Portfolio.id.in_(select(portfolio_tutors.c.portfolio_id).where(portfolio_tutors.c.tutor_id == user.id))
        )
    return query.where(or_(*conditions))
