"""Jury sessions: opening them, their members, the submissions assigned, interview slots and
the candidates' accommodations. Each operation checks the composition rules, records its audit
event and commits.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from accounts.models import Role, User
from core.timeutil import PARIS, format_paris
from extensions import db
from referentials.models import Bloc, Certification
from portfolio.models import Portfolio, Submission

from grading import GradingError, audit
from grading.models import (
    Accommodation,
    AccommodationKind,
    Assessment,
    DecisionRule,
    InterviewSlot,
    JuryMember,
    JurySession,
    SessionAssignment,
)

DEFAULT_EXTRA_TIME = Fraction(1, 3)


def paris_to_utc(value: datetime) -> datetime:
    """A naive Europe/Paris wall-clock time (as typed in a form) to the naive UTC stored."""
    return value.replace(tzinfo=PARIS).astimezone(UTC).replace(tzinfo=None)


def _refuse_if_signed(session: JurySession) -> None:
    if session.is_signed:
        raise GradingError("Le procès-verbal de cette session est signé : sa composition et ses dépôts ne changent plus.", 409)


# --- sessions ----------------------------------------------------------------------------------

@dataclass
class SessionFields:
    starts_at: datetime  # naive UTC
    place: str = ""
    video_link: str = ""
    decision_rule: str = DecisionRule.ALL_ACQUIRED.value


def default_rule(certification: Certification) -> DecisionRule:
    """The rule of the latest session of the same certification lineage, else "all acquired"."""
    rule = db.session.scalar(
        select(JurySession.decision_rule)
        .join(Certification, Certification.id == JurySession.certification_id)
        .where(Certification.lineage == certification.lineage)
        .order_by(JurySession.id.desc())
        .limit(1)
    )
    return DecisionRule(rule) if rule else DecisionRule.ALL_ACQUIRED


def _session_state(session: JurySession) -> dict:
    return {
        "certification_id": session.certification_id,
        "starts_at": session.starts_at.isoformat(timespec="minutes"),
        "place": session.place,
        "video_link": session.video_link,
        "decision_rule": session.decision_rule,
        "blocs": [b.code for b in session.blocs],
    }


def _check_fields(fields: SessionFields) -> None:
    if not fields.place.strip() and not fields.video_link.strip():
        raise GradingError("Indiquez un lieu ou un lien de visioconférence.")
    if fields.video_link.strip() and not fields.video_link.strip().startswith(("https://", "http://")):
        raise GradingError("Le lien de visioconférence doit commencer par https://.")
    if fields.decision_rule not in {r.value for r in DecisionRule}:
        raise GradingError("Règle de proposition inconnue.")


def create_session(certification: Certification, fields: SessionFields, *, actor: User, blocs: list[Bloc] | None = None) -> JurySession:
    """Open a session on one certification version; it evaluates every bloc unless told otherwise."""
    _check_fields(fields)
    chosen = list(blocs) if blocs else list(certification.blocs)
    if any(b.certification_id != certification.id for b in chosen):
        raise GradingError("Les blocs choisis doivent appartenir à la certification de la session.")
    session = JurySession(
        certification=certification, starts_at=fields.starts_at, place=fields.place.strip(),
        video_link=fields.video_link.strip(), decision_rule=fields.decision_rule, created_by_id=actor.id, blocs=chosen,
    )
    db.session.add(session)
    db.session.flush()
    audit.record("session.created", "session", session.id, actor=actor, session_id=session.id, after=_session_state(session))
    db.session.commit()
    return session


def update_session(session: JurySession, fields: SessionFields, blocs: list[Bloc], *, actor: User) -> JurySession:
    _refuse_if_signed(session)
    _check_fields(fields)
    if not blocs:
        raise GradingError("Choisissez au moins un bloc évalué dans cette session.")
    if any(b.certification_id != session.certification_id for b in blocs):
        raise GradingError("Les blocs choisis doivent appartenir à la certification de la session.")
    if session.deliberation_started_at is not None and {b.id for b in blocs} != {b.id for b in session.blocs}:
        raise GradingError("La délibération est ouverte : les blocs évalués ne peuvent plus changer.", 409)
    before = _session_state(session)
    session.starts_at = fields.starts_at
    session.place = fields.place.strip()
    session.video_link = fields.video_link.strip()
    session.decision_rule = fields.decision_rule
    session.blocs = sorted(blocs, key=lambda b: b.position)
    after = _session_state(session)
    if after != before:
        audit.record("session.updated", "session", session.id, actor=actor, session_id=session.id, before=before, after=after)
    db.session.commit()
    return session


def all_sessions() -> list[JurySession]:
    return list(db.session.scalars(select(JurySession).order_by(JurySession.starts_at.desc())))


def sessions_of_member(user: User) -> list[JurySession]:
    return list(db.session.scalars(
        select(JurySession).join(JuryMember).where(JuryMember.user_id == user.id).order_by(JurySession.starts_at.desc())
    ))


# --- members -----------------------------------------------------------------------------------

def _member_state(member: JuryMember) -> dict:
    return {
        "user_id": member.user_id, "name": member.user.full_name,
        "president": member.is_president, "external": member.is_external,
    }


def _tutor_conflict(tutor: User, portfolio: Portfolio) -> GradingError:
    return GradingError(
        f"{tutor.full_name} est tuteur ou tutrice de {portfolio.candidate.full_name} : un tuteur ne peut pas "
        f"siéger dans le jury qui évalue son propre candidat."
    )


def add_member(
    session: JurySession, user: User, *, actor: User, is_president: bool = False, is_external: bool = False
) -> JuryMember:
    _refuse_if_signed(session)
    if not user.has_role(Role.JUROR):
        raise GradingError(f"{user.full_name} n'a pas le rôle « membre du jury ».")
    if session.member_for(user):
        raise GradingError(f"{user.full_name} siège déjà dans cette session.")
    for assignment in session.assignments:
        portfolio = assignment.submission.portfolio
        if any(t.id == user.id for t in portfolio.tutors):
            raise _tutor_conflict(user, portfolio)
        if portfolio.candidate_id == user.id:
            raise GradingError(f"{user.full_name} est candidat·e dans cette session : impossible de siéger dans son propre jury.")
    if is_president and session.president is not None:
        raise GradingError(
            f"La session a déjà un président ({session.president.user.full_name}). Ajoutez ce membre, puis utilisez "
            "« Désigner président » pour le remplacer."
        )
    member = JuryMember(session=session, user=user, is_president=is_president, is_external=is_external)
    db.session.add(member)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise GradingError(f"{user.full_name} siège déjà dans cette session.") from None
    audit.record("member.added", "member", member.id, actor=actor, session_id=session.id, after=_member_state(member))
    db.session.commit()
    return member


def remove_member(member: JuryMember, *, actor: User) -> None:
    session = member.session
    _refuse_if_signed(session)
    audit.record("member.removed", "member", member.id, actor=actor, session_id=session.id, before=_member_state(member))
    session.members.remove(member)
    db.session.commit()


def set_president(member: JuryMember, *, actor: User) -> None:
    """Make `member` the one president of their session (the previous one stays a member)."""
    session = member.session
    _refuse_if_signed(session)
    previous = session.president
    if previous is member:
        return
    for other in session.members:
        other.is_president = other is member
    audit.record(
        "member.president", "member", member.id, actor=actor, session_id=session.id,
        before={"president": previous.user.full_name if previous else None}, after={"president": member.user.full_name},
    )
    db.session.commit()


def composition_warnings(session: JurySession) -> list[str]:
    """What does not stop the session but should be fixed or explained (shown on screen)."""
    warnings = []
    members = session.members
    if not members:
        warnings.append("Aucun membre : ajoutez les membres du jury.")
        return warnings
    if session.president is None:
        warnings.append("La session n'a pas de président : la délibération ne pourra pas commencer tant qu'aucun membre n'est désigné président.")
    external = sum(1 for m in members if m.is_external)
    if external * 2 < len(members):
        warnings.append(
            f"Moins de la moitié des membres sont des professionnels externes à l'organisme de formation "
            f"({external} sur {len(members)}) : vérifiez que la composition respecte le règlement de la certification."
        )
    return warnings


# --- assignments -------------------------------------------------------------------------------

def assignable_submissions(session: JurySession) -> list[Submission]:
    """Submissions on the session's certification version that are not yet in the session."""
    assigned = {a.submission_id for a in session.assignments}
    submissions = db.session.scalars(
        select(Submission).join(Portfolio).where(Portfolio.certification_id == session.certification_id)
        .order_by(Submission.submitted_at.desc())
    ).all()
    return [s for s in submissions if s.id not in assigned]


def assign_submission(session: JurySession, submission: Submission, *, actor: User) -> SessionAssignment:
    _refuse_if_signed(session)
    portfolio = submission.portfolio
    if portfolio.certification_id != session.certification_id:
        raise GradingError(
            f"Ce dépôt porte sur « {portfolio.certification.label} », et la session sur « {session.certification.label} » : "
            "seuls les dépôts de la même version de certification peuvent lui être affectés."
        )
    for assignment in session.assignments:
        if assignment.submission_id == submission.id:
            raise GradingError("Ce dépôt est déjà affecté à cette session.")
        if assignment.submission.portfolio.candidate_id == portfolio.candidate_id:
            raise GradingError(
                f"{portfolio.candidate.full_name} a déjà un dépôt dans cette session (dépôt n°{assignment.submission.number})."
            )
    tutor_ids = {t.id for t in portfolio.tutors}
    for member in session.members:
        if member.user_id in tutor_ids:
            raise _tutor_conflict(member.user, portfolio)
        if member.user_id == portfolio.candidate_id:
            raise GradingError(f"{member.user.full_name} siège dans cette session : son propre dépôt ne peut pas y être examiné.")
    assignment = SessionAssignment(session=session, submission=submission, assigned_by_id=actor.id)
    db.session.add(assignment)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise GradingError("Ce dépôt est déjà affecté à cette session.") from None
    audit.record(
        "assignment.created", "assignment", assignment.id, actor=actor, session_id=session.id,
        after={"submission_id": submission.id, "number": submission.number, "candidate": portfolio.candidate.full_name},
    )
    db.session.commit()
    return assignment


def unassign(assignment: SessionAssignment, *, actor: User) -> None:
    session = assignment.session
    _refuse_if_signed(session)
    if assignment.decisions:
        raise GradingError("Le jury a déjà décidé sur ce dépôt : il ne peut plus être retiré de la session.", 409)
    if db.session.scalar(select(Assessment.id).where(Assessment.assignment_id == assignment.id).limit(1)):
        raise GradingError("Des appréciations ont déjà été saisies pour ce dépôt : il ne peut plus être retiré de la session.", 409)
    audit.record(
        "assignment.removed", "assignment", assignment.id, actor=actor, session_id=session.id,
        before={"submission_id": assignment.submission_id, "candidate": assignment.candidate.full_name},
    )
    session.assignments.remove(assignment)
    db.session.commit()


# --- interview slots ---------------------------------------------------------------------------

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


def has_extra_time(candidate: User) -> bool:
    return db.session.scalar(
        select(Accommodation.id).where(
            Accommodation.candidate_id == candidate.id, Accommodation.kind == AccommodationKind.EXTRA_TIME.value
        ).limit(1)
    ) is not None


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
    _refuse_if_signed(session)
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
    audit.record("slot.planned", "slot", current.id, actor=actor, session_id=session.id, before=before, after=_slot_state(current))
    db.session.commit()
    return current


def _slot_state(slot: InterviewSlot) -> dict:
    # The duration says that time was extended, never why: the reason stays in Accommodation.
    return {
        "candidate": slot.assignment.candidate.full_name, "starts_at": slot.starts_at.isoformat(timespec="minutes"),
        "minutes": slot.duration_minutes,
    }


# --- accommodations ----------------------------------------------------------------------------

def add_accommodation(candidate: User, kind: str, note: str, *, actor: User) -> Accommodation:
    if not candidate.has_role(Role.CANDIDATE):
        raise GradingError(f"{candidate.full_name} n'a pas le rôle candidat.")
    if kind not in {k.value for k in AccommodationKind}:
        raise GradingError("Type d'aménagement inconnu.")
    accommodation = Accommodation(candidate_id=candidate.id, kind=kind, note=note.strip(), created_by_id=actor.id)
    db.session.add(accommodation)
    db.session.flush()
    audit.record(
        "accommodation.created", "accommodation", accommodation.id, actor=actor,
        after={"candidate": candidate.full_name, "kind": kind, "note": accommodation.note},
    )
    db.session.commit()
    return accommodation


def remove_accommodation(accommodation: Accommodation, *, actor: User) -> None:
    audit.record(
        "accommodation.removed", "accommodation", accommodation.id, actor=actor,
        before={"candidate": accommodation.candidate.full_name, "kind": accommodation.kind, "note": accommodation.note},
    )
    db.session.delete(accommodation)
    db.session.commit()


def accommodations_of(candidate_id: int) -> list[Accommodation]:
    return list(db.session.scalars(
        select(Accommodation).where(Accommodation.candidate_id == candidate_id).order_by(Accommodation.created_at)
    ))


def all_accommodations() -> list[Accommodation]:
    return list(db.session.scalars(select(Accommodation).order_by(Accommodation.created_at.desc())))
