"""Evidence operations: create, describe, delete (softly), claims, deliverables, status, comments.

Uploads of files live in evidence/uploads.py; this module never touches object storage.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from core.timeutil import utcnow
from extensions import db
from portfolio.models import Portfolio

from .models import AcquisitionContext, Evidence, EvidenceStatus


class EvidenceError(Exception):
    """A refused evidence operation; the message is French and safe to show."""


@dataclass
class EvidenceFields:
    title: str
    description: str = ""
    context: str = AcquisitionContext.COMPANY.value
    organisation: str = ""
    period: str = ""
    confidentiality_note: str = ""


def _check(fields: EvidenceFields) -> None:
    if not fields.title.strip():
        raise EvidenceError("Le titre de la preuve est obligatoire.")
    if fields.context not in {c.value for c in AcquisitionContext}:
        raise EvidenceError("Contexte d'acquisition inconnu.")


def create_evidence(portfolio: Portfolio, fields: EvidenceFields) -> Evidence:
    _check(fields)
    # The number is taken under the portfolio's unique constraint; a concurrent insert retries once.
    for attempt in range(2):
        number = (db.session.scalar(select(func.max(Evidence.number)).where(Evidence.portfolio_id == portfolio.id)) or 0) + 1
        evidence = Evidence(portfolio_id=portfolio.id, number=number, **_clean(fields))
        db.session.add(evidence)
        try:
            db.session.commit()
            return evidence
        except Exception:
            db.session.rollback()
            if attempt:
                raise
    raise AssertionError("unreachable")


def _clean(fields: EvidenceFields) -> dict:
    return {
        "title": fields.title.strip()[:300],
        "description": fields.description.strip(),
        "context": fields.context,
        "organisation": fields.organisation.strip()[:300],
        "period": fields.period.strip()[:100],
        "confidentiality_note": fields.confidentiality_note.strip(),
    }


def update_evidence(evidence: Evidence, fields: EvidenceFields) -> Evidence:
    _check(fields)
    for name, value in _clean(fields).items():
        setattr(evidence, name, value)
    db.session.commit()
    return evidence


def delete_evidence(evidence: Evidence) -> None:
    """Soft delete: the evidence leaves the draft; submissions that froze it keep it."""
    evidence.deleted_at = utcnow()
    db.session.commit()


def restore_evidence(evidence: Evidence) -> None:
    evidence.deleted_at = None
    db.session.commit()


def live_evidence(portfolio: Portfolio) -> list[Evidence]:
    return list(
        db.session.scalars(
            select(Evidence).where(Evidence.portfolio_id == portfolio.id, Evidence.deleted_at.is_(None)).order_by(Evidence.number)
        )
    )
