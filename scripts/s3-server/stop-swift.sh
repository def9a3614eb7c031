#!/usr/bin/env bash
# Stop the Swift servers and memcached started by start-swift.sh (by their pid files only).
# Usage: stop-swift.sh [--purge] [NAME…]
#   NAME…    only these (proxy, object, container, account, memcached); default: all of them
#   --purge  also deletes $PROBATIO_SWIFT_DIR (data and configuration).
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

PURGE=0
NAMES=()
for argument in "$@"; do
    case $argument in
        --purge) PURGE=1 ;;
        proxy|object|container|account|memcached) NAMES+=("$argument") ;;
        *) echo "stop-swift: unknown argument: $argument" >&2; exit 2 ;;
    esac
done

if [ -d "$RUN_DIR" ]; then
    # The proxy first, memcached last: the reverse of the start order.
    for name in proxy object container account memcached; do
        if [ "${#NAMES[@]}" -gt 0 ] && [[ " ${NAMES[*]} " != *" $name "* ]]; then
            continue
        fi
        [ -f "$RUN_DIR/$name.pid" ] && stop_one "$RUN_DIR/$name.pid"
    done
fi

if [ "$PURGE" = 1 ]; then
    rm -rf "$DATA_DIR"
    echo "stop-swift: removed $DATA_DIR" >&2
fi
