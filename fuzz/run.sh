#!/usr/bin/env bash
# Runs one libFuzzer target: fuzz/run.sh BINARY SEED_CORPUS_DIR SECONDS [libFuzzer args...]
# SECONDS=0 replays the seed corpus once (a regression test, no fuzzing).
# Otherwise fuzzes for SECONDS of wall time, starting from the seeds; new
# inputs go to a scratch corpus beside the binary (the repo is not modified)
# and any crash to fuzz-artifacts/ beside the binary, named on stderr.
# Exits non-zero on a crash, leak, timeout or out-of-memory.
set -euo pipefail
bin=$1 seeds=$2 secs=$3; shift 3
name=$(basename "$bin")
out="$(dirname "$bin")/fuzz-work/$name"
mkdir -p "$out/corpus" "$out/artifacts"
common=(-timeout=20 -rss_limit_mb=2560 -malloc_limit_mb=2048 -artifact_prefix="$out/artifacts/" -print_final_stats=1)
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
if [[ "$secs" == 0 ]]; then
  exec "$bin" "${common[@]}" -runs=0 "$@" "$seeds"
fi
exec "$bin" "${common[@]}" -max_total_time="$secs" "$@" "$out/corpus" "$seeds"
