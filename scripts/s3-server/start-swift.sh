#!/usr/bin/env bash
# Start a single-node OpenStack Swift with its S3 API (s3api middleware) on 127.0.0.1.
#
# For tests and development: one ring device, one replica, tempauth, memcached.
# Idempotent: a second run reuses the data, configuration and running servers.
# stdout carries only `export NAME=value` lines, so that this works:
#     eval "$(scripts/s3-server/start-swift.sh)"
# Progress and errors go to stderr; server logs go to $PROBATIO_SWIFT_DIR/log/.
#
# Settings (environment):
#   PROBATIO_SWIFT_DIR            data, configuration, logs, pids   (default /tmp/probatio-swift)
#   PROBATIO_SWIFT_PORT           S3 / Swift proxy port              (default 8089)
#   PROBATIO_SWIFT_BACKEND_PORT   first of 3 ports: account, container, object (default 6280)
#   PROBATIO_SWIFT_MEMCACHED_PORT memcached port                     (default 11311)
#   PROBATIO_SWIFT_SECRET_KEY     S3 secret key on first setup       (default: random, then kept)
#   PROBATIO_SWIFT_START_TIMEOUT  seconds to wait for the servers    (default 60)
#
# The last line printed, `export PROBATIO_SWIFT_STARTED="…"`, names the servers this run started
# (empty when all were already running): a caller that stops them stops only its own
# (scripts/run-tests.sh; stop-swift.sh NAME…).
#
# Installs nothing, except the Debian Swift packages when their programs are missing (root only).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DATA_DIR=${PROBATIO_SWIFT_DIR:-/tmp/probatio-swift}
PROXY_PORT=${PROBATIO_SWIFT_PORT:-8089}
BACKEND_PORT=${PROBATIO_SWIFT_BACKEND_PORT:-6280}
ACCOUNT_PORT=$BACKEND_PORT
CONTAINER_PORT=$((BACKEND_PORT + 1))
OBJECT_PORT=$((BACKEND_PORT + 2))
MEMCACHED_PORT=${PROBATIO_SWIFT_MEMCACHED_PORT:-11311}
START_TIMEOUT=${PROBATIO_SWIFT_START_TIMEOUT:-60}
REGION=us-east-1
ACCOUNT=probatio
USERNAME=tester
SERVERS=(account container object)
STARTED=()
# The Swift programs run on Debian's interpreter; so do the checks below (not a virtualenv's).
PY=/usr/bin/python3

ETC_DIR=$DATA_DIR/etc
DEVICES_DIR=$DATA_DIR/srv
CACHE_DIR=$DATA_DIR/cache
LOG_DIR=$DATA_DIR/log
RUN_DIR=$DATA_DIR/run

say() { echo "start-swift: $*" >&2; }
die() { echo "start-swift: ERROR: $*" >&2; exit 1; }

install_swift_if_missing() {
    local missing=0 program
    for program in swift-proxy-server swift-account-server swift-container-server \
                   swift-object-server swift-ring-builder memcached; do
        command -v "$program" >/dev/null 2>&1 || missing=1
    done
    [ "$missing" = 0 ] && return 0
    [ "$(id -u)" = 0 ] || die "Swift is not installed; as root run: apt-get install -y swift-proxy swift-account swift-container swift-object memcached"
    say "installing the Debian Swift packages (apt-get)"
    local packages=(swift-proxy swift-account swift-container swift-object memcached)
    export DEBIAN_FRONTEND=noninteractive
    # A fresh machine may have no package lists yet.
    if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
        apt-get update -q >&2
    fi
    if ! apt-get install -y -q "${packages[@]}" >&2; then
        apt-get update -q >&2
        apt-get install -y -q "${packages[@]}" >&2
    fi
}

ensure_swift_conf() {
    # Swift reads the hash prefix and the storage policies from this fixed path only.
    [ -f /etc/swift/swift.conf ] && return 0
    [ -w /etc ] || die "/etc/swift/swift.conf is missing and /etc is not writable (run once as root)"
    mkdir -p /etc/swift
    cp "$HERE/templates/swift.conf.in" /etc/swift/swift.conf
    say "wrote /etc/swift/swift.conf"
}

secret_key() {
    local file=$ETC_DIR/secret-key
    if [ ! -s "$file" ]; then
        local secret=${PROBATIO_SWIFT_SECRET_KEY:-}
        [ -n "$secret" ] || secret=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
        (umask 077 && printf '%s\n' "$secret" >"$file")
    fi
    head -n1 "$file"
}

# Render one template; report (exit status 0) whether the file changed.
render() {
    local template=$1 target=$2 secret=$3 tmp
    tmp=$(mktemp "$target.XXXXXX")
    sed -e "s|@PROXY_PORT@|$PROXY_PORT|g" \
        -e "s|@ACCOUNT_PORT@|$ACCOUNT_PORT|g" \
        -e "s|@CONTAINER_PORT@|$CONTAINER_PORT|g" \
        -e "s|@OBJECT_PORT@|$OBJECT_PORT|g" \
        -e "s|@MEMCACHED_PORT@|$MEMCACHED_PORT|g" \
        -e "s|@USER@|$(id -un)|g" \
        -e "s|@ETC_DIR@|$ETC_DIR|g" \
        -e "s|@DEVICES_DIR@|$DEVICES_DIR|g" \
        -e "s|@CACHE_DIR@|$CACHE_DIR|g" \
        -e "s|@REGION@|$REGION|g" \
        -e "s|@ACCOUNT@|$ACCOUNT|g" \
        -e "s|@USERNAME@|$USERNAME|g" \
        -e "s|@SECRET_KEY@|$secret|g" \
        "$template" >"$tmp"
    chmod 600 "$tmp"
    if [ -f "$target" ] && cmp -s "$tmp" "$target"; then
        rm -f "$tmp"
        return 1
    fi
    mv -f "$tmp" "$target"
    return 0
}

RINGS_REBUILT=0
build_rings() {
    local stamp="127.0.0.1 $ACCOUNT_PORT $CONTAINER_PORT $OBJECT_PORT"
    if [ -f "$ETC_DIR/object.ring.gz" ] && [ "$(cat "$ETC_DIR/rings.stamp" 2>/dev/null)" = "$stamp" ]; then
        return 0
    fi
    say "building the rings (1 device, 1 replica)"
    local kind port status
    for kind in "${SERVERS[@]}"; do
        case $kind in
            account) port=$ACCOUNT_PORT ;;
            container) port=$CONTAINER_PORT ;;
            object) port=$OBJECT_PORT ;;
        esac
        rm -f "$ETC_DIR/$kind.builder" "$ETC_DIR/$kind.ring.gz"
        swift-ring-builder "$ETC_DIR/$kind.builder" create 8 1 1 >/dev/null
        swift-ring-builder "$ETC_DIR/$kind.builder" add --region 1 --zone 1 \
            --ip 127.0.0.1 --port "$port" --device d1 --weight 100 >/dev/null
        # Exit status 1 is only a warning (e.g. about balance) for swift-ring-builder.
        status=0
        swift-ring-builder "$ETC_DIR/$kind.builder" rebalance >/dev/null || status=$?
        [ "$status" -le 1 ] || die "swift-ring-builder rebalance failed for $kind"
    done
    echo "$stamp" >"$ETC_DIR/rings.stamp"
    RINGS_REBUILT=1
}

check_xattrs() {
    "$PY" - "$DEVICES_DIR/d1" <<'EOF' || die "the file system of $DEVICES_DIR lacks user extended attributes, which Swift needs; set PROBATIO_SWIFT_DIR elsewhere"
import os, sys, tempfile
with tempfile.NamedTemporaryFile(dir=sys.argv[1]) as probe:
    os.setxattr(probe.name, "user.probatio", b"1")
EOF
}

# A pid file names a live process of ours only if its command line mentions our data folder.
alive() {
    local pidfile=$RUN_DIR/$1.pid pid
    [ -f "$pidfile" ] || return 1
    pid=$(cat "$pidfile")
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$2"
}

stop_one() {
    local name=$1 pidfile=$RUN_DIR/$1.pid pid i
    pid=$(cat "$pidfile" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

launch() {
    local name=$1
    shift
    # setsid: the servers outlive this script and its caller's process group.
    # 9>&-: the servers must not inherit (and so hold) the start lock.
    setsid "$@" </dev/null >>"$LOG_DIR/$name.log" 2>&1 9>&- &
    echo $! >"$RUN_DIR/$name.pid"
    STARTED+=("$name")
    say "started $name (pid $!)"
}

wait_until_ready() {
    # The key goes through the environment, not the command line that `ps` shows.
    PROBATIO_SWIFT_KEY=$1 "$PY" - "$PROXY_PORT" "$ACCOUNT:$USERNAME" "$START_TIMEOUT" <<'EOF'
import os, sys, time, urllib.request, urllib.error

port, user, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
key = os.environ["PROBATIO_SWIFT_KEY"]
base = f"http://127.0.0.1:{port}"
deadline = time.monotonic() + timeout
last = "no answer yet"


def call(method, url, headers=None, data=None):
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.headers


while time.monotonic() < deadline:
    try:
        # A full write and delete proves that the proxy, account, container and object servers answer.
        _, headers = call("GET", f"{base}/auth/v1.0", {"X-Auth-User": user, "X-Auth-Key": key})
        token, storage = headers["X-Auth-Token"], headers["X-Storage-Url"]
        auth = {"X-Auth-Token": token}
        call("PUT", f"{storage}/probatio-readiness", auth)
        call("PUT", f"{storage}/probatio-readiness/probe", auth, b"ok")
        call("DELETE", f"{storage}/probatio-readiness/probe", auth)
        call("DELETE", f"{storage}/probatio-readiness", auth)
        sys.exit(0)
    except (OSError, urllib.error.URLError, KeyError) as error:
        last = str(error)
        time.sleep(0.3)
print(f"start-swift: ERROR: Swift did not answer within {timeout:.0f} s ({last})", file=sys.stderr)
sys.exit(1)
EOF
}

main() {
    local started_at=$SECONDS
    mkdir -p "$ETC_DIR" "$DEVICES_DIR/d1" "$CACHE_DIR" "$LOG_DIR" "$RUN_DIR"
    # Two callers at once (two test sessions) would otherwise start every server twice.
    exec 9>"$RUN_DIR/start.lock"
    flock -w 900 9 || die "another start-swift.sh holds $RUN_DIR/start.lock"
    install_swift_if_missing
    ensure_swift_conf
    check_xattrs

    local secret changed=0 name
    secret=$(secret_key)
    for name in proxy "${SERVERS[@]}"; do
        if render "$HERE/templates/$name-server.conf.in" "$ETC_DIR/$name-server.conf" "$secret"; then
            changed=1
        fi
    done
    build_rings
    [ "$RINGS_REBUILT" = 1 ] && changed=1

    if [ "$changed" = 1 ]; then
        # New configuration: running servers must reload it.
        for name in proxy "${SERVERS[@]}"; do
            alive "$name" "$ETC_DIR/$name-server.conf" && stop_one "$name"
        done
    fi

    if ! alive memcached "$DATA_DIR"; then
        local as_user=()
        [ "$(id -u)" = 0 ] && as_user=(-u root)
        # argv[0] names the data folder, so that pid checks recognise this memcached as ours.
        launch memcached bash -c 'exec -a "memcached-probatio-swift $0" memcached "$@"' "$DATA_DIR" \
            -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 -m 64 "${as_user[@]}"
    fi
    for name in "${SERVERS[@]}" proxy; do
        if ! alive "$name" "$ETC_DIR/$name-server.conf"; then
            # -v: log to the console, i.e. to the log file (there may be no syslog).
            launch "$name" "swift-$name-server" "$ETC_DIR/$name-server.conf" -v
        fi
    done

    wait_until_ready "$secret" || {
        say "last lines of the logs in $LOG_DIR:"
        tail -n 5 "$LOG_DIR"/*.log >&2 || true
        exit 1
    }
    say "Swift S3 API ready on http://127.0.0.1:$PROXY_PORT after $((SECONDS - started_at)) s"

    local endpoint=127.0.0.1:$PROXY_PORT access_key=$ACCOUNT:$USERNAME
    printf 'export TEST_S3_ENDPOINT=%q\n' "$endpoint"
    printf 'export TEST_S3_ACCESS_KEY=%q\n' "$access_key"
    printf 'export TEST_S3_SECRET_KEY=%q\n' "$secret"
    printf 'export TEST_S3_REGION=%q\n' "$REGION"
    printf 'export TEST_S3_VERIFIES_SIGNATURES=1\n'
    printf 'export MINIO_ENDPOINT=%q\n' "$endpoint"
    printf 'export MINIO_ACCESS_KEY=%q\n' "$access_key"
    printf 'export MINIO_SECRET_KEY=%q\n' "$secret"
    printf 'export MINIO_REGION=%q\n' "$REGION"
    printf 'export MINIO_SECURE=false\n'
    printf 'export PROBATIO_SWIFT_STARTED=%q\n' "${STARTED[*]}"
}

main "$@"
