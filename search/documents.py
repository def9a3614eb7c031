"""From database rows to index documents.

One document per evidence version (current and past), or one per evidence that has no file yet so
that its title and justifications can be found too. Each document carries a fingerprint of its
fields: `flask search check` compares fingerprints to find stale documents.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from search.extraction.kinds import kind_of
from evidence.models import Claim, Evidence, EvidenceFile
from referentials.models import Criterion, Evaluation
from portfolio.models import Portfolio, Submission


BATCH_SIZE = 200


def doc_key(evidence_id: int, version_id: int | None) -> str:
    return f"v{version_id}" if version_id else f"e{evidence_id}"


def snapshot_version_ids(snapshot_text: str | None) -> set[int]:
    """Version ids frozen in a submission snapshot (`evidence[].versions[].id`); empty when absent."""
    try:
        data = json.loads(snapshot_text or "{}")
    except (TypeError, ValueError):
        return set()
    ids: set[int] = set()
    evidence_list = data.get("evidence") if isinstance(data, dict) else None
    for item in evidence_list or ():
        for version in (item.get("versions") or ()) if isinstance(item, dict) else ():
            if isinstance(version, dict) and isinstance(version.get("id"), int):
                ids.add(version["id"])
    return ids


def fingerprint(document: dict) -> str:
    payload = json.dumps({k: v for k, v in document.items() if k != "fingerprint"}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


def _submissions_by_version(session: Session, portfolio_ids: Iterable[int]) -> dict[int, list[int]]:
    ids = sorted(set(portfolio_ids))
    found: dict[int, list[int]] = defaultdict(list)
    if not ids:
        return found
    rows = session.execute(select(Submission.id, Submission.snapshot).where(Submission.portfolio_id.in_(ids)).order_by(Submission.id))
    for submission_id, snapshot in rows:
        for version_id in snapshot_version_ids(snapshot):
            found[version_id].append(submission_id)
    return found


def _load(session: Session, evidence_ids: list[int]) -> list[Evidence]:
    return list(
        session.scalars(
            select(Evidence)
            .where(Evidence.id.in_(evidence_ids))
            .options(
                selectinload(Evidence.portfolio).selectinload(Portfolio.candidate),
                selectinload(Evidence.portfolio).selectinload(Portfolio.certification),
                selectinload(Evidence.files).selectinload(EvidenceFile.versions),
                selectinload(Evidence.claims)
                .selectinload(Claim.criterion)
                .selectinload(Criterion.evaluation)
                .selectinload(Evaluation.bloc),
            )
        )
    )


def _documents_of(evidence: Evidence, submissions: dict[int, list[int]]) -> list[dict]:
    portfolio = evidence.portfolio
    certification = portfolio.certification
    claims = sorted(evidence.claims, key=lambda c: c.criterion.key)
    blocs = {c.criterion.evaluation.bloc.id: c.criterion.evaluation.bloc.code for c in claims}
    evidence_live = evidence.deleted_at is None
    common = {
        "evidence_id": str(evidence.id),
        "evidence_number": evidence.number,
        "portfolio_id": str(portfolio.id),
        "candidate_id": str(portfolio.candidate_id),
        "candidate_name": portfolio.candidate.full_name,
        "certification_id": str(certification.id),
        "certification_code": certification.code or getattr(certification, "lineage", "") or "",
        "bloc_ids": " ".join(str(i) for i in sorted(blocs)),
        "bloc_codes": ",".join(sorted(set(blocs.values()))),
        "criterion_ids": " ".join(str(c.criterion_id) for c in claims),
        "criterion_keys": ",".join(c.criterion.key for c in claims),
        "status": evidence.status,
        "title": evidence.title,
        "description": evidence.description or "",
        "justifications": "\n\n".join(c.justification for c in claims if c.justification),
    }
    documents = []
    for file in evidence.files:
        current = file.current
        for version in file.versions:
            document = dict(
                common,
                doc_id=doc_key(evidence.id, version.id),
                version_id=str(version.id),
                version_number=version.number,
                kind=kind_of(version.filename, version.media_type),
                is_current=version is current,
                is_live=evidence_live and file.removed_at is None,
                submission_ids=" ".join(str(s) for s in submissions.get(version.id, ())),
                extraction_status=version.extraction_status,
                extraction_error=version.extraction_error or "",
                filename=version.filename,
                content=version.extracted_text or "",
            )
            documents.append(document)
    if not documents:
        documents.append(
            dict(
                common, doc_id=doc_key(evidence.id, None), version_id="", version_number=0, kind="", is_current=True,
                is_live=evidence_live, submission_ids="", extraction_status="", extraction_error="", filename="", content="",
            )
        )
    for document in documents:
        document["fingerprint"] = fingerprint(document)
    return documents


def documents_for(session: Session, evidence_ids: Iterable[int]) -> dict[int, list[dict]]:
    """The documents of each evidence id; an id missing from the database maps to []."""
    ids = sorted(set(evidence_ids))
    result: dict[int, list[dict]] = {i: [] for i in ids}
    for start in range(0, len(ids), BATCH_SIZE):
        batch = _load(session, ids[start:start + BATCH_SIZE])
        submissions = _submissions_by_version(session, (e.portfolio_id for e in batch))
        for evidence in batch:
            result[evidence.id] = _documents_of(evidence, submissions)
    return result


def all_evidence_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Evidence.id).order_by(Evidence.id)))


def iter_all_documents(session: Session, evidence_ids: list[int] | None = None) -> Iterator[dict]:
    ids = all_evidence_ids(session) if evidence_ids is None else evidence_ids
    for start in range(0, len(ids), BATCH_SIZE):
        for documents in documents_for(session, ids[start:start + BATCH_SIZE]).values():
            yield from documents
        session.expunge_all()
