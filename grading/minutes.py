"""The minutes of a session: their content (the session, its members, each interview and every
decision, never an accommodation), the confirmations of the members, and the signature once every
member confirmed the current text.

They hold: no member confirms before every interview they cover has taken place (unless the
president recorded why the jury decides without it); a correction after the signature reopens
every confirmation, and each signed version is kept (MinutesSignature).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from accounts.models import User
from core.timeutil import format_paris, utcnow
from extensions import db
from referentials.models import Bloc
from portfolio.submissions import canonical_json, snapshot_sha256

from grading import GradingError, audit
from grading.decisions import MAX_ATTEMPTS, effective_decision, missing_decisions
from grading.models import (
    BlocDecision, JuryMember, JurySession, MinutesConfirmation, MinutesSignature, SessionAssignment,
)
from grading.slots import pending_interviews
from grading.signals import announce, minutes_signed


def minutes_content(session: JurySession) -> dict:
    """What the members confirm: the session, its members and every decision (no accommodation)."""
    return {
        "session": {
            "id": session.id, "certification": session.certification.label,
            "starts_at": format_paris(session.starts_at, "%d/%m/%Y %H:%M"),
            "place": session.place, "video_link": session.video_link, "rule": session.rule.label,
        },
        "members": [
            {"name": m.user.full_name, "president": m.is_president, "external": m.is_external} for m in session.members
        ],
        "candidates": [
            {
                "name": a.candidate.full_name, "submission": a.submission.number, "snapshot_sha256": a.submission.snapshot_sha256,
                "interview": _interview(a), "interview_waiver": a.interview_waiver or "",
                "blocs": [_minutes_decision(b, effective_decision(a, b.id)) for b in session.blocs],
            }
            for a in session.assignments
        ],
    }


def _interview(assignment: SessionAssignment) -> str:
    slot = assignment.slot
    if slot is None:
        return ""
    return f"{format_paris(slot.starts_at, '%d/%m/%Y %H:%M')}–{format_paris(slot.ends_at, '%H:%M')}"


def _minutes_decision(bloc: Bloc, decision: BlocDecision | None) -> dict:
    entry = {"bloc": bloc.code, "title": bloc.title}
    if decision is not None:
        entry |= {
            "decision": decision.outcome_label, "justification": decision.justification,
            "override_reason": decision.override_reason or "",
        }
        if decision.corrects_id is not None:
            entry["correction_reason"] = decision.correction_reason or ""
    return entry


def minutes_text(session: JurySession) -> str:
    """The minutes as canonical JSON: the signed text while it stands, else the current one."""
    return session.minutes_text if session.minutes_stand else canonical_json(minutes_content(session))


def minutes_hash(session: JurySession) -> str:
    return session.minutes_sha256 if session.minutes_stand else snapshot_sha256(minutes_text(session))


@dataclass
class MemberConfirmation:
    member: JuryMember
    confirmation: MinutesConfirmation | None  # for the current text, if any


def confirmations(session: JurySession) -> list[MemberConfirmation]:
    current = minutes_hash(session)
    rows = db.session.scalars(
        select(MinutesConfirmation).where(
            MinutesConfirmation.session_id == session.id, MinutesConfirmation.content_sha256 == current
        )
    )
    by_user = {c.user_id: c for c in rows}
    return [MemberConfirmation(m, by_user.get(m.user_id)) for m in session.members]


def confirm_minutes(session: JurySession, user: User, shown_sha256: str) -> MinutesConfirmation:
    """One member acknowledges the minutes they read (identified by the hash shown to them)."""
    if session.member_for(user) is None:
        raise GradingError("Vous ne siégez pas dans cette session.", 403)
    if session.minutes_stand:
        raise GradingError("Le procès-verbal est déjà signé.", 409)
    if session.deliberation_started_at is None:
        raise GradingError("La délibération n'est pas ouverte : il n'y a pas encore de procès-verbal à confirmer.", 409)
    missing = missing_decisions(session)
    if missing:
        raise GradingError(f"Le procès-verbal n'est pas complet : il manque {len(missing)} décision(s) de bloc.", 409)
    pending = pending_interviews(session)
    if pending:
        raise GradingError(interviews_refusal(pending), 409)
    current = minutes_hash(session)
    if shown_sha256 != current:
        raise GradingError(
            "Le procès-verbal a changé depuis que vous l'avez affiché : relisez-le puis confirmez à nouveau.", 409
        )
    existing = next((c.confirmation for c in confirmations(session) if c.member.user_id == user.id), None)
    if existing is not None:
        return existing
    confirmation = MinutesConfirmation(
        session_id=session.id, user_id=user.id, user_name=user.full_name, user_email=user.email,
        content_sha256=current, confirmed_at=utcnow(),
    )
    db.session.add(confirmation)
    db.session.flush()
    audit.record("minutes.confirmed", "minutes", confirmation.id, actor=user, session_id=session.id,
                 after={"sha256": current, "email": user.email})
    db.session.commit()
    _sign_if_complete(session.id)
    return confirmation


def interviews_refusal(pending: list[tuple[SessionAssignment, str]]) -> str:
    reasons = " ; ".join(why for _, why in pending)
    return (
        f"Le procès-verbal ne peut pas encore être confirmé : {reasons}. Il se confirme après les entretiens ; "
        "si le jury décide sans entretien (par exemple sur dossier), le président en indique la raison sur la "
        "page de délibération du candidat."
    )


def _sign_if_complete(session_id: int) -> None:
    """Sign the minutes once every current member confirmed the current text (idempotent); each
    signature is kept as the next version."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            session = db.session.scalar(select(JurySession).where(JurySession.id == session_id).with_for_update())
            db.session.refresh(session)
            if session.minutes_stand or not all(c.confirmation for c in confirmations(session)):
                db.session.commit()
                return
            text = minutes_text(session)
            now = utcnow()
            session.minutes_text, session.minutes_sha256 = text, snapshot_sha256(text)
            session.minutes_signed_at, session.minutes_reopened_at = now, None
            version = len(signatures_of(session)) + 1
            db.session.add(MinutesSignature(
                session_id=session.id, version=version, text=text, sha256=session.minutes_sha256, signed_at=now,
            ))
            audit.record("minutes.signed", "minutes", session.id, actor=None, session_id=session.id,
                         after={"sha256": session.minutes_sha256, "members": len(session.members), "version": version})
            db.session.commit()
            announce(minutes_signed, session=session, version=version)
            return
        except OperationalError:
            db.session.rollback()
            time.sleep(0.05 * (attempt + 1))


def signatures_of(session: JurySession) -> list[MinutesSignature]:
    """Every signed version of the minutes, oldest first."""
    return list(db.session.scalars(
        select(MinutesSignature).where(MinutesSignature.session_id == session.id).order_by(MinutesSignature.version)
    ))


@dataclass
class SignedVersion:
    signature: MinutesSignature
    content: dict


def corrections_of(session: JurySession) -> list[BlocDecision]:
    """The corrections made after the signature (each a decision correcting another), oldest first."""
    return sorted((d for a in session.assignments for d in a.decisions if d.corrects_id is not None), key=lambda d: d.id)


@dataclass
class MinutesPage:
    """The minutes as a member reads them."""

    content: dict
    sha256: str
    status: list[MemberConfirmation]
    mine: MemberConfirmation | None  # the reader's line, when they sit in the session
    missing: list[tuple[SessionAssignment, Bloc]]
    corrections: list[BlocDecision]
    pending_interviews: list[tuple[SessionAssignment, str]]
    history: list[SignedVersion]  # every signed version, oldest first

    @property
    def confirmable(self) -> bool:
        return not self.missing and not self.pending_interviews


def minutes_page(session: JurySession, reader: User | None = None) -> MinutesPage:
    """The minutes as `reader` reads them (the document export passes no reader)."""
    status = confirmations(session)
    return MinutesPage(
        content=json.loads(minutes_text(session)), sha256=minutes_hash(session), status=status,
        mine=next((c for c in status if reader is not None and c.member.user_id == reader.id), None),
        missing=missing_decisions(session), corrections=corrections_of(session),
        pending_interviews=pending_interviews(session),
        history=[SignedVersion(s, json.loads(s.text)) for s in signatures_of(session)],
    )
