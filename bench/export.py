"""Validation dossier export: model build, DOCX and PDF render times, PDF page count, memory.

Builds the reference submission of the export issues (40 screenshots, 20 log and script excerpts,
10 PDF evidence files of 3 pages, 5 SVG schemas, 5 Word documents, 3 blocs) in a temporary SQLite
database with the local object store, then times each step. In the same run, LibreOffice's
DOCX → PDF conversion of the same dossier is the reference (`libreoffice-writer-nogui`, installed
with apt-get when missing and running as root).

    .venv/bin/python bench/export.py [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="probatio-bench-export-"))
os.environ.update(
    DATABASE_URL=f"sqlite:///{WORK / 'bench.db'}", STORAGE_DIR=str(WORK / "objects"),
    JOBS_URL=f"sqlite:///{WORK / 'jobs.db'}", SEARCH_INDEX_DIR=str(WORK / "index"), STORAGE_BACKEND="local",
)

from flask_migrate import upgrade  # noqa: E402

from accounts import services as accounts  # noqa: E402
from accounts.models import Role  # noqa: E402
from app import create_app  # noqa: E402
from documents import RenderReport, render_docx, render_pdf  # noqa: E402
from jobs.queue import huey  # noqa: E402
from exports.tasks import build_document  # noqa: E402
from dashboard.demo import sample_docx, sample_pdf, sample_svg  # noqa: E402
from portfolio.submissions import submit_portfolio  # noqa: E402
from tests import factories  # noqa: E402

WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def reference_submission(candidate, screenshots: int = 40, logs: int = 20, pdfs: int = 10, svgs: int = 5, words: int = 5):
    certification = factories.make_certification(code="RNCP-REF", blocs=3, criteria_per_evaluation=4)
    portfolio = factories.make_portfolio(candidate, certification)
    criteria = [c for b in certification.blocs for e in b.evaluations for c in e.criteria]
    kinds = ["png"] * screenshots + ["log"] * logs + ["pdf"] * pdfs + ["svg"] * svgs + ["docx"] * words
    for n, kind in enumerate(kinds):
        evidence = factories.make_evidence(portfolio, title=f"Intervention {n + 1} : configuration du serveur",
                                           description="Mise en place, vérification et documentation.",
                                           organisation="Entreprise Exemple", period="2026")
        if kind == "png":
            factories.add_version(evidence, factories.screenshot_png(n), f"capture-{n + 1}.png", "image/png")
        elif kind == "log":
            factories.add_version(evidence, factories.log_text(n), f"journal-{n + 1}.log", "text/plain")
        elif kind == "pdf":
            factories.add_version(evidence, sample_pdf(f"Procédure {n + 1}", 3), f"procedure-{n + 1}.pdf", "application/pdf")
        elif kind == "svg":
            factories.add_version(evidence, sample_svg(f"Schéma {n + 1}"), f"schema-{n + 1}.svg", "image/svg+xml")
        else:
            factories.add_version(evidence, sample_docx(f"Procédure {n + 1}", factories.screenshot_png(n, (480, 240))),
                                  f"procedure-{n + 1}.docx", WORD)
        factories.claim(evidence, criteria[n % len(criteria)], f"La preuve {n + 1} montre le critère appliqué.")
    return submit_portfolio(portfolio, candidate)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def libreoffice() -> str | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    print("Installing libreoffice-writer-nogui (reference)…", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "libreoffice-writer-nogui"],
                   check=False, capture_output=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return shutil.which("soffice")


def timed(function, repeat: int):
    """Median wall-clock seconds, median CPU seconds of this process (all its threads), result."""
    durations, cpu, result = [], [], None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = function()
        durations.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(durations), statistics.median(cpu), result


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    huey.immediate = True
    app = create_app()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        candidate = accounts.create_user("reference@bench.fr", "Jeanne Référence", {Role.CANDIDATE}, password="mot-de-passe-bench")
        submission = reference_submission(candidate)
        before = rss_mb()
        print(f"load average before: {load_average()} ({os.cpu_count()} cores)", flush=True)
        build_s, build_cpu, (document, _) = timed(lambda: build_document(submission, "dossier"), args.repeat)
        docx_s, docx_cpu, docx = timed(lambda: render_docx(document), args.repeat)
        report = RenderReport()
        pdf_s, pdf_cpu, pdf = timed(lambda: render_pdf(document, report), args.repeat)
        growth = rss_mb() - before

    # Wall-clock seconds are the targets' unit; on a shared machine the process's CPU seconds say
    # what the work costs whatever the load, and the LibreOffice ratio is taken in both.
    print("Reference dossier: 40 screenshots, 20 log/script excerpts, 10 PDF of 3 pages, 5 SVG, 5 Word, "
          "3 blocs (median of %d runs)" % args.repeat)
    print(f"{'step':<34}{'seconds':>9}{'CPU s':>8}  target")
    print(f"{'build document model':<34}{build_s:>9.2f}{build_cpu:>8.2f}")
    print(f"{'render DOCX (python-docx)':<34}{docx_s:>9.2f}{docx_cpu:>8.2f}  ≤ 3 s   ({len(docx) / 1e6:.1f} MB)")
    print(f"{'render PDF (reportlab + pypdf)':<34}{pdf_s:>9.2f}{pdf_cpu:>8.2f}  ≤ 6 s   ({len(pdf) / 1e6:.1f} MB)")
    print(f"{'PDF pages':<34}{report.page_count:>9}{'':>8}  ≥ 60")
    print(f"{'memory growth (max RSS, MB)':<34}{growth:>9.0f}{'':>8}  ≤ 200")
    soffice = libreoffice()
    if soffice:
        source = WORK / "dossier.docx"
        source.write_bytes(docx)
        start, start_cpu = time.perf_counter(), children_cpu()
        subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{WORK / 'lo'}",
                        "--convert-to", "pdf", "--outdir", str(WORK), str(source)],
                       check=True, capture_output=True, timeout=900)
        reference, reference_cpu = time.perf_counter() - start, children_cpu() - start_cpu
        print(f"{'reference: LibreOffice DOCX → PDF':<34}{reference:>9.2f}{reference_cpu:>8.2f}  "
              f"(Probatio's PDF {reference / pdf_s:.1f}× faster, {reference_cpu / pdf_cpu:.1f}× in CPU; target ≥ 3×)")
    else:
        print(f"{'reference: LibreOffice DOCX → PDF':<34}{'n/a':>9}  (LibreOffice not installed)")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
