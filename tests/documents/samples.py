"""The sample document of the renderer tests and helpers to read what the renderers produced."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import PIL.Image
import PIL.ImageDraw
import pytest
from pypdf import PdfWriter

from dashboard.demo import sample_pdf

from documents import (BulletList, CodeBlock, CrossReference, Document, Heading, Image, PageBreak, Paragraph,
                       RenderReport, Run, Table, TableOfContents, TitlePage)

ACCENTED = "Événement, journalisation, pare-feu, coût 30 €, « guillemets »"
OUTSIDE_FONTS = "𝔘"  # MATHEMATICAL FRAKTUR CAPITAL U: in no DejaVu face
RED = (220, 30, 30)
LOG_LINES = 500
LONG_LINE_END = "FIN-DE-LIGNE-LONGUE"
TABLE_ROWS = 90


def png_bytes(size: tuple[int, int] = (1200, 600), mode: str = "RGB") -> bytes:
    """A screenshot-like picture: a red left half (easy to find in a rendering), text on the right."""
    picture = PIL.Image.new("RGB", size, (245, 245, 245))
    draw = PIL.ImageDraw.Draw(picture)
    draw.rectangle((0, 0, size[0] // 2, size[1]), fill=RED)
    for y in range(10, size[1], 18):
        draw.text((size[0] // 2 + 10, y), f"règle {y} ACCEPT tcp 10.0.0.{y % 255}", fill=(20, 20, 20))
    if mode != "RGB":
        picture = picture.convert(mode)
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def log_text(lines: int = LOG_LINES) -> str:
    """A firewall log; line 3 is much longer than a page is wide and must be wrapped, not cut."""
    rows = []
    for number in range(1, lines + 1):
        row = f"2024-03-02T10:{number % 60:02d}:00 pare-feu[{number}]: DROP IN=eth0 SRC=203.0.113.{number % 255}"
        if number == 3:
            row += " " + "X" * 300 + " " + LONG_LINE_END
        rows.append(row)
    return "\n".join(rows) + "\n"


def headings_of(document: Document) -> list[Heading]:
    return document.headings()


def full_document() -> Document:
    """Every block type, as the validation dossier will use them."""
    log = log_text()
    return Document(
        title="Dossier de validation — Jeanne Dupont",
        author="Jeanne Dupont",
        subject="Titre professionnel Administrateur d'infrastructures sécurisées",
        blocks=[
            TitlePage("Dossier de validation", "Administrateur d'infrastructures sécurisées",
                      ["Jeanne Dupont", "Session de mars 2024"]),
            TableOfContents(),
            PageBreak(),
            Heading("Présentation de l'entreprise", 1, anchor="presentation"),
            Paragraph.of("Un texte avec *emphase* et **gras**, puis " + ACCENTED + "."),
            Paragraph([Run("Caractère hors police : "), Run(OUTSIDE_FONTS), Run(" (remplacé).")]),
            Heading("Le réseau", 2),
            BulletList(["Un pare-feu en coupure", [Run("Deux ", bold=True), Run("commutateurs", italic=True)],
                        [Run("Voir "), CrossReference("l'annexe A", "annexe-journal")]]),
            Heading("Le plan d'adressage", 3),
            Table(["Sous-réseau", "Usage", "Passerelle"],
                  [[f"10.0.{n}.0/24", f"VLAN {n} : postes du service {n}", f"10.0.{n}.254"]
                   for n in range(TABLE_ROWS)],
                  col_widths=[2, 5, 2], caption="Tableau 1 : plan d'adressage"),
            Heading("Les preuves", 1, anchor="preuves"),
            Image(png_bytes(), "Capture 1 : console du pare-feu"),
            Image(b"\x89PNG\r\n\x1a\n pas vraiment une image", "Capture 2 : fichier abîmé"),
            CodeBlock(log, "Extrait du journal du pare-feu", language="log",
                      annex_anchor="annexe-journal", annex_label="A"),
            CrossReference("Retour à la présentation", "presentation"),
            PageBreak(),
            Heading("Annexe A : journal complet", 1, anchor="annexe-journal"),
            CodeBlock(log, "Journal complet", max_lines=LOG_LINES),
        ],
    )


@dataclass
class Rendered:
    document: Document
    data: bytes
    report: RenderReport










def poppler(tool: str) -> str:
    """The path of a poppler-utils tool; missing, the test fails in CI and is skipped elsewhere."""
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} introuvable (paquet Debian poppler-utils)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def pdf_page_texts(data: bytes, tmp_path: Path) -> list[str]:
    """The text of each page, as pdftotext lays it out."""
    source = tmp_path / "document.pdf"
    source.write_bytes(data)
    output = subprocess.run([poppler("pdftotext"), "-layout", "-enc", "UTF-8", str(source), "-"],
                            check=True, capture_output=True, timeout=120).stdout.decode("utf-8")
    pages = output.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages




def render_page_png(data: bytes, page: int, tmp_path: Path, resolution: int = 50) -> PIL.Image.Image:
    source = tmp_path / "document.pdf"
    source.write_bytes(data)
    prefix = tmp_path / f"page-{page}"
    subprocess.run([poppler("pdftoppm"), "-r", str(resolution), "-png", "-f", str(page), "-l", str(page),
                    "-singlefile", str(source), str(prefix)], check=True, timeout=120)
    return PIL.Image.open(f"{prefix}.png").convert("RGB")


def page_fill(data: bytes, tmp_path: Path, resolution: int = 30) -> list[float]:
    """For each page, the share of the text area's height (A4, 2 cm margins; the running header
    and footer lie outside it) above the lowest non-white pixel: 0 for a blank page, 1 for a page
    filled to its bottom margin. Drawn by pdftoppm, in grey, every page at once."""
    source = tmp_path / "filled.pdf"
    source.write_bytes(data)
    prefix = tmp_path / "fill"
    subprocess.run([poppler("pdftoppm"), "-r", str(resolution), "-gray", str(source), str(prefix)],
                   check=True, timeout=300)
    fills = []
    for path in sorted(tmp_path.glob("fill-*.pgm"), key=lambda p: int(p.stem.rsplit("-", 1)[1])):
        picture = PIL.Image.open(path)
        width, height = picture.size
        margin = round(height * 2 / 29.7)
        area = picture.crop((margin, margin, width - margin, height - margin))
        # Rows holding a dark enough pixel: text, rules, pictures (the grey code band is lighter).
        rows = area.point(lambda value: 255 if value < 200 else 0).getbbox()
        fills.append(0.0 if rows is None else rows[3] / area.height)
    return fills


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(sample_pdf("Confidentiel", 1)))
    writer.encrypt(user_password="secret", owner_password="secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
