"""Upload benchmark: HTTP uploads through a running app versus straight puts into the same store.

    .venv/bin/python bench/upload.py [--sizes 1,50,500] [--repeat 3]

Starts the app in a subprocess (werkzeug's threaded server on a free port; SQLite, local object
store, all in a temporary folder), logs in as a candidate who owns an evidence, then for each size:
- uploads a file through POST /preuves/<id>/fichiers with a streaming client (http.client and a
  generator body: the file is never held in memory);
- puts the same number of bytes straight into the same ObjectStore from this process.
Each measurement uses fresh content (a new first line), so neither path finds its object already
stored, and the two paths alternate which goes first. Prints the fixed cost of one upload request
(1 KB files), both throughputs (medians), the median ratio of each pair with its range and without
the fixed cost, and the server's resident memory growth: its peak
(VmHWM, reset through /proc/<pid>/clear_refs just before) after the upload minus its resident
size (VmRSS) just before, and the highest VmRSS sampled every 20 ms during the upload.

A real job queue and a real worker, as in production: the upload request only enqueues the text
extraction (huey on a SQLite file), and a `huey_consumer worker.huey` process started here
extracts and indexes while the next uploads run. Then, separately, the time from the end of an
upload (its response received) to its content being searchable (a GET /recherche that lists the
file), polled every 50 ms, for a 1 MB log, a screenshot (OCR) and a 20-page PDF (--searchable N of
each; p50 and p95).

Targets: ratio >= 0.8 from 50 MB up; growth < 50 MB for the 500 MB file.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
BLOCK = 1024 * 1024
PASSWORD = "banc-d-essai-upload-1"


# --- the server side (run in the subprocess) --------------------------------------------------

def bench_env(folder: Path) -> dict[str, str]:
    """The environment of the app and of its worker (the same database, store, index and queue)."""
    return {
        "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
        "STORAGE_BACKEND": "local",
        "STORAGE_DIR": str(folder / "objects"),
        "SEARCH_INDEX_DIR": str(folder / "index"),
        # A real queue, as production has: the upload request only enqueues the text extraction.
        "JOBS_URL": f"sqlite:///{folder / 'jobs.db'}",
        "MAX_UPLOAD_MB": "1024",
        "SECRET_KEY": "banc-d-essai-" + "0123456789abcdef" * 2,
        "OMP_THREAD_LIMIT": "1",
    }


def serve(folder: Path, port: int) -> None:
    os.environ.update(bench_env(folder))
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade
    from werkzeug.serving import WSGIRequestHandler, run_simple

    from accounts import services as accounts
    from accounts.models import Role
    from app import create_app
    from tests import factories

    app = create_app()
    with app.app_context():
        upgrade()
        user = accounts.create_user("candidat@banc.probatio.fr", "Candidat du banc", {Role.CANDIDATE}, password=PASSWORD)
        evidence = factories.make_evidence(factories.make_portfolio(user), title="Preuve du banc d'essai")
        (folder / "server.json").write_text(json.dumps({"email": user.email, "evidence_id": evidence.id}))
    class Handler(WSGIRequestHandler):
        # Production servers (gunicorn) set TCP_NODELAY; without it, werkzeug's response body
        # waits for the client's delayed ACK (40 ms per request on Linux).
        disable_nagle_algorithm = True

    run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False, use_debugger=False, request_handler=Handler)


# --- the client side ----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def memory_kb(pid: int, field: str) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE).group(1))


def reset_peak(pid: int) -> None:
    """Start VmHWM afresh (Linux >= 4.0), so that it measures this upload, not the start-up."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass  # VmHWM then includes earlier peaks: the sampled VmRSS still tells


class Session:
    """A logged-in browser, reduced to a cookie jar and the CSRF token."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.token = ""

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        connection.close()
        return response.status, data

    def refresh_token(self, path: str) -> None:
        _, page = self.request("GET", path)
        self.token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()

    def login(self, email: str) -> None:
        self.refresh_token("/connexion")
        form = urlencode({"email": email, "password": PASSWORD, "csrf_token": self.token})
        status, _ = self.request("POST", "/connexion", form, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302, f"login failed ({status})"
        self.refresh_token("/")


def freshen(path: Path) -> None:
    """New content for the next measurement: a new first line (a text log, as far as sniffing goes)."""
    with open(path, "r+b") as out:
        out.write(f"banc {secrets.token_hex(16)}\n".encode())


def make_log(path: Path, size: int) -> None:
    """A text log of `size` bytes: lines of printable text (sniffed as text, stored as .log)."""
    line = (b"2024-05-02T10:00:00Z pare-feu: paquet rejete src=10.0.0.1 dst=10.0.0.2 " + b"x" * 49 + b"\n")
    block = line * (BLOCK // len(line)) + b"y" * (BLOCK % len(line) - 1) + b"\n"
    with open(path, "wb") as out:
        for _ in range(size // BLOCK):
            out.write(block)
        out.write(block[: size % BLOCK])


def multipart_body(path: Path, token: str, boundary: str):
    head = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{path.name}\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + path.stat().st_size + len(tail)

    def chunks():
        yield head
        with open(path, "rb") as source:
            while data := source.read(BLOCK):
                yield data
        yield tail

    return chunks(), length


@dataclass
class Measure:
    seconds: float
    cpu_seconds: float  # of the process doing the work (the server, or this one for a direct put)
    client_cpu_seconds: float = 0.0
    hwm_growth_kb: int = 0
    rss_growth_kb: int = 0


def process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def upload_over_http(session: Session, evidence_id: int, path: Path, server_pid: int) -> Measure:
    boundary = secrets.token_hex(16)
    body, length = multipart_body(path, session.token, boundary)
    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(length),
        "X-CSRFToken": session.token,
        "HX-Request": "true",
    }
    reset_peak(server_pid)
    before = memory_kb(server_pid, "VmRSS")
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], memory_kb(server_pid, "VmRSS"))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    server_cpu, client_cpu = process_cpu(server_pid), time.thread_time()
    started = time.perf_counter()
    status, answer = session.request("POST", f"/preuves/{evidence_id}/fichiers", body, headers)
    elapsed = time.perf_counter() - started
    server_cpu, client_cpu = process_cpu(server_pid) - server_cpu, time.thread_time() - client_cpu
    done.set()
    sampler.join()
    if status != 200 or b"upload-result-stored" not in answer:
        raise SystemExit(f"upload refused ({status}): {answer[:500]!r}")
    return Measure(elapsed, server_cpu, client_cpu, memory_kb(server_pid, "VmHWM") - before, peak[0] - before)


def put_directly(store, path: Path) -> Measure:
    cpu = time.thread_time()
    started = time.perf_counter()
    with open(path, "rb") as source:
        store.put(source, path.stat().st_size)
    return Measure(time.perf_counter() - started, time.thread_time() - cpu)


def wait_for(port: int, process: subprocess.Popen, folder: Path) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the app stopped (exit {process.returncode})")
        if (folder / "server.json").exists():
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return json.loads((folder / "server.json").read_text())
            except OSError:
                pass
        time.sleep(0.2)
    raise SystemExit("the app did not start within 60 s")


def measure_size(size: int, repeat: int, folder: Path, session: Session, evidence_id: int, server_pid: int,
                 store, fixed: float) -> dict:
    source = folder / f"banc-{size}mo.log"
    make_log(source, size * MB)
    http, direct, ratios, streaming = [], [], [], []
    for run in range(repeat):
        # Alternate which path goes first: the second one meets the first one's writeback.
        pair = {}
        for path in (("http", "direct") if run % 2 == 0 else ("direct", "http")):
            freshen(source)
            pair[path] = (
                upload_over_http(session, evidence_id, source, server_pid) if path == "http" else put_directly(store, source)
            )
        http.append(pair["http"])
        direct.append(pair["direct"])
        ratios.append(pair["direct"].seconds / pair["http"].seconds)
        if pair["http"].seconds > 2 * fixed:  # meaningless when a request is mostly fixed cost
            streaming.append(pair["direct"].seconds / (pair["http"].seconds - fixed))
    source.unlink()

    def median(values):
        return statistics.median(values)

    return {
        "size": size,
        "http": size / median([m.seconds for m in http]),
        "direct": size / median([m.seconds for m in direct]),
        "ratio": median(ratios), "low": min(ratios), "high": max(ratios),
        "streaming": median(streaming) if streaming else None,
        "server_cpu": median([m.cpu_seconds for m in http]) * 1000 / size,
        "client_cpu": median([m.client_cpu_seconds for m in http]) * 1000 / size,
        "direct_cpu": median([m.cpu_seconds for m in direct]) * 1000 / size,
        "hwm": max(m.hwm_growth_kb for m in http) / 1024,
        "rss": max(m.rss_growth_kb for m in http) / 1024,
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def sample_files(folder: Path, n: int) -> dict[str, Path]:
    """The three files of the time-to-searchable measure, each with the unique word `banc<n>…`."""
    sys.path.insert(0, str(ROOT))
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from tests.factories import text_png

    word = f"repere{n:03d}"
    log = folder / f"journal-{n}.log"
    make_log(log, MB)
    with open(log, "r+b") as out:
        out.write(f"{word} debut du journal\n".encode())
    png = folder / f"capture-{n}.png"
    png.write_bytes(text_png([f"Capture {word}", "Pare-feu : refus SSH"]))
    pdf = folder / f"rapport-{n}.pdf"
    document = canvas.Canvas(str(pdf), pagesize=A4)
    for page in range(20):
        for line in range(40):
            document.drawString(60, 780 - line * 18, f"Page {page + 1} ligne {line + 1} : procédure de sauvegarde du serveur {word}")
        document.showPage()
    document.save()
    return {"journal 1 Mo": log, "capture d'écran (OCR)": png, "PDF de 20 pages": pdf}


def drain_queue(folder: Path, limit: float = 900) -> float:
    """Wait until the worker has finished every job of the throughput runs (their extractions):
    the time-to-searchable of a file must not include the backlog of the files before it."""
    import sqlite3

    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        with sqlite3.connect(folder / "bench.db") as connection:
            waiting = connection.execute("SELECT count(*) FROM jobs WHERE state NOT IN ('done', 'failed')").fetchone()[0]
        if not waiting:
            return time.perf_counter() - started
        time.sleep(0.2)
    raise SystemExit(f"the worker did not finish its jobs within {limit:.0f} s")


def time_to_searchable(session: Session, evidence_id: int, path: Path, word: str, server_pid: int, limit: float = 300) -> float:
    upload_over_http(session, evidence_id, path, server_pid)
    ended = time.perf_counter()
    while time.perf_counter() - ended < limit:
        status, page = session.request("GET", f"/recherche?q={word}")
        if status == 200 and path.name.encode() in page:
            return time.perf_counter() - ended
        time.sleep(0.05)
    raise SystemExit(f"{path.name} not searchable after {limit:.0f} s")


def report_searchable(figures: dict[str, list[float]]) -> None:
    print("Time from the end of an upload to its content being searchable (real worker, polled every 50 ms):")
    print(f"{'file':>24} {'n':>3} {'p50 s':>7} {'p95 s':>7} {'max s':>7}")
    for label, values in figures.items():
        print(f"{label:>24} {len(values):>3} {percentile(values, 50):>7.2f} {percentile(values, 95):>7.2f} {max(values):>7.2f}")


def report(rows: list[dict], repeat: int, fixed: float) -> None:
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"Upload benchmark: {repeat} measurement pairs per size (medians), local store, SQLite, werkzeug "
          f"threaded server; {os.cpu_count()} CPU(s), load average {load}, Python {sys.version.split()[0]}")
    print(f"Fixed cost of one upload request (median of 10 uploads of 1 KB): {fixed * 1000:.1f} ms")
    print(f"{'size':>8} {'HTTP MB/s':>9} {'put MB/s':>9} {'ratio':>6} {'(min-max)':>11} {'w/o fixed':>9} "
          f"{'CPU ms/MB: server':>17} {'client':>6} {'put':>5} {'VmHWM +MB':>9} {'VmRSS +MB':>9}")
    for r in rows:
        streaming = "n/a" if r["streaming"] is None else f"{r['streaming']:.2f}"
        spread = f"({r['low']:.2f}-{r['high']:.2f})"
        print(f"{r['size']:>5} MB {r['http']:>9.1f} {r['direct']:>9.1f} {r['ratio']:>6.2f} {spread:>11} "
              f"{streaming:>9} {r['server_cpu']:>17.2f} {r['client_cpu']:>6.2f} {r['direct_cpu']:>5.2f} "
              f"{r['hwm']:>9.1f} {r['rss']:>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,50,500", help="file sizes in MB, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="measurements per size (the median is shown)")
    parser.add_argument("--searchable", type=int, default=5, help="uploads of each file kind for the time-to-searchable")
    parser.add_argument("--serve", nargs=2, metavar=("FOLDER", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]))
        return

    sys.path.insert(0, str(ROOT))
    from storage.local import LocalStore

    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="probatio-bench-upload-") as tmp:
        folder = Path(tmp)
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(folder), str(port)],
            stdout=subprocess.DEVNULL, stderr=open(folder / "server.log", "wb"), cwd=ROOT,
        )
        worker = None
        try:
            settings = wait_for(port, process, folder)
            worker = subprocess.Popen(
                [str(Path(sys.executable).parent / "huey_consumer"), "worker.huey", "--workers", "1", "--delay", "0.05"],
                env={**os.environ, **bench_env(folder)}, cwd=ROOT, stdout=subprocess.DEVNULL,
                stderr=open(folder / "worker.log", "wb"),
            )
            session = Session(port)
            session.login(settings["email"])
            store = LocalStore(folder / "objects")
            # The fixed cost of one upload request (session, policy, the version's commit, the
            # response), measured with 1 KB files: what a direct put never pays.
            tiny = folder / "banc-1ko.log"
            make_log(tiny, 1024)
            fixed_times = []
            for _ in range(10):
                freshen(tiny)
                fixed_times.append(upload_over_http(session, settings["evidence_id"], tiny, process.pid).seconds)
            fixed = statistics.median(fixed_times)
            rows = [measure_size(size, args.repeat, folder, session, settings["evidence_id"], process.pid, store, fixed)
                    for size in sizes]
            drained = drain_queue(folder)
            print(f"(the worker finished the extractions of the throughput runs {drained:.0f} s after the last upload)")
            searchable: dict[str, list[float]] = {}
            for n in range(args.searchable):
                for label, path in sample_files(folder, n).items():
                    searchable.setdefault(label, []).append(
                        time_to_searchable(session, settings["evidence_id"], path, f"repere{n:03d}", process.pid))
        finally:
            for running in (worker, process):
                if running is not None:
                    running.terminate()
                    running.wait(30)
    report(rows, args.repeat, fixed)
    report_searchable(searchable)


if __name__ == "__main__":
    main()
