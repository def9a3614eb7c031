"""Interview slots: the candidate's interview in a session, its duration from the certification's
rules (lengthened by an extra-time accommodation), and no overlap with another slot of the same
session or of the same candidate; whether the interview has taken place (the end of its slot),
or the president's recorded reason for deciding without it. `convocation_of` / `convocations_of`
tell the candidate (read-only).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from sqlalchemy import select

from accounts.models import User
from core.timeutil import format_paris, utcnow
from extensions import db
from portfolio.models import Portfolio, Submission
from referentials.models import Certification

from grading import GradingError, audit
from grading.accommodations import has_extra_time
from grading.models import InterviewSlot, SessionAssignment
from grading.sessions import refuse_if_signed
from grading.signals import announce, slot_planned

DEFAULT_EXTRA_TIME = Fraction(1, 3)


def interview_minutes(certification: Certification) -> int | None:
    """Interview plus questionnaire, or None when the certification's rules define no interview."""
    if certification.interview_minutes is None and certification.questionnaire_minutes is None:
        return None
    return (certification.interview_minutes or 0) + (certification.questionnaire_minutes or 0)


def extra_time_ratio(certification: Certification) -> Fraction:
    raw = (certification.extra_time_ratio or "").strip()
    try:
        return Fraction(raw) if raw else DEFAULT_EXTRA_TIME
    except (ValueError, ZeroDivisionError):
        return DEFAULT_EXTRA_TIME


def slot_duration(assignment: SessionAssignment) -> tuple[int, bool]:
    """(minutes, extended): e.g. 20 + 10 min, with one third extra time, gives 40 minutes."""
    certification = assignment.session.certification
    base = interview_minutes(certification)
    if base is None:
        raise GradingError("Le règlement de cette certification ne prévoit pas d'entretien : aucun créneau à planifier.")
    if has_extra_time(assignment.candidate):
        return math.ceil(base * (1 + extra_time_ratio(certification))), True
    return base, False


def _overlaps(start: datetime, end: datetime, slot: InterviewSlot) -> bool:
    return start < slot.ends_at and slot.starts_at < end


def _span(start: datetime, end: datetime) -> str:
    return f"{format_paris(start, '%d/%m/%Y %H:%M')}–{format_paris(end, '%H:%M')}"


def plan_slot(assignment: SessionAssignment, starts_at: datetime, *, actor: User) -> InterviewSlot:
    """Plan (or move) the candidate's interview; refused when it overlaps another slot."""
    session = assignment.session
    refuse_if_signed(session)
    minutes, extended = slot_duration(assignment)
    slot = InterviewSlot(starts_at=starts_at, duration_minutes=minutes)
    end = slot.ends_at
    candidate_id = assignment.submission.portfolio.candidate_id
    others = db.session.scalars(
        select(InterviewSlot).join(SessionAssignment)
        .where(InterviewSlot.assignment_id != assignment.id, InterviewSlot.starts_at < end)
    ).all()
    for other in others:
        same_session = other.assignment.session_id == session.id
        same_candidate = other.assignment.submission.portfolio.candidate_id == candidate_id
        if (same_session or same_candidate) and _overlaps(starts_at, end, other):
            where = "dans cette session" if same_session else "dans une autre session"
            raise GradingError(
                f"Ce créneau ({_span(starts_at, end)}) chevauche celui de {other.assignment.candidate.full_name} "
                f"({_span(other.starts_at, other.ends_at)}) {where}."
            )
    current = assignment.slot
    before = _slot_state(current) if current else None
    if current is None:
        current = InterviewSlot(assignment=assignment, starts_at=starts_at, duration_minutes=minutes, extended=extended)
        db.session.add(current)
    else:
        current.starts_at, current.duration_minutes, current.extended = starts_at, minutes, extended
    db.session.flush()
    after = _slot_state(current)
    audit.record("slot.planned", "slot", current.id, actor=actor, session_id=session.id, before=before, after=after)
    db.session.commit()
    if before != after:
        announce(slot_planned, assignment=assignment, slot=current, moved=before is not None)
    return current


def _slot_state(slot: InterviewSlot) -> dict:
    # The duration says that time was extended, never why: the reason stays in Accommodation.
    return {
        "candidate": slot.assignment.candidate.full_name, "starts_at": slot.starts_at.isoformat(timespec="minutes"),
        "minutes": slot.duration_minutes,
    }




def interview_pending(assignment: SessionAssignment, now: datetime | None = None) -> str | None:
    """Why this submission's interview has not taken place yet (French), or None when it has
    (its slot ended), when the certification's rules define none, or when the president recorded
    why the jury decides without it."""
    if assignment.interview_waiver:
        return None
    slot = assignment.slot
    if slot is None:
        if interview_minutes(assignment.session.certification) is None:
            return None
        return f"l'entretien de {assignment.candidate.full_name} n'est pas planifié"
    if slot.ends_at > (now or utcnow()):
        return f"l'entretien de {assignment.candidate.full_name} est prévu le {_span(slot.starts_at, slot.ends_at)}"
    return None


def pending_interviews(session) -> list[tuple[SessionAssignment, str]]:
    """The session's submissions whose interview has not taken place, with the reason."""
    now = utcnow()
    pending = [(a, interview_pending(a, now)) for a in session.assignments]
    return [(a, why) for a, why in pending if why]


def waive_interview(assignment: SessionAssignment, reason: str, *, actor: User) -> None:
    """The president records why the jury decides without (waiting for) the interview."""
    refuse_if_signed(assignment.session)
    reason = (reason or "").strip()
    if not reason:
        raise GradingError(
            "Indiquez pourquoi le jury décide sans attendre l'entretien (par exemple : décision sur dossier, "
            "le référentiel le permet)."
        )
    before = {"reason": assignment.interview_waiver} if assignment.interview_waiver else None
    assignment.interview_waiver, assignment.interview_waived_at, assignment.interview_waived_by_id = reason, utcnow(), actor.id
    audit.record("interview.waived", "assignment", assignment.id, actor=actor, session_id=assignment.session_id,
                 before=before, after={"candidate": assignment.candidate.full_name, "reason": reason})
    db.session.commit()


# --- the candidate's convocation (read-only) -------------------------------------------------

@dataclass(frozen=True)
class Convocation:
    """What the candidate is told about their interview: the session, and the slot once planned.

    The duration includes any extra time; the reason for it (the accommodation) is never part of it.
    """

    submission_id: int
    submission_number: int
    session_label: str
    certification_title: str
    session_starts_at: datetime
    place: str
    video_link: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    duration_minutes: int | None = None
    extended: bool = False

    @property
    def planned(self) -> bool:
        return self.starts_at is not None


def _convocation(assignment: SessionAssignment) -> Convocation:
    session, slot = assignment.session, assignment.slot
    return Convocation(
        submission_id=assignment.submission_id, submission_number=assignment.submission.number,
        session_label=session.label, certification_title=session.certification.display_title,
        session_starts_at=session.starts_at, place=session.place or "", video_link=session.video_link or "",
        starts_at=slot.starts_at if slot else None, ends_at=slot.ends_at if slot else None,
        duration_minutes=slot.duration_minutes if slot else None, extended=bool(slot and slot.extended),
    )


def convocation_of(submission) -> Convocation | None:
    """The convocation for a submission: its latest session assignment, or None when not assigned yet."""
    assignment = db.session.scalars(
        select(SessionAssignment).where(SessionAssignment.submission_id == submission.id)
        .order_by(SessionAssignment.id.desc()).limit(1)
    ).first()
    return _convocation(assignment) if assignment else None


def convocations_of(candidate: User) -> list[Convocation]:
    """The candidate's convocations to sessions not yet over (interview, or session day, still to come)."""
    now = utcnow()
    assignments = db.session.scalars(
        select(SessionAssignment).join(Submission, Submission.id == SessionAssignment.submission_id)
        .join(Portfolio, Portfolio.id == Submission.portfolio_id).where(Portfolio.candidate_id == candidate.id)
        .order_by(SessionAssignment.id)
    ).all()
    convocations = [_convocation(a) for a in assignments]
    upcoming = [c for c in convocations if (c.ends_at or c.session_starts_at + timedelta(days=1)) >= now]
    return sorted(upcoming, key=lambda c: c.starts_at or c.session_starts_at)
