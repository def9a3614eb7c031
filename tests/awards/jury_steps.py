"""Steps the awards tests share: a jury that deliberates and signs its minutes, candidates certified."""
from __future__ import annotations

from datetime import timedelta

from extensions import db
from grading import decisions, minutes
from tests import factories


DELIBERATION_NOTE = "Débat interne : le président a tranché après discussion"


def sign(jury) -> None:
    for member in (jury.president, jury.juror):
        minutes.confirm_minutes(jury.session, member, minutes.minutes_hash(jury.session))
    db.session.refresh(jury.session)
    assert jury.session.minutes_stand


def deliberate(jury, outcomes=("validated", "not_validated")) -> None:
    factories.hold_interview(jury)
    factories.grade_all(jury, jury.juror)
    first = {c.id: "partial" for c in jury.bloc_criteria(0)[:1]}
    factories.grade_all(jury, jury.president, overrides=first)
    decisions.start_deliberation(jury.session, actor=jury.president)
    for bloc, outcome in zip(jury.session.blocs, outcomes):
        decisions.decide(jury.assignment, bloc, outcome, f"Justification du jury pour {bloc.code}",
                         actor=jury.president, override=True, override_reason=DELIBERATION_NOTE)


def certify_all(jury, *candidates) -> list:
    """Every bloc validated for the jury's candidate and `candidates` (each a new assignment), minutes signed.
    Returns the assignments, the jury's own first."""
    from grading import assessments, sessions, slots

    extra = []
    for candidate in candidates:
        submission = factories.make_submission(candidate, jury.certification, tutors=[jury.tutor])
        assignment = sessions.assign_submission(jury.session, submission, actor=jury.admin)
        slots.plan_slot(assignment, factories.SESSION_START + timedelta(hours=len(extra) + 1), actor=jury.admin)
        extra.append(assignment)
    factories.hold_interview(jury)
    assignments = [jury.assignment, *extra]
    for assignment in assignments:
        for juror in (jury.juror, jury.president):
            for criterion in jury.criteria:
                assessments.record_verdict(assignment, juror, criterion.id, "acquired", f"Avis de {juror.full_name}")
            assessments.submit_grid(assignment, juror)
    decisions.start_deliberation(jury.session, actor=jury.president)
    for assignment in assignments:
        for bloc in jury.session.blocs:
            decisions.decide(assignment, bloc, "validated", f"Bloc {bloc.code} démontré", actor=jury.president)
    sign(jury)
    return assignments
