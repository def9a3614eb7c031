"""Fixtures of the object store contract suite: one `store` per backend, `[local]` and `[minio]`.

The minio backend talks to the S3 server of `tests/storage_fixtures.py` (TEST_S3_* variables, or
PROBATIO_START_S3=1); without one the minio tests are skipped, except with CI=true.
"""
from __future__ import annotations

import pytest

from storage import LocalStore

BACKENDS = ("local", "minio")


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    """Each backend in turn, empty for local, a shared session bucket for minio."""
    if request.param == "local":
        return LocalStore(tmp_path / "objects")
    return request.getfixturevalue("minio_store")(request.getfixturevalue("minio_bucket"))


_MEMORY_FIGURES: list[str] = []


@pytest.fixture(scope="session")
def memory_figures() -> list[str]:
    """Lines printed in the terminal summary (figures, not assertions)."""
    return _MEMORY_FIGURES


def pytest_terminal_summary(terminalreporter):
    if _MEMORY_FIGURES:
        terminalreporter.section("storage memory (200 MB streamed)")
        for line in _MEMORY_FIGURES:
            terminalreporter.write_line(line)
