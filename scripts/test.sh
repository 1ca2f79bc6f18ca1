#!/usr/bin/env bash
# The whole test suite on the local stack: setup, stack up, every test, a summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx --no-install cashflow stack up
set +e
npx --no-install vitest run --reporter=default --reporter=json --outputFile=.test-results.json "$@"
rc=$?
set -e
node scripts/test-summary.mjs .test-results.json || true
exit $rc
