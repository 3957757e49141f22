#!/usr/bin/env bash
# Runs one libFuzzer target: run_fuzz.sh TARGET SEED_DIR SCRATCH_DIR LIMIT, LIMIT being "-runs=N" or
# "-max_total_time=S". New inputs go to SCRATCH_DIR, so the committed seeds never change. Prints
# "FUZZ <target> executions <n> ..." and exits non-zero when our code crashed.
# fuzz_h5_read runs in fork mode: libhdf5 itself crashes, hangs or runs out of memory on some damaged
# files (tests/fuzz/README.md), so such inputs are recorded and the run goes on; triage.py then
# re-runs every recorded input and fails when a crash is in our code rather than in libhdf5.
set -uo pipefail
target=$1 seeds=$2 scratch=$3 limit=$4
name=$(basename "$target")
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$scratch" && mkdir -p "$scratch/corpus" "$scratch/artifacts"
log="$scratch/fuzz.log"
common=(-seed=1 -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$scratch/artifacts/")
unset LD_PRELOAD # the sanitized suite preloads a helper; these binaries need no help
export ASAN_OPTIONS=${FUZZ_ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
if [ "$name" = fuzz_h5_read ]; then
  # libhdf5 keeps caches and error stacks for the life of the process: no leak checking there
  export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1
  "$target" "$limit" "${common[@]}" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    "$scratch/corpus" "$seeds" >"$log" 2>&1
  execs=$(grep -oE '^#[0-9]+:' "$log" | tail -1 | tr -dc 0-9)
  python3 "$here/triage.py" "$target" "$scratch/artifacts" "$here/../.."
  rc=$?
else
  "$target" "$limit" "${common[@]}" "$scratch/corpus" "$seeds" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  [ $rc -ne 0 ] && tail -60 "$log"
fi
echo "FUZZ $name executions ${execs:-0} status $rc (log: $log)"
exit $rc
