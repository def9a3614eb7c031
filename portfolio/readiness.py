"""Readiness of a portfolio for submission: what the jury would miss, shown to the candidate
before they submit, confirmed by them, and recorded in the snapshot as the gaps they accepted.

    readiness = readiness_of(portfolio)       # the summary on the "Préparer le dépôt" page
    readiness.token                           # posted back: the summary the candidate confirmed
    readiness.record(kept_blank_ids)          # the snapshot's "readiness" entry

Blank evidence (no file and no claim) is left out of the snapshot unless the candidate keeps it.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from evidence.models import Claim, ClaimAnchor, Evidence, EvidenceFile, EvidenceVersion, evidence_deliverables
from extensions import db

from portfolio.coverage import Coverage, CoverageStatus, EvidenceRef, compute_coverage, estimate_pages
from portfolio.models import Portfolio
from referentials.models import Bloc, Criterion, Deliverable


@dataclass
class MissingDeliverable:
    bloc: Bloc
    deliverable: Deliverable


@dataclass
class Readiness:
    coverage: Coverage
    criteria_missing: list[tuple[Bloc, Criterion]]
    deliverables_missing: list[MissingDeliverable]
    without_file: list[EvidenceRef]
    without_claim: list[EvidenceRef]
    # Neither file nor claim: left out of the snapshot unless kept.
    blank: list[EvidenceRef]
    # Evidence id -> the deliverables it says it provides.
    deliverables_of: dict[int, set[int]] = field(default_factory=dict)
    # Evidence id -> ids of its anchors still on an older version of a file that has a newer one:
    # a warning (the jury sees them as they are), not a gap; the evidence page proposes the moves.
    anchors_on_older: dict[int, list[int]] = field(default_factory=dict)

    @property
    def anchors_on_older_count(self) -> int:
        return sum(len(ids) for ids in self.anchors_on_older.values())

    @property
    def evidence_with_older_anchors(self) -> list[tuple[EvidenceRef, int]]:
        """(evidence, how many of its anchors to move), in the order of the portfolio."""
        return [(e, len(self.anchors_on_older[e.id])) for e in self.coverage.evidence if e.id in self.anchors_on_older]

    @property
    def estimated_pages(self) -> int:
        return self.coverage.estimated_pages

    @property
    def minimum_pages(self) -> int | None:
        return self.coverage.minimum_pages

    @property
    def too_short(self) -> bool:
        return bool(self.minimum_pages and self.estimated_pages < self.minimum_pages)

    @property
    def complete(self) -> bool:
        return not (self.criteria_missing or self.deliverables_missing or self.without_file or self.without_claim or self.too_short)

    @property
    def token(self) -> str:
        """A digest of the summary: a submission confirmed on an older summary is refused."""
        payload = json.dumps(self._facts(), sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:32]

    def _facts(self) -> dict:
        facts = {
            "evidence": [e.id for e in self.coverage.evidence],
            "criteria": [c.id for _, c in self.criteria_missing],
            "deliverables": [m.deliverable.id for m in self.deliverables_missing],
            "without_file": [e.id for e in self.without_file],
            "without_claim": [e.id for e in self.without_claim],
            # Whether the dossier reaches the minimum, not the figure itself: the estimate is refined
            # in the background, and a finer figure must not void a confirmation it does not change.
            "too_short": [self.too_short, self.minimum_pages],
        }
        # Like the other warnings the candidate confirms (evidence without file or claim). Only when
        # there are some, so that the token of a summary without them is the same as before.
        if self.anchors_on_older:
            facts["anchors_on_older"] = sorted(i for ids in self.anchors_on_older.values() for i in ids)
        return facts

    def record(self, portfolio: Portfolio, kept_blank_ids: set[int]) -> tuple[dict, set[int]]:
        """(the snapshot's "readiness" entry, the ids of the evidence left out).

        The gaps are those of the dossier as sent: leaving blank evidence out may leave a
        deliverable it named without evidence, and shortens the page estimate.
        """
        left_out = {e.id for e in self.blank if e.id not in kept_blank_ids}
        sent = [e for e in self.coverage.evidence if e.id not in left_out]
        provided = set().union(*(self.deliverables_of.get(e.id, set()) for e in sent)) if sent else set()
        deliverables = [
            {"id": d.id, "bloc_code": b.bloc.code, "text": d.text}
            for b in self.coverage.blocs for d in _deliverables(b) if d.id not in provided
        ]
        numbers = {e.id: e.number for e in self.coverage.evidence}
        entry = {
            "confirmed": True,
            "criteria_missing": [{"id": c.id, "key": c.key, "code": c.code, "bloc_code": b.code} for b, c in self.criteria_missing],
            "deliverables_missing": deliverables,
            "evidence_without_file": [e.number for e in self.without_file if e.id not in left_out],
            "evidence_without_claim": [e.number for e in self.without_claim if e.id not in left_out],
            "blank_kept": sorted(numbers[i] for i in {e.id for e in self.blank} - left_out),
            "blank_left_out": sorted(numbers[i] for i in left_out),
            "estimated_pages": estimate_pages(portfolio, evidence_count=len(sent)),
            "minimum_pages": self.minimum_pages,
        }
        return entry, left_out


def _deliverables(bloc_coverage) -> list[Deliverable]:
    return [d for e in bloc_coverage.bloc.evaluations for d in e.deliverables]


def readiness_of(portfolio: Portfolio) -> Readiness:
    coverage = compute_coverage(portfolio)
    live = [e.id for e in coverage.evidence]
    with_file = set(db.session.scalars(
        select(EvidenceFile.evidence_id).join(EvidenceVersion, EvidenceVersion.file_id == EvidenceFile.id)
        .where(EvidenceFile.evidence_id.in_(live), EvidenceFile.removed_at.is_(None))
    )) if live else set()
    with_claim = set(db.session.scalars(select(Claim.evidence_id).where(Claim.evidence_id.in_(live)))) if live else set()
    deliverables_of: dict[int, set[int]] = {}
    if live:
        rows = db.session.execute(
            select(evidence_deliverables.c.evidence_id, evidence_deliverables.c.deliverable_id)
            .join(Evidence, Evidence.id == evidence_deliverables.c.evidence_id).where(Evidence.id.in_(live))
        )
        for evidence_id, deliverable_id in rows:
            deliverables_of.setdefault(evidence_id, set()).add(deliverable_id)
    without_file = [e for e in coverage.evidence if e.id not in with_file]
    anchors_on_older: dict[int, list[int]] = {}
    if live:
        newer = aliased(EvidenceVersion)
        rows = db.session.execute(
            select(Claim.evidence_id, ClaimAnchor.id)
            .join(Claim, Claim.id == ClaimAnchor.claim_id)
            .join(EvidenceVersion, EvidenceVersion.id == ClaimAnchor.version_id)
            .join(EvidenceFile, EvidenceFile.id == EvidenceVersion.file_id)
            .where(Claim.evidence_id.in_(live), EvidenceFile.removed_at.is_(None),
                   exists().where(newer.file_id == EvidenceVersion.file_id, newer.number > EvidenceVersion.number))
            .order_by(ClaimAnchor.id)
        )
        for evidence_id, anchor_id in rows:
            anchors_on_older.setdefault(evidence_id, []).append(anchor_id)
    without_claim = [e for e in coverage.evidence if e.id not in with_claim]
    return Readiness(
        coverage=coverage,
        criteria_missing=[(b.bloc, c.criterion) for b in coverage.blocs for c in b.criteria if c.status is CoverageStatus.MISSING],
        deliverables_missing=[MissingDeliverable(b.bloc, d) for b in coverage.blocs for d in b.deliverables_missing],
        without_file=without_file,
        without_claim=without_claim,
        blank=[e for e in without_file if e.id not in with_claim],
        deliverables_of=deliverables_of,
        anchors_on_older=anchors_on_older,
    )
