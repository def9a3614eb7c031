"""The candidate's convocation, shown on their dashboard and on the page of their submission.

The submission page belongs to `portfolio`, which sits below `grading` and so cannot ask it for
the interview slot. The app wires `submission_section` into `app.extensions["submission_sections"]`
(see app.py): the portfolio view renders whatever sections are registered, without knowing them.
This keeps one server-side rendering (no JavaScript needed), one fragment template and one query
function (`grading.slots.convocation_of`), with imports still running downwards.
"""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from accounts.policy import Permission, may
from grading.slots import convocation_of


def submission_section(submission, user) -> Markup | None:
    """The convocation section of a submission page, for the candidate who submitted it only
    (the slot's length can tell others that time was extended)."""
    if not may(user, Permission.CHANGE_PORTFOLIO, submission.portfolio):
        return None
    return Markup(render_template("dashboard/_convocation.html", convocation=convocation_of(submission), on_submission=True))
