"""Bounded load test: candidates uploading and tagging, jurors reviewing and searching, for a while.

    .venv/bin/python bench/load.py [--seconds 120] [--candidates 40] [--jurors 20] [--think 0.5]
                                   [--gunicorn-workers 2] [--threads 8] [--database-url URL]

Loopback only, stops by itself. In a temporary folder: a database (SQLite unless --database-url
names a PostgreSQL database to take over), the local object store, the search index and the job
queue (a SQLite file); the app under gunicorn (gthread workers) and a real huey consumer. Seeded
in-process: a certification of 60 criteria; each candidate a portfolio with 5 evidence items;
10 frozen submissions assigned to one jury session whose members are the jurors.

Each virtual user logs in through the form, then loops until the time is up, pausing a random
0..2×think seconds between requests:
- a candidate opens an evidence page, uploads a new log file (a unique word inside) and tags the
  evidence to the next criterion it does not cover yet;
- a juror opens the jury sessions, an assignment, searches inside its submission and searches
  for a word of a candidate's upload.
Then the queue is drained (extraction, indexing), and every upload is checked: stored once (one
version with its SHA-256, one object), its object read back with the right SHA-256, found by a
search for its unique word; every tag recorded; the integrity scrub finds no problem.
Prints requests per second, p50/p95/p99 per route, the errors (target 0) and the checks.
"""
from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

from load_checks import SUBMISSIONS, check, drain_queue  # bench/ is sys.path[0]

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "banc-d-essai-charge-1"
EVIDENCE_PER_CANDIDATE = 5
TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


# --- setup ----------------------------------------------------------------------------------------

def environment(folder: Path, database_url: str | None) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url or f"sqlite:///{folder / 'load.db'}",
        "STORAGE_BACKEND": "local",
        "STORAGE_DIR": str(folder / "objects"),
        "SEARCH_INDEX_DIR": str(folder / "index"),
        "JOBS_URL": f"sqlite:///{folder / 'jobs.db'}",
        "SECRET_KEY": secrets.token_hex(32),
        "PYTHONPATH": str(ROOT),
        "OMP_THREAD_LIMIT": "1",
    }


def seed(candidates: int, jurors: int) -> dict:
    """Users, portfolios, evidence, submissions and the jury session; what the clients need."""
    from flask_migrate import upgrade

    from accounts import services as accounts
    from accounts.models import Role
    from grading import sessions
    from tests import factories

    upgrade()
    certification = factories.make_certification("RNCP-CHARGE", criteria_per_evaluation=20, blocs=3)
    criteria = [c.id for b in certification.blocs for e in b.evaluations for c in e.criteria]
    admin = accounts.create_user("admin@charge.probatio.fr", "Admin du banc", {Role.ADMIN}, password=PASSWORD)
    people = {"candidates": [], "jurors": [], "criteria": criteria, "assignments": []}
    for n in range(candidates):
        user = accounts.create_user(f"candidat{n}@charge.probatio.fr", f"Candidat {n}", {Role.CANDIDATE}, password=PASSWORD)
        portfolio = factories.make_portfolio(user, certification)
        evidence = [factories.make_evidence(portfolio, title=f"Intervention {k + 1} du candidat {n}").id
                    for k in range(EVIDENCE_PER_CANDIDATE)]
        people["candidates"].append({"email": user.email, "evidence": evidence})
    session = sessions.create_session(
        certification, sessions.SessionFields(starts_at=factories.SESSION_START, place="Salle du banc"), actor=admin
    )
    for n in range(jurors):
        user = accounts.create_user(f"jure{n}@charge.probatio.fr", f"Juré {n}", {Role.JUROR}, password=PASSWORD)
        sessions.add_member(session, user, actor=admin, is_president=n == 0, is_external=n % 2 == 0)
        people["jurors"].append({"email": user.email})
    for n in range(SUBMISSIONS):
        user = accounts.create_user(f"depot{n}@charge.probatio.fr", f"Déposant {n}", {Role.CANDIDATE}, password=PASSWORD)
        submission = factories.make_submission(user, certification, title=f"Configuration du pare-feu {n}")
        assignment = sessions.assign_submission(session, submission, actor=admin)
        people["assignments"].append({"id": assignment.id, "submission_id": submission.id})
    people["session_id"] = session.id
    from search.services import rebuild_index

    rebuild_index()  # as `flask search reindex` after an install: the index exists before the first upload
    return people


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, workers: int, seconds: float = 120) -> None:
    """Until the login page answers, several times (each gunicorn worker has built the app)."""
    deadline = time.monotonic() + seconds
    answered = 0
    while time.monotonic() < deadline and answered < 4 * workers:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn s'est arrêté au démarrage (code {process.returncode})")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/connexion")
            answered += connection.getresponse().status == 200
            connection.close()
        except OSError:
            time.sleep(0.2)
    if answered < 4 * workers:
        raise SystemExit(f"gunicorn ne répond pas sur le port {port}")


# --- the clients ----------------------------------------------------------------------------------

@dataclass
class Figures:
    latencies: dict = field(default_factory=lambda: defaultdict(list))
    errors: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, route: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.latencies[route].append(seconds)
            if error:
                self.errors.append(f"{route}: {error}")


class User:
    """One person's browser: a keep-alive connection and a cookie jar."""

    def __init__(self, port: int, figures: Figures):
        self.port = port
        self.figures = figures
        self.cookies: dict[str, str] = {}
        self.status = 0
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, route: str, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None, ok=(200, 302, 303)) -> str:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.connection.close()  # a keep-alive connection the server closed: once more
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except OSError as error:
            self.connection.close()
            self.figures.record(route, time.perf_counter() - started, f"{type(error).__name__}: {error}")
            self.status = 0
            return ""
        elapsed = time.perf_counter() - started
        self.status = response.status
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        self.figures.record(route, elapsed, None if response.status in ok else f"HTTP {response.status} {path}")
        return text

    def token(self, text: str) -> str:
        match = TOKEN.search(text)
        return match.group(1) if match else ""

    def form(self, route: str, path: str, fields: dict, token: str, htmx: bool = False) -> str:
        body = urlencode({"csrf_token": token, **fields}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if htmx:
            headers["HX-Request"] = "true"
        return self.request(route, "POST", path, body, headers)

    def log_in(self, email: str) -> str:
        token = self.token(self.request("GET /connexion", "GET", "/connexion"))
        self.form("POST /connexion", "/connexion", {"email": email, "password": PASSWORD}, token)
        return self.token(self.request("GET /", "GET", "/"))


def multipart(token: str, content: bytes, filename: str) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@dataclass
class Upload:
    evidence_id: int
    filename: str
    sha256: str
    word: str
    email: str


@dataclass
class Start:
    """Every user logs in first (not timed), then all start together when `go` is set."""

    go: threading.Event = field(default_factory=threading.Event)
    until: float = 0.0


def logged_in(user: User, email: str, start: Start, ready: threading.Barrier) -> str:
    timed, user.figures = user.figures, Figures()
    token = user.log_in(email)
    user.login_errors = user.figures.errors
    user.figures = timed
    ready.wait()
    start.go.wait()
    return token


def candidate_loop(user: User, me: dict, criteria: list[int], start: Start, ready: threading.Barrier,
                   think: float, uploads: list, tags: list, words: list) -> None:
    token = logged_in(user, me["email"], start, ready)
    until = start.until
    slot = 0  # evidence index * len(criteria) + criterion index: the next tag to make
    n = 0
    while time.monotonic() < until:
        evidence_id = me["evidence"][(slot // len(criteria)) % len(me["evidence"])]
        user.request("GET /preuves/<id>", "GET", f"/preuves/{evidence_id}")
        word = "mot" + secrets.token_hex(6)
        content = (f"Journal {n} de {me['email']} : événement {word}\n".encode() + os.urandom(24).hex().encode() + b"\n") * 200
        filename = f"journal-{n}-{secrets.token_hex(3)}.log"
        body, content_type = multipart(token, content, filename)
        text = user.request("POST /preuves/<id>/fichiers", "POST", f"/preuves/{evidence_id}/fichiers", body,
                            {"Content-Type": content_type, "HX-Request": "true"})
        if user.status == 200 and filename in text:  # a refusal names the file too, with a 503
            uploads.append(Upload(evidence_id, filename, hashlib.sha256(content).hexdigest(), word, me["email"]))
            words.append(word)
        time.sleep(random.uniform(0, 2 * think))
        if slot < len(criteria) * len(me["evidence"]):
            criterion = criteria[slot % len(criteria)]
            user.form("POST /preuves/<id>/rattachements", f"/preuves/{evidence_id}/rattachements",
                      {"criterion_id": criterion, "justification": f"Le journal {n} montre ce critère."}, token)
            tags.append((evidence_id, criterion))
            slot += 1
        n += 1
        time.sleep(random.uniform(0, 2 * think))


def juror_loop(user: User, me: dict, assignments: list, start: Start, ready: threading.Barrier,
               think: float, words: list) -> None:
    logged_in(user, me["email"], start, ready)
    until = start.until
    while time.monotonic() < until:
        assignment = random.choice(assignments)
        user.request("GET /jury", "GET", "/jury")
        user.request("GET /jury/affectations/<id>", "GET", f"/jury/affectations/{assignment['id']}")
        time.sleep(random.uniform(0, 2 * think))
        user.request("GET /depots/<id>/recherche", "GET",
                     f"/depots/{assignment['submission_id']}/recherche?q=pare-feu")
        word = random.choice(words) if words else "journal"
        user.request("GET /recherche", "GET", f"/recherche?q={quote(word)}")
        time.sleep(random.uniform(0, 2 * think))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def report(figures: Figures, seconds: float, args) -> None:
    total = sum(len(v) for v in figures.latencies.values())
    print(f"\nLoad: {args.candidates} candidates, {args.jurors} jurors, {seconds:.0f} s, think {args.think} s; "
          f"gunicorn {args.gunicorn_workers} workers × {args.threads} threads, 1 huey consumer ({args.huey_workers} threads); "
          f"{os.cpu_count()} CPU(s), load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{total} requests, {total / seconds:.1f} requests/s, {len(figures.errors)} error(s)")
    print(f"{'route':36} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for route, values in sorted(figures.latencies.items()):
        print(f"{route:36} {len(values):6d} {statistics.median(values) * 1000:8.1f} "
              f"{percentile(values, 0.95) * 1000:8.1f} {percentile(values, 0.99) * 1000:8.1f}")
    for error in figures.errors[:20]:
        print("  erreur :", error)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--candidates", type=int, default=40)
    parser.add_argument("--jurors", type=int, default=20)
    parser.add_argument("--think", type=float, default=0.5, help="mean pause between requests, seconds")
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--huey-workers", type=int, default=2)
    parser.add_argument("--drain-seconds", type=float, default=1800, help="longest wait for the queue after the run")
    parser.add_argument("--database-url", help="a PostgreSQL database to take over (default: SQLite in the folder)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="probatio-load-"))
    env = environment(folder, args.database_url)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from app import create_app

    app = create_app()
    with app.app_context():
        people = seed(args.candidates, args.jurors)
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(args.gunicorn_workers),
         "--threads", str(args.threads), "--worker-class", "gthread", "--timeout", "120",
         "--error-logfile", str(folder / "gunicorn.log"), "app:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [str(BIN / "huey_consumer"), "worker.huey", "--workers", str(args.huey_workers), "--delay", "0.1",
         "--logfile", str(folder / "worker.log")],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port, server, args.gunicorn_workers)
        figures = Figures()
        uploads: list[Upload] = []
        tags: list = []
        words: list[str] = []
        start = Start()
        ready = threading.Barrier(len(people["candidates"]) + len(people["jurors"]) + 1)
        users = [User(port, figures) for _ in range(len(people["candidates"]) + len(people["jurors"]))]
        threads = [
            threading.Thread(target=candidate_loop, daemon=True, args=(
                user, me, people["criteria"], start, ready, args.think, uploads, tags, words))
            for user, me in zip(users, people["candidates"])
        ] + [
            threading.Thread(target=juror_loop, daemon=True, args=(
                user, me, people["assignments"], start, ready, args.think, words))
            for user, me in zip(users[len(people["candidates"]):], people["jurors"])
        ]
        for thread in threads:
            thread.start()
        ready.wait()  # everyone logged in
        figures.errors += [error for user in users for error in user.login_errors]
        started = time.monotonic()
        start.until = started + args.seconds
        start.go.set()
        for thread in threads:
            thread.join(args.seconds + 300)
        elapsed = time.monotonic() - started
        report(figures, elapsed, args)
        with app.app_context():
            drained_at = time.monotonic()
            left = drain_queue(args.drain_seconds)
            print(f"Queue drained in {time.monotonic() - drained_at:.1f} s ({left} job(s) left)")
            problems = check(uploads, tags, port, lambda p, errors: User(p, Figures(errors=errors)))
        print(f"Checks: {len(uploads)} upload(s), {len(tags)} tag(s): "
              + ("every upload stored once with its SHA-256, extracted and searchable; every tag recorded; "
                 "flask storage verify: 0 problems" if not problems else f"{len(problems)} problem(s)"))
        for problem in problems[:20]:
            print("  problème :", problem)
        print(f"Folder (logs): {folder}")
        return 0 if not problems and not figures.errors else 1
    finally:
        for process in (server, worker):
            process.terminate()
        for process in (server, worker):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    raise SystemExit(main())
