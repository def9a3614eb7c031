"""tests/passes.py: with both CI passes, what cannot see the configured parts runs once."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NEEDS_NO_APP = "tests/documents/test_embedded.py"      # renderers: no app fixture
BROWSER = "tests/browser/test_dashboards.py"            # the browser journeys: production pass
EVERY_PASS = "tests/accounts/test_login.py"              # uses the app: both passes


def collected(current: str | None, passes: str, *paths: str) -> dict[str, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROBATIO_TEST_PASS")}
    if current:
        env["PROBATIO_TEST_PASS"] = current
    env["PROBATIO_TEST_PASSES"] = passes
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *paths],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    ).stdout
    counts: dict[str, int] = {}
    for line in out.splitlines():
        match = re.match(r"(tests/[^:]+)::", line)
        if match:
            counts[match.group(1)] = counts.get(match.group(1), 0) + 1
    return counts


@pytest.fixture(scope="module")
def every_test() -> dict[str, int]:
    counts = collected(None, "", NEEDS_NO_APP, BROWSER, EVERY_PASS)
    assert set(counts) == {NEEDS_NO_APP, BROWSER, EVERY_PASS}
    return counts


def test_the_embedded_pass_leaves_the_browser_journeys_to_the_production_pass(every_test):
    counts = collected("embedded", "embedded production", NEEDS_NO_APP, BROWSER, EVERY_PASS)
    assert counts == {NEEDS_NO_APP: every_test[NEEDS_NO_APP], EVERY_PASS: every_test[EVERY_PASS]}


def test_the_production_pass_leaves_what_needs_no_app_to_the_embedded_pass(every_test):
    counts = collected("production", "embedded production", NEEDS_NO_APP, BROWSER, EVERY_PASS)
    assert counts == {BROWSER: every_test[BROWSER], EVERY_PASS: every_test[EVERY_PASS]}


def test_a_pass_run_alone_runs_everything(every_test):
    assert collected("production", "production", NEEDS_NO_APP, BROWSER, EVERY_PASS) == every_test
