#!/usr/bin/env bash
# Start moto's S3 server on 127.0.0.1 for quick local runs of the contract tests.
#
# moto does NOT verify signatures (any key works) nor expiry of presigned URLs: the tests that
# need that are skipped (TEST_S3_VERIFIES_SIGNATURES=0). CI uses start-swift.sh, which does.
# Installs moto[server] with pip into the project's virtualenv when missing.
# stdout carries only `export NAME=value` lines:   eval "$(scripts/s3-server/start-moto.sh)"
#
# Settings (environment):
#   PROBATIO_MOTO_PORT  port (default 5055)     PROBATIO_MOTO_DIR  pid and log (default /tmp/probatio-moto)
#   PROBATIO_MOTO_VENV  virtualenv holding moto (default: the repository's .venv)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PORT=${PROBATIO_MOTO_PORT:-5055}
DATA_DIR=${PROBATIO_MOTO_DIR:-/tmp/probatio-moto}
VENV=${PROBATIO_MOTO_VENV:-$REPO/.venv}
PIDFILE=$DATA_DIR/moto.pid

say() { echo "start-moto: $*" >&2; }

[ -x "$VENV/bin/python" ] || { say "ERROR: no virtualenv at $VENV"; exit 1; }
if [ ! -x "$VENV/bin/moto_server" ]; then
    say "installing moto[server] into $VENV"
    "$VENV/bin/pip" install -q 'moto[server]' >&2
fi
mkdir -p "$DATA_DIR"

running() {
    local pid
    pid=$(cat "$PIDFILE" 2>/dev/null || true)
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q moto_server
}

if ! running; then
    setsid "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" </dev/null >>"$DATA_DIR/moto.log" 2>&1 &
    echo $! >"$PIDFILE"
    say "started moto_server (pid $!)"
fi

for _ in $(seq 100); do
    if "$VENV/bin/python" -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1).close()" "$PORT" 2>/dev/null; then
        say "moto S3 ready on http://127.0.0.1:$PORT (signatures NOT verified); stop: scripts/s3-server/stop-moto.sh"
        echo "export TEST_S3_ENDPOINT=127.0.0.1:$PORT"
        echo "export TEST_S3_ACCESS_KEY=moto-access-key"
        echo "export TEST_S3_SECRET_KEY=moto-secret-key"
        echo "export TEST_S3_REGION=us-east-1"
        echo "export TEST_S3_VERIFIES_SIGNATURES=0"
        exit 0
    fi
    sleep 0.2
done
say "ERROR: moto did not answer on port $PORT; see $DATA_DIR/moto.log"
exit 1
