#!/usr/bin/env bash
# Run the benchmarks: sets up .venv, installs wrk (Debian) if missing, starts PostgreSQL and
# SeaweedFS for the scaled figures, runs bench/, stops the services.
#
#   scripts/bench.sh [--seconds N] [--big-mib N] [--skip-scaled]     the vault benchmark
#   scripts/bench.sh paging [--documents N] [--rounds N]             first page at 10,000 vs 10 documents
#   scripts/bench.sh devices [--rounds N]                            login with one of 5 devices vs the only one
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SERVICES_DIR=".bench-services"

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
if [[ "${1:-}" == "paging" ]]; then
    shift
    PYTHONPATH=. .venv/bin/python -m bench.bench_paging --scaled "$@"
elif [[ "${1:-}" == "devices" ]]; then
    shift
    PYTHONPATH=. .venv/bin/python -m bench.bench_devices --scaled "$@"
else
    PYTHONPATH=. .venv/bin/python -m bench.bench_vault "$@"
fi
