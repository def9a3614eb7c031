"""From the sheets read in a REAC to the draft: blocs, competences, one evaluation per competence.

The lists that repeat the synoptic view (the list of activity types and competences, each
activity type's list, the transversal lists, the AT rows of RE table 3.2) are compared with it;
a line that disagrees is reported as unplaced rather than silently dropped.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import TYPE_CHECKING

from referentials.importers.draft import (
    BlocDraft,
    CertificationDraft,
    CompetenceDraft,
    CriterionDraft,
    EvaluationDraft,
    UnplacedLine,
    assign_keys,
    link_competences,
    renumber,
)
from referentials.importers.errors import ReferentialImportError
from referentials.importers.rules import rules_from_prose
from referentials.importers.text import acronym, fold, split_sentences

if TYPE_CHECKING:
    from referentials.importers.reac import _State
    from referentials.importers.reac_layout import PageHeader

_CERTIFIER = re.compile(r"titres professionnels du (minist[eè]re charg[ée] de l'emploi)", re.I)


def assemble(state: _State, headers: list[PageHeader], source_name: str) -> CertificationDraft:
    meta = next((h.values for h in headers if h.values.get("type", "").upper() == "REAC"), None)
    meta = meta or next((h.values for h in headers if h.values), {})
    date = _iso_date(meta.get("date", ""))
    prose = "\n".join(state.description)
    certifier = _CERTIFIER.search(prose)
    draft = CertificationDraft(
        title=state.title or PurePath(source_name).stem,
        certifier=certifier.group(1)[0].upper() + certifier.group(1)[1:] if certifier else None,
        code=meta.get("code") or None,
        level=state.level,
        version=meta.get("version") or None,
        validation_date=date,
        source_name=source_name,
        rules=rules_from_prose(prose, state.rules),
        transversal_competences=[t for _, t in state.transversal],
        description=prose,
    )
    sigle = meta.get("sigle")
    draft.key = f"{sigle}-{date[:4]}" if sigle and date else (draft.code or acronym(draft.title))
    if state.in_re and len(state.re_rows) < len(state.sheets):
        raise ReferentialImportError(
            f"Le référentiel d'évaluation qui suit le REAC est incomplet : son tableau 3.2 donne les critères de "
            f"{len(state.re_rows)} compétence(s) professionnelle(s) sur {len(state.sheets)} ; le fichier semble tronqué."
        )
    links = _blocs(state, draft)
    _cross_check(state)
    draft.unplaced = sorted(state.unplaced, key=lambda u: u.line_no)
    renumber(draft)
    assign_keys(draft)
    link_competences(links)
    return draft


def _iso_date(text: str) -> str | None:
    m = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", text.strip())
    return f"{m.group(3)}-{m.group(2)}-{m.group(1)}" if m else None


def _structure(state: _State) -> dict[int, tuple[str, list[tuple[int, str]]]]:
    """{AT n°: (title, [(CP n°, title)])} from the synoptic view, else from the AT sheets."""
    structure: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    for _, at_number, at_title, cp_number, cp_title in state.synoptic:
        structure.setdefault(at_number, (at_title, []))[1].append((cp_number, cp_title))
    if not structure:
        by_title = {fold(s.title): n for n, s in state.sheets.items()}
        for number, activity in sorted(state.activities.items()):
            listed = [(by_title[fold(t)], t) for _, t in activity.listed if fold(t) in by_title]
            structure[number] = (activity.title, listed)
    return structure


def _blocs(state: _State, draft: CertificationDraft) -> list:
    links: list = []
    placed: set[int] = set()
    modalities = {fold(title): checked for _, title, _, checked in state.re_rows}
    for at_number, (at_title, competences) in sorted(_structure(state).items()):
        activity = state.activities.get(at_number)
        bloc = BlocDraft(
            code=f"AT{at_number}", title=activity.title if activity and activity.title else at_title, order=at_number
        )
        bloc.description = "\n".join(activity.description) if activity else ""
        for cp_number, cp_title in sorted(competences):
            sheet = state.sheets.get(cp_number)
            placed.add(cp_number)
            competence = CompetenceDraft(code=f"CP{cp_number}", text=sheet.title if sheet else cp_title)
            evaluation = EvaluationDraft(
                code=f"CP{cp_number}", modality=" ; ".join(modalities.get(fold(competence.text), []))
            )
            if sheet:
                competence.description = "\n".join(sheet.description)
                competence.savoir_faire = list(sheet.savoir_faire)
                evaluation.criteria = [
                    CriterionDraft(f"CR{i}", "", text) for i, (_, text) in enumerate(sheet.criteria, 1)
                ]
                if fold(sheet.title) != fold(cp_title):
                    state.unplaced.append(
                        UnplacedLine(
                            sheet.line_no, sheet.title, f"intitulé différent de la vue synoptique : « {cp_title} »"
                        )
                    )
            bloc.competences.append(competence)
            bloc.evaluations.append(evaluation)
            links.append((evaluation, [competence]))
            links.extend((criterion, [competence]) for criterion in evaluation.criteria)
        draft.blocs.append(bloc)
    for number, sheet in sorted(state.sheets.items()):
        if number not in placed:
            state.unplaced.append(
                UnplacedLine(sheet.line_no, sheet.title, "compétence professionnelle absente de la vue synoptique")
            )
    return links


def _cross_check(state: _State) -> None:
    structure = _structure(state)
    at_titles = {n: fold(t) for n, (t, _) in structure.items()}
    cp_titles = {fold(t) for _, cps in structure.values() for _, t in cps}
    transversal = {fold(t) for _, t in state.transversal}
    for line_no, text in state.listing:
        m = re.match(r"^(\d+)\.\s*(.+)$", text)
        if m and at_titles.get(int(m.group(1))) == fold(m.group(2)):
            continue
        if not m and fold(text) in cp_titles:
            continue
        state.unplaced.append(UnplacedLine(line_no, text, "absent de la vue synoptique de l'emploi type"))
    for number, activity in state.activities.items():
        if activity.title and at_titles.get(number) not in (None, fold(activity.title)):
            state.unplaced.append(
                UnplacedLine(activity.line_no, activity.title, "intitulé différent de la vue synoptique")
            )
        listed = {fold(t) for _, t in structure.get(number, ("", []))[1]}
        for line_no, text in activity.listed:
            if fold(text) not in listed:
                state.unplaced.append(
                    UnplacedLine(
                        line_no, text, f"compétence absente de l'activité type n° {number} dans la vue synoptique"
                    )
                )
        for line_no, text in activity.transversal:
            if fold(text) not in transversal:
                state.unplaced.append(
                    UnplacedLine(line_no, text, "compétence transversale absente de la liste de l'emploi type")
                )
    criteria = {fold(s.title): {_sentence_key(t) for _, t in s.criteria} for s in state.sheets.values()}
    for line_no, title, text, _ in state.re_rows:
        known = criteria.get(fold(title))
        if known is None:
            state.unplaced.append(
                UnplacedLine(line_no, title, "compétence du référentiel d'évaluation sans fiche dans le REAC")
            )
            continue
        for sentence in split_sentences(text):
            if _sentence_key(sentence) not in known:
                state.unplaced.append(
                    UnplacedLine(
                        line_no,
                        sentence,
                        "critère du référentiel d'évaluation absent des critères de performance du REAC",
                    )
                )


def _sentence_key(text: str) -> str:
    return fold(text).rstrip(" .")
