"""Referential import, the parsing half: source documents → CertificationDraft, no database.

    draft = parse_referential(uploaded_bytes, "reac-tai.txt")
    draft.unplaced        # lines the parser could not place, with the reason (empty for the seeds)
    yaml_text = draft_to_yaml(draft); draft_from_yaml(yaml_text)   # the portable format

Two source shapes are understood (see detect.py): RNCP four-column tables (rncp.py) and REACs of
titres professionnels (reac.py). docs/referential-format.md documents the YAML format and keys.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from referentials.importers.detect import (
    REAC,
    RNCP,
    check_complete,
    completeness_problems,
    decode,
    detect_shape,
    end_signs,
    reac_end_problems,
    rncp_end_problems,
    unverified_message,
)
from referentials.importers.draft import (
    BlocDraft,
    CertificationDraft,
    CompetenceDraft,
    CriterionDraft,
    DeliverableDraft,
    EvaluationDraft,
    RulesDraft,
    UnplacedLine,
)
from referentials.importers.errors import ReferentialImportError
from referentials.portable import draft_from_yaml, draft_to_yaml
from referentials.importers.reac import parse_reac
from referentials.importers.rncp import parse_rncp

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"

__all__ = [
    "BlocDraft",
    "CertificationDraft",
    "CompetenceDraft",
    "CriterionDraft",
    "DeliverableDraft",
    "EvaluationDraft",
    "REAC",
    "RNCP",
    "ReferentialImportError",
    "RulesDraft",
    "SEEDS_DIR",
    "UnplacedLine",
    "detect_shape",
    "draft_from_yaml",
    "draft_to_yaml",
    "parse_reac",
    "parse_referential",
    "parse_rncp",
    "seed_files",
]


def parse_referential(data: bytes, source_name: str, accept_incomplete: bool = False) -> CertificationDraft:
    """Parse an uploaded referential whatever its shape; record its name and SHA-256.

    Raises ReferentialImportError (French message) for an empty, binary, unknown or truncated
    file. A document that parses but looks cut or incomplete (see detect.py) is refused too,
    naming the line where it stops and what is missing, unless `accept_incomplete`: then it is
    returned with `draft.incomplete` listing the problems. A document with no problem but no
    sign of its own end either (detect.end_signs) is returned with `draft.unverified` set: its
    completeness cannot be checked and is left to an administrator's confirmation. Lines that are kept but could not be
    placed are listed in `draft.unplaced`.
    """
    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    text = decode(raw)
    lines = text.split("\n")
    last_line = max((i for i, line in enumerate(lines, 1) if line.strip()), default=0)
    try:
        shape = detect_shape(text)
        draft = parse_rncp(text, source_name) if shape == RNCP else parse_reac(text, source_name)
        check_complete(draft)
    except ReferentialImportError as error:
        if error.line_no is None and "ligne" not in error.message:
            error.message = f"{error.message} (le document s'arrête à la ligne {last_line})"
        raise
    draft.source_sha256 = hashlib.sha256(raw).hexdigest()
    problems = (rncp_end_problems(lines) if shape == RNCP else reac_end_problems(lines)) + completeness_problems(draft)
    if problems and not accept_incomplete:
        raise ReferentialImportError(incomplete_message(problems, last_line), line_no=None)
    draft.incomplete = [f"{p} (le document s'arrête à la ligne {last_line})" if "ligne" not in p else p for p in problems]
    if not problems and not end_signs(lines, shape, draft):
        # Nothing wrong, but nothing that shows where the document ends either: a cut between
        # two complete rows would look the same. Loaded, marked, until an administrator confirms.
        draft.unverified = unverified_message(draft)
    return draft


def incomplete_message(problems: list[str], last_line: int) -> str:
    listed = " ; ".join(problems)
    where = "" if "ligne" in listed else f" Le document s'arrête à la ligne {last_line}."
    return (
        f"Le fichier semble tronqué ou incomplet : {listed}.{where} Import refusé, rien n'a été enregistré. "
        "Déposez le document entier, ou importez-le en connaissance de cause comme référentiel incomplet."
    )


def seed_files() -> list[Path]:
    """The referentials shipped with the application, in name order."""
    return sorted(SEEDS_DIR.glob("*.txt"))
