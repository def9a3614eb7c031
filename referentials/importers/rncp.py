"""Parser for RNCP referentials: four-column tables exported as text.

Columns: activités | compétences | modalités d'évaluation | critères d'évaluation, one table
row per line with tab-separated cells. The exports repeat the two header rows on every page,
cut cells at page breaks (the rest of a cell comes on the next row, starting in lower case),
and keep HTML fragments inside cells.

How the document maps to the draft:
- a bloc starts at "Bloc de compétences N – …", "ACTIVITÉ N - …" or an all-capitals title row;
- the activity column, and prose between the bloc title and the table, become the bloc's description;
- a competence starts at its code (C1.1, C2.1.3, C.4.7.); without codes (IGS blocs) every
  paragraph, or every sentence of an unformatted cell, is one competence;
- an evaluation starts where a modality cell opens with "L'évaluation est réalisée…" or
  "Mise en situation professionnelle…"; it covers the rows down to the next one, with their
  competences and criteria; list items after "Livrable :" are its deliverables;
- a criterion starts at its code (CE1, CE.3); a paragraph wholly in italics and ending with ":"
  is the heading of the criteria below it; list items are the indicators of the criterion above;
- a criterion belongs to the competence of its table row when every row of its evaluation holds
  a single competence, otherwise to all the competences of the evaluation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from referentials.importers.draft import (
    BlocDraft,
    CertificationDraft,
    CompetenceDraft,
    CriterionDraft,
    DeliverableDraft,
    EvaluationDraft,
    UnplacedLine,
    assign_keys,
    link_competences,
    renumber,
)
from referentials.importers.rules import rules_from_prose
from referentials.importers.text import (
    Block,
    acronym,
    cell_blocks,
    clean,
    fold,
    split_sentences,
    starts_continuation,
    strip_markdown,
    upper_ratio,
)

ACTIVITY, COMPETENCE, MODALITY, CRITERIA = range(4)

_BLOC_TITLE = re.compile(r"^(?:bloc de comp[ée]tences|activit[ée])\s+(\d+)\s*[-–—:]\s*(.+)$", re.I)
_COMPETENCE_CODE = re.compile(r"^(C\.?\d+(?:\.\d+)+)\.?(?=\s|$)[\s:–-]*")
_COMPETENCE_STARTER = re.compile(r"(?<![\w.])C\.?\d+(?:\.\d+)+\.?(?=\s)")
_CRITERION_CODE = re.compile(r"^(CE\s?\.?\s?\d+)\b[\s:–-]*")
_CRITERION_STARTER = re.compile(r"(?<![\w.])CE\s?\.?\s?\d+\b")
_DELIVERABLE_STARTER = re.compile(r"(?<!\w)Livrables?\s*:")
_EVALUATION_OPENERS = ("l'evaluation ", "mise en situation professionnelle")
_DOCUMENT_KIND = re.compile(r"^referentiels? d'activites, de competences et d'evaluation$")
_LEVEL = re.compile(r"^niveau\s+([0-9]+|[ivx]+)$", re.I)
_CERTIFIER = (
    re.compile(r"certification professionnelle de .+? d'([A-Z][\w-]+) est conditionn"),
    re.compile(r"\bl'([A-Z][A-Z0-9-]+) dans son action d'ingénierie de certification"),
)


@dataclass
class _Entry:
    """A paragraph or list item of one column, with the bloc row where it starts."""

    row: int
    line_no: int
    block: Block


@dataclass
class _Bloc:
    number: int | None
    title: str
    line_no: int
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    continues: list[bool] = field(default_factory=list)  # row i is row i-1 carried over a page break

    def add(self, line_no: int, cells: list[str], after_break: bool = False) -> None:
        cells = (cells + ["", "", ""])[:4]
        self.continues.append(bool(self.rows) and after_break and _carries_over(cells))
        self.rows.append((line_no, cells))

    def logical_rows(self) -> list[int]:
        """The table row each exported row belongs to (a row cut by a page break is one row)."""
        ids: list[int] = []
        for i, continued in enumerate(self.continues):
            ids.append(ids[-1] if continued else i)
        return ids


def _carries_over(cells: list[str]) -> bool:
    """A row after a page break that continues the row above: no activity of its own, or
    a cell that starts in the middle of a sentence."""
    if not cells[0].strip():
        return True
    return any(
        (blocks := cell_blocks(cell)) and blocks[0].kind == "p" and starts_continuation(blocks[0].text)
        for cell in cells
    )


def parse_rncp(text: str, source_name: str) -> CertificationDraft:
    """Parse an RNCP four-column referential; unplaceable lines go to `draft.unplaced`."""
    lines = text.split("\n")
    unplaced: list[UnplacedLine] = []
    preamble: list[tuple[int, str]] = []
    blocs: list[_Bloc] = []
    after_break = False
    for line_no, line in enumerate(lines, 1):
        cells = line.split("\t")
        if not line.strip():
            after_break = True
            continue
        if _is_repeated_header(cells) or _is_separator(cells):
            continue
        title = _bloc_title(cells)
        if title:
            blocs.append(_Bloc(title[0], title[1], line_no))
        elif len(cells) == 1 and not blocs:
            preamble.append((line_no, line))
        elif not blocs:
            unplaced.append(UnplacedLine(line_no, clean(line), "ligne de tableau avant le premier bloc"))
        elif len(cells) == 1:
            # Prose between a bloc title and its table: the bloc's description.
            blocs[-1].add(line_no, [strip_markdown(line)])
        else:
            blocs[-1].add(line_no, cells, after_break)
        after_break = False

    draft = _certification(preamble, text, source_name)
    coded_competences = _uses_codes(blocs, COMPETENCE, _COMPETENCE_CODE, _COMPETENCE_STARTER)
    coded_criteria = _uses_codes(blocs, CRITERIA, _CRITERION_CODE, _CRITERION_STARTER)
    links: list = []
    for position, bloc in enumerate(blocs, 1):
        draft.blocs.append(_parse_bloc(bloc, position, coded_competences, coded_criteria, links, unplaced))
    draft.unplaced = unplaced
    renumber(draft)
    assign_keys(draft)
    link_competences(links)
    return draft


def _is_repeated_header(cells: list[str]) -> bool:
    """The two header rows repeated on every page of the table."""
    folded = [fold(re.sub(r"<[^>]+>", " ", c)) for c in cells]
    if len(folded) != 4:
        return False
    first = all(f.startswith("referentiel d") for f in folded[:3]) and not folded[3]
    second = (
        not folded[0]
        and not folded[1]
        and folded[2] == "modalites d'evaluation"
        and folded[3] == "criteres d'evaluation"
    )
    return first or second


def _is_separator(cells: list[str]) -> bool:
    """The markdown separator rows ("--|--|---|--") left by the export."""
    return len(cells) > 1 and all(re.fullmatch(r"\s*-+\s*", c) for c in cells)


def _bloc_title(cells: list[str]) -> tuple[int | None, str] | None:
    if any(c.strip() for c in cells[1:]):
        return None
    text = clean(strip_markdown(re.sub(r"<[^>]+>", " ", cells[0])))
    match = _BLOC_TITLE.match(text)
    if match:
        return int(match.group(1)), clean(match.group(2))
    letters = sum(ch.isalpha() for ch in text)
    if len(cells) == 4 and letters >= 8 and upper_ratio(text) > 0.95:
        return None, text  # IGS blocs: a title row in capitals, without number
    return None


def _certification(preamble: list[tuple[int, str]], text: str, source_name: str) -> CertificationDraft:
    title = level = None
    expecting_title = False
    description: list[str] = []
    for _, raw in preamble:
        line = strip_markdown(raw)
        folded = fold(line)
        if _DOCUMENT_KIND.match(folded):
            expecting_title = True
        elif expecting_title and title is None:
            title, expecting_title = line, False
        elif title is None and folded.startswith("referentiel "):
            title = line.split(" ", 1)[1]
        elif level is None and (m := _LEVEL.match(line)):
            level = m.group(1)
        else:
            description.append(line)
    prose = "\n".join(description)
    if title and upper_ratio(title) > 0.9:
        title = _mixed_case(title, text)
    certifier = _certifier(prose)
    draft = CertificationDraft(
        # Nothing invented: a document without a title stays without one ("titre à compléter").
        title=title or "",
        certifier=certifier,
        level=level,
        source_name=source_name,
        description=prose,
        rules=rules_from_prose(prose),
    )
    draft.key = acronym(title) if title else (draft.certifier or "REF")
    return draft


def _mixed_case(title: str, text: str) -> str:
    """A title exported in capitals, as the document writes it elsewhere in mixed case."""
    for match in re.finditer(re.escape(title), text, re.I):
        if upper_ratio(match.group(0)) < 0.5:
            return match.group(0)
    return title


def _certifier(prose: str) -> str | None:
    for pattern in _CERTIFIER:
        if m := pattern.search(prose):
            return m.group(1)
    return None


def _uses_codes(blocs: list[_Bloc], column: int, code: re.Pattern[str], starters: re.Pattern[str]) -> bool:
    return any(
        code.match(b.text) for bloc in blocs for _, cells in bloc.rows for b in cell_blocks(cells[column], starters)
    )


def _entries(bloc: _Bloc, column: int, starters: re.Pattern[str] | None = None) -> list[_Entry]:
    """The paragraphs of one column, with cells cut by a page break joined back together."""
    entries: list[_Entry] = []
    for row, (line_no, cells) in enumerate(bloc.rows):
        for i, block in enumerate(cell_blocks(cells[column], starters)):
            if i == 0 and entries and block.kind == "p" and starts_continuation(block.text):
                entries[-1].block.text = f"{entries[-1].block.text} {block.text}"
                continue
            entries.append(_Entry(row, line_no, block))
    return entries


def _parse_bloc(
    bloc: _Bloc, position: int, coded_competences: bool, coded_criteria: bool, links: list, unplaced: list[UnplacedLine]
) -> BlocDraft:
    number = bloc.number or position
    draft = BlocDraft(code=f"BC{number:02d}", title=bloc.title, order=position)
    draft.description = "\n".join(_as_line(e.block) for e in _entries(bloc, ACTIVITY))

    competence_rows = _competences(bloc, coded_competences, draft, unplaced)
    evaluations = _evaluations(bloc, draft, unplaced)
    starts = [start for start, _ in evaluations]

    def evaluation_at(row: int) -> EvaluationDraft | None:
        index = max((i for i, start in enumerate(starts) if start <= row), default=None)
        return evaluations[index][1] if index is not None else None

    table_row = bloc.logical_rows()
    members: dict[int, list[tuple[int, CompetenceDraft]]] = {id(e): [] for _, e in evaluations}
    for row, competence in competence_rows:
        if (evaluation := evaluation_at(row)) is not None:
            members[id(evaluation)].append((table_row[row], competence))
    for _, evaluation in evaluations:
        links.append((evaluation, [c for _, c in members[id(evaluation)]]))

    # A criterion belongs to the competence of its table row when every table row of the
    # evaluation holds one competence (000); when a cell lists several (001, IGS), the table
    # does not say which, so it belongs to all the competences of its evaluation.
    coarse: dict[int, list[CriterionDraft]] = {}
    for row, criterion, evaluation in _criteria(bloc, coded_criteria, evaluation_at, unplaced):
        in_evaluation = members[id(evaluation)]
        rows = [r for r, _ in in_evaluation]
        one_per_row = len(rows) == len(set(rows))
        earlier = [c for r, c in in_evaluation if r <= table_row[row]]
        if one_per_row and earlier:
            links.append((criterion, [earlier[-1]]))
        else:
            coarse.setdefault(id(evaluation), []).append(criterion)
            links.append((criterion, [c for _, c in in_evaluation]))
    # Criteria grouped under headings (001): each heading names one competence of the evaluation.
    for evaluation in draft.evaluations:
        criteria = coarse.get(id(evaluation), [])
        headings = list(dict.fromkeys(c.heading for c in criteria))
        competences = [c for _, c in members[id(evaluation)]]
        if len(headings) < 2 or not all(headings) or len(competences) < 2:
            continue
        chosen = _heading_competences(headings, competences)
        if chosen is None:
            continue
        by_criterion = {id(c): chosen[c.heading] for c in criteria}
        for i, (target, linked) in enumerate(links):
            if id(target) in by_criterion:
                links[i] = (target, [by_criterion[id(target)]])
    return draft


def _stems(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[a-z]{5,}", fold(text))} - {"perti", "capac", "manie", "utili"}


def _heading_competences(headings: list[str], competences: list[CompetenceDraft]) -> dict[str, CompetenceDraft] | None:
    """The competence each group heading names: among those no earlier heading named, the one
    sharing most word stems with it, or, as many headings as competences, the one at the same
    position when words do not tell."""
    chosen: dict[str, CompetenceDraft] = {}
    for position, heading in enumerate(headings):
        words = _stems(heading)
        # The competence's own verb ("Diagnostiquer…") weighs more than a word met on the way.
        free = [c for c in competences if all(c is not other for other in chosen.values())] or competences
        scores = [(len(words & _stems(c.text)) + 2 * bool(words & _stems(c.text.split(" ", 1)[0])), c) for c in free]
        best = max(score for score, _ in scores)
        top = [c for score, c in scores if score == best]
        if best and len(top) == 1:
            chosen[heading] = top[0]
        elif len(headings) == len(competences):
            chosen[heading] = competences[position]
        else:
            return None
    return chosen


def _as_line(block: Block) -> str:
    return f"- {block.text}" if block.kind == "li" else block.text


def _competences(
    bloc: _Bloc, coded: bool, draft: BlocDraft, unplaced: list[UnplacedLine]
) -> list[tuple[int, CompetenceDraft]]:
    found: list[tuple[int, CompetenceDraft]] = []
    for entry in _entries(bloc, COMPETENCE, _COMPETENCE_STARTER if coded else None):
        text = entry.block.text
        match = _COMPETENCE_CODE.match(text) if coded else None
        if match:
            found.append((entry.row, CompetenceDraft(code=match.group(1), text=text[match.end() :])))
        elif coded or entry.block.kind == "li":
            if not found:
                unplaced.append(
                    UnplacedLine(entry.line_no, text, "texte de compétence avant la première compétence codée")
                )
                continue
            found[-1][1].text += f"\n{_as_line(entry.block)}"
        else:
            # No codes (IGS): one competence per paragraph, or per sentence of an unformatted cell.
            sentences = split_sentences(text) if entry.block.plain else [text]
            found.extend((entry.row, CompetenceDraft(code="", text=s)) for s in sentences)
    draft.competences = [c for _, c in found]
    return found


def _evaluations(bloc: _Bloc, draft: BlocDraft, unplaced: list[UnplacedLine]) -> list[tuple[int, EvaluationDraft]]:
    evaluations: list[tuple[int, EvaluationDraft]] = []
    modality: list[str] = []
    deliverables_follow = tasks_follow = False
    for entry in _entries(bloc, MODALITY, _DELIVERABLE_STARTER):
        block = entry.block
        if block.kind == "p" and fold(block.text).startswith(_EVALUATION_OPENERS):
            if evaluations:
                evaluations[-1][1].modality = "\n".join(modality)
            evaluations.append((entry.row, EvaluationDraft(code=f"E{len(evaluations) + 1}", modality="")))
            modality, deliverables_follow, tasks_follow = [], False, False
        elif not evaluations:
            unplaced.append(
                UnplacedLine(entry.line_no, block.text, "modalité avant le début de la première évaluation du bloc")
            )
            continue
        if deliverables_follow and block.kind == "li":
            evaluations[-1][1].deliverables.append(DeliverableDraft(block.text))
            continue
        if tasks_follow and block.kind == "li":
            evaluations[-1][1].deliverables.append(DeliverableDraft(block.text))
            modality.append(_as_line(block))
            continue
        tasks_follow = False
        if block.kind == "p" and re.match(r"livrables?\s*:", fold(block.text)):
            deliverables_follow = True
        elif block.kind == "p" and _TASKS.search(fold(block.text)):
            # "Il est chargé de :" / "le candidat doit … :" then the tasks, each a deliverable;
            # without a list, the one clause "le candidat doit …" is the deliverable.
            if block.text.rstrip().endswith(":"):
                tasks_follow = True
            elif (clause := _task_clause(block.text)) is not None:
                evaluations[-1][1].deliverables.append(DeliverableDraft(clause))
        modality.append(_as_line(block))
    if evaluations:
        evaluations[-1][1].modality = "\n".join(modality)
    draft.evaluations = [e for _, e in evaluations]
    return evaluations


_TASKS = re.compile(r"\b(il est charge de|le candidat doit)\b")


def _task_clause(text: str) -> str | None:
    """ "…, le candidat doit construire une documentation …." → "Construire une documentation …"."""
    match = re.search(r"\b(?:il est chargé de|le candidat doit)\s*(?:,[^,]*,\s*)?(.+)$", text, re.I)
    if not match:
        return None
    clause = match.group(1).strip()
    return clause[0].upper() + clause[1:] if clause else None


def _criteria(bloc: _Bloc, coded: bool, evaluation_at, unplaced: list[UnplacedLine]):
    """Yield (row, criterion, evaluation) for every criterion of the bloc, in order."""
    heading, current, current_evaluation = "", None, None
    for entry in _entries(bloc, CRITERIA, _CRITERION_STARTER if coded else None):
        block, text = entry.block, entry.block.text
        evaluation = evaluation_at(entry.row)
        if evaluation is None:
            unplaced.append(UnplacedLine(entry.line_no, text, "critère hors de toute modalité d'évaluation"))
            continue
        if evaluation is not current_evaluation:
            heading, current, current_evaluation = "", None, evaluation
        match = _CRITERION_CODE.match(text) if coded else None
        if match:
            current = CriterionDraft(code=re.sub(r"\s", "", match.group(1)), heading=heading, text=text[match.end() :])
            evaluation.criteria.append(current)
            yield entry.row, current, evaluation
        elif block.kind == "p" and block.italic and text.endswith(":"):
            heading = text.rstrip(" :")
        elif block.kind == "li" and current is not None:
            current.indicators.append(text)
        elif not coded and block.kind == "p":
            for sentence in split_sentences(text) if block.plain else [text]:
                current = CriterionDraft(code=f"CE{len(evaluation.criteria) + 1}", heading=heading, text=sentence)
                evaluation.criteria.append(current)
                yield entry.row, current, evaluation
        else:
            unplaced.append(UnplacedLine(entry.line_no, text, "texte de critère qui ne suit aucun critère numéroté"))
