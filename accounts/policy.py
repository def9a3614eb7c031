"""The one authorization policy: may this user see or change this thing?

Deny by default, at two levels:
- every endpoint declares its access with @public or @requires(permission); an endpoint that
  declares nothing is refused by `enforce_endpoint_access` (installed as a before_request hook);
- object checks (`may(user, permission, target)`) find the rule registered for (permission, type
  of target) or answer False. The rules are written out in `authorization/rules.py`, which reads
  every domain model and so sits above the packages whose views call this module.
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
    RETRY_JOB = "job.retry"
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
    READ_OTHER_GRIDS = "jury.grids.read"
    DELIBERATE = "jury.deliberate"
    CONFIRM_MINUTES = "jury.minutes.confirm"
    VIEW_ACCOMMODATION = "accommodation.view"
    VIEW_AUDIT = "audit.view"
    # After the jury (awards): results, relevé and attestations, the CDC declaration.
    VIEW_RESULTS = "results.view"
    DOWNLOAD_RESULTS = "results.download"
    MANAGE_AWARDS = "awards.manage"
    DECLARE_IDENTITY = "awards.identity.declare"


# Which roles hold a permission at all; object rules may narrow it further per target.
ROLE_PERMISSIONS: dict[Permission, frozenset[Role]] = {
    Permission.VIEW_DASHBOARD: ALL_ROLES,
    Permission.MANAGE_USERS: frozenset({Role.ADMIN}),
    Permission.VIEW_REFERENTIALS: ALL_ROLES,
    Permission.MANAGE_REFERENTIALS: frozenset({Role.ADMIN}),
    Permission.VIEW_JOB: ALL_ROLES,
    # "Relancer" a failed job: its owner (whatever their role) and admins, narrowed by the job's rule.
    Permission.RETRY_JOB: ALL_ROLES,
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
    # Other members' verdicts and comments: admins, and each member once their own grid is in.
    Permission.READ_OTHER_GRIDS: frozenset({Role.JUROR, Role.ADMIN}),
    # The jury decides; an administrator opens sessions but never deliberates in their place.
    Permission.DELIBERATE: frozenset({Role.JUROR}),
    Permission.CONFIRM_MINUTES: frozenset({Role.JUROR}),
    Permission.VIEW_ACCOMMODATION: frozenset({Role.JUROR, Role.ADMIN}),
    Permission.VIEW_AUDIT: frozenset({Role.ADMIN}),
    # Signed results: the candidate, their tutors (decisions only) and admins.
    Permission.VIEW_RESULTS: frozenset({Role.CANDIDATE, Role.TUTOR, Role.ADMIN}),
    # The relevé (every juror's verdicts and comments) and attestations: the candidate and admins.
    Permission.DOWNLOAD_RESULTS: frozenset({Role.CANDIDATE, Role.ADMIN}),
    Permission.MANAGE_AWARDS: frozenset({Role.ADMIN}),
    # A holder gives their identity for the CDC declaration (and only a holder: checked by the service).
    Permission.DECLARE_IDENTITY: frozenset({Role.CANDIDATE}),
}

ObjectRule = Callable[[Any, Any], bool]
_OBJECT_RULES: dict[tuple[Permission, type], ObjectRule] = {}


def object_rule(permission: Permission, target_type: type) -> Callable[[ObjectRule], ObjectRule]:
    """Register the rule answering `permission` for targets of `target_type`."""

    def register(rule: ObjectRule) -> ObjectRule:
        # A second rule for the same pair would silently replace the first one.
        existing = _OBJECT_RULES.setdefault((permission, target_type), rule)
        if existing is not rule:
            raise ValueError(f"Two rules answer {permission} for {target_type.__name__}")
        return rule

    return register


def is_signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def may(user, permission: Permission, target: Any = None) -> bool:
    """True only when a rule explicitly grants `permission` (on `target`) to `user`."""
    if not is_signed_in(user):
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
        Permission.RETRY_JOB,
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
        Permission.READ_OTHER_GRIDS,
        Permission.DELIBERATE,
        Permission.CONFIRM_MINUTES,
        Permission.VIEW_ACCOMMODATION,
        Permission.VIEW_RESULTS,
        Permission.DOWNLOAD_RESULTS,
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
    if not is_signed_in(current_user):
        if request.headers.get("HX-Request"):
            # htmx would swap the login page into a fragment; ask it to navigate instead.
            response = current_app.response_class(status=401)
            response.headers["HX-Redirect"] = url_for("accounts.login", next=request.full_path)
            return response
        return redirect(url_for("accounts.login", next=request.full_path))
    if not may(current_user, access):
        abort(403)
    return None
