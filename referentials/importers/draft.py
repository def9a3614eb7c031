"""A parsed referential as plain data, independent of the database.

Certification → Bloc → Competence and Evaluation; Evaluation → Deliverable and Criterion.
Every list is in document order and every element carries an explicit 1-based `order`.

Keys (see docs/referential-format.md) are readable paths, unique within the certification:

    competence  {certification.key}/{bloc.code}/{competence code}      TIIMS/BC01/C1.1
    criterion   {certification.key}/{bloc.code}/{evaluation.code}/{criterion code}
                                                                        TIIMS/BC01/E1/CE.3
                                                                        TAI-2023/AT2/CP5/CR3

Evaluations and criteria refer to competences by competence **key** (the field is named
`competence_codes` because a key is the competence's full code), so one dictionary
{key: competence} resolves every reference of a certification.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class RulesDraft:
    """Examination rules, as far as the document states them (None: not stated)."""

    dossier_min_pages: int | None = None
    interview_minutes: int | None = None
    questionnaire_minutes: int | None = None
    extra_time_ratio: str | None = None  # e.g. "1/3" for "tiers temps"
    all_blocs_required: bool = True


@dataclass
class DeliverableDraft:
    text: str
    order: int = 0


@dataclass
class CriterionDraft:
    code: str  # as written ("CE3", "CE.3"); generated when the document numbers none ("CR1", "CE1")
    heading: str  # group heading such as "Pertinence de la supervision du parc :" or ""
    text: str
    indicators: list[str] = field(default_factory=list)
    competence_codes: list[str] = field(default_factory=list)  # competence keys
    key: str = ""
    order: int = 0


@dataclass
class EvaluationDraft:
    code: str  # "E1", "E2"… per bloc (RNCP); "CP5" for the one evaluation of a REAC competence
    modality: str
    competence_codes: list[str] = field(default_factory=list)  # competence keys
    deliverables: list[DeliverableDraft] = field(default_factory=list)
    criteria: list[CriterionDraft] = field(default_factory=list)
    order: int = 0


@dataclass
class CompetenceDraft:
    code: str  # as written ("C1.1", "CP5"); "" when the document gives none (IGS blocs)
    text: str
    savoir_faire: list[str] = field(default_factory=list)  # REAC only
    order: int = 0
    key: str = ""
    description: str = ""  # REAC: "processus de mise en œuvre" and "contexte(s)" paragraphs


@dataclass
class BlocDraft:
    code: str  # "BC01"… (RNCP), "AT1"… (REAC)
    title: str
    order: int
    description: str = ""
    competences: list[CompetenceDraft] = field(default_factory=list)
    evaluations: list[EvaluationDraft] = field(default_factory=list)


@dataclass
class UnplacedLine:
    """A meaningful line of the source that the parser could not place, and why (French)."""

    line_no: int
    text: str
    reason: str


@dataclass
class CertificationDraft:
    title: str
    certifier: str | None = None
    code: str | None = None  # "TP-00476", "RNCP37682"; None when the document gives none
    level: str | None = None  # as written: "5", "4", "III"
    version: str | None = None
    validation_date: str | None = None  # ISO date
    source_name: str = ""
    source_sha256: str = ""
    rules: RulesDraft = field(default_factory=RulesDraft)
    blocs: list[BlocDraft] = field(default_factory=list)
    transversal_competences: list[str] = field(default_factory=list)
    unplaced: list[UnplacedLine] = field(default_factory=list)
    # Why the document looks cut or incomplete (French), when it was loaded anyway.
    incomplete: list[str] = field(default_factory=list)
    # Set when the document shows no sign of its own end (no closing separator, no announced
    # number of blocs, no final page): its completeness cannot be checked (French, with counts).
    unverified: str = ""
    key: str = ""  # prefix of every key: code, sigle-year, or an acronym of the title
    description: str = ""  # general sections of the document (presentation, conditions…)

    def competences(self) -> list[CompetenceDraft]:
        return [c for bloc in self.blocs for c in bloc.competences]

    def evaluations(self) -> list[EvaluationDraft]:
        return [e for bloc in self.blocs for e in bloc.evaluations]

    def criteria(self) -> list[CriterionDraft]:
        return [c for e in self.evaluations() for c in e.criteria]

    def deliverables(self) -> list[DeliverableDraft]:
        return [d for e in self.evaluations() for d in e.deliverables]


def key_segment(code: str) -> str:
    """A code made safe for a key path: no slash, no blank."""
    return re.sub(r"\s+", "", code).replace("/", "-")


def normal_code(code: str) -> str:
    """The form of a competence code used in keys: "C.4.7" (written beside C4.1…C4.6) → "C4.7".
    The code as written stays in `code`, shown on the screens."""
    return re.sub(r"^([A-Z]+)\.(?=\d)", r"\1", code.strip()).rstrip(".")


def renumber(draft: CertificationDraft) -> None:
    """Set every `order` from the list positions (1-based)."""
    for i, bloc in enumerate(draft.blocs, 1):
        bloc.order = i
        for j, competence in enumerate(bloc.competences, 1):
            competence.order = j
        for j, evaluation in enumerate(bloc.evaluations, 1):
            evaluation.order = j
            for k, deliverable in enumerate(evaluation.deliverables, 1):
                deliverable.order = k
            for k, criterion in enumerate(evaluation.criteria, 1):
                criterion.order = k


def assign_keys(draft: CertificationDraft) -> dict[int, str]:
    """Give every competence and criterion its key; return {id(competence): key}.

    A competence without a written code gets C1, C2… by its position in the bloc; a repeated
    code (never seen in the seeds) gets a "-2" suffix so that keys stay unique.
    """
    used: set[str] = set()

    def unique(key: str) -> str:
        candidate, n = key, 2
        while candidate in used:
            candidate, n = f"{key}-{n}", n + 1
        used.add(candidate)
        return candidate

    keys: dict[int, str] = {}
    for bloc in draft.blocs:
        prefix = f"{draft.key}/{key_segment(bloc.code)}"
        for position, competence in enumerate(bloc.competences, 1):
            local = key_segment(normal_code(competence.code)) if competence.code else f"C{position}"
            competence.key = unique(f"{prefix}/{local}")
            keys[id(competence)] = competence.key
        for evaluation in bloc.evaluations:
            for criterion in evaluation.criteria:
                criterion.key = unique(f"{prefix}/{key_segment(evaluation.code)}/{key_segment(criterion.code)}")
    return keys


def link_competences(links: list[tuple[EvaluationDraft | CriterionDraft, list[CompetenceDraft]]]) -> None:
    """Fill `competence_codes` from the competences the parser linked (keys must be assigned)."""
    for target, competences in links:
        target.competence_codes = [c.key for c in competences]
