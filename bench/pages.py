"""Portfolio page, coverage matrix and the juror's review page: latency and SQL query count.

Builds a certification with 60 criteria and portfolios of 30 and 300 evidence items (each with a
file version and two claims) in a temporary SQLite database, then requests, through the real
WSGI app, the portfolio page and the coverage fragment. The 30-item portfolio is the reference
in the same run: the query count must not grow with the number of evidence items.

Then the juror's review page (/jury/affectations/<id>) of a submission of a 72-criterion
certification holding 30 (reference) and 300 evidence items: a jury session, a juror, the
submission assigned (target p95 ≤ 150 ms at 300 items, query count flat).

    .venv/bin/python bench/pages.py [--requests 60]
    .venv/bin/python bench/pages.py --only juror --profile 20   # the review page, then a cProfile
"""
from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="probatio-bench-pages-"))
atexit.register(shutil.rmtree, WORK, ignore_errors=True)
os.environ.update(
    DATABASE_URL=f"sqlite:///{WORK / 'bench.db'}", STORAGE_DIR=str(WORK / "objects"),
    JOBS_URL=f"sqlite:///{WORK / 'jobs.db'}", SEARCH_INDEX_DIR=str(WORK / "index"),
)

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event  # noqa: E402

from accounts import services as accounts  # noqa: E402
from accounts.models import Role  # noqa: E402
from app import create_app  # noqa: E402
from evidence.models import Claim, Evidence, EvidenceFile, EvidenceVersion  # noqa: E402
from extensions import db  # noqa: E402
from jobs.queue import huey  # noqa: E402
from referentials.models import Bloc, Certification, Competence, Criterion, Evaluation  # noqa: E402
from portfolio.services import enrol_candidate  # noqa: E402

PASSWORD = "mot-de-passe-bench-1"


def build_certification(per_evaluation: int = 10, code: str = "BENCH") -> Certification:
    certification = Certification(
        lineage=code, code=code, key=code, version_number=1, title="Certification de mesure",
        source_name="bench", source_sha256="0" * 64, content_sha256="0" * 64, dossier_min_pages=60,
    )
    for b in range(1, 4):
        bloc = Bloc(code=f"BC0{b}", title=f"Bloc {b}", position=b)
        competence = Competence(code=f"C{b}", key=f"{code}/BC0{b}/C{b}", text="Compétence", position=1)
        bloc.competences.append(competence)
        for e in range(1, 3):
            evaluation = Evaluation(code=f"E{e}", modality="Mise en situation", position=e)
            for c in range(1, per_evaluation + 1):
                evaluation.criteria.append(Criterion(
                    certification=certification, key=f"{code}/BC0{b}/E{e}/CE{c}", code=f"CE{c}",
                    text=f"Critère {c} de l'évaluation {e} du bloc {b}", position=c,
                ))
            bloc.evaluations.append(evaluation)
        certification.blocs.append(bloc)
    db.session.add(certification)
    db.session.commit()
    return certification


def fill_portfolio(portfolio, certification: Certification, items: int) -> None:
    criteria = [c for b in certification.blocs for e in b.evaluations for c in e.criteria]
    for n in range(1, items + 1):
        evidence = Evidence(portfolio_id=portfolio.id, number=n, title=f"Preuve {n}", description="Capture et journal")
        file = EvidenceFile(evidence=evidence, position=0)
        file.versions.append(EvidenceVersion(
            number=1, backend="local", object_key=f"sha256/00/00/{n:064d}", filename=f"capture-{n}.png",
            media_type="image/png", size=150_000, sha256=f"{n:064d}",
        ))
        evidence.claims = [
            Claim(criterion_id=criteria[n % len(criteria)].id, justification="Justification"),
            Claim(criterion_id=criteria[(n + 17) % len(criteria)].id, justification="Justification"),
        ]
        db.session.add(evidence)
    db.session.commit()


def measure(client, url: str, requests: int, headers: dict) -> tuple[float, float, int, float]:
    """(p50 ms, p95 ms, most queries of one request, p50 CPU ms of this process: what the load of
    other processes on the machine changes least)."""
    counts: list[int] = []

    def count(*_args):
        counts[-1] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    timings, cpu = [], []
    try:
        for _ in range(requests):
            counts.append(0)
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url, headers=headers)
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200, response.status_code
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    return statistics.median(timings), p95, max(counts), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--only", choices=("portfolio", "juror"), help="run one of the two parts")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="after timing, profile N requests of the 300-item review page (cProfile, top functions)")
    args = parser.parse_args()
    huey.immediate = True
    app = create_app()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    print(f"Load average at start: {' '.join(open('/proc/loadavg').read().split()[:3])}")
    if args.only != "juror":
        portfolio_pages(app, args.requests)
    if args.only != "portfolio":
        juror_review(app, args.requests, args.profile)
    print(f"Load average at end: {' '.join(open('/proc/loadavg').read().split()[:3])}")


def portfolio_pages(app, requests: int) -> None:
    with app.app_context():
        certification = build_certification()
        portfolios = {}
        for items in (30, 300):
            candidate = accounts.create_user(f"candidat{items}@bench.fr", f"Candidat {items}", {Role.CANDIDATE}, password=PASSWORD)
            portfolio = enrol_candidate(candidate, certification)
            fill_portfolio(portfolio, certification, items)
            portfolios[items] = (candidate.email, portfolio.id)

    print(f"Portfolio pages, {requests} requests each (SQLite, in-process WSGI client), 60 criteria")
    print(f"{'page':<28}{'evidence':>9}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}{'CPU ms':>9}")
    for items, (email, portfolio_id) in portfolios.items():
        client = app.test_client()
        with app.app_context():
            token_page = client.get("/connexion").get_data(as_text=True)
            token = token_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/connexion", data={"email": email, "password": PASSWORD, "csrf_token": token})
        for label, url, headers in (
            ("portfolio page", f"/portefeuilles/{portfolio_id}", {}),
            ("coverage matrix (htmx)", f"/portefeuilles/{portfolio_id}/couverture", {"HX-Request": "true"}),
        ):
            client.get(url, headers=headers)  # warm-up
            with app.app_context():
                p50, p95, queries, cpu = measure(client, url, requests, headers)
            print(f"{label:<28}{items:>9}{p50:>9.1f}{p95:>9.1f}{queries:>9}{cpu:>9.1f}")
    print("Target: p95 ≤ 100 ms for 300 evidence items; query count equal for 30 and 300 items.")


def juror_review(app, requests: int, profile: int = 0) -> None:
    """The juror's review page of a submitted dossier, 72 criteria, 30 and 300 evidence items."""
    from datetime import datetime

    from grading import sessions
    from portfolio.submissions import submit_portfolio

    with app.app_context():
        certification = build_certification(per_evaluation=12, code="JURY72")
        admin = accounts.create_user("admin@bench.fr", "Admin du banc", {Role.ADMIN}, password=PASSWORD)
        juror = accounts.create_user("jure@bench.fr", "Juré du banc", {Role.JUROR}, password=PASSWORD)
        session = sessions.create_session(certification, sessions.SessionFields(starts_at=datetime(2026, 6, 15, 7, 0), place="Salle 1"), actor=admin)
        sessions.add_member(session, juror, actor=admin, is_president=True, is_external=True)
        assignments = {}
        for items in (30, 300):
            candidate = accounts.create_user(f"jury-candidat{items}@bench.fr", f"Candidat jury {items}", {Role.CANDIDATE}, password=PASSWORD)
            portfolio = enrol_candidate(candidate, certification)
            fill_portfolio(portfolio, certification, items)
            submission = submit_portfolio(portfolio, candidate)
            assignments[items] = sessions.assign_submission(session, submission, actor=admin).id
    client = app.test_client()
    with app.app_context():
        token = client.get("/connexion").get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/connexion", data={"email": "jure@bench.fr", "password": PASSWORD, "csrf_token": token})
    print(f"\nJuror review page, {requests} requests each, 72 criteria")
    print(f"{'page':<28}{'evidence':>9}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}{'CPU ms':>9}")
    for items, assignment_id in assignments.items():
        url = f"/jury/affectations/{assignment_id}"
        client.get(url)  # warm-up
        with app.app_context():
            p50, p95, queries, cpu = measure(client, url, requests, {})
        print(f"{'juror review':<28}{items:>9}{p50:>9.1f}{p95:>9.1f}{queries:>9}{cpu:>9.1f}")
    print("Target: p95 ≤ 150 ms for 300 evidence items; query count equal for 30 and 300 items.")
    if profile:
        import cProfile
        import pstats

        url = f"/jury/affectations/{assignments[300]}"
        profiler = cProfile.Profile()
        with app.app_context():
            profiler.enable()
            for _ in range(profile):
                client.get(url)
            profiler.disable()
        print(f"\ncProfile of {profile} requests of the 300-item review page (cumulative, top 25)")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
