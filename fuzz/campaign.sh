#!/usr/bin/env bash
# The longer fuzz campaign (issue 7): every target (or those named) until it
# has used MINUTES of CPU time (default 30), PARALLEL targets at once
# (default 1). CPU time, not wall time, is what counts: each target runs in
# chunks of at most 10 wall-minutes under /usr/bin/time, and chunks repeat
# until user+system time reaches the goal, so a campaign can run niced on a
# busy machine (`nice -n 19 fuzz/campaign.sh -p 2`) and still report true
# CPU-minutes. The corpus carries over from chunk to chunk, and a stopped
# campaign resumes: after each chunk a target's totals so far are saved in
# BUILD_DIR/fuzz/campaign/<target>.progress (deleted when it finishes), and
# the next run of the same target continues from them.
#   fuzz/campaign.sh [-m MINUTES] [-p PARALLEL] [-b BUILD_DIR] [TARGET...]
# Needs the sanitizer+fuzz build (scripts/test.sh makes build-asan/). Corpora
# grow in BUILD_DIR/fuzz/fuzz-work/fuzz_<target>/corpus (kept between runs);
# crashes land in .../artifacts. Prints one line a target (CPU seconds, wall
# seconds, executions, corpus size, crashes) and appends it, tab-separated,
# to BUILD_DIR/fuzz/campaign/summary.tsv; copy the table into
# docs/RELIABILITY.md.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
minutes=30 parallel=1 build="$root/build-asan"
while getopts "m:p:b:" o; do
  case $o in m) minutes=$OPTARG ;; p) parallel=$OPTARG ;; b) build=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
command -v /usr/bin/time >/dev/null || { echo "campaign: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for b in "$build"/fuzz/fuzz_*; do [[ -x $b && -f $b ]] && targets+=("$(basename "$b" | sed 's/^fuzz_//')"); done
fi
[[ ${#targets[@]} -gt 0 ]] || { echo "campaign: no fuzz targets in $build/fuzz (build with scripts/test.sh)" >&2; exit 2; }
logs="$build/fuzz/campaign"; mkdir -p "$logs"

# Runs target $1 in chunks until its CPU time reaches the goal or it fails.
run_one() {
  local t=$1 log="$logs/$1.log" times="$logs/$1.time"
  local seeds="$root/fuzz/corpus/$t" goal=$((minutes * 60))
  local progress="$logs/$1.progress" cpu=0 wall=0 execs=0 rc=0 start chunk
  if [[ -f $progress ]]; then
    read -r cpu wall execs <"$progress"
    echo "campaign: $t resumes at $cpu CPU-s" >&2
  else
    : >"$log"
  fi
  while ((cpu < goal)); do
    chunk=$(( goal - cpu < 600 ? goal - cpu : 600 ))
    ((chunk < 10)) && chunk=10
    start=$(date +%s)
    /usr/bin/time -f '%U %S' -o "$times" bash "$root/fuzz/run.sh" "$build/fuzz/fuzz_$t" "$seeds" "$chunk" >>"$log" 2>&1
    rc=$?
    wall=$((wall + $(date +%s) - start))
    cpu=$(awk -v c="$cpu" 'END { printf "%d", c + $1 + $2 }' "$times")
    local n
    n=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | awk '{print $2}')
    execs=$((execs + ${n:-0}))
    echo "$cpu $wall $execs" >"$progress"
    ((rc == 0)) || break
  done
  rm -f "$progress"
  local corpus
  corpus=$(find "$build/fuzz/fuzz-work/fuzz_$t/corpus" -type f | wc -l)
  local verdict="0 crashes"
  ((rc == 0)) || verdict="FAILED rc=$rc: see $log"
  printf '%-14s %6s CPU-s %6s wall-s %12s execs %6s corpus  %s\n' "$t" "$cpu" "$wall" "$execs" "$corpus" "$verdict"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$cpu" "$wall" "$execs" "$corpus" "$verdict" >>"$logs/summary.tsv"
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
