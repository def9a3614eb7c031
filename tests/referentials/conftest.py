"""Referential fixtures: the five seeds shipped with the application, parsed once per test session.

A test that takes a `seed` argument without parametrizing it runs once per seed.
"""
from __future__ import annotations

from functools import lru_cache

import pytest

from referentials.importers import SEEDS_DIR, CertificationDraft, parse_referential
from tests.referentials.seeds import SEEDS


def pytest_generate_tests(metafunc):
    marked = any("seed" in marker.args[0] for marker in metafunc.definition.iter_markers("parametrize"))
    if "seed" in metafunc.fixturenames and not marked:
        metafunc.parametrize("seed", sorted(SEEDS))


def _seed_bytes(seed: str) -> bytes:
    return (SEEDS_DIR / SEEDS[seed]).read_bytes()


@lru_cache(maxsize=None)
def _parsed(seed: str) -> CertificationDraft:
    return parse_referential(_seed_bytes(seed), SEEDS[seed])


@pytest.fixture(scope="session")
def seeds() -> dict[str, str]:
    """Seed key ("000" … "004") → file name."""
    return dict(SEEDS)


@pytest.fixture(scope="session")
def seed_bytes():
    """`seed_bytes("002")`: the file's bytes."""
    return _seed_bytes


@pytest.fixture(scope="session")
def parsed():
    """`parsed("000")`: the parsed seed, parsed once per test session (do not modify it)."""
    return _parsed
