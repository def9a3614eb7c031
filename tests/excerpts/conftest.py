"""Excerpt fixtures: versions stored through the configured store (factories.add_version)."""
from __future__ import annotations

import pytest

from accounts.models import Role
from evidence import excerpts
from tests import factories


@pytest.fixture()
def stored(app_ctx, make_user):
    """`stored(content, filename, media_type)` -> a recorded EvidenceVersion of a fresh evidence."""
    excerpts.clear_memory_cache()
    candidate = make_user(Role.CANDIDATE)
    portfolio = factories.make_portfolio(candidate)
    evidence = factories.make_evidence(portfolio)

    def store(content: bytes, filename: str, media_type: str = "application/octet-stream"):
        return factories.add_version(evidence, content, filename, media_type)

    yield store
    excerpts.clear_memory_cache()
