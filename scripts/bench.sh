#!/usr/bin/env bash
# Run the benchmarks: sets up .venv, installs wrk (Debian) if missing, starts PostgreSQL and
# SeaweedFS for the scaled figures, runs bench/, stops the services.
#
#   scripts/bench.sh                          every benchmark in bench/ (bench_*.py), one after another
#   scripts/bench.sh NAME [OPTIONS...]        one of them: NAME is the part after bench_, e.g.
#                                             vault, consent, log, paging, qr, sdjwt; OPTIONS are its own
#   scripts/bench.sh --list                   the names
#   scripts/bench.sh --seconds N ...          options alone: the vault benchmark, as before
#
# e.g. scripts/bench.sh paging --documents 10000 --rounds 200   (first page at 10,000 vs 10 documents)
#      scripts/bench.sh rewrap --citizens 20000                 (master-key re-wrap while serving GETs)
#      scripts/bench.sh consent --seconds 5                     (consented pull vs the owner's read)
#      scripts/bench.sh devices --rounds 200                    (login with one of 5 devices vs the only one)
#      scripts/bench.sh limits --devices 40                     (per-device limit on vs off, metadata GET)
#      scripts/bench.sh scale --large 100000                    (1,000 vs 100,000 seeded citizens, p50/p99)
# Each benchmark prints its figures as ratios against a baseline measured in the same run. In the
# full run a benchmark that fails is reported at the end and the others still run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SERVICES_DIR=".bench-services"

names() {
    local file
    for file in bench/bench_*.py; do
        file="${file#bench/bench_}"
        echo "${file%.py}"
    done
}

# Options a benchmark always gets, so that its scaled part runs too (the services are up).
default_args() {
    case "$1" in
        paging | rewrap | devices | limits) echo "--scaled" ;;
        scale) echo "--large 20000 --rounds 300" ;;  # the full run: --large 100000
        *) ;;
    esac
}

if [[ "${1:-}" == "--list" ]]; then
    names
    exit 0
fi
selected=()
if [[ $# -eq 0 ]]; then
    mapfile -t selected < <(names)
elif [[ "$1" == -* ]]; then
    selected=(vault)  # the old form: options for the vault benchmark
else
    if [[ ! -f "bench/bench_$1.py" ]]; then
        echo "bench.sh: no benchmark '$1'; one of: $(names | tr '\n' ' ')" >&2
        exit 2
    fi
    selected=("$1")
    shift
fi

if ! command -v wrk >/dev/null; then
    apt-get update -qq && apt-get install -y -qq wrk
fi
if [[ ! -x .venv/bin/python ]]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q -e '.[test]'

trap 'scripts/services.sh stop "$SERVICES_DIR"' EXIT
scripts/services.sh start "$SERVICES_DIR"
# shellcheck source=/dev/null  # written by services.sh
source "$SERVICES_DIR/env"

failed=()
for name in "${selected[@]}"; do
    # shellcheck disable=SC2207  # default_args prints whitespace-separated options
    extra=($(default_args "$name"))
    if [[ ${#selected[@]} -gt 1 ]]; then
        echo
        echo "######## bench_$name ########"
        args=("${extra[@]}")
    else
        args=("${extra[@]}" "$@")
    fi
    if ! PYTHONPATH=. .venv/bin/python -m "bench.bench_$name" "${args[@]}"; then
        failed+=("$name")
    fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "bench.sh: failed: ${failed[*]}" >&2
    exit 1
fi
