"""Who sits on which jury: the facts the rules and scopes about jurors are built on."""
from __future__ import annotations

import json

from sqlalchemy import select

from accounts.models import Role
from extensions import db
from grading.models import GridSubmission, JuryMember, SessionAssignment
from portfolio.models import Portfolio, Submission


def jury_submission_ids(user):
    """A SELECT of the submission ids assigned to sessions where `user` sits."""
    return (
        select(SessionAssignment.submission_id)
        .join(JuryMember, JuryMember.session_id == SessionAssignment.session_id)
        .where(JuryMember.user_id == user.id)
    )


def member_of(user, session) -> bool:
    return user.has_role(Role.JUROR) and any(m.user_id == user.id for m in session.members)


def presides(user, session) -> bool:
    return user.has_role(Role.JUROR) and any(m.user_id == user.id and m.is_president for m in session.members)


def handed_in(user, assignment: SessionAssignment) -> bool:
    """The user handed in their own grid for this assignment."""
    query = select(GridSubmission.id).where(
        GridSubmission.assignment_id == assignment.id, GridSubmission.juror_id == user.id
    ).limit(1)
    return db.session.scalar(query) is not None


def sits_on_jury_of(user, submission: Submission) -> bool:
    """Jurors see the submissions assigned to the sessions they sit on."""
    if not user.has_role(Role.JUROR):
        return False
    query = jury_submission_ids(user).where(SessionAssignment.submission_id == submission.id).limit(1)
    return db.session.scalar(query) is not None


def judges_candidate(user, candidate_id: int) -> bool:
    if not user.has_role(Role.JUROR):
        return False
    query = (
        select(Submission.id).join(Portfolio, Portfolio.id == Submission.portfolio_id)
        .where(Portfolio.candidate_id == candidate_id, Submission.id.in_(jury_submission_ids(user)))
        .limit(1)
    )
    return db.session.scalar(query) is not None


def judged_submissions(user, portfolio: Portfolio) -> list[Submission]:
    """The portfolio's submissions assigned to a session where `user` sits, in one query."""
    if not user.has_role(Role.JUROR):
        return []
    return list(db.session.scalars(
        select(Submission).where(Submission.portfolio_id == portfolio.id, Submission.id.in_(jury_submission_ids(user)))
    ))


def snapshot_holds(submission: Submission, version_id: int) -> bool:
    """The version is frozen in the submission: a current file version, or one a claim's anchor
    points to (an anchor stays on its version until the candidate moves it)."""
    snapshot = json.loads(submission.snapshot)
    return any(
        any(v["id"] == version_id for v in item["versions"])
        or any(a["version_id"] == version_id for claim in item["claims"] for a in claim.get("anchors", ()))
        for item in snapshot["evidence"]
    )
