"""`flask demo load`: one user per role for local use, passwords printed once."""
import io
import secrets
import zipfile

import click
from flask import Blueprint, current_app
from sqlalchemy import func, select

from accounts import services
from accounts.models import Role, User
from extensions import db
from portfolio import services as portfolio_services

cli = Blueprint("demo", __name__, cli_group="demo")

DEMO_USERS = (
    ("admin@demo.probatio.fr", "Alice Administratrice", Role.ADMIN),
    ("candidat@demo.probatio.fr", "Camille Candidate", Role.CANDIDATE),
    ("tuteur@demo.probatio.fr", "Thomas Tuteur", Role.TUTOR),
    ("jury@demo.probatio.fr", "Juliette Jurée", Role.JUROR),
)


@cli.cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
def load_demo(if_empty: bool):
    """Create one demo user per role and print their passwords (development only)."""
    if current_app.config["PROBATIO_ENV"] != "development":
        raise click.ClickException("Les données de démonstration sont réservées au mode développement.")
    if if_empty and db.session.scalar(select(func.count(User.id))):
        click.echo("Base déjà peuplée : données de démonstration non chargées.")
        return
    click.echo("Comptes de démonstration (mots de passe affichés une seule fois) :")
    for email, name, role in DEMO_USERS:
        if services.get_user_by_email(email):
            click.echo(f"  {email} existe déjà.")
            continue
        password = secrets.token_urlsafe(12)
        services.create_user(email, name, {role}, password=password)
        click.echo(f"  {role.label:<16} {email}  mot de passe : {password}")
    _enrol_demo_candidate()


DEMO_SUBMITTER = ("candidat.igs@demo.probatio.fr", "Sacha Dossier-Complet")


def _enrol_demo_candidate() -> None:
    """Give the demo candidate a portfolio (IGS when loaded) tutored by the demo tutor, and a second
    candidate a complete, submitted portfolio (every kind of file) whose dossier can be exported."""
    candidate = services.get_user_by_email(DEMO_USERS[1][0])
    tutor = services.get_user_by_email(DEMO_USERS[2][0])
    certifications = portfolio_services.current_certifications()
    if not (candidate and tutor and certifications) or portfolio_services.portfolios_of_candidate(candidate):
        return
    chosen = next((c for c in certifications if c.lineage == "IGS"), certifications[0])
    portfolio_services.enrol_candidate(candidate, chosen, [tutor])
    click.echo(f"  {candidate.full_name} est inscrite à « {chosen.display_title} », suivie par {tutor.full_name}.")
    email, name = DEMO_SUBMITTER
    if services.get_user_by_email(email):
        return
    password = secrets.token_urlsafe(12)
    submitter = services.create_user(email, name, {Role.CANDIDATE}, password=password)
    click.echo(f"  {Role.CANDIDATE.label:<16} {email}  mot de passe : {password}")
    submission = build_demo_submission(submitter, tutor, chosen)
    click.echo(f"  {name} a déposé un portefeuille complet (dépôt n°{submission.id}) : "
               f"flask export dossier {submission.id} --format pdf -o dossier.pdf")


# Demo evidence: (kind, title, how many); every kind the dossier includes.
DEMO_EVIDENCE = (
    ("pdf", "Procédure de sauvegarde et de restauration", 10),
    ("svg", "Schéma du réseau du site", 5),
    ("docx", "Procédure d'exploitation", 5),
    ("png", "Capture de la console d'administration", 8),
    ("log", "Journal d'intervention sur le serveur", 3),
    ("ps1", "Script PowerShell d'inventaire", 2),
    ("xlsx", "Inventaire du parc informatique", 2),
    ("odt", "Compte rendu d'audit des partages", 1),
    ("ods", "Suivi des tickets d'assistance", 1),
)


def demo_file(kind: str, title: str, n: int) -> tuple[bytes, str]:
    """The generated content and file name of the n-th demo file of `kind`."""
    slug = f"{kind}-{n + 1:02d}"
    if kind == "pdf":
        return sample_pdf(f"{title} {n + 1}", 3), f"procedure-{slug}.pdf"
    if kind == "svg":
        return sample_svg(f"{title} {n + 1}", hosts=3 + n % 3), f"schema-{slug}.svg"
    if kind == "docx":
        return sample_docx(f"{title} {n + 1}", _screenshot(n, (480, 240))), f"procedure-{slug}.docx"
    if kind == "png":
        return _screenshot(n), f"capture-{slug}.png"
    if kind == "log":
        return _log(n), f"journal-{slug}.log"
    if kind == "ps1":
        return _powershell(n), f"inventaire-{slug}.ps1"
    if kind == "xlsx":
        return sample_xlsx(f"{title} {n + 1}", rows=25), f"inventaire-{slug}.xlsx"
    if kind == "odt":
        return sample_odt(f"{title} {n + 1}"), f"audit-{slug}.odt"
    if kind == "ods":
        return sample_ods(f"{title} {n + 1}", rows=15), f"tickets-{slug}.ods"
    raise ValueError(kind)


def build_demo_submission(candidate, tutor, certification):
    """A complete portfolio of `candidate`, commented by `tutor`, with claims on most criteria, submitted."""
    from evidence import services as evidence_services
    from evidence.models import AcquisitionContext
    from portfolio.submissions import submit_portfolio
    from referentials.models import Bloc

    portfolio = portfolio_services.enrol_candidate(candidate, certification, [tutor] if tutor else [])
    portfolio.presentation = (
        "Technicienne systèmes et réseaux depuis quatre ans dans une PME de services, j'administre le parc, "
        "les serveurs et le réseau du siège et de deux agences. Ce dossier rassemble les preuves de mes "
        "interventions : procédures, schémas, scripts, journaux et inventaires.")
    db.session.commit()
    blocs = db.session.scalars(select(Bloc).where(Bloc.certification_id == certification.id).order_by(Bloc.position)).all()
    criteria = [c for b in blocs for e in b.evaluations for c in e.criteria]
    contexts = [c.value for c in AcquisitionContext]
    number = 0
    for kind, title, count in DEMO_EVIDENCE:
        for n in range(count):
            data, filename = demo_file(kind, title, n)
            evidence = evidence_services.create_evidence(portfolio, evidence_services.EvidenceFields(
                title=f"{title} n°{n + 1}", description=f"{title} réalisée et documentée lors de l'intervention {number + 1}.",
                context=contexts[number % len(contexts)], organisation="Société Exemple SAS", period="2025-2026"))
            _store(evidence, data, filename, candidate)
            # Claims on most criteria: each piece proves two criteria, in turn.
            for criterion in (criteria[(2 * number) % len(criteria)], criteria[(2 * number + 1) % len(criteria)]) if criteria else ():
                if not any(c.criterion_id == criterion.id for c in evidence.claims):
                    evidence_services.add_claim(evidence, criterion.id,
                                                f"« {evidence.title} » montre « {criterion.code} » appliqué en situation réelle.")
            if tutor and number % 4 == 0:
                evidence_services.add_comment(evidence, tutor, "Preuve claire ; précisez la date de mise en production.")
            number += 1
    return submit_portfolio(portfolio, candidate)


def _store(evidence, data: bytes, filename: str, candidate) -> None:
    """Through the upload checks; a type only ever read (ODS) is recorded as stored, unchecked."""
    from evidence.models import EvidenceFile, EvidenceVersion, ExtractionStatus
    from evidence.uploads import UploadRefused, store_upload
    from evidence.filetypes import file_type_of
    from storage.access import object_store

    try:
        store_upload(evidence, io.BytesIO(data), filename, uploaded_by=candidate, content_length=len(data))
        return
    except UploadRefused:
        pass
    ref = object_store().put(io.BytesIO(data), len(data))
    file = EvidenceFile(evidence=evidence, position=len(evidence.files))
    db.session.add(file)
    db.session.add(EvidenceVersion(
        file=file, number=1, backend=ref.backend, object_key=ref.key, filename=filename,
        media_type=file_type_of(filename, "").media_type, size=ref.size, sha256=ref.sha256,
        extraction_status=ExtractionStatus.PENDING.value))
    db.session.commit()


def _screenshot(n: int, size: tuple[int, int] = (1280, 800)) -> bytes:
    from PIL import Image as PilImage, ImageDraw

    image = PilImage.new("RGB", size, (30 + n * 7 % 50, 34, 40))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, size[0], 36], fill=(60, 90 + n * 13 % 100, 160))
    draw.text((12, 10), f"Console d'administration - capture {n + 1}", fill=(255, 255, 255))
    for line in range(min(30, (size[1] - 50) // 24)):
        draw.text((16, 50 + line * 24), f"[{line:02d}] interface GigabitEthernet0/{line % 8} up, VLAN {10 + n}",
                  fill=(200, 220, 200))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _log(n: int, lines: int = 120) -> bytes:
    return "".join(
        f"2026-03-{1 + i % 28:02d} 10:{i % 60:02d}:00 srv-{n:02d} sshd[{1000 + i}]: Événement {i} : connexion "
        f"acceptée pour admin depuis 10.0.{n}.{i % 250} (clé ED25519 SHA256:Qx{i:04d}) port {40000 + i} ssh2\n"
        for i in range(lines)).encode()


def _powershell(n: int) -> bytes:
    return (
        "# Inventaire des postes du domaine et export CSV\n"
        "Import-Module ActiveDirectory\n"
        f"$Postes = Get-ADComputer -Filter * -SearchBase 'OU=Postes,OU=Agence{n + 1},DC=exemple,DC=local' "
        "-Properties OperatingSystem,LastLogonDate,IPv4Address,Description,ManagedBy\n"
        "$Postes | Where-Object { $_.LastLogonDate -gt (Get-Date).AddDays(-90) } | Select-Object -Property "
        "Name,OperatingSystem,LastLogonDate,IPv4Address,Description | Export-Csv -Path C:\\Rapports\\inventaire.csv "
        "-NoTypeInformation -Encoding UTF8 -Delimiter ';'\n"
        "Write-Output \"Inventaire terminé : $($Postes.Count) postes exportés vers C:\\Rapports\\inventaire.csv\"\n"
    ).encode()


# -------------------------------------------------------------------------- generated evidence files
# Small files made by code, one of each kind the dossier includes (no binary blob in the repo).


def sample_pdf(title: str, pages: int = 3, words: str = "procédure") -> bytes:
    """A PDF of `pages` A4 pages of French text, a framed drawing on each."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    canvas.setTitle(title)
    width, height = A4
    for number in range(1, pages + 1):
        canvas.setFillColorRGB(0.12, 0.3, 0.6)
        canvas.rect(50, height - 120, width - 100, 60, stroke=0, fill=1)
        canvas.setFillColorRGB(1, 1, 1)
        canvas.setFont("Helvetica-Bold", 18)
        canvas.drawString(64, height - 98, f"{title} - page {number}")
        canvas.setFillColorRGB(0, 0, 0)
        canvas.setFont("Helvetica", 11)
        for line in range(24):
            canvas.drawString(64, height - 160 - line * 18,
                              f"Etape {number}.{line + 1} de la {words} : verifier la sauvegarde du serveur {line % 7}.")
        canvas.setStrokeColorRGB(0.8, 0.1, 0.1)
        canvas.setLineWidth(3)
        canvas.rect(64, 80, width - 128, 120, stroke=1, fill=0)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def sample_svg(title: str, hosts: int = 4) -> bytes:
    """A network schema: a core switch linked to `hosts` machines, each named."""
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360" viewBox="0 0 640 360">',
             '<rect x="0" y="0" width="640" height="360" fill="#eef3fa"/>',
             '<rect x="250" y="30" width="140" height="50" fill="#1f4e99" stroke="#000"/>',
             '<text x="320" y="62" font-size="16" text-anchor="middle" fill="#ffffff">Commutateur coeur</text>',
             f'<text x="20" y="345" font-size="14" fill="#000000">{title}</text>']
    for n in range(hosts):
        x = 40 + n * (560 // max(hosts - 1, 1)) if hosts > 1 else 320
        parts.append(f'<line x1="320" y1="80" x2="{x + 40}" y2="220" stroke="#c00000" stroke-width="3"/>')
        parts.append(f'<rect x="{x}" y="220" width="80" height="60" fill="#2e8b57" stroke="#000"/>')
        parts.append(f'<text x="{x + 40}" y="255" font-size="12" text-anchor="middle" fill="#ffffff">srv-{n + 1}</text>')
    parts.append("</svg>")
    return "\n".join(parts).encode()


def sample_docx(title: str, picture: bytes | None = None) -> bytes:
    """A Word procedure: headings, paragraphs, a list, a table and a picture."""
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    document.add_paragraph(f"Ce document décrit la mise en œuvre de « {title} » dans l'entreprise.")
    document.add_heading("Étapes", level=2)
    for step in ("Préparer le serveur de sauvegarde", "Configurer la rotation des journaux",
                 "Vérifier la restauration"):
        document.add_paragraph(step, style="List Bullet")
    table = document.add_table(rows=1, cols=3)
    for cell, text in zip(table.rows[0].cells, ("Serveur", "Rôle", "Adresse"), strict=True):
        cell.text = text
    for n in range(4):
        for cell, text in zip(table.add_row().cells, (f"srv-{n + 1}", "fichiers", f"10.0.0.{n + 10}"), strict=True):
            cell.text = text
    if picture:
        document.add_picture(io.BytesIO(picture), width=docx.shared.Cm(8))
    document.add_paragraph("Conclusion : la procédure a été validée par le responsable informatique.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def sample_xlsx(title: str, rows: int = 12) -> bytes:
    """An inventory workbook: a header row and `rows` machines."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Inventaire"
    sheet.append(["Machine", "Système", "Adresse IP", "Sauvegarde"])
    for n in range(rows):
        sheet.append([f"poste-{n + 1:03d}", "Debian 12" if n % 2 else "Windows 11", f"10.1.0.{n + 20}",
                      "quotidienne" if n % 3 else "hebdomadaire"])
    sheet.append([title, "", "", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_ODF_MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                 'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                 '<manifest:file-entry manifest:full-path="/" manifest:media-type="{media}"/>'
                 '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                 '</manifest:manifest>')
_ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.2"')


def _odf(media: str, body: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), media)  # stored first, uncompressed
        archive.writestr("META-INF/manifest.xml", _ODF_MANIFEST.replace("{media}", media),
                         compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODF_NS}>'
                         f"<office:body>{body}</office:body></office:document-content>",
                         compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def sample_odt(title: str) -> bytes:
    """An OpenDocument text: a heading, paragraphs and a list."""
    items = "".join(f"<text:list-item><text:p>{item}</text:p></text:list-item>"
                    for item in ("Contrôler les droits NTFS", "Documenter les partages"))
    return _odf("application/vnd.oasis.opendocument.text",
                f'<office:text><text:h text:outline-level="1">{title}</text:h>'
                "<text:p>Compte rendu rédigé avec LibreOffice : les partages réseau ont été audités.</text:p>"
                f"<text:list>{items}</text:list></office:text>")


def sample_ods(title: str, rows: int = 8) -> bytes:
    """An OpenDocument spreadsheet: a header row and `rows` tickets."""
    def row(cells):
        return "<table:table-row>" + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{cell}</text:p></table:table-cell>'
            for cell in cells) + "</table:table-row>"
    body = row(["Ticket", "Demande", "Statut"]) + "".join(
        row([f"T-{n + 100}", f"{title} {n + 1}", "résolu"]) for n in range(rows))
    return _odf("application/vnd.oasis.opendocument.spreadsheet",
                f'<office:spreadsheet><table:table table:name="Tickets">{body}</table:table></office:spreadsheet>')
