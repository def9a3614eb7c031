"""scripts/run-tests.sh with CI=true stops the S3 server and memcached it started, and only those.

Each test runs the real script on a tiny suite of its own, against a Swift instance of its own
(its own data folder and ports), and then looks for live processes naming that folder.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUN_TESTS = REPO / "scripts" / "run-tests.sh"
START_SWIFT = REPO / "scripts" / "s3-server" / "start-swift.sh"
STOP_SWIFT = REPO / "scripts" / "s3-server" / "stop-swift.sh"

INNER_SUITE = '''
import os, socket

def test_the_s3_server_answers_during_the_run():
    host, port = os.environ["TEST_S3_ENDPOINT"].split(":")
    socket.create_connection((host, int(port)), 3).close()
    open(os.environ["PROBE_FILE"], "w").write("ran")
'''


def processes_naming(folder: Path) -> list[str]:
    """Command lines of the live processes that mention `folder` (the Swift servers, memcached)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(folder) in command:
            found.append(f"{entry.name}: {command}")
    return found


@pytest.fixture()
def swift_env(tmp_path):
    """Settings for a Swift instance private to this test; whatever is left is stopped at the end."""
    data = tmp_path / "swift"
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("TEST_S3_", "MINIO_", "PROBATIO_SWIFT_"))
    }
    env.update(
        CI="true", PROBATIO_TEST_RUNS="embedded", PROBATIO_SWIFT_DIR=str(data),
        PROBATIO_SWIFT_PORT="18189", PROBATIO_SWIFT_BACKEND_PORT="16380",
        PROBATIO_SWIFT_MEMCACHED_PORT="21411", PROBE_FILE=str(tmp_path / "probe"),
    )
    yield env
    subprocess.run(["bash", str(STOP_SWIFT)], env=env, capture_output=True, timeout=60)


def run_suite(tmp_path: Path, env: dict, body: str) -> subprocess.CompletedProcess:
    suite = tmp_path / "inner" / "test_inner.py"
    suite.parent.mkdir(exist_ok=True)
    suite.write_text(body, encoding="utf-8")
    return subprocess.run(
        ["bash", str(RUN_TESTS), str(suite), "-q", "-p", "no:cacheprovider"],
        env=env, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
    )


def test_a_passing_run_stops_the_servers_it_started(tmp_path, swift_env):
    outcome = run_suite(tmp_path, swift_env, INNER_SUITE)
    assert outcome.returncode == 0, outcome.stdout[-2000:] + outcome.stderr[-2000:]
    assert (tmp_path / "probe").read_text() == "ran"
    assert processes_naming(tmp_path / "swift") == []


def test_a_failing_run_stops_them_too(tmp_path, swift_env):
    outcome = run_suite(tmp_path, swift_env, INNER_SUITE + "\n\ndef test_fails():\n    assert False\n")
    assert outcome.returncode != 0
    assert (tmp_path / "probe").read_text() == "ran"
    assert processes_naming(tmp_path / "swift") == []


def test_servers_running_before_the_run_are_left_running(tmp_path, swift_env):
    started = subprocess.run(
        ["bash", str(START_SWIFT)], env=swift_env, capture_output=True, text=True, timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert started.returncode == 0, started.stderr[-2000:]
    before = processes_naming(tmp_path / "swift")
    assert len(before) == 5, before  # proxy, account, container, object, memcached

    outcome = run_suite(tmp_path, swift_env, INNER_SUITE)
    assert outcome.returncode == 0, outcome.stdout[-2000:] + outcome.stderr[-2000:]
    assert processes_naming(tmp_path / "swift") == before
