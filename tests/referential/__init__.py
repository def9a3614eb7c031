"""Tests of the referential parsers and of the portable YAML format (no database)."""

from __future__ import annotations

from functools import lru_cache

from referentials.importers import CertificationDraft, parse_referential, SEEDS_DIR

SEEDS = {
    "000": "000_e6b0dbb14e4d7cfa.txt",  # RNCP, TIIMS 2025 (4 activities, CE1…)
    "001": "001_3a5490b78cda70d2.txt",  # RNCP, TIIMS OpenClassrooms (3 blocs, CE.1…)
    "002": "002_afd6684c357bb455.txt",  # REAC, TSSI / T2SI 2013
    "003": "003_b745eb94bf0e9fd2.txt",  # REAC + RE, TAI 2023
    "004": "004_0fedc1ee0aa597b2.txt",  # RNCP, IGS blocs without codes
}


def seed_bytes(seed: str) -> bytes:
    return (SEEDS_DIR / SEEDS[seed]).read_bytes()


@lru_cache(maxsize=None)
def _parsed(seed: str) -> CertificationDraft:
    return parse_referential(seed_bytes(seed), SEEDS[seed])


def parsed(seed: str) -> CertificationDraft:
    """The parsed seed (parsed once per test session; do not modify it)."""
    return _parsed(seed)
