"""Validation dossier export: model build, DOCX and PDF render times, PDF page count.

Builds the reference submission of the export issue (40 screenshots, 20 log and script excerpts,
3 blocs) in a temporary SQLite database with the local object store, then times each step.
In the same run, when LibreOffice is installed, times its DOCX → PDF conversion as a reference.

    .venv/bin/python bench/export.py [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
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
from tests.factories import make_reference_submission  # noqa: E402


def timed(function, repeat: int):
    durations, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        durations.append(time.perf_counter() - start)
    return statistics.median(durations), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    huey.immediate = True
    app = create_app()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        candidate = accounts.create_user("reference@bench.fr", "Jeanne Référence", {Role.CANDIDATE}, password="mot-de-passe-bench")
        submission = make_reference_submission(candidate)

        build_s, (document, _) = timed(lambda: build_document(submission, "dossier"), args.repeat)
        docx_s, docx = timed(lambda: render_docx(document), args.repeat)
        report = RenderReport()
        pdf_s, pdf = timed(lambda: render_pdf(document, report), args.repeat)

    print("Reference dossier: 40 screenshots, 20 log/script excerpts, 3 blocs (median of %d runs)" % args.repeat)
    print(f"{'step':<34}{'seconds':>9}  target")
    print(f"{'build document model':<34}{build_s:>9.2f}")
    print(f"{'render DOCX (python-docx)':<34}{docx_s:>9.2f}  ≤ 2 s   ({len(docx) / 1e6:.1f} MB)")
    print(f"{'render PDF (reportlab)':<34}{pdf_s:>9.2f}  ≤ 6 s   ({len(pdf) / 1e6:.1f} MB)")
    print(f"{'PDF pages':<34}{report.page_count:>9}  ≥ 60")
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice:
        source = WORK / "dossier.docx"
        source.write_bytes(docx)
        start = time.perf_counter()
        subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(WORK), str(source)],
                       check=True, capture_output=True, timeout=600)
        print(f"{'reference: LibreOffice DOCX → PDF':<34}{time.perf_counter() - start:>9.2f}")
    else:
        print(f"{'reference: LibreOffice DOCX → PDF':<34}{'n/a':>9}  (LibreOffice not installed)")


if __name__ == "__main__":
    main()
