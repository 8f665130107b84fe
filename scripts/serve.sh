#!/usr/bin/env bash
# The README's first command: set up the environment and run the service on its embedded default
# (SQLite + a blob folder + a master key file in ./.wallet-data), on http://127.0.0.1:8000.
# Extra arguments go to `wallet serve` (e.g. --port 8080 --data-dir /srv/wallet).
set -euo pipefail
cd "$(dirname "$0")/.."
python=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python="$candidate"; break
  fi
done
[ -n "$python" ] || { echo "Cần Python 3.11 trở lên / Python 3.11 or newer is required" >&2; exit 1; }
if [ ! -x .venv/bin/wallet ] || [ pyproject.toml -nt .venv/.installed ]; then
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e .
  touch .venv/.installed
fi
exec .venv/bin/wallet serve "$@"
