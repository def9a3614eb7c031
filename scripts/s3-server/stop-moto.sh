#!/usr/bin/env bash
# Stop the moto server started by start-moto.sh (by its pid file only).
set -euo pipefail
PIDFILE=${PROBATIO_MOTO_DIR:-/tmp/probatio-moto}/moto.pid
pid=$(cat "$PIDFILE" 2>/dev/null || true)
if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q moto_server; then
    kill "$pid"
    echo "stop-moto: stopped moto_server (pid $pid)" >&2
fi
rm -f "$PIDFILE"
