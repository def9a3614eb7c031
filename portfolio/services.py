"""Portfolio operations: enrolment, tutors, and lookups used by views and other packages."""
from __future__ import annotations

from sqlalchemy import select

from accounts.models import Role, User
from extensions import db

from referentials.models import Certification
from portfolio.models import Portfolio


class PortfolioError(Exception):
    """A refused portfolio operation; the message is French and safe to show."""


def current_certifications() -> list[Certification]:
    """The latest version of each loaded certification, by title."""
    certifications = db.session.scalars(select(Certification).order_by(Certification.lineage, Certification.version_number))
    latest: dict[str, Certification] = {}
    for certification in certifications:
        latest[certification.lineage] = certification
    return sorted(latest.values(), key=lambda c: c.title)


def enrol_candidate(candidate: User, certification: Certification, tutors: list[User] = (), created_by: User | None = None) -> Portfolio:
    """Create the candidate's portfolio on this certification version, with its tutors."""
    if not candidate.has_role(Role.CANDIDATE):
        raise PortfolioError(f"{candidate.full_name} n'a pas le rôle candidat.")
    for tutor in tutors:
        if not tutor.has_role(Role.TUTOR):
            raise PortfolioError(f"{tutor.full_name} n'a pas le rôle tuteur.")
        if tutor.id == candidate.id:
            raise PortfolioError("Un candidat ne peut pas être son propre tuteur.")
    portfolio = Portfolio(candidate=candidate, certification=certification, tutors=list(tutors), created_by_id=created_by.id if created_by else None)
    db.session.add(portfolio)
    db.session.commit()
    return portfolio


def set_tutors(portfolio: Portfolio, tutors: list[User]) -> None:
    for tutor in tutors:
        if not tutor.has_role(Role.TUTOR):
            raise PortfolioError(f"{tutor.full_name} n'a pas le rôle tuteur.")
        if tutor.id == portfolio.candidate_id:
            raise PortfolioError("Un candidat ne peut pas être son propre tuteur.")
    portfolio.tutors = list(tutors)
    db.session.commit()


def portfolios_of_candidate(user: User) -> list[Portfolio]:
    return list(db.session.scalars(select(Portfolio).where(Portfolio.candidate_id == user.id).order_by(Portfolio.created_at)))


def portfolios_of_tutor(user: User) -> list[Portfolio]:
    return list(db.session.scalars(select(Portfolio).where(Portfolio.tutors.any(User.id == user.id)).order_by(Portfolio.created_at)))
