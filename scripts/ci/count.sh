#!/usr/bin/env bash
# Usage: scripts/ci/count.sh LOGFILE
# Reads the output of one or more `bun test` and `deno test` runs and prints one line:
#   N passed, N failed
# summed over every summary bun and Deno printed. Bun's summary block is the run of
# lines such as " 12 pass", " 1 skip", " 0 fail", " 3 expect() calls" that ends
# with "Ran N tests across N files."; Deno's is one line such as
# "ok | 26 passed | 0 failed (10s)" or "FAILED | 3 passed (2 steps) | 1 failed | 2 ignored (1s)".
# Colour codes and CRs are ignored.
# With no summary in the log, prints "0 passed, 1 failed" and exits 1.
set -euo pipefail

log=${1:?usage: count.sh LOGFILE}
if [[ ! -r $log ]]; then
  echo "count.sh: cannot read $log" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' -e 's/\r$//' "$log" | awk '
  function reset() { bp = 0; bf = 0; inblock = 0 }
  BEGIN { reset(); blocks = 0; pass = 0; fail = 0; dblocks = 0; dpass = 0; dfail = 0 }
  # Deno: one line per `deno test` run; "(2 steps)", "ignored", "filtered out" are not counted.
  /^(ok|FAILED) \| [0-9]+ passed/ {
    if (inblock) { lastp = bp; lastf = bf; orphan = 1 }
    reset()
    n = split($0, field, "|")
    for (i = 2; i <= n; i++) {
      if (field[i] ~ /^ *[0-9]+ passed/) dpass += field[i] + 0
      else if (field[i] ~ /^ *[0-9]+ failed/) dfail += field[i] + 0
    }
    dblocks++
    next
  }
  /^[ \t]*[0-9]+ pass[ \t]*$/ { bp = $1 + 0; inblock = 1; next }
  /^[ \t]*[0-9]+ fail[ \t]*$/ { bf = $1 + 0; inblock = 1; next }
  # the other lines of a summary block: skip, todo, error, expect() calls, snapshots...
  /^[ \t]*[0-9]+ [a-z]/ && inblock { next }
  /^Ran [0-9]+ tests? across [0-9]+ files?/ {
    if (inblock) { pass += bp; fail += bf; blocks++ }
    reset(); next
  }
  { if (inblock) { lastp = bp; lastf = bf; orphan = 1 } reset() }
  END {
    # A block without its "Ran ..." line (format change, cut-off log): count the last one.
    if (blocks == 0 && inblock) { pass = bp; fail = bf; blocks = 1 }
    else if (blocks == 0 && orphan) { pass = lastp; fail = lastf; blocks = 1 }
    pass += dpass; fail += dfail; blocks += dblocks
    if (blocks == 0) { print "0 passed, 1 failed"; exit 1 }
    printf "%d passed, %d failed\n", pass, fail
  }
'
