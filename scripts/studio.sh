#!/usr/bin/env bash
# Install and start the studio in the browser: on a scratch copy of the bundled sample stacks
# (the B2B renewals stack opens first), or on the stack file or folder given.
#   bash scripts/studio.sh                      # the samples
#   bash scripts/studio.sh my_stack.yaml        # your stack (its folder is served)
#   bash scripts/studio.sh --share              # open to the room, behind a printed passcode
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$ROOT"

ensure_venv "tui,web,analysis,export,backtest"
exec "$VENV/bin/studio" web "$@"
