#!/usr/bin/env bash
# Stop the Swift servers and memcached started by start-swift.sh (by their pid files only).
# Usage: stop-swift.sh [--purge]   --purge also deletes $PROBATIO_SWIFT_DIR (data and configuration).
set -euo pipefail

DATA_DIR=${PROBATIO_SWIFT_DIR:-/tmp/probatio-swift}
RUN_DIR=$DATA_DIR/run

stop_one() {
    local pidfile=$1 name pid i
    name=$(basename "$pidfile" .pid)
    pid=$(cat "$pidfile" 2>/dev/null || true)
    # Only a process whose command line names our data folder is ours (pids get reused).
    if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$DATA_DIR"; then
        kill "$pid" 2>/dev/null || true
        for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        echo "stop-swift: stopped $name (pid $pid)" >&2
    fi
    rm -f "$pidfile"
}

if [ -d "$RUN_DIR" ]; then
    for pidfile in "$RUN_DIR"/proxy.pid "$RUN_DIR"/object.pid "$RUN_DIR"/container.pid \
                   "$RUN_DIR"/account.pid "$RUN_DIR"/memcached.pid; do
        [ -f "$pidfile" ] && stop_one "$pidfile"
    done
fi

if [ "${1:-}" = "--purge" ]; then
    rm -rf "$DATA_DIR"
    echo "stop-swift: removed $DATA_DIR" >&2
fi
