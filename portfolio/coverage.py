"""Coverage of a portfolio: which criteria and deliverables have evidence, and how far along.

Built from a fixed number of queries whatever the number of evidence items, so the portfolio page
stays fast for large portfolios (see bench/pages.py).
"""
from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from evidence.filetypes import file_type_of
from evidence.models import Claim, Evidence, EvidenceFile, EvidenceStatus, EvidenceVersion, evidence_deliverables
from extensions import db

from referentials.models import Bloc, Criterion, Deliverable, Evaluation
from portfolio.models import Portfolio

# Rough page counts per element, for the dossier estimate shown before the real export exists.
FIXED_PAGES = 4  # title page, contents, presentation, correspondence table
PAGES_PER_EVIDENCE = 1.0
PAGES_PER_IMAGE = 0.5
PAGES_PER_TEXT_KB = 0.25
MAX_TEXT_PAGES_PER_FILE = 4


class CoverageStatus(enum.StrEnum):
    MISSING = "missing"
    CHANGES_ONLY = "changes_only"
    COVERED = "covered"
    APPROVED = "approved"

    @property
    def label(self) -> str:
        return {
            "missing": "Aucune preuve",
            "changes_only": "Preuves à reprendre",
            "covered": "Couvert",
            "approved": "Couvert et validé",
        }[self.value]


@dataclass
class EvidenceRef:
    id: int
    number: int
    title: str
    status: str

    @property
    def status_label(self) -> str:
        return EvidenceStatus(self.status).label


@dataclass
class CriterionCoverage:
    criterion: Criterion
    evidence: list[EvidenceRef]

    @property
    def status(self) -> CoverageStatus:
        statuses = {e.status for e in self.evidence}
        if not statuses:
            return CoverageStatus.MISSING
        if statuses == {EvidenceStatus.CHANGES_REQUESTED.value}:
            return CoverageStatus.CHANGES_ONLY
        if EvidenceStatus.APPROVED.value in statuses:
            return CoverageStatus.APPROVED
        return CoverageStatus.COVERED


@dataclass
class BlocCoverage:
    bloc: Bloc
    criteria: list[CriterionCoverage]
    deliverables_missing: list[Deliverable]
    deliverables_total: int

    @property
    def covered(self) -> int:
        return sum(1 for c in self.criteria if c.status in (CoverageStatus.COVERED, CoverageStatus.APPROVED))


@dataclass
class Coverage:
    blocs: list[BlocCoverage]
    evidence: list[EvidenceRef]
    estimated_pages: int
    minimum_pages: int | None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def criteria_total(self) -> int:
        return sum(len(b.criteria) for b in self.blocs)

    @property
    def missing_total(self) -> int:
        return self.counts.get(CoverageStatus.MISSING.value, 0)


def compute_coverage(portfolio: Portfolio) -> Coverage:
    blocs = db.session.scalars(
        select(Bloc)
        .where(Bloc.certification_id == portfolio.certification_id)
        .order_by(Bloc.position)
        .options(
            selectinload(Bloc.evaluations).selectinload(Evaluation.criteria),
            selectinload(Bloc.evaluations).selectinload(Evaluation.deliverables),
        )
    ).all()
    live = db.session.execute(
        select(Evidence.id, Evidence.number, Evidence.title, Evidence.status)
        .where(Evidence.portfolio_id == portfolio.id, Evidence.deleted_at.is_(None))
        .order_by(Evidence.number)
    ).all()
    refs = {row.id: EvidenceRef(row.id, row.number, row.title, row.status) for row in live}
    claims_by_criterion: dict[int, list[EvidenceRef]] = defaultdict(list)
    for evidence_id, criterion_id in db.session.execute(
        select(Claim.evidence_id, Claim.criterion_id).join(Evidence).where(
            Evidence.portfolio_id == portfolio.id, Evidence.deleted_at.is_(None)
        )
    ):
        claims_by_criterion[criterion_id].append(refs[evidence_id])
    provided = set(
        db.session.scalars(
            select(evidence_deliverables.c.deliverable_id)
            .join(Evidence, Evidence.id == evidence_deliverables.c.evidence_id)
            .where(Evidence.portfolio_id == portfolio.id, Evidence.deleted_at.is_(None))
        )
    )

    result: list[BlocCoverage] = []
    counts: dict[str, int] = defaultdict(int)
    for bloc in blocs:
        rows = []
        deliverables = []
        for evaluation in bloc.evaluations:
            deliverables.extend(evaluation.deliverables)
            for criterion in evaluation.criteria:
                row = CriterionCoverage(criterion, sorted(claims_by_criterion.get(criterion.id, []), key=lambda e: e.number))
                counts[row.status.value] += 1
                rows.append(row)
        missing = [d for d in deliverables if d.id not in provided]
        result.append(BlocCoverage(bloc, rows, missing, len(deliverables)))

    return Coverage(
        blocs=result,
        evidence=list(refs.values()),
        estimated_pages=estimate_pages(portfolio, evidence_count=len(refs)),
        minimum_pages=portfolio.certification.dossier_min_pages,
        counts=dict(counts),
    )


# The layout estimate: the page count of the dossier as the export lays it out, computed in the
# background (a job of this kind, whose result caches it) for the portfolio's current content.
# exports sets `layout_estimator` (it builds the dossier, above this package): start(portfolio, digest).
PAGE_ESTIMATE_JOB = "page-estimate"
layout_estimator = None


def layout_digest(portfolio: Portfolio) -> str:
    """A digest of what the dossier is made of now (evidence, files, claims, presentation)."""
    from portfolio.submissions import build_snapshot  # submissions imports this module

    return snapshot_digest(build_snapshot(portfolio))


def snapshot_digest(snapshot: dict) -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps(snapshot, sort_keys=True, default=str).encode()).hexdigest()


def _estimate_jobs(portfolio: Portfolio) -> list:
    """The portfolio's latest estimate jobs, newest first (filtered in SQL: the newest jobs of all
    portfolios may hold none of this one's)."""
    from jobs.models import Job

    return db.session.scalars(
        select(Job)
        .where(Job.kind == PAGE_ESTIMATE_JOB, Job.params["portfolio_id"].as_integer() == portfolio.id)
        .order_by(Job.created_at.desc())
        .limit(20)
    ).all()


def _laid_out(job, digest: str) -> bool:
    """Whether `job` laid out (or was queued for) the content of this digest. A job lays out the
    content as it is when it runs, and names it in its result."""
    result = job.result if isinstance(job.result, dict) else {}
    return result.get("digest", (job.params or {}).get("digest")) == digest


def layout_pages(portfolio: Portfolio, digest: str | None = None) -> int | None:
    """The cached page count of the dossier as laid out for the portfolio's current content; None
    while it is not computed yet."""
    if layout_estimator is None:
        return None
    digest = digest or layout_digest(portfolio)
    for job in _estimate_jobs(portfolio):
        if job.state == "done" and isinstance(job.result, dict) and job.result.get("pages") and _laid_out(job, digest):
            return int(job.result["pages"])
    return None


def refresh_layout_estimate(portfolio: Portfolio) -> None:
    """Start the background layout estimate when the portfolio changed since the last one (views
    call it; never inside another transaction: queueing commits). One job at most waits per
    portfolio: a queued one will lay out the content as it is when it runs, so changes made
    meanwhile add none."""
    if layout_estimator is None:
        return
    digest = layout_digest(portfolio)
    for job in _estimate_jobs(portfolio):
        if job.state == "queued" or _laid_out(job, digest):  # waiting, or this content: done, running or failed
            return
    layout_estimator(portfolio, digest)


def estimate_pages(portfolio: Portfolio, evidence_count: int) -> int:
    """The dossier's page count as laid out by the export, once the background estimate is done;
    until then, a rough count from the current files."""
    exact = layout_pages(portfolio)
    if exact is not None:
        return exact
    rows = db.session.execute(
        select(
            EvidenceFile.evidence_id, EvidenceVersion.filename, EvidenceVersion.media_type, EvidenceVersion.size,
            EvidenceVersion.number, EvidenceVersion.file_id,
        )
        .join(EvidenceVersion, EvidenceVersion.file_id == EvidenceFile.id)
        .join(Evidence, Evidence.id == EvidenceFile.evidence_id)
        .where(Evidence.portfolio_id == portfolio.id, Evidence.deleted_at.is_(None), EvidenceFile.removed_at.is_(None))
    ).all()
    current: dict[int, tuple] = {}
    for row in rows:
        if row.file_id not in current or row.number > current[row.file_id].number:
            current[row.file_id] = row
    pages = FIXED_PAGES + evidence_count * PAGES_PER_EVIDENCE
    for row in current.values():
        if file_type_of(row.filename, row.media_type).is_text:
            pages += min(MAX_TEXT_PAGES_PER_FILE, PAGES_PER_TEXT_KB * row.size / 1024)
        else:  # an image, or a file the dossier only names
            pages += PAGES_PER_IMAGE
    return round(pages)
