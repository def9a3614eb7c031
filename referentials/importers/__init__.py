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

from referentials.importers.detect import REAC, RNCP, check_complete, decode, detect_shape
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


def parse_referential(data: bytes, source_name: str) -> CertificationDraft:
    """Parse an uploaded referential whatever its shape; record its name and SHA-256.

    Raises ReferentialImportError (French message) for an empty, binary, unknown or truncated
    file. Lines that are kept but could not be placed are listed in `draft.unplaced`.
    """
    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    text = decode(raw)
    shape = detect_shape(text)
    draft = parse_rncp(text, source_name) if shape == RNCP else parse_reac(text, source_name)
    draft.source_sha256 = hashlib.sha256(raw).hexdigest()
    check_complete(draft)
    return draft


def seed_files() -> list[Path]:
    """The referentials shipped with the application, in name order."""
    return sorted(SEEDS_DIR.glob("*.txt"))
