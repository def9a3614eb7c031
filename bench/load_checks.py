"""After the load test (bench/load.py): drain the job queue, then check every upload and tag."""
from __future__ import annotations

import hashlib
import time
from collections import defaultdict

SUBMISSIONS = 10


def drain_queue(seconds: float = 600) -> int:
    """Wait until no job is queued or running; the number still unfinished when giving up."""
    from sqlalchemy import func, select

    from extensions import db
    from jobs.models import Job

    deadline = time.monotonic() + seconds
    while True:
        db.session.remove()
        pending = db.session.scalar(select(func.count(Job.id)).where(Job.state.in_(("queued", "running"))))
        if not pending or time.monotonic() > deadline:
            return pending or 0
        time.sleep(1)


def check(uploads: list, tags: list, port: int, client) -> list[str]:
    """Problems found (French): versions, objects, extraction, tags, the integrity scrub, search.

    `client(port)` is a logged-out user of bench/load.py (log_in, request, errors)."""
    from sqlalchemy import func, select

    from evidence.models import Claim, EvidenceFile, EvidenceVersion
    from extensions import db
    from storage.access import object_store
    from storage.verify import verify_store

    problems = []
    db.session.remove()
    store = object_store()
    for upload in uploads:
        rows = db.session.execute(
            select(EvidenceVersion.object_key, EvidenceVersion.extraction_status)
            .join(EvidenceFile, EvidenceVersion.file_id == EvidenceFile.id)
            .where(EvidenceFile.evidence_id == upload.evidence_id, EvidenceVersion.sha256 == upload.sha256)
        ).all()
        if len(rows) != 1:
            problems.append(f"{upload.filename} : {len(rows)} version(s) au lieu d'une")
            continue
        digest = hashlib.sha256()
        with store.open(rows[0].object_key) as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
        if digest.hexdigest() != upload.sha256:
            problems.append(f"{upload.filename} : objet altéré")
        if rows[0].extraction_status != "done":
            problems.append(f"{upload.filename} : extraction {rows[0].extraction_status}")
    claims = db.session.scalar(select(func.count(Claim.id)))
    if claims != len(tags) + SUBMISSIONS:
        problems.append(f"{claims - SUBMISSIONS} rattachement(s) enregistré(s) pour {len(tags)} demandé(s)")
    report = verify_store()
    problems += [str(problem) for problem in report.problems]
    # Searchable: each candidate searches for the unique word of each of its uploads.
    by_candidate = defaultdict(list)
    for upload in uploads:
        by_candidate[upload.email].append(upload)
    errors = []
    for email, own in by_candidate.items():
        user = client(port, errors)
        user.log_in(email)
        for upload in own:
            if upload.filename not in user.request("GET /recherche", "GET", f"/recherche?q={upload.word}"):
                problems.append(f"{upload.filename} : introuvable par la recherche « {upload.word} »")
    problems += errors
    return problems
