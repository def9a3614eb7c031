"""Every object rule of the policy, one function per (permission, type of target).

`accounts.policy.may()` has already checked that the user is active and that one of their roles
holds the permission; a rule narrows it to this target. A (permission, type) pair with no rule
here is refused.
"""
from __future__ import annotations

from accounts.models import Role
from accounts.policy import Permission, object_rule
from authorization.jury import (handed_in, judged_submissions, judges_candidate, member_of, presides, sits_on_jury_of,
                                snapshot_holds)
from evidence.models import Claim, ClaimAnchor, Evidence, EvidenceVersion
from grading.models import Accommodation, BlocDecision, JurySession, SessionAssignment
from jobs.models import Job
from portfolio.models import Portfolio, Submission


def _is_tutor_of(user, portfolio: Portfolio) -> bool:
    return user.has_role(Role.TUTOR) and any(t.id == user.id for t in portfolio.tutors)


# --- jobs --------------------------------------------------------------------------------------

@object_rule(Permission.VIEW_JOB, Job)
def view_job(user, job: Job) -> bool:
    # The owner is who started it (the uploader, for an extraction).
    return user.has_role(Role.ADMIN) or job.created_by_id == user.id


@object_rule(Permission.RETRY_JOB, Job)
def retry_job(user, job: Job) -> bool:
    # Running it again redoes what its owner asked for: the same people as may follow it.
    return view_job(user, job)


# --- portfolios --------------------------------------------------------------------------------

@object_rule(Permission.VIEW_PORTFOLIO, Portfolio)
def view_portfolio(user, portfolio: Portfolio) -> bool:
    return user.has_role(Role.ADMIN) or portfolio.candidate_id == user.id or _is_tutor_of(user, portfolio)


@object_rule(Permission.CHANGE_PORTFOLIO, Portfolio)
def change_portfolio(user, portfolio: Portfolio) -> bool:
    # Only the candidate builds their portfolio; admins and tutors never edit evidence.
    return portfolio.candidate_id == user.id


@object_rule(Permission.COMMENT_PORTFOLIO, Portfolio)
def comment_portfolio(user, portfolio: Portfolio) -> bool:
    # Tutors and admins comment; the candidate answers in the same threads.
    return user.has_role(Role.ADMIN) or _is_tutor_of(user, portfolio) or portfolio.candidate_id == user.id


@object_rule(Permission.REVIEW_PORTFOLIO, Portfolio)
def review_portfolio(user, portfolio: Portfolio) -> bool:
    return user.has_role(Role.ADMIN) or _is_tutor_of(user, portfolio)


# --- evidence: governed by its portfolio; a deleted evidence is read-only ----------------------

@object_rule(Permission.VIEW_PORTFOLIO, Evidence)
def view_evidence(user, evidence: Evidence) -> bool:
    return view_portfolio(user, evidence.portfolio)


@object_rule(Permission.CHANGE_PORTFOLIO, Evidence)
def change_evidence(user, evidence: Evidence) -> bool:
    return evidence.deleted_at is None and change_portfolio(user, evidence.portfolio)


@object_rule(Permission.COMMENT_PORTFOLIO, Evidence)
def comment_evidence(user, evidence: Evidence) -> bool:
    return comment_portfolio(user, evidence.portfolio)


@object_rule(Permission.REVIEW_PORTFOLIO, Evidence)
def review_evidence(user, evidence: Evidence) -> bool:
    return review_portfolio(user, evidence.portfolio)


# --- claims and their anchors: who may edit the claim, and no one else, anchors it --------------

@object_rule(Permission.CHANGE_PORTFOLIO, Claim)
def change_claim(user, claim: Claim) -> bool:
    return change_evidence(user, claim.evidence)


@object_rule(Permission.CHANGE_PORTFOLIO, ClaimAnchor)
def change_anchor(user, anchor: ClaimAnchor) -> bool:
    # The version must be a file of the claim's own evidence: an anchor never reaches elsewhere.
    return anchor.version.file.evidence_id == anchor.claim.evidence_id and change_claim(user, anchor.claim)


@object_rule(Permission.READ_EVIDENCE_FILE, EvidenceVersion)
def read_evidence_file(user, version: EvidenceVersion) -> bool:
    """Who may see the portfolio, and jurors for the versions frozen in a submission they examine."""
    portfolio = version.file.evidence.portfolio
    if view_portfolio(user, portfolio):
        return True
    return any(snapshot_holds(submission, version.id) for submission in judged_submissions(user, portfolio))


# --- submissions and their exports -------------------------------------------------------------

@object_rule(Permission.VIEW_SUBMISSION, Submission)
def view_submission(user, submission: Submission) -> bool:
    return view_portfolio(user, submission.portfolio) or sits_on_jury_of(user, submission)


@object_rule(Permission.EXPORT_SUBMISSION, Submission)
def export_submission(user, submission: Submission) -> bool:
    return user.has_role(Role.ADMIN) or submission.portfolio.candidate_id == user.id or sits_on_jury_of(user, submission)


@object_rule(Permission.EXPORT_GRID, Submission)
def export_grid(user, submission: Submission) -> bool:
    return user.has_role(Role.ADMIN) or sits_on_jury_of(user, submission)


# --- jury: admins see every session, members see theirs, only the president deliberates -------
# Independence: a member reads the others' verdicts and comments (deliberation, grid export…)
# only once their own grid for that submission is handed in; admins read everything.

@object_rule(Permission.VIEW_JURY_SESSION, JurySession)
def view_session(user, session: JurySession) -> bool:
    return user.has_role(Role.ADMIN) or member_of(user, session)


@object_rule(Permission.GRADE_SUBMISSION, SessionAssignment)
def grade(user, assignment: SessionAssignment) -> bool:
    return member_of(user, assignment.session)


@object_rule(Permission.READ_OTHER_GRIDS, SessionAssignment)
def read_other_grids(user, assignment: SessionAssignment) -> bool:
    """Admin, or a member of the session who has handed in their own grid for this assignment."""
    if user.has_role(Role.ADMIN):
        return True
    return member_of(user, assignment.session) and handed_in(user, assignment)


@object_rule(Permission.VIEW_DELIBERATION, SessionAssignment)
def view_deliberation(user, assignment: SessionAssignment) -> bool:
    # The comparison shows every handed-in grid: the same rule as reading them.
    return read_other_grids(user, assignment)


@object_rule(Permission.DELIBERATE, JurySession)
def deliberate(user, session: JurySession) -> bool:
    return presides(user, session)


@object_rule(Permission.DELIBERATE, SessionAssignment)
def deliberate_on(user, assignment: SessionAssignment) -> bool:
    return presides(user, assignment.session)


@object_rule(Permission.DELIBERATE, BlocDecision)
def correct_decision(user, decision: BlocDecision) -> bool:
    return presides(user, decision.assignment.session)


@object_rule(Permission.CONFIRM_MINUTES, JurySession)
def confirm_minutes(user, session: JurySession) -> bool:
    return member_of(user, session)


@object_rule(Permission.VIEW_ACCOMMODATION, Accommodation)
def view_accommodation(user, accommodation: Accommodation) -> bool:
    # Sensitive: admins, and the jurors of a session examining this candidate; nobody else.
    return user.has_role(Role.ADMIN) or judges_candidate(user, accommodation.candidate_id)


# --- results (awards) ----------------------------------------------------------------------------

@object_rule(Permission.VIEW_RESULTS, SessionAssignment)
def view_results(user, assignment: SessionAssignment) -> bool:
    # The bloc decisions: the candidate, their tutors and admins.
    portfolio = assignment.submission.portfolio
    return user.has_role(Role.ADMIN) or portfolio.candidate_id == user.id or _is_tutor_of(user, portfolio)


@object_rule(Permission.DOWNLOAD_RESULTS, SessionAssignment)
def download_results(user, assignment: SessionAssignment) -> bool:
    # Every juror's verdicts and comments concern the candidate alone: never their tutors.
    return user.has_role(Role.ADMIN) or assignment.submission.portfolio.candidate_id == user.id
