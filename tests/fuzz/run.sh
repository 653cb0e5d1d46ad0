#!/usr/bin/env bash
# Run every fuzz harness for a bounded time. Args: build-dir [seconds-each]
# Fails (non-zero) on any finding. Results summary goes to stdout.
set -uo pipefail
build=$1 secs=${2:-20}
src=$(cd "$(dirname "$0")" && pwd)
status=0
for h in "$build"/tests/fuzz/fuzz_*; do
  [ -x "$h" ] || continue
  name=$(basename "$h"); name=${name#fuzz_}
  work=$(mktemp -d)
  cp -r "$src/corpus/$name/." "$work/" 2>/dev/null || true
  if "$h" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$build/fuzz-$name-" "$work" >"$build/fuzz-$name.log" 2>&1; then
    execs=$(grep -m1 'stat::number_of_executed_units' "$build/fuzz-$name.log" | awk '{print $2}')
    cov=$(grep -oE 'cov: [0-9]+' "$build/fuzz-$name.log" | tail -1)
    echo "fuzz $name: ok, ${execs:-?} executions, ${cov:-cov: ?}"
  else
    echo "fuzz $name: FINDING (see $build/fuzz-$name.log)"; tail -40 "$build/fuzz-$name.log"
    status=1
  fi
  rm -rf "$work"
done
exit $status
