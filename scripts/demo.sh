#!/usr/bin/env bash
# The main job: setup, then `cashflow demo` on the local default stack.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx --no-install cashflow demo "$@"
