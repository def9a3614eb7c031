"""What kind of referential a file holds, and whether it is whole.

Every refusal is a ReferentialImportError with a French message for the person who uploaded it.
"""

from __future__ import annotations

import re

from referentials.importers.draft import CertificationDraft
from referentials.importers.errors import ReferentialImportError
from referentials.importers.rules import announced_bloc_count
from referentials.importers.text import fold

RNCP = "rncp"
REAC = "reac"


def decode(data: bytes | str) -> str:
    """The text of an uploaded file: UTF-8 (with or without BOM), newlines normalised."""
    if isinstance(data, bytes):
        if b"\x00" in data:
            raise ReferentialImportError(
                "Le fichier est binaire (il contient des octets nuls) : "
                "déposez le référentiel exporté en texte (UTF-8)."
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            if error.reason == "unexpected end of data":
                raise ReferentialImportError(
                    "Le fichier semble tronqué : il s'arrête au milieu d'un caractère."
                ) from None
            raise ReferentialImportError(
                f"Le fichier n'est pas un texte UTF-8 valide (octet invalide à la position {error.start}) : "
                "enregistrez-le en UTF-8 puis déposez-le de nouveau."
            ) from None
    else:
        text = data.removeprefix("\ufeff")
        if "\x00" in text:
            raise ReferentialImportError(
                "Le fichier est binaire (il contient des caractères nuls) : un texte est attendu."
            )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ReferentialImportError("Le fichier est vide : aucun référentiel à importer.")
    return text


def _is_rncp_header(line: str) -> bool:
    cells = [fold(re.sub(r"<[^>]+>", " ", c)) for c in line.split("\t")]
    if len(cells) < 4:
        return False
    first = all(c.startswith("referentiel d") for c in cells[:3])
    second = cells[2] == "modalites d'evaluation" and cells[3] == "criteres d'evaluation"
    return first or second


def rncp_end_problems(lines: list[str]) -> list[str]:
    """A table cut at its end. The document ends on its table: its last row is a table row (not
    a repeated page header), it holds a criterion, every cell closes its markup and ends a
    sentence. A row whose cell stops mid-sentence continues on the next page: here it does not."""
    numbered = [(i, line) for i, line in enumerate(lines, 1) if line.strip()]
    unclosed = _unclosed_table_part(numbered)
    while numbered and _is_separator_row(numbered[-1][1].split("\t")):
        numbered.pop()
    if not numbered:
        return []
    if unclosed:
        return unclosed
    last_no, last = numbered[-1]
    cells = last.split("\t")
    where = f"sa dernière ligne (n° {last_no})"
    if len(cells) == 1:
        return [f"{where} n'est pas une ligne du tableau : le document s'arrête avant la fin de son tableau"]
    if len(cells) < 4:
        return [f"{where} est une ligne de tableau incomplète ({len(cells)} colonne{'s' if len(cells) > 1 else ''} sur 4)"]
    if _is_rncp_header(last):
        return [f"{where} est l'en-tête d'une nouvelle page du tableau, sans contenu après"]
    if any(_cut_markup(cell) for cell in cells):
        return [f"{where} s'arrête au milieu d'une cellule"]
    if not _cell_text(cells[3]):
        return [f"{where} n'a aucun critère d'évaluation : le tableau s'arrête avant ses critères"]
    for cell in cells:
        text = _cell_text(cell)
        if text and text[-1] not in '.!?:;)»"…':
            return [f"{where} s'arrête au milieu d'une phrase (« …{text[-40:]} »)"]
    return []


def _unclosed_table_part(numbered: list[tuple[int, str]]) -> list[str]:
    """Where the export closes each part of its table with a separator row ("---\t---…", 001 and
    004), the document ends on one: a last part without it was cut before its end. A document
    without separators (000) says nothing either way."""
    separators = [k for k, (_, line) in enumerate(numbered) if _is_separator_row(line.split("\t"))]
    # Closing separators follow a content row; a markdown table's usual separator follows its
    # header row and opens the rows below it, which says nothing of where the table ends.
    closing = all(
        k > 0 and "\t" in numbered[k - 1][1] and not _is_rncp_header(numbered[k - 1][1])
        and not _is_separator_row(numbered[k - 1][1].split("\t"))
        for k in separators
    )
    if not separators or not closing:
        return []
    separators = [numbered[k][0] for k in separators]
    rows = [i for i, line in numbered if "\t" in line and not _is_separator_row(line.split("\t")) and not _is_rncp_header(line)]
    if not rows or rows[-1] < separators[-1]:
        return []
    start = next((i for i in rows if i > separators[-1]), rows[-1])
    others = "la partie précédente se ferme" if len(separators) == 1 else f"les {len(separators)} précédentes se ferment"
    return [
        f"sa dernière ligne (n° {rows[-1]}) laisse ouverte la partie de tableau commencée ligne {start}, alors que "
        f"{others} par une ligne de séparation « --- » : le document est coupé avant sa fin"
    ]


def _cell_text(cell: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()


_NOTICE = "reproduction interdite"


def reac_end_problems(lines: list[str]) -> list[str]:
    """A REAC, and the référentiel d'évaluation (RE) appended to it, each end on the page
    « Reproduction interdite » quoting article L 122-4, whose quotation closes the document part."""
    problems: list[str] = []
    parts: list[tuple[str, int]] = []  # (name, first line)
    for i, line in enumerate(lines, 1):
        folded = fold(line.strip("#* "))
        if folded.startswith("referentiel emploi activites competences du titre professionnel") and not parts:
            parts.append(("le REAC", i))
        elif folded.startswith("referentiel d'evaluation du titre professionnel"):
            parts.append(("le référentiel d'évaluation", i))
    if not parts:
        return []
    bounds = [(name, start, parts[k + 1][1] - 1 if k + 1 < len(parts) else len(lines)) for k, (name, start) in enumerate(parts)]
    for name, start, end in bounds:
        content = [(i, lines[i - 1].strip()) for i in range(start, end + 1) if lines[i - 1].strip()]
        last_no = content[-1][0] if content else start
        notice = next((i for i, text in content if fold(text) == _NOTICE), None)
        if notice is None:
            problems.append(
                f"{name} s'arrête à la ligne {last_no} sans sa page finale « Reproduction interdite » "
                "(le document est coupé avant sa fin)"
            )
            continue
        tail = [text for i, text in content if i > notice]
        if len(tail) < 2 or not tail[-1].rstrip().endswith(('"', "»", "”")):
            problems.append(
                f"{name} s'arrête à la ligne {last_no}, au milieu de sa page finale « Reproduction interdite »"
            )
    return problems


def _is_separator_row(cells: list[str]) -> bool:
    return len(cells) > 1 and all(re.fullmatch(r"\s*-+\s*", c) for c in cells)


def _cut_markup(cell: str) -> bool:
    if re.search(r"<[^>]*$", cell):
        return True
    return any(
        len(re.findall(rf"<{tag}[\s>]", cell)) != len(re.findall(rf"</{tag}>", cell))
        for tag in ("p", "i", "b", "u", "li")
    )


def detect_shape(data: bytes | str) -> str:
    """ "rncp" for a four-column RNCP table, "reac" for the REAC of a titre professionnel.

    Raises ReferentialImportError for an empty, binary, unknown or visibly truncated file.
    """
    text = decode(data)
    lines = text.split("\n")
    folded = fold(text)
    if "fiche competence professionnelle" in folded or "referentiel emploi activites competences" in folded:
        if "criteres de performance" not in folded:
            raise ReferentialImportError(
                "Le fichier semble tronqué : c'est un REAC, mais aucune fiche compétence professionnelle "
                "n'y donne ses critères de performance."
            )
        return REAC
    if any(_is_rncp_header(line) for line in lines):
        return RNCP
    raise ReferentialImportError(
        "Format de référentiel non reconnu : ni tableau RNCP à quatre colonnes (activités, compétences, "
        "modalités et critères d'évaluation), ni REAC de titre professionnel (fiches compétences professionnelles)."
    )


def check_complete(draft: CertificationDraft) -> None:
    """Refuse a draft that no loading could make sense of (no bloc, no criterion at all)."""
    suffix = "le fichier semble tronqué ou incomplet."
    if not draft.blocs:
        raise ReferentialImportError(f"Aucun bloc de compétences n'a été trouvé : {suffix}")
    if not draft.criteria():
        raise ReferentialImportError(f"Aucun critère d'évaluation n'a été trouvé : {suffix}")


# A certification that speaks of "its blocs" (« les blocs de compétences sont autonomes »,
# « l'ensemble des blocs de compétences ») has more than one.
_PLURAL_BLOCS = re.compile(r"\b(?:les|des|ses|chacun des|l'ensemble des) blocs de competences\b")


def completeness_problems(draft: CertificationDraft) -> list[str]:
    """What a whole document would have and this draft lacks (French, one sentence each)."""
    problems: list[str] = []
    announced = announced_bloc_count(draft.description)
    if announced and announced > len(draft.blocs):
        problems.append(
            f"le document annonce {announced} blocs de compétences mais {len(draft.blocs)} seulement ont été trouvés"
        )
    if len(draft.blocs) == 1 and _PLURAL_BLOCS.search(fold(draft.description or "")):
        problems.append(
            "le document parle de ses blocs de compétences au pluriel (« les blocs de compétences… ») "
            "mais un seul bloc a été trouvé"
        )
    for bloc in draft.blocs:
        label = f"le bloc {bloc.code} « {bloc.title} »"
        if not bloc.competences:
            problems.append(f"{label} n'a aucune compétence")
            continue
        if not any(e.criteria for e in bloc.evaluations):
            problems.append(f"{label} a des compétences mais aucun critère d'évaluation")
            continue
        evaluated = {key for e in bloc.evaluations for key in e.competence_codes}
        for competence in bloc.competences:
            if competence.key not in evaluated:
                problems.append(
                    f"la compétence {competence.key} « {competence.text[:80]} » n'est évaluée par aucune modalité"
                )
        for evaluation in bloc.evaluations:
            if not evaluation.criteria:
                problems.append(f"l'évaluation {bloc.code}/{evaluation.code} n'a aucun critère (fiche absente ou coupée)")
    problems.extend(_unclosed_evaluation(draft))
    return problems


def _closing(modality: str) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", fold(re.sub(r"^- ", "", modality.strip(), flags=re.M)))
    return sentences[-1] if sentences else ""


def _unclosed_evaluation(draft: CertificationDraft) -> list[str]:
    """Where every evaluation of the document closes on the same sentence (« L'ensemble du travail
    est présenté… »), the last one lacking it was cut before its end."""
    evaluations = [(b, e) for b in draft.blocs for e in b.evaluations]
    if len(evaluations) < 2:
        return []
    closings = [_closing(e.modality) for _, e in evaluations[:-1]]
    if len(set(closings)) != 1 or not closings[0]:
        return []
    bloc, last = evaluations[-1]
    if _closing(last.modality) != closings[0]:
        return [
            f"la modalité de l'évaluation {bloc.code}/{last.code} s'arrête avant la phrase qui clôt toutes les autres "
            f"(« {closings[0][:60]}… »)"
        ]
    return []


# --- what positively shows where a document ends ---------------------------------------------

def end_signs(lines: list[str], shape: str, draft: CertificationDraft) -> list[str]:
    """The signs by which the document itself shows that it is whole (French, one each): the
    last part of its table closed by a separator row, the number of blocs it announces found, or
    (REAC) each part ending on its « Reproduction interdite » page. Called on a document the
    checks above found nothing wrong with; none of these signs means a cut between two complete
    rows could not be told from a whole, shorter document."""
    signs: list[str] = []
    announced = announced_bloc_count(draft.description)
    if announced and announced == len(draft.blocs):
        signs.append(f"le document annonce ses {announced} blocs de compétences")
    if shape == REAC:
        if _reac_parts(lines) and not reac_end_problems(lines):
            signs.append("chaque partie se termine par sa page « Reproduction interdite »")
        return signs
    numbered = [(i, line) for i, line in enumerate(lines, 1) if line.strip()]
    if numbered and _is_separator_row(numbered[-1][1].split("\t")):
        k = len(numbered) - 1
        previous = numbered[k - 1][1] if k else ""
        if "\t" in previous and not _is_rncp_header(previous) and not _is_separator_row(previous.split("\t")):
            signs.append("son tableau se termine par une ligne de séparation « --- »")
    return signs


def _reac_parts(lines: list[str]) -> bool:
    return any(
        fold(line.strip("#* ")).startswith(
            ("referentiel emploi activites competences du titre professionnel", "referentiel d'evaluation du titre professionnel")
        )
        for line in lines
    )


def unverified_message(draft: CertificationDraft) -> str:
    """Why an import could not check the document's completeness, with what it found, for the
    administrator to compare with the official fiche."""
    blocs = len(draft.blocs)
    competences = len(draft.competences())
    criteria = len(draft.criteria())
    last = draft.blocs[-1] if draft.blocs else None
    last_title = f"{last.code} — {last.title}" if last and last.code else (last.title if last else "")
    if len(last_title) > 100:
        last_title = last_title[:99].rstrip() + "…"
    return (
        "complétude non vérifiable : le document n'annonce ni sa fin ni son nombre de blocs ; "
        f"vérifiez qu'il est complet ({_count(blocs, 'bloc')}, {_count(competences, 'compétence')}, "
        f"{_count(criteria, 'critère')} trouvé{'s' if criteria > 1 else ''} ; dernier bloc : « {last_title} »)"
    )


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n > 1 else ''}"
