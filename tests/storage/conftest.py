"""Storage test fixtures (more, shared with the fault suite, in tests/storage_fixtures.py)."""
from __future__ import annotations

import pytest


@pytest.fixture()
def uploaded(uploader, make_log, fresh_store):
    """`uploaded(n)`: n distinct log files uploaded through the form into a fresh store; every
    version recorded so far."""

    def upload(count: int = 3) -> list:
        response = uploader.post(*(make_log(n) for n in range(count)))
        assert response.status_code == 200, response.text
        return uploader.versions()

    return upload

