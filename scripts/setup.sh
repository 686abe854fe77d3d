#!/usr/bin/env bash
# Shared set-up for the two README commands: a project virtualenv with the given extras.
# Usage: source scripts/setup.sh; ensure_venv EXTRAS   (e.g. ensure_venv "tui,web")
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3}"

ensure_venv() {
  local extras="$1"
  if [ ! -x "$VENV/bin/python" ]; then
    echo "• creating $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  # A stamp per extras set and pyproject content: re-install only when something changed.
  local stamp="$VENV/.installed-$(echo "$extras" | tr ',' '-')"
  local digest
  digest="$(cat "$ROOT/pyproject.toml" "$ROOT/constraints.txt" | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    echo "• installing coordination-studio[$extras] (first run takes a minute or two)"
    # constraints.txt pins every package to the versions the suite is tested with.
    "$VENV/bin/pip" install -q --disable-pip-version-check -c "$ROOT/constraints.txt" -e "$ROOT[$extras]"
    echo "$digest" > "$stamp"
  fi
}

# Debian packages some tests need; installed only when missing, and only where we may.
ensure_debian_packages() {
  local need=()
  command -v tmux >/dev/null 2>&1 || need+=(tmux)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
  if [ ${#need[@]} -eq 0 ]; then
    return 0
  fi
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo="sudo -n"
    else
      echo "! missing ${need[*]} and no root to install them: the tests that need them will be skipped" >&2
      return 0
    fi
  fi
  echo "• installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}
