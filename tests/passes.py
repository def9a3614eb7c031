"""Which CI pass runs which test, when `scripts/run-tests.sh` runs both.

The two passes differ only in the parts the app is configured with (database, object store,
job queue). A test that cannot see those parts proves the same thing in both passes, so it runs
once:
- a test that does not use the `app` fixture (parsers, renderers, the object-store contract,
  which runs both backends itself, the scripts) runs in the embedded pass;
- the suites in ONE_PASS below run in the pass named there: the browser journeys in the
  production pass (the deployment users meet: MinIO links, PostgreSQL), the accessibility walk
  in the embedded pass (it audits the HTML, which the backends do not change).

A pass run alone (`PROBATIO_TEST_RUNS=production`, or plain pytest) runs every test.
"""
from __future__ import annotations

import os

import pytest

ONE_PASS = {
    "tests/browser/": "production",
    "tests/accessibility/test_axe_routes.py": "embedded",
}


def _current_and_all_passes() -> tuple[str | None, set[str]]:
    return os.environ.get("PROBATIO_TEST_PASS"), set(os.environ.get("PROBATIO_TEST_PASSES", "").split())


def pass_of(item: pytest.Item) -> str | None:
    """The one pass `item` belongs to, or None when it runs in every pass."""
    path = item.nodeid.split("::", 1)[0]
    for prefix, name in ONE_PASS.items():
        if path.startswith(prefix):
            return name
    if "app" not in getattr(item, "fixturenames", ()):
        return "embedded"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    current, passes = _current_and_all_passes()
    if current is None or not {"embedded", "production"} <= passes:
        return
    kept, elsewhere = [], []
    for item in items:
        (elsewhere if pass_of(item) not in (None, current) else kept).append(item)
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        items[:] = kept


def pytest_report_header(config: pytest.Config) -> str | None:
    current, passes = _current_and_all_passes()
    if current is None or not {"embedded", "production"} <= passes:
        return None
    return f"passe {current} : les tests qui ne dépendent pas des composants configurés tournent dans une seule passe (tests/passes.py)"
