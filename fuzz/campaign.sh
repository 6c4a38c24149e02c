#!/usr/bin/env bash
# The longer fuzz campaign (issue 7): every target (or those named) for
# MINUTES of CPU each (default 30), one process per target, PARALLEL at once
# (default 1; each process uses one core, so wall time = CPU time).
#   fuzz/campaign.sh [-m MINUTES] [-p PARALLEL] [-b BUILD_DIR] [TARGET...]
# Needs the sanitizer+fuzz build (scripts/test.sh makes build-asan/). Corpora
# grow in BUILD_DIR/fuzz/fuzz-work/<target>/corpus (kept between runs); crashes
# land in .../artifacts. Prints one line a target: seconds, executions, corpus
# size, crashes; copy the table into docs/RELIABILITY.md.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
minutes=30 parallel=1 build="$root/build-asan"
while getopts "m:p:b:" o; do
  case $o in m) minutes=$OPTARG ;; p) parallel=$OPTARG ;; b) build=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for b in "$build"/fuzz/fuzz_*; do [[ -x $b && -f $b ]] && targets+=("$(basename "$b" | sed 's/^fuzz_//')"); done
fi
[[ ${#targets[@]} -gt 0 ]] || { echo "campaign: no fuzz targets in $build/fuzz (build with scripts/test.sh)" >&2; exit 2; }
logs="$build/fuzz/campaign"; mkdir -p "$logs"
run_one() {
  local t=$1 log="$logs/$1.log"
  local seeds="$root/fuzz/corpus/$t"
  bash "$root/fuzz/run.sh" "$build/fuzz/fuzz_$t" "$seeds" $((minutes * 60)) >"$log" 2>&1
  local rc=$?
  local execs corpus
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}')
  corpus=$(find "$build/fuzz/fuzz-work/fuzz_$t/corpus" -type f | wc -l)
  printf '%-16s %6ss %12s execs %6s corpus  %s\n' "$t" $((minutes * 60)) "${execs:-?}" "$corpus" \
    "$([[ $rc -eq 0 ]] && echo "0 crashes" || echo "FAILED rc=$rc: see $log")"
  return $rc
}
status=0
running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if ((running >= parallel)); then wait -n || status=1; running=$((running - 1)); fi
done
while ((running > 0)); do wait -n || status=1; running=$((running - 1)); done
exit $status
