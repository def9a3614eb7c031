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


def _check_last_row(lines: list[str]) -> None:
    """A table cut in its last row. The document ends on its table, every cell closes its <p>,
    <i>, <b>, <u> and <li>, and the last cell holds a criterion: the end is suspect when it is not
    a table row, when a cell is missing, when markup stops half-way, or mid-sentence."""
    last_no, last = next((i, line) for i, line in reversed(list(enumerate(lines, 1))) if line.strip())
    cells = last.split("\t")
    if _is_separator_row(cells):
        return
    problem = None
    if len(cells) == 1:
        problem = "n'est pas une ligne du tableau : le document s'arrête avant la fin de son tableau"
    elif len(cells) < 4:
        problem = f"est une ligne de tableau incomplète ({len(cells)} colonne{'s' if len(cells) > 1 else ''} sur 4)"
    elif any(_cut_markup(cell) for cell in cells):
        problem = "s'arrête au milieu d'une cellule"
    else:
        text = re.sub(r"<[^>]+>", "", [c for c in cells if c.strip()][-1]).rstrip()
        if text and not (last.rstrip().endswith(">") or text[-1] in '.!?:;)»"'):
            problem = "s'arrête au milieu d'une phrase"
    if problem:
        raise ReferentialImportError(f"Le fichier semble tronqué : sa dernière ligne (n° {last_no}) {problem}.")


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
        _check_last_row(lines)
        return RNCP
    raise ReferentialImportError(
        "Format de référentiel non reconnu : ni tableau RNCP à quatre colonnes (activités, compétences, "
        "modalités et critères d'évaluation), ni REAC de titre professionnel (fiches compétences professionnelles)."
    )


def check_complete(draft: CertificationDraft) -> None:
    """Refuse a draft that a whole document could not have produced (a truncated file)."""
    suffix = "le fichier semble tronqué ou incomplet."
    if not draft.blocs:
        raise ReferentialImportError(f"Aucun bloc de compétences n'a été trouvé : {suffix}")
    if not draft.criteria():
        raise ReferentialImportError(f"Aucun critère d'évaluation n'a été trouvé : {suffix}")
    announced = announced_bloc_count(draft.description)
    if announced and announced > len(draft.blocs):
        raise ReferentialImportError(
            f"Le document annonce {announced} blocs de compétences mais {len(draft.blocs)} seulement ont été trouvés : {suffix}"
        )
    for bloc in draft.blocs:
        label = f"Le bloc {bloc.code} « {bloc.title} »"
        if not bloc.competences:
            raise ReferentialImportError(f"{label} n'a aucune compétence : {suffix}")
        if not any(e.criteria for e in bloc.evaluations):
            raise ReferentialImportError(f"{label} a des compétences mais aucun critère d'évaluation : {suffix}")
        evaluated = {key for e in bloc.evaluations for key in e.competence_codes}
        for competence in bloc.competences:
            if competence.key not in evaluated:
                raise ReferentialImportError(
                    f"La compétence {competence.key} « {competence.text[:80]} » n'est évaluée par aucune modalité : {suffix}"
                )
        for evaluation in bloc.evaluations:
            if not evaluation.criteria:
                raise ReferentialImportError(
                    f"L'évaluation {bloc.code}/{evaluation.code} n'a aucun critère "
                    f"(fiche absente ou coupée) : {suffix}"
                )
