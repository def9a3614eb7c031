"""Parser for the REAC of a titre professionnel (and its référentiel d'évaluation, when appended).

How the document maps to the draft:
- each activity type (FICHE ACTIVITÉ TYPE N° n) is a bloc "ATn", its definition the description;
- each professional competence (FICHE COMPÉTENCE PROFESSIONNELLE N° n) is a competence "CPn" of
  the bloc the synoptic view puts it in; its "processus de mise en œuvre" and "contexte(s)"
  paragraphs are its description, its savoirs and savoir-faire its `savoir_faire`;
- its "critères de performance" are the criteria CR1, CR2… of ONE evaluation "CPn";
  when the référentiel d'évaluation (RE) follows, table 3.2 gives that evaluation's modalities;
- the transversal competences are listed by title; their sheet, like every general section
  (presentation, fiche emploi type, RE sections, annexes, glossaries), goes to the description
  of the certification, and each CCP section of the RE to the description of its bloc.

Ignored, and nothing else: page headers, the table of contents, the repeated header rows of
table 3.2, and the lists that repeat the synoptic view (they are cross-checked against it: a
difference is reported as an unplaced line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from referentials.importers.draft import CertificationDraft, RulesDraft, UnplacedLine
from referentials.importers.reac_assembly import assemble
from referentials.importers.reac_layout import Item, items
from referentials.importers.rules import duration_minutes
from referentials.importers.text import fold

_TOP = [  # (pattern on the folded line, kind)
    (r"referentiel emploi activites competences du titre professionnel", "front"),
    (r"referentiel d'evaluation du titre professionnel", "re_front"),
    (r"sommaire", "toc"),
    (r"vue synoptique de l'emploi[- ]type\.*", "synoptic"),
    (r"liste des activites types et des competences professionnelles", "at_cp_list"),
    (r"competences transversales de l'emploi( \(le cas echeant\))?", "ct_list"),
    (r"fiche activite type n° ?(\d+)", "at"),
    (r"liste des competences professionnelles de l'activite type", "at_cps"),
    (r"competences transversales de l'activite type( \(le cas echeant\))?", "at_cts"),
    (r"fiche competence professionnelle n° ?(\d+)", "cp"),
    (r"fiche des competences transversales de l'emploi type", "general"),
    (r"ccp", "ccp"),
    (r"3\.1\.? modalites d'evaluation des competences et organisation de l'epreuve", "re_session"),
    (r"3\.2\.? criteres d'evaluation des competences professionnelles", "re_criteria"),
    (
        r"(introduction|presentation de l'evolution du titre professionnel|contexte de l'examen du titre professionnel"
        r"|tableau des activites|liste des activites|fiche emploi type|glossaire technique|glossaire du reac"
        r"|reproduction interdite|annexe \d+|referentiel d'evaluation des certificats de competences professionnelles)",
        "general",
    ),
]
_SUB = [  # sub-headings: stay in the current section, but end any list
    r"definition de l'emploi type",
    r"secteurs d'activite",
    r"reglementation d'activites",
    r"liens avec d'autres certifications",
    r"equivalences avec d'autres certifications",
    r"niveau et/ou domaine d'activite",
    r"convention\(s\)",
    r"code\(s\) nsf",
    r"fiche\(s\) rome de rattachement",
    r"definition, description de l'activite type",
]
_CP_SECTIONS = [
    (r"description de la competence - processus de mise en oeuvre", "cp_description"),
    (r"contexte\(s\) professionnel\(s\) de mise en oeuvre", "cp_context"),
    (r"criteres de performance", "cp_criteria"),
    (r"(savoirs, savoir-faire|savoir-faire techniques, savoir-faire).*", "cp_savoir_faire"),
]
_RE_NUMBERED = re.compile(r"^\d+(?:\.\d+)*\.?\s+[A-ZÀ-Ý]")  # "3 Dispositif…", "4.1. Durée…" (RE only)
_LEVEL = re.compile(r"^niveau\s+(\S+)", re.I)


@dataclass
class _Sheet:
    """A professional competence as its sheet gives it."""

    number: int
    line_no: int
    title: str = ""
    description: list[str] = field(default_factory=list)
    criteria: list[tuple[int, str]] = field(default_factory=list)
    savoir_faire: list[str] = field(default_factory=list)


@dataclass
class _Activity:
    number: int
    line_no: int
    title: str = ""
    description: list[str] = field(default_factory=list)
    listed: list[tuple[int, str]] = field(default_factory=list)  # its "liste des compétences"
    transversal: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _State:
    mode: str = "start"
    sink: list[str] | None = None
    in_re: bool = False
    title: str = ""
    level: str | None = None
    description: list[str] = field(default_factory=list)
    synoptic: list[tuple[int, int, str, int, str]] = field(default_factory=list)  # line, AT n°, AT, CP n°, CP
    listing: list[tuple[int, str]] = field(default_factory=list)  # "liste des activités types et des CP"
    transversal: list[tuple[int, str]] = field(default_factory=list)
    activities: dict[int, _Activity] = field(default_factory=dict)
    sheets: dict[int, _Sheet] = field(default_factory=dict)
    activity: _Activity | None = None
    sheet: _Sheet | None = None
    current_at: tuple[int, str] = (0, "")  # the synoptic view names an AT on its first row only
    re_header: list[str] = field(default_factory=list)
    re_modalities: list[str] = field(default_factory=list)
    re_rows: list[tuple[int, str, str, list[str]]] = field(default_factory=list)  # line, CP title, criteria, modalities
    rules: RulesDraft = field(default_factory=RulesDraft)
    unplaced: list[UnplacedLine] = field(default_factory=list)


def parse_reac(text: str, source_name: str) -> CertificationDraft:
    """Parse a REAC (optionally followed by its RE); unplaceable lines go to `draft.unplaced`."""
    content, headers = items(text)
    state = _State()
    state.sink = state.description
    for item in content:
        _handle(state, item)
    return assemble(state, headers, source_name)


def _heading(folded: str, table: list[tuple[str, str]]) -> tuple[str, re.Match[str]] | None:
    for pattern, kind in table:
        if match := re.fullmatch(pattern, folded):
            return kind, match
    return None


def _handle(state: _State, item: Item) -> None:
    folded = fold(item.text)
    if item.cells is not None:
        _table_row(state, item)
        return
    top = _heading(folded, _TOP)
    if top is None and state.in_re and _RE_NUMBERED.match(item.text):
        top = ("general", None)
    if top:
        _open_section(state, item, *top)
        return
    if state.sheet is not None and (section := _heading(folded, _CP_SECTIONS)):
        state.mode = section[0]
        if section[0] == "cp_context":
            state.sheet.description.append(item.text)
        return
    if any(re.match(p, folded) for p in _SUB):
        state.mode = "prose"
        state.sink.append(item.text)
        return
    _line(state, item, folded)


def _open_section(state: _State, item: Item, kind: str, match: re.Match[str] | None) -> None:
    state.mode = kind
    if kind in ("front", "re_front"):
        state.in_re = state.in_re or kind == "re_front"
        state.activity = state.sheet = None
        state.sink = state.description
        if kind == "re_front":
            state.description.append(item.text)
    elif kind == "at":
        number = int(match.group(1))
        state.activity = state.activities.setdefault(number, _Activity(number, item.line_no))
        state.sheet = None
        state.sink = state.activity.description
        state.mode = "at_title"
    elif kind == "cp":
        number = int(match.group(1))
        state.sheet = state.sheets.setdefault(number, _Sheet(number, item.line_no))
        state.activity = None
        state.sink = state.sheet.description
        state.mode = "cp_title"
    elif kind in ("at_cps", "at_cts") and state.activity is None:
        state.mode = "prose"
        state.sink.append(item.text)
    elif kind in ("general", "re_session", "re_criteria", "ccp"):
        state.activity = state.sheet = None
        state.sink = state.description
        if kind != "ccp":
            state.description.append(item.text)
        if kind == "general":
            state.mode = "prose"


def _line(state: _State, item: Item, folded: str) -> None:
    text, mode = item.text, state.mode
    if mode in ("front", "re_front"):
        if not state.title:
            state.title = text
        elif fold(state.title) == folded and mode == "re_front":
            pass  # the RE repeats the title on its cover
        elif (m := _LEVEL.match(text)) and (state.level is None or mode == "re_front"):
            state.level = state.level or m.group(1)
        else:
            state.sink.append(text)
    elif mode == "at_cp_list":
        state.listing.append((item.line_no, text))
    elif mode == "ct_list":
        state.transversal.append((item.line_no, text))
    elif mode == "at_title":
        state.activity.title = text
        state.mode = "prose"
    elif mode == "at_cps":
        state.activity.listed.append((item.line_no, text))
    elif mode == "at_cts":
        state.activity.transversal.append((item.line_no, text))
    elif mode == "cp_title":
        state.sheet.title = text
        state.mode = "cp_description"
    elif mode == "cp_criteria":
        state.sheet.criteria.append((item.line_no, text))
    elif mode == "cp_savoir_faire":
        state.sheet.savoir_faire.append(text)
    elif mode == "ccp":
        bloc = next((a for a in state.activities.values() if fold(a.title) == folded), None)
        if bloc is None:
            state.unplaced.append(UnplacedLine(item.line_no, text, "CCP sans activité type de même intitulé"))
            state.mode = "prose"
            return
        state.sink = bloc.description
        state.sink.append(f"CCP {text}")
        state.mode = "prose"
    elif mode == "start":
        state.unplaced.append(UnplacedLine(item.line_no, text, "texte avant l'en-tête du REAC"))
    else:
        state.sink.append(text)


def _table_row(state: _State, item: Item) -> None:
    cells = [c.strip() for c in item.cells]
    filled = [c for c in cells if c]
    if state.mode == "toc" and filled and (re.fullmatch(r"\d+", filled[-1]) or fold(filled[-1]) == "pages"):
        return  # table of contents
    if state.mode == "synoptic":
        if len(cells) >= 4 and re.fullmatch(r"\d+", cells[2]):
            if cells[0]:
                state.current_at = (int(cells[0]), cells[1])
            at_number, at_title = state.current_at
            state.synoptic.append((item.line_no, at_number, at_title, int(cells[2]), cells[3]))
            return
        if fold(cells[0]).startswith("n° fiche at"):
            return  # its header row
    if state.mode == "re_criteria" and _re_criteria_row(state, item, cells):
        return
    if state.mode == "re_session":
        _session_rules(state, cells)
    state.sink.append(" | ".join(filled))


def _re_criteria_row(state: _State, item: Item, cells: list[str]) -> bool:
    """Table 3.2 of the RE: CP title, criteria, then one checkbox per evaluation modality."""
    folded = [fold(c) for c in cells]
    if folded[0] == "competences professionnelles":
        state.re_header = cells
        return True
    if not folded[0] and len(cells) > 3 and any(folded[3:]):
        state.re_modalities = [
            (cells[i] if i < len(cells) and cells[i] else state.re_header[i]).strip()
            for i in range(2, len(state.re_header))
        ]
        return True  # second header row: the names of the other modalities
    if any("<input" in c for c in cells):
        checked = [name for name, cell in zip(state.re_modalities, cells[2:]) if "checked" in cell]
        state.re_rows.append((item.line_no, cells[0], cells[1], checked))
        return True
    if cells[0] and not any(cells[1:]) and any(fold(a.title) == folded[0] for a in state.activities.values()):
        return True  # an activity type row, as in the synoptic view
    return False


def _session_rules(state: _State, cells: list[str]) -> None:
    """Table 3.1 of the RE (the session of the whole title): final interview, questionnaire."""
    name = fold(cells[0].lstrip("▪ "))
    minutes = next((m for c in cells[1:] if (m := duration_minutes(c)) is not None), None)
    if name == "entretien final" and minutes is not None:
        state.rules.interview_minutes = minutes
    elif name == "questionnaire professionnel" and minutes is not None:
        state.rules.questionnaire_minutes = minutes
