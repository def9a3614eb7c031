#!/usr/bin/env bash
# Run the test suite; with CI=true, twice: embedded parts, then production parts.
#   run "embedded":   SQLite, local object folder, huey on a SQLite file
#   run "production": PostgreSQL 127.0.0.1:5432/test, MinIO backend against a Swift S3 server
#                     started here (it verifies signatures), huey on Redis 127.0.0.1:6379
# PROBATIO_TEST_RUNS="embedded production" picks the runs; extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
export OMP_THREAD_LIMIT=1
export PYTHONDONTWRITEBYTECODE=1
if [ -z "${PROBATIO_TEST_RUNS:-}" ]; then
  if [ "${CI:-}" = "true" ]; then PROBATIO_TEST_RUNS="embedded production"; else PROBATIO_TEST_RUNS="embedded"; fi
fi
PG_URL=${TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

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

start_s3() {
  # The storage contract suite runs both backends in every pass; the app itself uses MinIO only
  # in the production pass. Outside CI, an S3 server is used when TEST_S3_ENDPOINT is set.
  if [ "${CI:-}" = "true" ] && [ -z "${TEST_S3_ENDPOINT:-}" ]; then
    eval "$(bash scripts/s3-server/start-swift.sh)"
  fi
}

run_embedded() {
  echo "=== Passe « embarquée » : SQLite, dossier local, huey sur SQLite ==="
  start_s3
  env -u TEST_DATABASE_URL \
    STORAGE_BACKEND=local JOBS_URL="sqlite:///$WORK/jobs.db" \
    $PY -m pytest "$@"
}

run_production() {
  echo "=== Passe « production » : PostgreSQL, MinIO (Swift S3), huey sur Redis ==="
  require_postgres
  require_redis
  start_s3
  if [ -z "${MINIO_ENDPOINT:-}" ]; then eval "$(bash scripts/s3-server/start-swift.sh)"; fi
  export TEST_DATABASE_URL=$PG_URL
  export STORAGE_BACKEND=minio MINIO_BUCKET="probatio-ci-$(date +%s)"
  export JOBS_URL=$REDIS_URL
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
