#!/usr/bin/env bash
# Install and start the studio on the bundled B2B sample stack (or on the file given).
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$ROOT"

ensure_venv "tui,web,analysis,export"
STACK="${1:-sample_stacks/b2b_saas_renewals.yaml}"
"$VENV/bin/studio" check "$STACK"
"$VENV/bin/studio" replay "$STACK" --scenario renewal-week --compare
exec "$VENV/bin/studio" preview "$STACK"
