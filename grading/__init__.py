"""Jury work: sessions and their members, assignments, interview slots and accommodations,
assessments (one juror's verdict per criterion), bloc decisions, minutes and the audit trail.

Modules: models (tables), sessions / assessments / decisions / audit (the operations, each owning
its transaction), forms, views (blueprint `grading`) and audit_views (blueprint `grading_audit`).
"""


class GradingError(Exception):
    """A refused jury operation; the message is French and safe to show."""

    def __init__(self, message: str, status: int = 400):
        self.status = status
        super().__init__(message)
