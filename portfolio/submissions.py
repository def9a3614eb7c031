"""Submissions: a frozen, hashed snapshot of a portfolio sent to the jury.

The snapshot copies every text the jury reads (titles, descriptions, justifications) and points at
immutable EvidenceVersion rows, so later edits to the draft never reach it. Since format 2 it also
records, under "readiness", the gaps the candidate saw and accepted when submitting
(portfolio/readiness.py); blank evidence (no file, no claim) is left out unless kept. Since format 3
each claim lists its anchors (the part of a file version it points to, evidence/anchors.py), with the
version's object and hash, so that an anchor changed before submitting changes the hash and a frozen
submission is cut from its snapshot, never from live rows.
"""
from __future__ import annotations

import hashlib
import json

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from accounts.models import User
from core.timeutil import utcnow
from evidence.models import Claim, ClaimAnchor, Evidence, EvidenceFile
from extensions import db

from referentials.models import Criterion
from portfolio.models import Portfolio, Submission
from portfolio.readiness import readiness_of
from portfolio.signals import announce, submission_received

SNAPSHOT_FORMAT = 3
CHANGED_SINCE_SUMMARY = (
    "Votre portefeuille a changé depuis le récapitulatif que vous avez confirmé : relisez-le, puis confirmez à nouveau le dépôt."
)


class SubmissionError(Exception):
    """A refused submission; the message is French and safe to show."""


def canonical_json(data: dict) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def snapshot_sha256(snapshot_text: str) -> str:
    return hashlib.sha256(snapshot_text.encode("utf-8")).hexdigest()


def build_snapshot(portfolio: Portfolio, left_out: set[int] = frozenset()) -> dict:
    """The portfolio as the jury will read it, without the evidence ids in `left_out`."""
    evidence = db.session.scalars(
        select(Evidence)
        .where(Evidence.portfolio_id == portfolio.id, Evidence.deleted_at.is_(None), Evidence.id.not_in(sorted(left_out)))
        .order_by(Evidence.number)
        .options(
            selectinload(Evidence.files).selectinload(EvidenceFile.versions),
            selectinload(Evidence.claims).selectinload(Claim.criterion),
            selectinload(Evidence.claims).selectinload(Claim.anchors).selectinload(ClaimAnchor.version),
            selectinload(Evidence.deliverables),
        )
    ).all()
    certification = portfolio.certification
    return {
        "format": SNAPSHOT_FORMAT,
        "portfolio_id": portfolio.id,
        "candidate": {"id": portfolio.candidate.id, "name": portfolio.candidate.full_name},
        "certification": {"id": certification.id, "code": certification.code, "version": certification.version_number},
        "presentation": portfolio.presentation,
        "evidence": [_evidence_snapshot(item) for item in evidence],
    }


def _evidence_snapshot(evidence: Evidence) -> dict:
    versions = []
    for file in evidence.files:
        if file.removed_at is not None or file.current is None:
            continue
        v = file.current
        versions.append(
            {
                "id": v.id, "file_id": file.id, "number": v.number, "filename": v.filename,
                "media_type": v.media_type, "size": v.size, "sha256": v.sha256,
                "backend": v.backend, "object_key": v.object_key,
            }
        )
    return {
        "id": evidence.id, "number": evidence.number, "title": evidence.title, "description": evidence.description,
        "context": evidence.context, "organisation": evidence.organisation, "period": evidence.period,
        "confidentiality_note": evidence.confidentiality_note, "status": evidence.status,
        "versions": versions,
        "claims": sorted(
            (
                {"criterion_id": c.criterion_id, "criterion_key": c.criterion.key, "justification": c.justification,
                 "anchors": [_anchor_snapshot(a) for a in c.anchors]}
                for c in evidence.claims
            ),
            key=lambda c: c["criterion_key"],
        ),
        "deliverable_ids": sorted(d.id for d in evidence.deliverables),
    }


def _anchor_snapshot(anchor: ClaimAnchor) -> dict:
    v = anchor.version
    return {
        "id": anchor.id, "kind": anchor.kind, "version_id": v.id, "version_number": v.number, "sha256": v.sha256,
        "filename": v.filename, "media_type": v.media_type, "object_key": v.object_key, "backend": v.backend,
        **anchor.location,
    }


def submit_portfolio(portfolio: Portfolio, submitted_by: User, *, kept_blank_ids: set[int] = frozenset(),
                     readiness_token: str | None = None) -> Submission:
    """Freeze the portfolio as it is now into a new numbered submission.

    Blank evidence is left out unless its id is in `kept_blank_ids`; the gaps of the dossier as
    sent are recorded in the snapshot. With `readiness_token` (the summary the candidate
    confirmed), a portfolio that changed since is refused.
    """
    readiness = readiness_of(portfolio)
    if readiness_token is not None and readiness_token != readiness.token:
        raise SubmissionError(CHANGED_SINCE_SUMMARY)
    record, left_out = readiness.record(portfolio, set(kept_blank_ids))
    snapshot = build_snapshot(portfolio, left_out)
    if not snapshot["evidence"]:
        if left_out:
            raise SubmissionError(
                "Toutes vos preuves sont vides (ni fichier, ni critère) : complétez-les, ou cochez celles à garder, avant de déposer."
            )
        raise SubmissionError("Le portefeuille ne contient aucune preuve : ajoutez des preuves avant de le déposer.")
    snapshot["readiness"] = record
    text = canonical_json(snapshot)
    number = (db.session.scalar(select(func.max(Submission.number)).where(Submission.portfolio_id == portfolio.id)) or 0) + 1
    submission = Submission(
        portfolio_id=portfolio.id, number=number, submitted_at=utcnow(), submitted_by_id=submitted_by.id,
        snapshot=text, snapshot_sha256=snapshot_sha256(text),
    )
    db.session.add(submission)
    db.session.commit()
    announce(submission_received, submission=submission)
    return submission


def snapshot_of(submission: Submission) -> dict:
    return json.loads(submission.snapshot)


def verify_submission(submission: Submission) -> bool:
    """True when the stored snapshot still hashes to the recorded SHA-256."""
    return snapshot_sha256(submission.snapshot) == submission.snapshot_sha256


def criteria_by_id(submission: Submission) -> dict[int, Criterion]:
    ids = {c["criterion_id"] for e in snapshot_of(submission)["evidence"] for c in e["claims"]}
    return {c.id: c for c in db.session.scalars(select(Criterion).where(Criterion.id.in_(ids)))} if ids else {}
