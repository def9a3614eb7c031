"""What the jury screens share: the current user, loading an object the policy allows, the pages
to go back to, and turning a refused operation (GradingError) into a French message: flashed on
the page it came from, or an error fragment for htmx.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash, redirect, request, url_for
from flask_login import current_user

from accounts.models import User
from accounts.policy import Permission, authorize, may
from core.errors import render_error
from extensions import db

from grading import GradingError, accommodations
from grading.models import Accommodation, JurySession, SessionAssignment

T = TypeVar("T")


def current() -> User:
    return current_user._get_current_object()


def load_session(session_id: int, permission: Permission) -> JurySession:
    session = db.session.get(JurySession, session_id)
    authorize(permission, session)
    return session


def load_assignment(assignment_id: int, permission: Permission) -> SessionAssignment:
    assignment = db.session.get(SessionAssignment, assignment_id)
    authorize(permission, assignment)
    return assignment


def refused(error: GradingError, back: str):
    """A refused action: the message as an htmx error fragment, or flashed on the page it came from."""
    if request.htmx:
        return render_error(error.status, str(error))
    flash(str(error), "error")
    return redirect(back, code=303)


def perform(operation: Callable[[], T], success: str | Callable[[T], str], back: str):
    """Run one service operation: flash `success` (a message, or a function of the result) and go
    back to `back`; or, when the operation is refused, say why (see `refused`)."""
    try:
        result = operation()
    except GradingError as error:
        return refused(error, back)
    flash(success(result) if callable(success) else success, "success")
    return redirect(back, code=303)


def session_page(session: JurySession, anchor: str | None = None) -> str:
    return url_for("grading.session", session_id=session.id, _anchor=anchor)


def flash_form_errors(form) -> None:
    for errors in form.errors.values():
        for message in errors:
            flash(message, "error")


def visible_accommodations(candidate_id: int) -> list[Accommodation]:
    """The candidate's accommodations the current user may read (sensitive: see the policy)."""
    user = current()
    return [a for a in accommodations.accommodations_of(candidate_id) if may(user, Permission.VIEW_ACCOMMODATION, a)]
