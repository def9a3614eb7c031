"""Examination rules and other certification facts stated in prose."""

from __future__ import annotations

import re

from referentials.importers.draft import RulesDraft
from referentials.importers.text import fold

# Each pattern reads one fact; they run on folded text (no accents, lower case).
_DOSSIER_PAGES = re.compile(
    r"dossier de validation d'un minimum de (\d+) pages|dossier[^.]*?(?:minimum|au moins) (?:de )?(\d+) pages"
)
_INTERVIEW = re.compile(r"entretien devant un jury[^.]*? de (\d+) minutes")
_QUESTIONNAIRE = re.compile(r"questionnaire de (\d+) minutes")
_EXTRA_TIME = {
    "1/3": re.compile(r"tiers[- ]temps"),
    "1/4": re.compile(r"quart[- ]temps"),
}
_ALL_BLOCS = re.compile(
    r"validation des \d+ blocs de competences|acquisition de l'ensemble des blocs de competences est obligatoire"
    r"|ensemble des blocs de competences (?:est|sont) (?:obligatoire|requis)"
)
_OPTIONAL_BLOCS = re.compile(r"blocs? (?:de competences )?optionnels?|au choix parmi les blocs")
_DURATION = re.compile(r"(\d+)\s*h\s*(\d+)\s*min")


def rules_from_prose(text: str, rules: RulesDraft | None = None) -> RulesDraft:
    """Fill the rules that `text` states; keep what `rules` already has."""
    rules = rules or RulesDraft()
    folded = fold(text)
    if rules.dossier_min_pages is None and (m := _DOSSIER_PAGES.search(folded)):
        rules.dossier_min_pages = int(m.group(1) or m.group(2))
    if rules.interview_minutes is None and (m := _INTERVIEW.search(folded)):
        rules.interview_minutes = int(m.group(1))
    if rules.questionnaire_minutes is None and (m := _QUESTIONNAIRE.search(folded)):
        rules.questionnaire_minutes = int(m.group(1))
    if rules.extra_time_ratio is None:
        for ratio, pattern in _EXTRA_TIME.items():
            if pattern.search(folded):
                rules.extra_time_ratio = ratio
                break
    if _OPTIONAL_BLOCS.search(folded) and not _ALL_BLOCS.search(folded):
        rules.all_blocs_required = False
    return rules


def duration_minutes(text: str) -> int | None:
    """ "01 h 30 min" → 90."""
    m = _DURATION.search(text)
    return int(m.group(1)) * 60 + int(m.group(2)) if m else None


def announced_bloc_count(text: str) -> int | None:
    """ "conditionnée à la validation des 3 blocs de compétences" → 3."""
    m = re.search(r"validation des (\d+) blocs", fold(text))
    return int(m.group(1)) if m else None
