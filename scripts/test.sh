#!/usr/bin/env bash
# The whole test suite on the local stack: setup, stack up, every test, a summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx --no-install cashflow stack up
set +e
# the whole tree, tests included, must typecheck (vitest itself does not check types)
npm run --silent typecheck
typecheck=$?
npm run --silent lint
lint=$?
npx --no-install vitest run --reporter=default --reporter=json --outputFile=.test-results.json "$@"
rc=$?
set -e
node scripts/test-summary.mjs .test-results.json || true
if [ $typecheck -ne 0 ]; then echo "typecheck failed (npm run typecheck)" >&2; [ $rc -ne 0 ] || rc=$typecheck; fi
if [ $lint -ne 0 ]; then echo "lint failed (npm run lint)" >&2; [ $rc -ne 0 ] || rc=$lint; fi
exit $rc
