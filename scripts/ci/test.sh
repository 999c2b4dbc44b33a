#!/usr/bin/env bash
# The whole test suite, run by `bun run test:all` (and so by .ci/run).
# Each suite runs even when an earlier one failed; the exit status is non-zero
# if any failed. Extra arguments go to `bun test` (e.g. a file filter).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

status=0

# Bun's runner: every *.test.ts under the repo root (bunfig.toml sets root = ".").
bun test --timeout 60000 "$@" || status=1

exit "$status"
