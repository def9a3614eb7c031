#!/usr/bin/env bash
# Run the test suite; with CI=true, twice: embedded parts, then production parts.
#   run "embedded":   SQLite, local object folder, huey on a SQLite file
#   run "production": PostgreSQL 127.0.0.1:5432/test, MinIO backend against a Swift S3 server
#                     started here (it verifies signatures), huey on Redis 127.0.0.1:6379
# PROBATIO_TEST_RUNS="embedded production" picks the runs; extra arguments go to pytest.
# What a run starts, it stops when it ends, passed or failed or interrupted (trap on EXIT): the
# Swift servers and memcached started here are stopped by the last test run still using them;
# servers that were already running when the first test run came (a developer's) are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
export OMP_THREAD_LIMIT=1
export PYTHONDONTWRITEBYTECODE=1
if [ -z "${PROBATIO_TEST_RUNS:-}" ]; then
  if [ "${CI:-}" = "true" ]; then PROBATIO_TEST_RUNS="embedded production"; else PROBATIO_TEST_RUNS="embedded"; fi
fi
# Test files (SQLite databases, the object folder, indexes, browser profiles) on tmpfs when there is
# one with room: the suite commits thousands of times, and each fsync on a disk costs milliseconds.
# (The Swift servers that tests/scripts starts keep their objects there: they need user extended
# attributes. The shared ones keep theirs in PROBATIO_SWIFT_DIR, whose secret the running servers know.)
if [ -z "${PROBATIO_TEST_TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] \
   && [ "$(df -Pk /dev/shm | awk 'NR==2 {print $4}')" -gt 4194304 ] \
   && $PY -c 'import os, tempfile
with tempfile.NamedTemporaryFile(dir="/dev/shm") as f: os.setxattr(f.name, "user.probatio", b"1")' 2>/dev/null; then
  PROBATIO_TEST_TMPDIR=/dev/shm
fi
if [ -n "${PROBATIO_TEST_TMPDIR:-}" ]; then
  TMPDIR=$(mktemp -d "$PROBATIO_TEST_TMPDIR/probatio-tests.XXXXXX")
  export TMPDIR
fi
# tests/passes.py runs what does not depend on the configured parts in one pass only.
export PROBATIO_TEST_PASSES="$PROBATIO_TEST_RUNS"
PG_URL=${TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
WORK=$(mktemp -d)
SWIFT_RUN_DIR=${PROBATIO_SWIFT_DIR:-/tmp/probatio-swift}/run
SWIFT_USERS_LOCK=$SWIFT_RUN_DIR/users.lock
# The names of the servers started by test runs, one line per start (see stop_what_we_started).
SWIFT_STARTED_BY_TESTS=$SWIFT_RUN_DIR/started-by-test-runs
USING_SWIFT=0

stop_what_we_started() {
  [ "$USING_SWIFT" = 1 ] || return 0
  exec 8>&-  # our shared hold on the servers ends here
  # Another test run still holding its shared lock keeps them; the last one out stops them.
  exec 8>>"$SWIFT_USERS_LOCK"
  if flock -n -x 8 && [ -s "$SWIFT_STARTED_BY_TESTS" ]; then
    # shellcheck disable=SC2046  # one server name per word
    bash scripts/s3-server/stop-swift.sh $(tr ' ' '\n' <"$SWIFT_STARTED_BY_TESTS" | sort -u) || true
    rm -f "$SWIFT_STARTED_BY_TESTS"
  fi
  exec 8>&-
  USING_SWIFT=0
}

cleanup() {
  stop_what_we_started
  rm -rf "$WORK"
  if [ -n "${PROBATIO_TEST_TMPDIR:-}" ]; then rm -rf "$TMPDIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

require_postgres() {
  $PY - "$PG_URL" <<'PYCODE' || { echo "PostgreSQL injoignable sur $PG_URL : la seconde passe ne peut pas tourner." >&2; exit 1; }
import sys
import sqlalchemy
sqlalchemy.create_engine(sys.argv[1]).connect().close()
PYCODE
}

require_redis() {
  $PY - "$REDIS_URL" <<'PYCODE' || { echo "Redis injoignable sur $REDIS_URL : la seconde passe ne peut pas tourner." >&2; exit 1; }
import sys
import redis
redis.Redis.from_url(sys.argv[1], socket_connect_timeout=3).ping()
PYCODE
}

use_swift() {
  # Hold a shared lock for as long as this run may use the servers (not inherited by them: 8>&-).
  if [ "$USING_SWIFT" = 0 ]; then
    mkdir -p "$SWIFT_RUN_DIR"
    exec 8>>"$SWIFT_USERS_LOCK"
    flock -s 8
    USING_SWIFT=1
  fi
  local exports
  exports=$(bash scripts/s3-server/start-swift.sh 8>&-)
  eval "$exports"
  if [ -n "${PROBATIO_SWIFT_STARTED:-}" ]; then
    echo "$PROBATIO_SWIFT_STARTED" >>"$SWIFT_STARTED_BY_TESTS"
  fi
}

start_s3() {
  # The storage contract suite runs both backends in every pass; the app itself uses MinIO only
  # in the production pass. Outside CI, an S3 server is used when TEST_S3_ENDPOINT is set.
  if [ "${CI:-}" = "true" ] && [ -z "${TEST_S3_ENDPOINT:-}" ]; then
    use_swift
  fi
}

run_embedded() {
  echo "=== Passe « embarquée » : SQLite, dossier local, huey sur SQLite ==="
  start_s3
  env -u TEST_DATABASE_URL PROBATIO_TEST_PASS=embedded \
    STORAGE_BACKEND=local JOBS_URL="sqlite:///$WORK/jobs.db" \
    $PY -m pytest "$@"
}

run_production() {
  echo "=== Passe « production » : PostgreSQL, MinIO (Swift S3), huey sur Redis ==="
  require_postgres
  require_redis
  start_s3
  if [ -z "${MINIO_ENDPOINT:-}" ]; then use_swift; fi
  export TEST_DATABASE_URL=$PG_URL
  # The test database need not survive a crash: commits do not wait for the WAL to reach the disk
  # (libpq passes this to every connection the tests and the servers they start open).
  export PGOPTIONS="${PGOPTIONS:-} -c synchronous_commit=off"
  export STORAGE_BACKEND=minio MINIO_BUCKET="probatio-ci-$(date +%s)"
  export JOBS_URL=$REDIS_URL PROBATIO_TEST_PASS=production
  $PY - "$REDIS_URL" <<'PYCODE'
import sys
import redis
redis.Redis.from_url(sys.argv[1]).flushdb()
PYCODE
  $PY -m pytest "$@"
}

for run in $PROBATIO_TEST_RUNS; do
  case $run in
    embedded) run_embedded "$@" ;;
    production) run_production "$@" ;;
    *) echo "Passe inconnue : $run" >&2; exit 2 ;;
  esac
done
