"""The one authorization policy: may this user see or change this thing?

Deny by default, at two levels:
- every endpoint declares its access with @public or @requires(permission); an endpoint that
  declares nothing is refused by `enforce_endpoint_access` (installed as a before_request hook);
- object checks (`may(user, permission, target)`) find a rule for (permission, type of target)
  or answer False.
Views, search filters and background jobs all ask this module; nothing else decides.
"""
from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from accounts.models import Role

ALL_ROLES = frozenset(Role)


class Permission(enum.StrEnum):
    VIEW_DASHBOARD = "dashboard.view"
    MANAGE_USERS = "users.manage"
    VIEW_REFERENTIALS = "referentials.view"
    MANAGE_REFERENTIALS = "referentials.manage"
    VIEW_JOB = "job.view"
    # Object permissions, answered by the rules below.
    VIEW_PORTFOLIO = "portfolio.view"
    CHANGE_PORTFOLIO = "portfolio.change"
    COMMENT_PORTFOLIO = "portfolio.comment"
    REVIEW_PORTFOLIO = "portfolio.review"
    MANAGE_PORTFOLIOS = "portfolios.manage"
    VIEW_SUBMISSION = "submission.view"
    SEARCH_EVIDENCE = "evidence.search"
    EXPORT_SUBMISSION = "submission.export"
    EXPORT_GRID = "submission.grid.export"
    READ_EVIDENCE_FILE = "evidence.file.read"
    # Jury (grading): sessions, grids, deliberation, minutes, accommodations, audit trail.
    VIEW_JURY_SESSION = "jury.view"
    MANAGE_JURY = "jury.manage"
    GRADE_SUBMISSION = "jury.grade"
    VIEW_DELIBERATION = "jury.deliberation.view"
    DELIBERATE = "jury.deliberate"
    CONFIRM_MINUTES = "jury.minutes.confirm"
    VIEW_ACCOMMODATION = "accommodation.view"
    VIEW_AUDIT = "audit.view"


# Which roles hold a permission at all; object rules may narrow it further per target.
ROLE_PERMISSIONS: dict[Permission, frozenset[Role]] = {
    Permission.VIEW_DASHBOARD: ALL_ROLES,
    Permission.MANAGE_USERS: frozenset({Role.ADMIN}),
    Permission.VIEW_REFERENTIALS: ALL_ROLES,
    Permission.MANAGE_REFERENTIALS: frozenset({Role.ADMIN}),
    Permission.VIEW_JOB: ALL_ROLES,
    Permission.VIEW_PORTFOLIO: ALL_ROLES,
    Permission.CHANGE_PORTFOLIO: frozenset({Role.CANDIDATE}),
    Permission.COMMENT_PORTFOLIO: frozenset({Role.CANDIDATE, Role.TUTOR, Role.ADMIN}),
    Permission.REVIEW_PORTFOLIO: frozenset({Role.TUTOR, Role.ADMIN}),
    Permission.MANAGE_PORTFOLIOS: frozenset({Role.ADMIN}),
    Permission.VIEW_SUBMISSION: ALL_ROLES,
    Permission.SEARCH_EVIDENCE: ALL_ROLES,
    # The candidate exports their own dossier; jurors and admins export dossiers and grids.
    Permission.EXPORT_SUBMISSION: frozenset({Role.CANDIDATE, Role.JUROR, Role.ADMIN}),
    # The jury grid shows every juror's verdicts: the jury and admins only, never the candidate.
    Permission.EXPORT_GRID: frozenset({Role.JUROR, Role.ADMIN}),
    Permission.READ_EVIDENCE_FILE: ALL_ROLES,
    Permission.VIEW_JURY_SESSION: frozenset({Role.JUROR, Role.ADMIN}),
    Permission.MANAGE_JURY: frozenset({Role.ADMIN}),
    Permission.GRADE_SUBMISSION: frozenset({Role.JUROR}),
    Permission.VIEW_DELIBERATION: frozenset({Role.JUROR, Role.ADMIN}),
    # The jury decides; an administrator opens sessions but never deliberates in their place.
    Permission.DELIBERATE: frozenset({Role.JUROR}),
    Permission.CONFIRM_MINUTES: frozenset({Role.JUROR}),
    Permission.VIEW_ACCOMMODATION: frozenset({Role.JUROR, Role.ADMIN}),
    Permission.VIEW_AUDIT: frozenset({Role.ADMIN}),
}

ObjectRule = Callable[[Any, Any], bool]
_OBJECT_RULES: dict[tuple[Permission, type], ObjectRule] = {}


def object_rule(permission: Permission, target_type: type) -> Callable[[ObjectRule], ObjectRule]:
    """Register the rule answering `permission` for targets of `target_type`."""

    def register(rule: ObjectRule) -> ObjectRule:
        _OBJECT_RULES[(permission, target_type)] = rule
        return rule

    return register


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def may(user, permission: Permission, target: Any = None) -> bool:
    """True only when a rule explicitly grants `permission` (on `target`) to `user`."""
    if not _authenticated(user):
        return False
    if not user.roles & ROLE_PERMISSIONS.get(permission, frozenset()):
        return False
    if target is None:
        return True
    rule = _OBJECT_RULES.get((permission, type(target)))
    return bool(rule and rule(user, target))


def authorize(permission: Permission, target: Any = None) -> None:
    """Abort with 404 when the target does not exist, 403 when the user may not act on it."""
    if target is None and permission in OBJECT_PERMISSIONS:
        abort(404)
    if not may(current_user, permission, target):
        abort(403)


OBJECT_PERMISSIONS = frozenset(
    {
        Permission.VIEW_JOB,
        Permission.VIEW_PORTFOLIO,
        Permission.CHANGE_PORTFOLIO,
        Permission.COMMENT_PORTFOLIO,
        Permission.REVIEW_PORTFOLIO,
        Permission.VIEW_SUBMISSION,
        Permission.EXPORT_SUBMISSION,
        Permission.EXPORT_GRID,
        Permission.READ_EVIDENCE_FILE,
        Permission.VIEW_JURY_SESSION,
        Permission.GRADE_SUBMISSION,
        Permission.VIEW_DELIBERATION,
        Permission.DELIBERATE,
        Permission.CONFIRM_MINUTES,
        Permission.VIEW_ACCOMMODATION,
    }
)

# --- endpoint declarations -------------------------------------------------------------------

PUBLIC = "public"


def public(view: Callable) -> Callable:
    """Mark a view as reachable without logging in (login page, static files)."""
    view.access = PUBLIC
    return view


def requires(permission: Permission) -> Callable[[Callable], Callable]:
    """Mark a view as needing a logged-in user holding `permission` (role level)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            return view(*args, **kwargs)

        wrapper.access = permission
        return wrapper

    return decorate


def endpoint_access(endpoint: str | None) -> str | Permission | None:
    view = current_app.view_functions.get(endpoint) if endpoint else None
    if endpoint == "static":
        return PUBLIC
    return getattr(view, "access", None)


def enforce_endpoint_access():
    """before_request hook: refuse any endpoint that did not declare its access."""
    if request.endpoint is None:  # unknown URL: let Flask answer 404/405
        return None
    access = endpoint_access(request.endpoint)
    if access == PUBLIC:
        return None
    if access is None:
        current_app.logger.error("Endpoint %s declares no access rule: refused", request.endpoint)
        abort(403)
    if not _authenticated(current_user):
        if request.headers.get("HX-Request"):
            # htmx would swap the login page into a fragment; ask it to navigate instead.
            response = current_app.response_class(status=401)
            response.headers["HX-Redirect"] = url_for("accounts.login", next=request.full_path)
            return response
        return redirect(url_for("accounts.login", next=request.full_path))
    if not may(current_user, access):
        abort(403)
    return None


# --- object rules ----------------------------------------------------------------------------

def _is_tutor_of(user, portfolio) -> bool:
    return user.has_role(Role.TUTOR) and any(t.id == user.id for t in portfolio.tutors)


def _member_of(user, session) -> bool:
    return user.has_role(Role.JUROR) and any(m.user_id == user.id for m in session.members)


def _presides(user, session) -> bool:
    return user.has_role(Role.JUROR) and any(m.user_id == user.id and m.is_president for m in session.members)


def _register_object_rules() -> None:
    from evidence.models import Evidence, EvidenceVersion
    from jobs.models import Job
    from portfolio.models import Portfolio, Submission

    @object_rule(Permission.VIEW_JOB, Job)
    def view_job(user, job: Job) -> bool:
        return user.has_role(Role.ADMIN) or job.created_by_id == user.id

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

    @object_rule(Permission.VIEW_SUBMISSION, Submission)
    def view_submission(user, submission: Submission) -> bool:
        return view_portfolio(user, submission.portfolio) or _sits_on_jury_of(user, submission)

    @object_rule(Permission.READ_EVIDENCE_FILE, EvidenceVersion)
    def read_evidence_file(user, version: EvidenceVersion) -> bool:
        """Who may see the portfolio, and jurors for the versions frozen in a submission they examine."""
        portfolio = version.file.evidence.portfolio
        if view_portfolio(user, portfolio):
            return True
        return any(_snapshot_holds(submission, version.id) for submission in _judged_submissions(user, portfolio))

    @object_rule(Permission.EXPORT_SUBMISSION, Submission)
    def export_submission(user, submission: Submission) -> bool:
        return (
            user.has_role(Role.ADMIN)
            or submission.portfolio.candidate_id == user.id
            or _sits_on_jury_of(user, submission)
        )

    @object_rule(Permission.EXPORT_GRID, Submission)
    def export_grid(user, submission: Submission) -> bool:
        return user.has_role(Role.ADMIN) or _sits_on_jury_of(user, submission)

    _register_jury_rules()

    for permission in (
        Permission.VIEW_PORTFOLIO, Permission.CHANGE_PORTFOLIO, Permission.COMMENT_PORTFOLIO, Permission.REVIEW_PORTFOLIO
    ):
        rule = _OBJECT_RULES[(permission, Portfolio)]
        # Evidence is governed by its portfolio; a deleted evidence is read-only.
        _OBJECT_RULES[(permission, Evidence)] = (
            lambda user, evidence, rule=rule, permission=permission: rule(user, evidence.portfolio)
            and not (permission is Permission.CHANGE_PORTFOLIO and evidence.deleted_at is not None)
        )


def _register_jury_rules() -> None:
    """Admins see every session; members see theirs; only the president deliberates."""
    from grading.models import Accommodation, BlocDecision, JurySession, SessionAssignment

    @object_rule(Permission.VIEW_JURY_SESSION, JurySession)
    def view_session(user, session) -> bool:
        return user.has_role(Role.ADMIN) or _member_of(user, session)

    @object_rule(Permission.GRADE_SUBMISSION, SessionAssignment)
    def grade(user, assignment) -> bool:
        return _member_of(user, assignment.session)

    @object_rule(Permission.VIEW_DELIBERATION, SessionAssignment)
    def view_deliberation(user, assignment) -> bool:
        # Grids stay private to their juror; the president and admins read them side by side.
        return user.has_role(Role.ADMIN) or _presides(user, assignment.session)

    @object_rule(Permission.DELIBERATE, JurySession)
    def deliberate(user, session) -> bool:
        return _presides(user, session)

    @object_rule(Permission.DELIBERATE, SessionAssignment)
    def deliberate_on(user, assignment) -> bool:
        return _presides(user, assignment.session)

    @object_rule(Permission.DELIBERATE, BlocDecision)
    def correct(user, decision) -> bool:
        return _presides(user, decision.assignment.session)

    @object_rule(Permission.CONFIRM_MINUTES, JurySession)
    def confirm_minutes(user, session) -> bool:
        return _member_of(user, session)

    @object_rule(Permission.VIEW_ACCOMMODATION, Accommodation)
    def view_accommodation(user, accommodation) -> bool:
        # Sensitive: admins, and the jurors of a session examining this candidate; nobody else.
        return user.has_role(Role.ADMIN) or _judges_candidate(user, accommodation.candidate_id)


def _jury_submission_ids(user):
    """A SELECT of the submission ids assigned to sessions where `user` sits."""
    from sqlalchemy import select

    from grading.models import JuryMember, SessionAssignment

    return (
        select(SessionAssignment.submission_id)
        .join(JuryMember, JuryMember.session_id == SessionAssignment.session_id)
        .where(JuryMember.user_id == user.id)
    )


def _judges_candidate(user, candidate_id: int) -> bool:
    from sqlalchemy import select

    from extensions import db
    from portfolio.models import Portfolio, Submission

    if not user.has_role(Role.JUROR):
        return False
    query = (
        select(Submission.id).join(Portfolio, Portfolio.id == Submission.portfolio_id)
        .where(Portfolio.candidate_id == candidate_id, Submission.id.in_(_jury_submission_ids(user)))
        .limit(1)
    )
    return db.session.scalar(query) is not None


def _judged_submissions(user, portfolio) -> list:
    """The portfolio's submissions assigned to a session where `user` sits, in one query."""
    from sqlalchemy import select

    from extensions import db
    from portfolio.models import Submission

    if not user.has_role(Role.JUROR):
        return []
    return list(db.session.scalars(
        select(Submission).where(Submission.portfolio_id == portfolio.id, Submission.id.in_(_jury_submission_ids(user)))
    ))


def _snapshot_holds(submission, version_id: int) -> bool:
    import json

    snapshot = json.loads(submission.snapshot)
    return any(v["id"] == version_id for item in snapshot["evidence"] for v in item["versions"])


def _sits_on_jury_of(user, submission) -> bool:
    """Jurors see the submissions assigned to the sessions they sit on."""
    from extensions import db
    from grading.models import SessionAssignment

    if not user.has_role(Role.JUROR):
        return False
    query = _jury_submission_ids(user).where(SessionAssignment.submission_id == submission.id).limit(1)
    return db.session.scalar(query) is not None


def visible_submission_ids(user):
    """A SELECT of the submission ids `user` may view through a jury session (admins: all)."""
    from sqlalchemy import false, select

    from portfolio.models import Submission

    query = select(Submission.id)
    if not _authenticated(user):
        return query.where(false())
    if user.has_role(Role.ADMIN):
        return query
    if user.has_role(Role.JUROR):
        return query.where(Submission.id.in_(_jury_submission_ids(user)))
    return query.where(false())


def visible_portfolio_ids(user):
    """A SELECT of the portfolio ids `user` may view, for filters inside queries (search, lists)."""
    from sqlalchemy import false, or_, select

    from portfolio.models import Portfolio, portfolio_tutors

    query = select(Portfolio.id)
    if not _authenticated(user):
        return query.where(false())
    if user.has_role(Role.ADMIN):
        return query
    conditions = [Portfolio.candidate_id == user.id]
    if user.has_role(Role.TUTOR):
        conditions.append(
            Portfolio.id.in_(select(portfolio_tutors.c.portfolio_id).where(portfolio_tutors.c.tutor_id == user.id))
        )
    return query.where(or_(*conditions))


_register_object_rules()
