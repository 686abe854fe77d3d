#!/usr/bin/env bash
# The whole suite, from nothing: installs what it needs, then lint, format check, types, tests.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$ROOT"

ensure_debian_packages
ensure_venv "dev"

# Quiet, offline, deterministic: no telemetry, no colour games in snapshots, no browser download.
export STREAMLIT_SERVER_HEADLESS=true
export STREAMLIT_BROWSER_GATHER_USAGE_STATS=false
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
unset NO_COLOR

echo "• ruff"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
echo "• mypy --strict studio/"
"$VENV/bin/mypy" studio
echo "• pytest"
# A hard cap so a hung UI test can never eat the CI budget.
timeout -k 10 1500 "$VENV/bin/python" -m pytest -q "$@" </dev/null
