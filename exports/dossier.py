"""The validation dossier of a portfolio snapshot, built as a documents.Document.

Order follows the referential: title page, contents, presentation, then per bloc → competence the
evidence that proves it (description, context, justification per criterion, image or excerpt),
a correspondence table criteria ↔ evidence, and annexes with the full text of long files.
A file missing from storage or unreadable is named in a visible placeholder, never skipped.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.timeutil import format_paris, utcnow
from documents import (
    BulletList, CodeBlock, CrossReference, Document, Heading, Image, PageBreak, Paragraph, PdfPages, Run, Svg,
    Table, TableOfContents, TitlePage,
)
from documents.embedded import MAX_PDF_BYTES, MAX_SVG_BYTES, pdf_page_total
from documents.office import OfficeError, office_blocks
from evidence.files import open_version
from evidence.filetypes import FileKind, file_type_of
from evidence.models import AcquisitionContext
from exports.dossier_excerpts import excerpt_blocks, in_place_blocks
from extensions import db
from storage.base import StorageError

from referentials.models import Bloc, Certification, Criterion, Evaluation

EXCERPT_LINES = 60
ANNEX_MAX_LINES = 1500
# The dossier reads at most this much of a text file; a 50 MB log yields an excerpt plus a bounded annex.
TEXT_READ_LIMIT = 2 * 1024 * 1024
IMAGE_READ_LIMIT = 25 * 1024 * 1024
OFFICE_READ_LIMIT = 40 * 1024 * 1024
# A PDF longer than this, or an office document of more blocks, goes to the annexes (referenced in place).
PDF_IN_PLACE_PAGES = 4
OFFICE_IN_PLACE_BLOCKS = 30
PDF_MAX_PAGES = 30  # pages of one PDF evidence reproduced in the dossier


@dataclass
class DossierContext:
    """Who and what the dossier is about, beside the snapshot."""

    candidate_name: str
    certification: Certification
    submitted_at: str = ""
    problems: list[str] = field(default_factory=list)


def _read(version: dict, limit: int) -> bytes:
    with open_version(version) as stream:
        return stream.read(limit)


def build_dossier(snapshot: dict, context: DossierContext) -> Document:
    certification = context.certification
    blocs = db.session.scalars(
        select(Bloc)
        .where(Bloc.certification_id == certification.id)
        .order_by(Bloc.position)
        .options(selectinload(Bloc.competences), selectinload(Bloc.evaluations).selectinload(Evaluation.criteria).selectinload(Criterion.competences))
    ).all()
    claims_by_criterion: dict[int, list[tuple[dict, dict]]] = defaultdict(list)
    for item in snapshot["evidence"]:
        for claim in item["claims"]:
            claims_by_criterion[claim["criterion_id"]].append((item, claim))

    blocks: list = [
        TitlePage(
            "Dossier de validation",
            certification.display_title,
            [
                context.candidate_name,
                f"Certification : {certification.code or certification.key} (version {certification.version_number})",
                f"Dépôt du {context.submitted_at}" if context.submitted_at else f"Édité le {format_paris(utcnow(), '%d/%m/%Y')}",
            ],
        ),
        TableOfContents(),
        PageBreak(),
        Heading("Présentation du candidat et de son contexte professionnel", 1),
        Paragraph(snapshot.get("presentation") or f"{context.candidate_name} présente ici les preuves de ses compétences."),
    ]
    organisations = sorted({(e["organisation"], e["context"]) for e in snapshot["evidence"] if e["organisation"]})
    if organisations:
        blocks.append(Paragraph("Les preuves ont été acquises dans les contextes suivants :"))
        blocks.append(BulletList([f"{name} — {AcquisitionContext(kind).label}" for name, kind in organisations]))
    if not snapshot["evidence"]:
        blocks.append(Paragraph([Run("Ce portefeuille ne contient encore aucune preuve.", bold=True)]))

    annexes: list = []
    shown: set[int] = set()
    for bloc in blocs:
        blocks += [PageBreak(), Heading(f"{bloc.code} — {bloc.title}", 1)]
        criteria = [c for e in bloc.evaluations for c in e.criteria]
        for competence in bloc.competences:
            related = [c for c in criteria if competence in c.competences] or []
            items = _evidence_for(related, claims_by_criterion)
            blocks.append(Heading(f"{competence.code + ' — ' if competence.code else ''}{competence.text}", 2))
            if not items:
                blocks.append(Paragraph([Run("Aucune preuve n'est rattachée à cette compétence.", italic=True)]))
                continue
            for item in items:
                if item["id"] in shown:
                    blocks.append(Paragraph([Run(f"Preuve n°{item['number']} : "), CrossReference(item["title"], f"preuve-{item['number']}"), Run(" (présentée plus haut).")]))
                    blocks += _justifications(item, related)
                    continue
                shown.add(item["id"])
                blocks += _evidence_blocks(item, related, context, annexes)
        blocks += _correspondence(bloc, criteria, claims_by_criterion)

    unrelated = [e for e in snapshot["evidence"] if e["id"] not in shown]
    if unrelated:
        blocks += [PageBreak(), Heading("Preuves non rattachées à un critère", 1)]
        for item in unrelated:
            blocks += _evidence_blocks(item, [], context, annexes)
    if annexes:
        blocks += [PageBreak(), Heading("Annexes", 1), *annexes]
    return Document(
        title=f"Dossier de validation — {context.candidate_name}",
        author=context.candidate_name,
        subject=f"{certification.display_title} ({certification.code or certification.key})",
        blocks=blocks,
    )


def _evidence_for(criteria: list[Criterion], claims_by_criterion) -> list[dict]:
    seen: dict[int, dict] = {}
    for criterion in criteria:
        for item, _ in claims_by_criterion.get(criterion.id, []):
            seen.setdefault(item["id"], item)
    return sorted(seen.values(), key=lambda e: e["number"])


def _justifications(item: dict, criteria: list[Criterion]) -> list:
    by_id = {c.id: c for c in criteria}
    rows = [
        [by_id[claim["criterion_id"]].code, by_id[claim["criterion_id"]].text, claim["justification"]]
        for claim in item["claims"]
        if claim["criterion_id"] in by_id
    ]
    if not rows:
        return []
    return [Table(["Critère", "Énoncé", "Justification du candidat"], rows, col_widths=[0.12, 0.38, 0.5], caption=f"Critères démontrés par la preuve n°{item['number']}"),
            *excerpt_blocks(item, by_id)]


def _evidence_blocks(item: dict, criteria: list[Criterion], context: DossierContext, annexes: list) -> list:
    blocks: list = [Heading(f"Preuve n°{item['number']} : {item['title']}", 3, anchor=f"preuve-{item['number']}")]
    situation = AcquisitionContext(item["context"]).label
    details = ", ".join(part for part in (item["organisation"], item["period"]) if part)
    blocks.append(Paragraph([Run("Contexte d'acquisition : ", bold=True), Run(situation + (f" ({details})" if details else ""))]))
    if item["description"]:
        blocks.append(Paragraph(item["description"]))
    if item["confidentiality_note"]:
        blocks.append(Paragraph([Run("Confidentialité : ", bold=True), Run(item["confidentiality_note"], italic=True)]))
    blocks += _justifications(item, criteria)
    for version in item["versions"]:
        blocks += in_place_blocks(item, version, _file_blocks(item, version, context, annexes))
    return blocks


def _file_blocks(item: dict, version: dict, context: DossierContext, annexes: list) -> list:
    caption = f"Preuve n°{item['number']} — {version['filename']}"
    media_type = version["media_type"]
    file_type = file_type_of(version["filename"], media_type)
    identity = Paragraph([Run("Fichier : ", bold=True), Run(
        f"{version['filename']} (version {version.get('number', 1)}) — SHA-256 : {version.get('sha256') or 'inconnu'}",
        italic=True)])
    try:
        if file_type.kind == FileKind.IMAGE:
            return [identity, Image(_read(version, IMAGE_READ_LIMIT), caption)]
        if file_type.is_text:
            data = _read(version, TEXT_READ_LIMIT)
            anchor = f"annexe-{version['id']}"
            label = _annex_label(annexes)
            annexes.append(Heading(f"Annexe {label} : {version['filename']} (preuve n°{item['number']})", 2, anchor=anchor))
            if version["size"] > len(data):
                annexes.append(Paragraph([Run(
                    f"Le fichier complet ({version['size'] // (1024 * 1024)} Mo) dépasse ce qu'un dossier imprimé peut contenir : "
                    "seul son début figure ici ; il reste téléchargeable intégralement dans Probatio.", italic=True,
                )]))
            annexes.append(CodeBlock(data, version["filename"], max_lines=ANNEX_MAX_LINES))
            return [identity, CodeBlock(data, caption, max_lines=EXCERPT_LINES, annex_anchor=anchor, annex_label=label)]
        if file_type.kind == FileKind.PDF:
            return [identity, *_pdf_blocks(item, version, caption, annexes)]
        if file_type.kind == FileKind.SVG:
            data = _read(version, MAX_SVG_BYTES + 1)
            if len(data) > MAX_SVG_BYTES:
                return [identity, _left_out(context, item, version, "schéma trop volumineux pour le dossier")]
            return [identity, Svg(data, caption)]
        if file_type.kind in (FileKind.DOCUMENT, FileKind.SPREADSHEET):
            return [identity, *_office(item, version, caption, context, annexes)]
    except StorageError as error:
        context.problems.append(f"preuve n°{item['number']}, {version['filename']} : {error}")
        return [Paragraph([Run(f"Fichier indisponible : {version['filename']} ({error}).", bold=True)])]
    size_kb = max(1, version["size"] // 1024)
    return [identity, Paragraph([Run(f"Fichier joint : {version['filename']} ({media_type}, {size_kb} Ko), consultable dans Probatio.", italic=True)])]


def _annex_label(annexes: list) -> str:
    return str(sum(1 for block in annexes if isinstance(block, Heading)) + 1)


def _left_out(context: DossierContext, item: dict, version: dict, why: str) -> Paragraph:
    context.problems.append(f"preuve n°{item['number']}, {version['filename']} : {why}")
    return Paragraph([Run(f"Contenu non reproduit : {version['filename']} — {why} ; "
                          "le fichier reste consultable dans Probatio.", italic=True)])


def _to_annex(item: dict, version: dict, annexes: list, blocks: list, what: str) -> list:
    """Puts `blocks` in a new annex and returns the paragraph that refers to it."""
    anchor = f"annexe-{version['id']}"
    label = _annex_label(annexes)
    annexes.append(Heading(f"Annexe {label} : {version['filename']} (preuve n°{item['number']})", 2, anchor=anchor))
    annexes.extend(blocks)
    return [Paragraph([Run(f"{what} reproduit en "), CrossReference(f"annexe {label}", anchor), Run(".")])]


def _pdf_blocks(item: dict, version: dict, caption: str, annexes: list) -> list:
    data = _read(version, MAX_PDF_BYTES + 1)
    pages = PdfPages(data, caption, max_pages=PDF_MAX_PAGES)  # too large: the renderers say so
    total = pdf_page_total(data) if len(data) <= MAX_PDF_BYTES else None
    if total is None or total <= PDF_IN_PLACE_PAGES:
        return [pages]
    return _to_annex(item, version, annexes, [pages], f"Document PDF de {total} pages")


def _office(item: dict, version: dict, caption: str, context: DossierContext, annexes: list) -> list:
    data = _read(version, OFFICE_READ_LIMIT + 1)
    if len(data) > OFFICE_READ_LIMIT:
        return [_left_out(context, item, version, "fichier trop volumineux pour le dossier")]
    kind = version["filename"].rsplit(".", 1)[-1].lower()
    try:
        blocks, notes = office_blocks(data, kind, version["filename"])
    except OfficeError as error:
        return [_left_out(context, item, version, str(error))]
    context.problems += [f"preuve n°{item['number']} : {note}" for note in notes]
    if not blocks:
        return [Paragraph([Run(f"{version['filename']} : document vide.", italic=True)])]
    framed = [Paragraph([Run(f"Contenu de {version['filename']} :", bold=True)]), *blocks,
              Paragraph([Run(f"Fin de {version['filename']}.", italic=True)])]
    if len(blocks) > OFFICE_IN_PLACE_BLOCKS:
        return _to_annex(item, version, annexes, framed, f"Contenu de {version['filename']}")
    return framed


def _correspondence(bloc: Bloc, criteria: list[Criterion], claims_by_criterion) -> list:
    rows = []
    for criterion in criteria:
        numbers = sorted({item["number"] for item, _ in claims_by_criterion.get(criterion.id, [])})
        rows.append([criterion.code, criterion.text, ", ".join(f"n°{n}" for n in numbers)])
    if not rows:
        return []
    return [
        Heading(f"Tableau de correspondance du bloc {bloc.code}", 2),
        Table(["Critère", "Énoncé", "Preuves"], rows, col_widths=[0.12, 0.68, 0.2], caption=f"Critères du bloc {bloc.code} et preuves qui les démontrent"),
    ]
