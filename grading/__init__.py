"""Jury work: sessions and their members, assignments, interview slots and accommodations,
assessments (one juror's verdict per criterion), bloc decisions, minutes and the audit trail.

Modules: models (tables); the operations, each owning its transaction: sessions (sessions, members,
assignments), slots (interview slots), accommodations, assessments (grids), decisions (deliberation
and results), minutes, audit (the trail); forms; views/ (blueprint `grading`, one module per
screen) and views/audit (blueprint `grading_audit`). Exports of grids and sessions live in `exports/`.
"""


class GradingError(Exception):
    """A refused jury operation; the message is French and safe to show."""

    def __init__(self, message: str, status: int = 400):
        self.status = status
        super().__init__(message)
