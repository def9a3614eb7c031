"""Jury sessions and their composition: opening and editing a session, its members, the
submissions assigned to it. Each operation checks the composition rules, records its audit event
and commits. Interview slots are in `grading.slots`, the candidates' accommodations in
`grading.accommodations`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from accounts.models import Role, User
from accounts.services import active_users_with
from extensions import db
from referentials.models import Bloc, Certification
from portfolio.models import Portfolio, Submission

from grading import GradingError, audit
from grading.models import Assessment, DecisionRule, JuryMember, JurySession, SessionAssignment


def refuse_if_signed(session: JurySession) -> None:
    """Nothing about a session changes once its minutes are signed."""
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
    refuse_if_signed(session)
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
    """Every session, the latest first."""
    return list(db.session.scalars(select(JurySession).order_by(JurySession.starts_at.desc())))


def certifications() -> list[Certification]:
    """The certification versions a new session can be opened on, by title then version."""
    return list(db.session.scalars(select(Certification).order_by(Certification.title, Certification.version_number)))


def chosen_blocs(session: JurySession, bloc_ids) -> list[Bloc]:
    """The blocs of the session's certification among `bloc_ids` (ids from a form), in order."""
    wanted = set(bloc_ids or [])
    return [b for b in session.certification.blocs if b.id in wanted]


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
    refuse_if_signed(session)
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
    refuse_if_signed(session)
    audit.record("member.removed", "member", member.id, actor=actor, session_id=session.id, before=_member_state(member))
    session.members.remove(member)
    db.session.commit()


def set_president(member: JuryMember, *, actor: User) -> None:
    """Make `member` the one president of their session (the previous one stays a member)."""
    session = member.session
    refuse_if_signed(session)
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


def addable_jurors(session: JurySession) -> list[User]:
    """Active accounts with the juror role that do not sit in the session yet, by name."""
    member_ids = {m.user_id for m in session.members}
    return [u for u in active_users_with(Role.JUROR) if u.id not in member_ids]


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
    refuse_if_signed(session)
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
    refuse_if_signed(session)
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
