"""Evidence operations: create, describe, delete (softly), claims, deliverables, status, comments.

Uploads of files live in evidence/uploads.py; this module never touches object storage.
Portfolios sit above evidence (portfolio/): they are reached through `Evidence.portfolio`, and a
portfolio passed in is only read for its id.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from accounts.models import User
from core.timeutil import utcnow
from extensions import db
from referentials.models import Criterion, Deliverable

from evidence.models import AcquisitionContext, Claim, ClaimRevision, Comment, Evidence, EvidenceStatus, StatusChange
from evidence.signals import announce, comment_added, evidence_reopened, review_requested, status_changed


class EvidenceError(Exception):
    """A refused evidence operation; the message is French and safe to show."""


class ClaimAlreadyTagged(EvidenceError):
    """The criterion is already tagged: the candidate must say whether the new justification
    replaces the one written before (kept in the claim's history) or is dropped."""

    def __init__(self, claim: Claim, justification: str):
        self.claim = claim
        self.justification = justification
        super().__init__(
            f"Cette preuve est déjà rattachée au critère {claim.criterion.label} : "
            "choisissez de remplacer la justification ou de garder l'ancienne."
        )


# What the candidate answers when the criterion is already tagged.
REPLACE_JUSTIFICATION = "replace"
KEEP_JUSTIFICATION = "keep"


# --- validated evidence that changes goes back to the tutor --------------------------------------

def reopen_if_approved(evidence: Evidence, by: User | None) -> bool:
    """Within the caller's transaction: a change to validated evidence puts it back to "à revoir"
    (REVISED), recorded as a status change. True when it did; the caller announces it after commit."""
    if evidence.status != EvidenceStatus.APPROVED.value:
        return False
    db.session.add(StatusChange(
        evidence_id=evidence.id, from_status=EvidenceStatus.APPROVED.value, to_status=EvidenceStatus.REVISED.value,
        changed_by_id=getattr(by, "id", None), changed_at=utcnow(),
    ))
    evidence.status = EvidenceStatus.REVISED.value
    return True


def announce_reopened(evidence: Evidence, by: User | None) -> None:
    announce(evidence_reopened, evidence=evidence, by=by)


def commit_change(evidence: Evidence, by: User | None) -> None:
    """Commit a change to `evidence` (its description, claims, deliverables or files), sending it
    back to the tutor first when it was validated."""
    reopened = reopen_if_approved(evidence, by)
    db.session.commit()
    if reopened:
        announce_reopened(evidence, by)


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


def create_evidence(portfolio, fields: EvidenceFields) -> Evidence:
    """A new evidence in `portfolio` (a portfolio.models.Portfolio), numbered after the last one."""
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


def update_evidence(evidence: Evidence, fields: EvidenceFields, by: User | None = None) -> Evidence:
    _check(fields)
    changed = False
    for name, value in _clean(fields).items():
        if getattr(evidence, name) != value:
            setattr(evidence, name, value)
            changed = True
    if changed:
        commit_change(evidence, by)
    return evidence


def delete_evidence(evidence: Evidence) -> None:
    """Soft delete: the evidence leaves the draft; submissions that froze it keep it."""
    evidence.deleted_at = utcnow()
    db.session.commit()


def restore_evidence(evidence: Evidence) -> None:
    evidence.deleted_at = None
    db.session.commit()


# --- claims and deliverables ----------------------------------------------------------------

def add_claim(
    evidence: Evidence, criterion_id: int, justification: str, *, on_existing: str | None = None, by: User | None = None
) -> Claim:
    """Tie the evidence to a criterion of its own certification, with the candidate's justification.

    When the criterion is already tagged, nothing is overwritten silently: without `on_existing`
    this raises ClaimAlreadyTagged; REPLACE_JUSTIFICATION keeps the old text in the claim's
    history and puts the new one, KEEP_JUSTIFICATION leaves the claim as it was.
    """
    criterion = db.session.get(Criterion, criterion_id)
    if criterion is None or criterion.certification_id != evidence.portfolio.certification_id:
        raise EvidenceError("Ce critère n'appartient pas au référentiel de votre certification.")
    if not justification.strip():
        raise EvidenceError("Expliquez en quoi cette preuve démontre le critère (justification obligatoire).")
    existing = db.session.scalar(select(Claim).where(Claim.evidence_id == evidence.id, Claim.criterion_id == criterion_id))
    if existing:
        if on_existing == KEEP_JUSTIFICATION:
            return existing
        if on_existing != REPLACE_JUSTIFICATION:
            raise ClaimAlreadyTagged(existing, justification.strip())
        return update_claim(existing, justification, by=by)
    claim = Claim(evidence_id=evidence.id, criterion_id=criterion_id, justification=justification.strip())
    db.session.add(claim)
    commit_change(evidence, by)
    return claim


def update_claim(claim: Claim, justification: str, by: User | None = None) -> Claim:
    """A new justification; the one it replaces is kept (ClaimRevision)."""
    if not justification.strip():
        raise EvidenceError("La justification ne peut pas être vide.")
    text = justification.strip()
    if text == claim.justification:
        return claim
    db.session.add(ClaimRevision(
        claim_id=claim.id, evidence_id=claim.evidence_id, criterion_id=claim.criterion_id,
        justification=claim.justification, written_at=claim.updated_at or claim.created_at,
        replaced_by_id=getattr(by, "id", None), replaced_at=utcnow(),
    ))
    claim.justification = text
    commit_change(claim.evidence, by)
    return claim


def remove_claim(claim: Claim, by: User | None = None) -> None:
    """Untag; the justification is kept in the history like a replaced one."""
    evidence = claim.evidence
    db.session.add(ClaimRevision(
        claim_id=None, evidence_id=claim.evidence_id, criterion_id=claim.criterion_id,
        justification=claim.justification, written_at=claim.updated_at or claim.created_at,
        replaced_by_id=getattr(by, "id", None), replaced_at=utcnow(),
    ))
    db.session.delete(claim)
    commit_change(evidence, by)


def set_deliverables(evidence: Evidence, deliverable_ids: set[int], by: User | None = None) -> None:
    deliverables = db.session.scalars(select(Deliverable).where(Deliverable.id.in_(deliverable_ids))).all() if deliverable_ids else []
    certification_id = evidence.portfolio.certification_id
    if len(deliverables) != len(deliverable_ids) or any(
        d.evaluation.bloc.certification_id != certification_id for d in deliverables
    ):
        raise EvidenceError("Un des livrables choisis n'appartient pas au référentiel de votre certification.")
    if {d.id for d in evidence.deliverables} == {d.id for d in deliverables}:
        return
    evidence.deliverables = list(deliverables)
    commit_change(evidence, by)


def find_criteria(certification_id: int, text: str, limit: int = 30) -> list[Criterion]:
    """Criteria of a certification whose code, key, heading or text contain every word typed."""
    query = select(Criterion).where(Criterion.certification_id == certification_id)
    for word in text.split()[:8]:
        pattern = f"%{word}%"
        query = query.where(
            Criterion.code.ilike(pattern) | Criterion.key.ilike(pattern) | Criterion.text.ilike(pattern) | Criterion.heading.ilike(pattern)
        )
    return list(db.session.scalars(query.order_by(Criterion.key).limit(limit)))


# --- review status and comments ---------------------------------------------------------------

# Who may move an evidence from one status to another.
CANDIDATE_TRANSITIONS = {
    (EvidenceStatus.DRAFT, EvidenceStatus.READY),
    (EvidenceStatus.CHANGES_REQUESTED, EvidenceStatus.READY),
    (EvidenceStatus.READY, EvidenceStatus.DRAFT),
}
REVIEWER_TRANSITIONS = {
    (EvidenceStatus.REVISED, EvidenceStatus.APPROVED),
    (EvidenceStatus.REVISED, EvidenceStatus.CHANGES_REQUESTED),
    (EvidenceStatus.READY, EvidenceStatus.CHANGES_REQUESTED),
    (EvidenceStatus.READY, EvidenceStatus.APPROVED),
    (EvidenceStatus.APPROVED, EvidenceStatus.CHANGES_REQUESTED),
    (EvidenceStatus.CHANGES_REQUESTED, EvidenceStatus.APPROVED),
}


def change_status(evidence: Evidence, new_status: str, by: User, as_reviewer: bool) -> StatusChange:
    try:
        target = EvidenceStatus(new_status)
    except ValueError:
        raise EvidenceError("Statut inconnu.") from None
    current = EvidenceStatus(evidence.status)
    allowed = REVIEWER_TRANSITIONS if as_reviewer else CANDIDATE_TRANSITIONS
    if (current, target) not in allowed:
        raise EvidenceError(f"Passage de « {current.label} » à « {target.label} » impossible.")
    change = StatusChange(
        evidence_id=evidence.id, from_status=current.value, to_status=target.value, changed_by_id=by.id, changed_at=utcnow()
    )
    evidence.status = target.value
    db.session.add(change)
    db.session.commit()
    if target == EvidenceStatus.READY:
        announce(review_requested, evidence=evidence, by=by)
    elif as_reviewer:
        announce(status_changed, evidence=evidence, change=change)
    return change


def add_comment(evidence: Evidence, author: User, body: str, parent_id: int | None = None, claim_id: int | None = None) -> Comment:
    body = body.strip()
    if not body:
        raise EvidenceError("Le commentaire est vide.")
    if len(body) > 10_000:
        raise EvidenceError("Le commentaire dépasse 10 000 caractères.")
    if parent_id is not None:
        parent = db.session.get(Comment, parent_id)
        if parent is None or parent.evidence_id != evidence.id:
            raise EvidenceError("Le commentaire auquel vous répondez n'existe plus.")
        # Threads are one level deep: a reply to a reply joins the same thread.
        parent_id = parent.parent_id or parent.id
    if claim_id is not None:
        claim_row = db.session.get(Claim, claim_id)
        if claim_row is None or claim_row.evidence_id != evidence.id:
            raise EvidenceError("Ce rattachement n'appartient pas à cette preuve.")
    comment = Comment(evidence_id=evidence.id, author_id=author.id, body=body, parent_id=parent_id, claim_id=claim_id)
    # The candidate's own words are never "unread" for them.
    if author.id == evidence.portfolio.candidate_id:
        comment.read_by_candidate_at = utcnow()
    db.session.add(comment)
    db.session.commit()
    announce(comment_added, comment=comment)
    return comment


def comment_threads(evidence: Evidence) -> list[Comment]:
    return list(
        db.session.scalars(
            select(Comment).where(Comment.evidence_id == evidence.id, Comment.parent_id.is_(None)).order_by(Comment.created_at)
        )
    )


def mark_comments_read(evidence: Evidence, reader: User) -> None:
    if reader.id != evidence.portfolio.candidate_id:
        return
    now = utcnow()
    rows = db.session.scalars(select(Comment).where(Comment.evidence_id == evidence.id, Comment.read_by_candidate_at.is_(None)))
    changed = False
    for row in rows:
        row.read_by_candidate_at = now
        changed = True
    if changed:
        db.session.commit()


def unread_comments_for_candidate(candidate: User) -> list[Comment]:
    return list(
        db.session.scalars(
            select(Comment)
            .join(Comment.evidence)
            .where(Evidence.portfolio.has(candidate_id=candidate.id), Comment.read_by_candidate_at.is_(None))
            .order_by(Comment.created_at.desc())
        )
    )


# What a tutor has to look at: the candidate asked for a review, or validated evidence changed since.
AWAITING_REVIEW = (EvidenceStatus.READY.value, EvidenceStatus.REVISED.value)


def awaiting_review_counts(portfolio_ids: list[int]) -> dict[int, int]:
    """portfolio id → how many of its evidence items wait for the tutor's review (absent when none)."""
    if not portfolio_ids:
        return {}
    rows = db.session.execute(
        select(Evidence.portfolio_id, func.count(Evidence.id))
        .where(Evidence.portfolio_id.in_(portfolio_ids), Evidence.status.in_(AWAITING_REVIEW))
        .group_by(Evidence.portfolio_id)
    )
    return {portfolio_id: count for portfolio_id, count in rows}
