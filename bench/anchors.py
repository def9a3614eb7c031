"""The juror's review of a submission whose claim anchors lines 120 000–120 040 of a 50 MB log.

Seeds a temporary SQLite database and local store: one 50 MB exploitation log (about 400 000
lines), two candidates' submissions in one jury session holding it, one whose claim anchors lines
120 000–120 040 (measured) and one whose claim means the whole file (the reference: the same page
without the excerpt). The app runs under gunicorn (one sync worker, so its memory is one process's);
a juror logs in over HTTP and requests:

  1. the reference page, 10 times (the worker's memory after it is the baseline);
  2. the anchored page once, cold: nothing cached, the line index is built by streaming the
     50 MB object (what the extraction job does at upload time);
  3. the anchored page 20 times, warm (the index read from the store once, then from memory).

It prints the times, the worker's resident memory (VmRSS) and its peak (VmHWM) growth against the
baseline, and a second reference in this process: reading the whole log and splitting its lines
(what cutting an excerpt without an index would cost). Targets: under 1 s, growth under 50 MB.

    .venv/bin/python bench/anchors.py [--size-mb 50] [--requests 20]
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
PASSWORD = "mot-de-passe-bench-1"
FIRST, LAST = 120_000, 120_040


def environment(folder: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'anchors.db'}",
        "STORAGE_BACKEND": "local",
        "STORAGE_DIR": str(folder / "objects"),
        "SEARCH_INDEX_DIR": str(folder / "index"),
        "JOBS_URL": f"sqlite:///{folder / 'jobs.db'}",
        "SECRET_KEY": secrets.token_hex(32),
        "PYTHONPATH": str(ROOT),
        "OMP_THREAD_LIMIT": "1",
    }


def write_log(path: Path, size: int) -> int:
    """A realistic sshd/firewall log of about `size` bytes; returns its line count."""
    lines = 0
    with open(path, "w", encoding="utf-8") as out:
        written = 0
        while written < size:
            block = "".join(
                f"2026-03-{1 + n % 28:02d} 10:{n % 60:02d}:{n % 59:02d} srv-{n % 17:02d} sshd[{1000 + n % 9000}]: "
                f"événement {n:07d} : connexion acceptée pour admin depuis 10.0.{n % 250}.{n % 200} port {20000 + n % 40000}\n"
                for n in range(lines + 1, lines + 1001)
            )
            out.write(block)
            written += len(block.encode("utf-8"))
            lines += 1000
    return lines


def seed(folder: Path, size: int) -> dict:
    from flask_migrate import upgrade

    from accounts import services as accounts
    from accounts.models import Role
    from evidence.anchors import Spot, add_anchor
    from evidence.models import EvidenceFile, EvidenceVersion, ExtractionStatus
    from extensions import db
    from grading import sessions
    from portfolio.submissions import submit_portfolio
    from storage.access import object_store
    from tests import factories

    upgrade()
    log_path = folder / "exploitation.log"
    lines = write_log(log_path, size)
    with open(log_path, "rb") as stream:
        ref = object_store().put(stream)
    certification = factories.make_certification("RNCP-ANCRES")
    admin = accounts.create_user("admin@bench.fr", "Admin", {Role.ADMIN}, password=PASSWORD)
    juror = accounts.create_user("jure@bench.fr", "Julie Jurée", {Role.JUROR}, password=PASSWORD)
    session = sessions.create_session(
        certification, sessions.SessionFields(starts_at=factories.SESSION_START, place="Salle 3"), actor=admin
    )
    sessions.add_member(session, juror, actor=admin, is_president=True, is_external=True)
    assignments = {}
    for name, anchored in (("reference", False), ("anchored", True)):
        candidate = accounts.create_user(f"{name}@bench.fr", f"Candidat {name}", {Role.CANDIDATE}, password=PASSWORD)
        portfolio = factories.make_portfolio(candidate, certification)
        evidence = factories.make_evidence(portfolio, title="Journal d'exploitation")
        file = EvidenceFile(evidence=evidence, position=0)
        version = EvidenceVersion(
            file=file, number=1, backend=ref.backend, object_key=ref.key, filename="exploitation.log",
            media_type="text/plain", size=ref.size, sha256=ref.sha256, extraction_status=ExtractionStatus.DONE.value,
        )
        db.session.add_all([file, version])
        db.session.commit()
        claim = factories.claim(evidence, certification.blocs[0].evaluations[0].criteria[0], "Les journaux sont analysés.")
        if anchored:
            add_anchor(claim, version, Spot("lines", line_start=FIRST, line_end=LAST), by=candidate)
        # Computing the line count to check the anchor filled the caches: empty them (cold start).
        for key in list(object_store().derived_keys()):
            object_store().delete(key)
        submission = submit_portfolio(portfolio, candidate)
        assignments[name] = sessions.assign_submission(session, submission, actor=admin).id
    return {"lines": lines, "size": ref.size, "log": log_path, **assignments}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        elapsed = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            self.cookies.update({name: morsel.value for name, morsel in cookie.items()})
        return response.status, text, elapsed

    def log_in(self, email: str) -> None:
        _, page, _ = self.request("GET", "/connexion")
        token = TOKEN.search(page).group(1)
        body = urlencode({"csrf_token": token, "email": email, "password": PASSWORD}).encode()
        status, _, _ = self.request("POST", "/connexion", body, {"Content-Type": "application/x-www-form-urlencoded"})
        if status not in (302, 303):
            raise SystemExit(f"connexion refusée (HTTP {status})")


def wait_for(port: int, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn s'est arrêté au démarrage (code {process.returncode})")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/connexion")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn ne répond pas sur le port {port}")


def worker_pid(master: int) -> int:
    for _ in range(100):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise SystemExit("aucun worker gunicorn")


def memory(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process, in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def whole_file_reference(path: Path) -> tuple[float, float]:
    """Seconds and peak Python memory (MB) to read the whole log and take the anchored lines."""
    tracemalloc.start()
    started = time.perf_counter()
    text = path.read_bytes().decode("utf-8")
    wanted = text.splitlines()[FIRST - 4:LAST + 3]
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 1024**2
    tracemalloc.stop()
    assert wanted
    return elapsed, peak


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="probatio-bench-anchors-"))
    env = environment(folder)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from app import create_app

    app = create_app()
    with app.app_context():
        seeded = seed(folder, args.size_mb * 1024 * 1024)
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "120",
         "--error-logfile", str(folder / "gunicorn.log"), "app:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port, server)
        pid = worker_pid(server.pid)
        juror = Browser(port)
        juror.log_in("jure@bench.fr")
        reference_times = []
        for _ in range(10):
            status, page, elapsed = juror.request("GET", f"/jury/affectations/{seeded['reference']}")
            assert status == 200 and "Extrait :" not in page, status
            reference_times.append(elapsed)
        base_rss, base_hwm = memory(pid)
        status, page, cold = juror.request("GET", f"/jury/affectations/{seeded['anchored']}")
        assert status == 200, status
        shown = re.findall(r'<tr class="anchored"><th scope="row">(\d+)', page)
        assert shown == [str(n) for n in range(FIRST, LAST + 1)], shown[:3]
        cold_rss, cold_hwm = memory(pid)
        warm_times = []
        for _ in range(args.requests):
            status, page, elapsed = juror.request("GET", f"/jury/affectations/{seeded['anchored']}")
            assert status == 200 and f"événement {FIRST:07d}" in page
            warm_times.append(elapsed)
        warm_rss, warm_hwm = memory(pid)
        whole_seconds, whole_peak = whole_file_reference(seeded["log"])
    finally:
        server.terminate()
        server.wait(timeout=30)

    def p95(values):
        return sorted(values)[max(0, int(len(values) * 0.95) - 1)]

    print(f"Juror's review page, lines {FIRST}–{LAST} anchored in a {seeded['size'] / 1024**2:.1f} MB log "
          f"({seeded['lines']} lines); gunicorn, 1 sync worker, SQLite, local store")
    print(f"load average: {Path('/proc/loadavg').read_text().strip()}")
    print(f"{'request':44} {'n':>3} {'p50 ms':>8} {'p95 ms':>8}")
    print(f"{'reference: same page, claim without anchor':44} {len(reference_times):3} "
          f"{ms(statistics.median(reference_times))} {ms(p95(reference_times))}")
    print(f"{'anchored page, cold (line index built)':44} {1:3} {ms(cold)} {ms(cold)}")
    print(f"{'anchored page, warm':44} {len(warm_times):3} {ms(statistics.median(warm_times))} {ms(p95(warm_times))}")
    print(f"worker memory after the reference pages: RSS {base_rss:.1f} MB, peak {base_hwm:.1f} MB")
    print(f"after the cold anchored page:  RSS {cold_rss:.1f} MB (+{cold_rss - base_rss:.1f}), "
          f"peak {cold_hwm:.1f} MB (+{cold_hwm - base_hwm:.1f})")
    print(f"after {len(warm_times)} warm anchored pages: RSS {warm_rss:.1f} MB (+{warm_rss - base_rss:.1f}), "
          f"peak {warm_hwm:.1f} MB (+{warm_hwm - base_hwm:.1f})")
    print(f"reference, in this process: reading the whole log and splitting its lines: "
          f"{whole_seconds * 1000:.0f} ms, {whole_peak:.0f} MB of Python memory at its peak")
    print("Targets: the anchored page under 1 s; the worker's memory growth under 50 MB.")


if __name__ == "__main__":
    main()
