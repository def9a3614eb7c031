"""Deliberation: the proposal from the grids, the jury's bloc decisions, their corrections, and
the candidate's acquired blocs across sessions (the minutes are in `grading.minutes`).

Decisions change in place until the minutes are signed; afterwards they are final and a
correction is a new row linked to the one it corrects. A correction reopens the minutes: every
member confirms again, and the version they had signed stays in the history (MinutesSignature).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from accounts.models import User
from core.timeutil import utcnow
from extensions import db
from referentials.models import Bloc, Certification
from portfolio.models import Portfolio, Submission

from grading import GradingError, audit
from grading.assessments import BlocComparison, compare_grids, submitted_grids
from grading.models import (
    BlocDecision,
    DecisionRule,
    JurySession,
    MinutesSignature,
    Outcome,
    SessionAssignment,
    Verdict,
)

MAX_ATTEMPTS = 5
NO_PRESIDENT = (
    "La session n'a pas de président : la délibération ne peut pas commencer. Un administrateur doit d'abord "
    "désigner un président parmi les membres."
)


# --- deliberation ------------------------------------------------------------------------------

def start_deliberation(session: JurySession, *, actor: User) -> None:
    if session.is_signed:
        raise GradingError("Le procès-verbal de cette session est signé.", 409)
    if session.deliberation_started_at is not None:
        raise GradingError("La délibération est déjà ouverte.", 409)
    if session.president is None:
        raise GradingError(NO_PRESIDENT)
    if not session.assignments:
        raise GradingError("Aucun dépôt n'est affecté à cette session : il n'y a rien à délibérer.")
    session.deliberation_started_at = utcnow()
    audit.record("deliberation.started", "session", session.id, actor=actor, session_id=session.id,
                 after={"president": session.president.user.full_name})
    db.session.commit()


def propose(rule: DecisionRule, comparison: BlocComparison) -> Outcome | None:
    """What the rule suggests from the handed-in grids; None when no grid is handed in."""
    verdicts = [v for row in comparison.rows for v in row.verdicts]
    if not comparison.rows or not any(c.submitted for c in comparison.rows[0].cells):
        return None
    if any(v in (None, Verdict.NOT_EVALUATED.value) for v in verdicts):
        return Outcome.ADJOURNED  # something could not be evaluated
    if rule is DecisionRule.ALL_ACQUIRED:
        ok = all(v == Verdict.ACQUIRED.value for v in verdicts)
    else:
        ok = all(v != Verdict.NOT_ACQUIRED.value for v in verdicts)
    return Outcome.VALIDATED if ok else Outcome.NOT_VALIDATED


def effective_decision(assignment: SessionAssignment, bloc_id: int) -> BlocDecision | None:
    """The bloc's decision as it stands: the last link of its correction chain."""
    chain = [d for d in assignment.decisions if d.bloc_id == bloc_id]
    corrected = {d.corrects_id for d in chain if d.corrects_id}
    current = [d for d in chain if d.id not in corrected]
    return current[0] if current else None


def decision_history(assignment: SessionAssignment, bloc_id: int) -> list[BlocDecision]:
    """The original decision then each correction, oldest first."""
    return sorted((d for d in assignment.decisions if d.bloc_id == bloc_id), key=lambda d: d.id)


def missing_decisions(session: JurySession) -> list[tuple[SessionAssignment, Bloc]]:
    """The (assignment, bloc) pairs of the session that have no decision yet."""
    return [(a, b) for a in session.assignments for b in session.blocs if effective_decision(a, b.id) is None]


@dataclass
class BlocDeliberation:
    """What the president reads for one bloc: the grids side by side, the rule's proposal, the
    decision as it stands and its history."""

    comparison: BlocComparison
    proposal: Outcome | None
    decision: BlocDecision | None
    history: list[BlocDecision]


def deliberation_of(assignment: SessionAssignment) -> list[BlocDeliberation]:
    rule = assignment.session.rule
    return [
        BlocDeliberation(
            c, propose(rule, c), effective_decision(assignment, c.bloc.id), decision_history(assignment, c.bloc.id),
        )
        for c in compare_grids(assignment)
    ]


def _decision_state(decision: BlocDecision) -> dict:
    return {
        "assignment_id": decision.assignment_id, "bloc": decision.bloc.code, "outcome": decision.outcome,
        "justification": decision.justification, "proposed": decision.proposed_outcome,
        "override_reason": decision.override_reason, "corrects_id": decision.corrects_id,
        "correction_reason": decision.correction_reason,
    }


def _parse_outcome(raw: str) -> Outcome:
    try:
        return Outcome(raw)
    except ValueError:
        raise GradingError("Décision inconnue : choisissez validé, non validé ou ajourné.") from None


def decide(
    assignment: SessionAssignment, bloc: Bloc, outcome: str, justification: str, *, actor: User,
    override: bool = False, override_reason: str = "",
) -> BlocDecision:
    """Record (or change, until the minutes are signed) the jury's decision on one bloc."""
    session = assignment.session
    if session.is_signed:
        raise GradingError(
            "Le procès-verbal est signé : cette décision est définitive. Pour la corriger, utilisez « Rectifier la "
            "décision » en indiquant le motif.", 409
        )
    if session.deliberation_started_at is None:
        raise GradingError("La délibération n'est pas ouverte : le président doit l'ouvrir avant de décider.", 409)
    if bloc.id not in {b.id for b in session.blocs}:
        raise GradingError(f"Le bloc {bloc.code} n'est pas évalué dans cette session.", 400)
    value = _parse_outcome(outcome)
    justification = (justification or "").strip()
    if not justification:
        raise GradingError("La justification de la décision est obligatoire.")
    handed_in, members = submitted_grids(assignment)
    reason = (override_reason or "").strip() if override else ""
    if handed_in < members and not reason:
        raise GradingError(
            f"Toutes les grilles n'ont pas été remises ({handed_in} sur {members}). Pour décider malgré tout, cochez "
            "« Décider sans attendre toutes les grilles » et indiquez la raison."
        )
    comparison = next(c for c in compare_grids(assignment) if c.bloc.id == bloc.id)
    proposed = propose(session.rule, comparison)
    for attempt in range(MAX_ATTEMPTS):
        try:
            decision = effective_decision(assignment, bloc.id)
            before = _decision_state(decision) if decision else None
            if decision is None:
                decision = BlocDecision(assignment=assignment, bloc=bloc)
                db.session.add(decision)
            decision.outcome, decision.justification = value.value, justification
            decision.proposed_outcome = proposed.value if proposed else None
            decision.override_reason = reason or None
            decision.decided_by_id, decision.decided_at = actor.id, utcnow()
            db.session.flush()
            audit.record("decision.recorded", "decision", decision.id, actor=actor, session_id=session.id,
                         before=before, after=_decision_state(decision))
            db.session.commit()
            return decision
        except IntegrityError:
            db.session.rollback()  # a concurrent first decision won: update it instead
            db.session.refresh(assignment)
        except OperationalError:
            db.session.rollback()
            time.sleep(0.05 * (attempt + 1))
    raise GradingError("La décision n'a pas pu être enregistrée (accès concurrent). Réessayez.", 409)


def correct_decision(decision: BlocDecision, outcome: str, justification: str, reason: str, *, actor: User) -> BlocDecision:
    """After signature: a new decision linked to the one it corrects, with the reason."""
    session = decision.assignment.session
    if not session.is_signed:
        raise GradingError("Le procès-verbal n'est pas encore signé : modifiez directement la décision.", 409)
    if decision.correction is not None:
        raise GradingError("Cette décision a déjà été rectifiée : c'est la plus récente qui peut l'être.", 409)
    value = _parse_outcome(outcome)
    justification, reason = (justification or "").strip(), (reason or "").strip()
    if not reason:
        raise GradingError("Indiquez le motif de la rectification.")
    if not justification:
        raise GradingError("La justification de la décision est obligatoire.")
    correction = BlocDecision(
        assignment_id=decision.assignment_id, bloc_id=decision.bloc_id, outcome=value.value, justification=justification,
        proposed_outcome=decision.proposed_outcome, decided_by_id=actor.id, decided_at=utcnow(),
        corrects_id=decision.id, correction_reason=reason,
    )
    db.session.add(correction)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise GradingError("Cette décision vient d'être rectifiée par ailleurs : rechargez la page.", 409) from None
    audit.record("decision.corrected", "decision", correction.id, actor=actor, session_id=session.id,
                 before=_decision_state(decision), after=_decision_state(correction))
    _reopen_minutes(session, correction, actor)
    db.session.commit()
    return correction


def _reopen_minutes(session: JurySession, correction: BlocDecision, actor: User) -> None:
    """The signed minutes no longer say what the jury decided: every member confirms again.
    The signed version stays in the history, marked reopened with the correction's reason."""
    if session.is_reopened:
        return  # already awaiting confirmations: the next signature covers this correction too
    now = utcnow()
    session.minutes_reopened_at = now
    signed = db.session.scalar(
        select(MinutesSignature).where(MinutesSignature.session_id == session.id)
        .order_by(MinutesSignature.version.desc()).limit(1)
    )
    reason = f"Rectification du bloc {correction.bloc.code} de {correction.assignment.candidate.full_name} : " \
             f"{correction.correction_reason}"
    if signed is not None:
        signed.reopened_at, signed.reopened_reason = now, reason
    audit.record("minutes.reopened", "minutes", session.id, actor=actor, session_id=session.id,
                 before={"sha256": session.minutes_sha256}, after={"reason": reason})


# --- results across sessions -------------------------------------------------------------------

@dataclass
class BlocResult:
    bloc: Bloc
    decision: BlocDecision | None  # the one that counts: a validation if any, else the latest
    session: JurySession | None

    @property
    def acquired(self) -> bool:
        return self.decision is not None and self.decision.outcome == Outcome.VALIDATED.value


@dataclass
class CertificationResult:
    certification: Certification
    blocs: list[BlocResult]

    @property
    def granted(self) -> bool:
        return bool(self.blocs) and all(b.acquired for b in self.blocs)

    @property
    def decided(self) -> bool:
        return any(b.decision for b in self.blocs)


def signed_decisions_of(candidate: User, lineage: str) -> list[BlocDecision]:
    """Effective decisions of signed minutes (as last signed) on any version of this certification lineage."""
    rows = db.session.scalars(
        select(BlocDecision)
        .join(SessionAssignment, SessionAssignment.id == BlocDecision.assignment_id)
        .join(JurySession, JurySession.id == SessionAssignment.session_id)
        .join(Submission, Submission.id == SessionAssignment.submission_id)
        .join(Portfolio, Portfolio.id == Submission.portfolio_id)
        .join(Certification, Certification.id == Portfolio.certification_id)
        .where(
            Portfolio.candidate_id == candidate.id, Certification.lineage == lineage,
            JurySession.minutes_signed_at.is_not(None),
            # A correction counts once signed: while the minutes are reopened, the last signed
            # decision still stands.
            BlocDecision.decided_at <= JurySession.minutes_signed_at,
        )
        .order_by(JurySession.starts_at, BlocDecision.id)
    ).all()
    corrected = {d.corrects_id for d in rows if d.corrects_id}
    return [d for d in rows if d.id not in corrected]


def candidate_results(candidate: User) -> list[CertificationResult]:
    """Per certification lineage: each bloc of the latest version and what signed minutes say.

    A bloc validated in an earlier session stays acquired; blocs are matched across versions by code.
    """
    portfolios = db.session.scalars(
        select(Portfolio).where(Portfolio.candidate_id == candidate.id).order_by(Portfolio.created_at)
    ).all()
    latest: dict[str, Certification] = {}
    for portfolio in portfolios:
        certification = portfolio.certification
        known = latest.get(certification.lineage)
        if known is None or certification.version_number > known.version_number:
            latest[certification.lineage] = certification
    results = []
    for lineage, certification in latest.items():
        decisions = signed_decisions_of(candidate, lineage)
        blocs = []
        for bloc in certification.blocs:
            mine = [d for d in decisions if d.bloc.code == bloc.code]
            validated = [d for d in mine if d.outcome == Outcome.VALIDATED.value]
            chosen = validated[0] if validated else (mine[-1] if mine else None)
            blocs.append(BlocResult(bloc, chosen, chosen.assignment.session if chosen else None))
        results.append(CertificationResult(certification, blocs))
    return results


def acquired_bloc_codes(candidate: User, lineage: str) -> set[str]:
    return {d.bloc.code for d in signed_decisions_of(candidate, lineage) if d.outcome == Outcome.VALIDATED.value}
