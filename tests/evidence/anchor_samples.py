"""Files to anchor into, built in memory: a log of n lines, an n-page PDF, a screenshot, a workbook;
and a world of one candidate's evidence holding one file of each kind, each tagged to a criterion."""
from __future__ import annotations

import io
from dataclasses import dataclass

from tests import factories


def numbered_log(lines: int, first: int = 1, prefix: str = "srv-01 sshd") -> bytes:
    return "".join(f"2026-03-01 10:00:{n % 60:02d} {prefix}[{n}]: événement {n}\n" for n in range(first, first + lines)).encode()


def pdf_of_pages(pages: int) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer, pagesize=A4)
    for n in range(1, pages + 1):
        drawing.drawString(72, 760, f"Schéma du réseau, page {n}")
        drawing.showPage()
    drawing.save()
    return buffer.getvalue()


def workbook(sheet: str = "Inventaire", rows: int = 40, cols: int = 4) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    first.title = sheet
    for r in range(1, rows + 1):
        first.append([f"R{r}C{c}" for c in range(1, cols + 1)])
    book.create_sheet("Notes").append(["Remarque"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Files:
    candidate: object
    portfolio: object
    evidence: object
    claim: object
    log: object
    pdf: object
    png: object
    xlsx: object


def anchored_world(make_user, role=None) -> Files:
    from accounts.models import Role

    candidate = make_user(role or Role.CANDIDATE)
    portfolio = factories.make_portfolio(candidate)
    evidence = factories.make_evidence(portfolio, title="Exploitation du serveur")
    log = factories.add_version(evidence, numbered_log(500), "exploitation.log", "text/plain")
    pdf = factories.add_version(evidence, pdf_of_pages(30), "schema.pdf", "application/pdf")
    png = factories.add_version(evidence, factories.screenshot_png(1, (640, 400)), "capture.png", "image/png")
    xlsx = factories.add_version(evidence, workbook(), "inventaire.xlsx", XLSX)
    criterion = portfolio.certification.blocs[0].evaluations[0].criteria[0]
    claim = factories.claim(evidence, criterion, "Les journaux sont analysés.")
    return Files(candidate, portfolio, evidence, claim, log, pdf, png, xlsx)
