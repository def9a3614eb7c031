"""Anchored excerpts in the validation dossier (issue 13), both formats.

Next to each criterion's justification (exports/dossier.py `_justifications`), every anchor of the
claim is reproduced as the juror sees it: the lines (numbered from their place in the file, the
anchored ones marked « » »), the cropped region of a screenshot, the PDF pages themselves, a Word
page's text, a block of cells. The full file is referred to in the annex (text files) or at its
evidence. Excerpts are cut from the snapshot (evidence.excerpts.AnchorSpan), never from live rows;
a missing or damaged file becomes a visible French note.

    excerpt_blocks(item, criteria_by_id)  -> document blocks for the anchored claims of `item`
"""
from __future__ import annotations

import io

from documents import CodeBlock, CrossReference, Image, Paragraph, PdfPages, Run, Table
from documents.embedded import MAX_PDF_BYTES
from evidence.excerpts import AnchorSpan, Excerpt, crop_png, excerpt_for, store_for
from evidence.filetypes import file_type_of

MARK = "» "  # before an anchored line; context lines get two spaces
CONTEXT_LINES = 3


def excerpt_blocks(item: dict, criteria_by_id: dict) -> list:
    """The excerpts of the anchored claims of one evidence (snapshot dict) whose criteria are in
    `criteria_by_id` ({id: Criterion}), each introduced by its criterion."""
    blocks: list = []
    current = {v["id"]: v for v in item.get("versions", [])}
    for claim in item.get("claims", []):
        criterion = criteria_by_id.get(claim["criterion_id"])
        anchors = claim.get("anchors") or []
        if criterion is None or not anchors:
            continue
        for anchor in anchors:
            size = (current.get(anchor.get("version_id")) or {}).get("size")
            span = AnchorSpan.from_snapshot({"size": size, **anchor})
            excerpt = excerpt_for(span, context=CONTEXT_LINES)
            blocks.append(Paragraph([
                Run(f"Extrait désigné pour le critère {criterion.code} : ", bold=True),
                Run(f"{excerpt.label} de « {span.filename} » (version {span.version_number})"),
            ]))
            blocks += _excerpt_body(item, span, excerpt, current)
            blocks.append(_reference(item, span, current))
    return blocks


def _caption(item: dict, excerpt: Excerpt) -> str:
    return f"Preuve n°{item['number']} — {excerpt.description}"


def _excerpt_body(item: dict, span: AnchorSpan, excerpt: Excerpt, current: dict) -> list:
    if excerpt.error:
        return [Paragraph([Run(f"Extrait indisponible : {excerpt.error}", italic=True)])]
    if excerpt.lines is not None:
        text = "\n".join((MARK if lit else "  ") + line for _, line, lit in excerpt.lines)
        blocks = [CodeBlock(text, _caption(item, excerpt), first_line=excerpt.lines[0][0],
                            max_lines=max(1, len(excerpt.lines)), total_lines=len(excerpt.lines))]
        if excerpt.more_lines:
            blocks.append(Paragraph([Run(f"… et {excerpt.more_lines} ligne(s) désignée(s) de plus, dans le fichier complet.",
                                         italic=True)]))
        return blocks
    if excerpt.kind == "region":
        return [Image(crop_png(span), _caption(item, excerpt), max_height_cm=9.0)]
    if excerpt.pages is not None:
        return [PdfPages(_pdf_of_pages(span, [n for n, _ in excerpt.pages]), _caption(item, excerpt),
                         max_pages=len(excerpt.pages))]
    if excerpt.page_texts is not None:
        blocks = []
        for number, page_blocks in excerpt.page_texts:
            blocks.append(Paragraph([Run(f"Page {number} :", bold=True)]))
            for block in page_blocks:
                if block.kind == "list":
                    blocks += [Paragraph(f"• {entry}") for entry in block.items]
                elif block.kind == "table" and block.rows:
                    blocks.append(Table(block.rows[0], block.rows[1:]))
                elif block.text:
                    blocks.append(Paragraph([Run(block.text, bold=block.kind == "heading")]))
        return blocks
    if excerpt.rows is not None:
        header = ["", *excerpt.columns]
        rows = [[str(number), *cells] for number, cells in excerpt.rows]
        return [Table(header, rows, caption=_caption(item, excerpt))]
    return []


def _pdf_of_pages(span: AnchorSpan, numbers: list[int]) -> bytes:
    """A PDF of only these pages of the version (vector, text kept), read once, bounded."""
    from pypdf import PdfReader, PdfWriter

    with store_for(span).open(span.object_key) as stream:
        data = stream.read(MAX_PDF_BYTES + 1)
    if len(data) > MAX_PDF_BYTES:
        return data  # too large: PdfPages says so
    reader = PdfReader(io.BytesIO(data))
    writer = PdfWriter()
    for number in numbers:
        writer.add_page(reader.pages[number - 1])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _reference(item: dict, span: AnchorSpan, current: dict) -> Paragraph:
    """Where the full file is: its annex (a text file frozen as the evidence's current version),
    the evidence itself, or Probatio (an older version)."""
    if span.version_id in current:
        if file_type_of(span.filename, span.media_type).is_text:
            return Paragraph([Run("Fichier complet : ", italic=True),
                              CrossReference(f"annexe « {span.filename} »", f"annexe-{span.version_id}"), Run(".")])
        return Paragraph([Run("Fichier complet : avec la ", italic=True),
                          CrossReference(f"preuve n°{item['number']}", f"preuve-{item['number']}"), Run(".")])
    return Paragraph([Run(f"Fichier complet : « {span.filename} », version {span.version_number}, "
                          "consultable dans Probatio.", italic=True)])


def in_place_blocks(item: dict, version: dict, blocks: list) -> list:
    """The blocks of a file at its evidence, with the head of an anchored text file (its first
    lines, cut at the beginning) replaced by a reference to the full text in the annex: the
    designated lines already stand next to their criteria."""
    anchored = {a.get("version_id") for claim in item.get("claims", []) for a in claim.get("anchors") or []}
    if version["id"] not in anchored:
        return blocks
    replaced = []
    for block in blocks:
        if isinstance(block, CodeBlock) and block.annex_anchor:
            replaced.append(Paragraph([
                Run("Les lignes désignées figurent à côté de leurs critères ; texte complet en ", italic=True),
                CrossReference(f"annexe {block.annex_label}" if block.annex_label else "annexe", block.annex_anchor),
                Run(".", italic=True),
            ]))
        else:
            replaced.append(block)
    return replaced
