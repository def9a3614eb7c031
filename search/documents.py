"""From database rows to index documents.

Two families of documents, built together for each evidence:

- *live* documents, for today's portfolio searches: one per evidence version (current and past),
  or one per evidence that has no file yet so that its title and justifications can be found too
  (`v<version id>`, `e<evidence id>`), with today's texts;
- *frozen* documents, for dossier searches and the jury: one per (submission, version) frozen in
  the submission's snapshot, or per (submission, evidence) when the snapshot froze no file
  (`s<submission id>v<version id>`, `s<submission id>e<evidence id>`), with the titles,
  descriptions, justifications and claims *as the snapshot froze them*. Only the extracted text
  comes from the version row (a version's file never changes; its text may be extracted later).

Each document carries a fingerprint of its fields: `flask search check` compares fingerprints to
find stale documents.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from search.extraction.kinds import kind_of
from evidence.models import Claim, Evidence, EvidenceFile, EvidenceVersion
from referentials.models import Bloc, Criterion, Evaluation
from portfolio.models import Portfolio, Submission


BATCH_SIZE = 200


def doc_key(evidence_id: int, version_id: int | None, submission_id: int | None = None) -> str:
    key = f"v{version_id}" if version_id else f"e{evidence_id}"
    return f"s{submission_id}{key}" if submission_id else key


@dataclass
class FrozenEvidence:
    """One evidence as a submission's snapshot froze it (the snapshot's `evidence[]` item)."""

    submission_id: int
    snapshot: dict
    item: dict


def _snapshot(text: str | None) -> dict:
    try:
        data = json.loads(text or "{}")
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _frozen_by_evidence(session: Session, portfolio_ids: Iterable[int]) -> dict[int, list[FrozenEvidence]]:
    """Evidence id -> its frozen copies, in submission order, for every submission of these portfolios."""
    ids = sorted(set(portfolio_ids))
    found: dict[int, list[FrozenEvidence]] = defaultdict(list)
    if not ids:
        return found
    rows = session.execute(select(Submission.id, Submission.snapshot).where(Submission.portfolio_id.in_(ids)).order_by(Submission.id))
    for submission_id, text in rows:
        snapshot = _snapshot(text)
        for item in snapshot.get("evidence") or ():
            if isinstance(item, dict) and isinstance(item.get("id"), int):
                found[item["id"]].append(FrozenEvidence(submission_id, snapshot, item))
    return found


def fingerprint(document: dict) -> str:
    payload = json.dumps({k: v for k, v in document.items() if k != "fingerprint"}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


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


def _documents_of(evidence: Evidence) -> list[dict]:
    """The live documents of an evidence: today's texts, every version."""
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
                submission_ids="",
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
    return documents


def _criteria(session: Session, frozen: Iterable[FrozenEvidence]) -> dict[int, tuple[int, str]]:
    """Criterion id -> (bloc id, bloc code) for the criteria the frozen copies claim."""
    ids = {c.get("criterion_id") for f in frozen for c in f.item.get("claims") or ()}
    ids.discard(None)
    if not ids:
        return {}
    rows = session.execute(
        select(Criterion.id, Bloc.id, Bloc.code).join(Evaluation, Evaluation.id == Criterion.evaluation_id)
        .join(Bloc, Bloc.id == Evaluation.bloc_id).where(Criterion.id.in_(ids))
    )
    return {criterion_id: (bloc_id, code) for criterion_id, bloc_id, code in rows}


def _frozen_documents_of(evidence: Evidence, frozen: FrozenEvidence, criteria: dict[int, tuple[int, str]],
                         versions: dict[int, EvidenceVersion]) -> list[dict]:
    """The documents of one evidence in one submission: the snapshot's texts, its frozen versions."""
    item, snapshot = frozen.item, frozen.snapshot
    claims = sorted((c for c in item.get("claims") or () if isinstance(c, dict)), key=lambda c: c.get("criterion_key") or "")
    blocs = {criteria[c["criterion_id"]][0]: criteria[c["criterion_id"]][1] for c in claims if c.get("criterion_id") in criteria}
    certification = snapshot.get("certification") or {}
    common = {
        "evidence_id": str(evidence.id),
        "evidence_number": item.get("number") or evidence.number,
        "portfolio_id": str(evidence.portfolio_id),
        "candidate_id": str(evidence.portfolio.candidate_id),
        "candidate_name": (snapshot.get("candidate") or {}).get("name") or "",
        "certification_id": str(evidence.portfolio.certification_id),
        "certification_code": certification.get("code") or "",
        "bloc_ids": " ".join(str(i) for i in sorted(blocs)),
        "bloc_codes": ",".join(sorted(set(blocs.values()))),
        "criterion_ids": " ".join(str(c["criterion_id"]) for c in claims if c.get("criterion_id")),
        "criterion_keys": ",".join(c.get("criterion_key") or "" for c in claims),
        "status": item.get("status") or "",
        "title": item.get("title") or "",
        "description": item.get("description") or "",
        "justifications": "\n\n".join(c["justification"] for c in claims if c.get("justification")),
        # Frozen documents are what the dossier holds: never "past", never "removed".
        "is_current": True,
        "is_live": True,
        "submission_ids": str(frozen.submission_id),
    }
    documents = []
    for entry in item.get("versions") or ():
        version = versions.get(entry.get("id")) if isinstance(entry, dict) else None
        if version is None:
            continue
        documents.append(dict(
            common, doc_id=doc_key(evidence.id, version.id, frozen.submission_id), version_id=str(version.id),
            version_number=entry.get("number") or version.number, kind=kind_of(entry.get("filename") or version.filename, version.media_type),
            extraction_status=version.extraction_status, extraction_error=version.extraction_error or "",
            filename=entry.get("filename") or version.filename, content=version.extracted_text or "",
        ))
    if not documents:
        documents.append(dict(
            common, doc_id=doc_key(evidence.id, None, frozen.submission_id), version_id="", version_number=0, kind="",
            extraction_status="", extraction_error="", filename="", content="",
        ))
    return documents


def documents_for(session: Session, evidence_ids: Iterable[int]) -> dict[int, list[dict]]:
    """The documents of each evidence id; an id missing from the database maps to []."""
    ids = sorted(set(evidence_ids))
    result: dict[int, list[dict]] = {i: [] for i in ids}
    for start in range(0, len(ids), BATCH_SIZE):
        batch = _load(session, ids[start:start + BATCH_SIZE])
        frozen = _frozen_by_evidence(session, (e.portfolio_id for e in batch))
        copies = [f for e in batch for f in frozen.get(e.id, ())]
        criteria = _criteria(session, copies)
        for evidence in batch:
            versions = {v.id: v for file in evidence.files for v in file.versions}
            documents = _documents_of(evidence)
            for copy in frozen.get(evidence.id, ()):
                documents.extend(_frozen_documents_of(evidence, copy, criteria, versions))
            for document in documents:
                document["fingerprint"] = fingerprint(document)
            result[evidence.id] = documents
    return result


def all_evidence_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Evidence.id).order_by(Evidence.id)))


def iter_all_documents(session: Session, evidence_ids: list[int] | None = None) -> Iterator[dict]:
    ids = all_evidence_ids(session) if evidence_ids is None else evidence_ids
    for start in range(0, len(ids), BATCH_SIZE):
        for documents in documents_for(session, ids[start:start + BATCH_SIZE]).values():
            yield from documents
        session.expunge_all()
