"""Search and extraction tests.

Shared here (imported by the test modules): `search_app`, the session app with a fresh index
folder per test and the index kept in step with the database by the session listener. Jobs run in
huey's immediate mode in these tests (JOBS_URL=memory://, see tests/conftest.py), so reindexing
after a commit and `schedule_extraction` run inline, in the test's process.
"""
from __future__ import annotations

import pytest

from search import init_search
from jobs.queue import huey


@pytest.fixture()
def search_app(app_ctx, tmp_path, monkeypatch):
    # Immediate mode even when the suite runs against a real queue (JOBS_URL=redis://…).
    monkeypatch.setattr(huey, "immediate", True)
    monkeypatch.setitem(app_ctx.config, "SEARCH_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.delitem(app_ctx.config, "SEARCH_SYNC", raising=False)
    # Restore whatever the app had (create_app may call init_search itself) after the test.
    monkeypatch.setitem(app_ctx.extensions, "search", app_ctx.extensions.get("search", {}))
    init_search(app_ctx)
    return app_ctx
