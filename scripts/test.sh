#!/usr/bin/env bash
# Run the test suite against the real engines.
#
#   scripts/test.sh [pytest args...]     e.g. scripts/test.sh tests/unit -k stream
#
# Creates .venv when missing (Python >= 3.11), installs the project with its
# test extras, starts PostgreSQL and SeaweedFS into .test-services/, runs
# pytest with WALLET_REQUIRE_SCALED=1 (scaled tests fail instead of skipping),
# always stops the services, and exits with pytest's status (5, "no tests
# collected", is a failure too).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SERVICES_DIR=".test-services"
VENV=".venv"

find_python() {
    local candidate
    for candidate in python3.11 python3.12 python3.13 python3; do
        if command -v "$candidate" >/dev/null \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
    echo "test.sh: Python >= 3.11 not found" >&2
    exit 1
}

make_venv() {
    local python
    python="$(find_python)"
    if ! "$python" -m venv "$VENV"; then  # Debian splits ensurepip into python3-venv
        rm -rf -- "$VENV"
        apt-get update -qq && apt-get install -y -qq python3-venv
        "$python" -m venv "$VENV"
    fi
}

ensure_venv() {
    [[ -x "$VENV/bin/python" ]] || make_venv
    # Reinstall only when pyproject.toml changed since the last install.
    local stamp="$VENV/.wallet-installed" digest
    digest="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$digest" ]]; then
        "$VENV/bin/python" -m pip install -q -e '.[test]'
        echo "$digest" >"$stamp"
    fi
}

stop_services() {
    scripts/services.sh stop "$SERVICES_DIR" 9>&- || echo "test.sh: stopping services failed" >&2
}

lock_checkout() {  # one run at a time per checkout: a second start would wipe the first's services
    local lock
    lock="/tmp/wallet-test-$(pwd | sha256sum | cut -c1-16).lock"
    exec 9>"$lock"
    if ! flock -n 9; then
        echo "test.sh: waiting for another scripts/test.sh run in $(pwd)" >&2
        flock 9
    fi
}

ensure_chromium() {  # the web verifier page is tested in Debian's headless Chromium
    if ! command -v chromium >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
    fi
}

ensure_interop_packages() {  # the independent SD-JWT implementation (npm, pinned by its lock file)
    local dir="tests/interop/sdjwt" stamp digest
    stamp="$dir/node_modules/.wallet-installed"
    digest="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
    if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$digest" ]]; then
        npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
        echo "$digest" >"$stamp"
    fi
}

lock_checkout
ensure_chromium
ensure_interop_packages
ensure_venv
trap stop_services EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
scripts/services.sh start "$SERVICES_DIR" 9>&-  # daemons must not inherit the lock
# shellcheck source=/dev/null  # written by services.sh
source "$SERVICES_DIR/env"
export WALLET_REQUIRE_SCALED=1

status=0
"$VENV/bin/python" -m pytest -n 2 "$@" 9>&- || status=$?
if [[ $status -eq 5 ]]; then
    echo "test.sh: no tests collected: failing" >&2
fi
exit "$status"
