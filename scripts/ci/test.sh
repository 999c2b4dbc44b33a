#!/usr/bin/env bash
# The whole test suite, run by `bun run test:all` (and so by .ci/run).
# Each suite runs even when an earlier one failed; the exit status is non-zero
# if any failed. Extra arguments go to `bun test` (e.g. a file filter); the Deno
# tests run in full either way.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

status=0

# One formatter and linter for the whole repo, and the type checker.
bunx biome check . || { echo "biome check failed" >&2; status=1; }
bunx tsc --noEmit -p . || { echo "type check failed" >&2; status=1; }
# The web page's sources are browser code, with their own settings (DOM, Preact's JSX).
bunx tsc --noEmit -p webui || { echo "type check of webui/ failed" >&2; status=1; }

# Bun's runner: every *.test.ts under the repo root (bunfig.toml sets root = ".").
bun test --timeout 60000 "$@" || status=1

# Deno runs the source too (deno.json): its own subset in tests/deno/, always whole.
# Its summary line ("ok | N passed | N failed") is counted by count.sh.
if command -v deno >/dev/null 2>&1; then
  NO_COLOR=1 deno test -A tests/deno/ || status=1
else
  echo "deno is not installed (scripts/ci/setup.sh installs it); the Deno tests did not run" >&2
  status=1
fi

exit "$status"
