#!/usr/bin/env bash
# Crash safety (issue 5): ingest, compact and merge are killed with SIGKILL at
# 52 points spread over their run time. After each kill the index is either
# as it was before or as it is after the command, and verify passes; the next
# run of the command cleans up and gives the same bytes as an uninterrupted run.
source "$(dirname "$0")/lib.sh"

K="$T/k.key"
new_key "$K"
python3 - "$T" <<'PY'
import sys
for part in range(2):
    with open(f"{sys.argv[1]}/p{part}.csv", "w") as f:
        f.write("name,phone,email\n")
        for i in range(part * 4000, part * 4000 + 8000):
            f.write(f"李{chr(0x4e00 + i % 300)},1{3 + i % 6}{i:09d},kill{i}@example.com\n")
PY

# The index's key count ("none": no index). grep, not python: this runs ~110
# times and python's start-up dominates on a loaded CI machine.
keys_of() {
  local k
  k=$("$LEAKDEX_BIN" info --format json "$1" 2>/dev/null | grep -o '"keys":[0-9]*' | head -1 | cut -d: -f2)
  echo "${k:-none}"
}
# The segments the MANIFEST names (a segment written but never published is
# not part of the index; the next writer removes it), with their hashes.
segments_of() {
  [[ -f "$1/MANIFEST" ]] || return 0
  local names
  names=$(grep -ao 'seg-[0-9]*\.ldx' "$1/MANIFEST" | sort -u)
  (cd "$1" && for n in $names; do sha256sum "$n"; done)
}
now_ns() { date +%s%N; }

# Reference states, built without interruption.
"$LEAKDEX_BIN" ingest -q --key "$K" --index "$T/base" --source a --memory 1M "$T/p0.csv" || fail "base ingest"
cp -a "$T/base" "$T/ingested"
t0=$(now_ns)
"$LEAKDEX_BIN" ingest -q --key "$K" --index "$T/ingested" --source b --memory 1M "$T/p1.csv" || fail "reference ingest"
ingest_ns=$(($(now_ns) - t0))
cp -a "$T/ingested" "$T/compacted"
t0=$(now_ns)
"$LEAKDEX_BIN" compact -q "$T/compacted" || fail "reference compact"
compact_ns=$(($(now_ns) - t0))
t0=$(now_ns)
"$LEAKDEX_BIN" merge -q "$T/merged" "$T/base" "$T/ingested" || fail "reference merge"
merge_ns=$(($(now_ns) - t0))
rm -f "$T"/*/LOCK
base_keys=$(keys_of "$T/base"); new_keys=$(keys_of "$T/ingested"); merged_keys=$(keys_of "$T/merged")
compacted_keys=$(keys_of "$T/compacted")
echo "reference: ingest ${ingest_ns} ns, compact ${compact_ns} ns, merge ${merge_ns} ns; keys $base_keys -> $new_keys, merged $merged_keys"

# kill_at NS CMD...: runs CMD, SIGKILLs it after NS nanoseconds (if still running).
kill_at() {
  local ns=$1; shift
  "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep "$(printf '%d.%09d' $((ns / 1000000000)) $((ns % 1000000000)))"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}
# delay I N TOTAL: the I-th of N kill points, from 5% to 110% of TOTAL.
delay() { echo $(($3 * (5 + 105 * $1 / $2) / 100)); }

# check_state DIR OLD_SEGMENTS OLD_KEYS NEW_SEGMENTS NEW_KEYS WHAT: old or new, and verify passes.
old_seen=0; new_seen=0
check_state() {
  local dir=$1 old_segs=$2 old_keys=$3 new_segs=$4 new_keys=$5 what=$6
  checks=$((checks + 1))
  local segs keys
  segs=$(segments_of "$dir"); keys=$(keys_of "$dir")
  if [[ "$segs" == "$old_segs" && "$keys" == "$old_keys" ]]; then old_seen=$((old_seen + 1))
  elif [[ "$segs" == "$new_segs" && "$keys" == "$new_keys" ]]; then new_seen=$((new_seen + 1))
  else fail "$what: index is neither the old nor the new one (keys $keys)"; return; fi
  if [[ "$keys" != none ]]; then
    "$LEAKDEX_BIN" verify "$dir" >/dev/null 2>"$T/err" || fail "$what: verify failed: $(head -1 "$T/err")"
  fi
}

base_segs=$(segments_of "$T/base"); ingested_segs=$(segments_of "$T/ingested")
compacted_segs=$(segments_of "$T/compacted"); merged_segs=$(segments_of "$T/merged")

N=20
for i in $(seq 1 $N); do
  rm -rf "$T/w"; cp -a "$T/base" "$T/w"
  kill_at "$(delay "$i" $N "$ingest_ns")" "$LEAKDEX_BIN" ingest -q --key "$K" --index "$T/w" --source b --memory 1M "$T/p1.csv"
  check_state "$T/w" "$base_segs" "$base_keys" "$ingested_segs" "$new_keys" "ingest killed at point $i"
done
# The next run after a crash finishes the job and leaves no temporary file.
"$LEAKDEX_BIN" ingest -q --key "$K" --index "$T/w" --source b --memory 1M "$T/p1.csv" || fail "ingest after kill"
expect_eq "$(segments_of "$T/w")" "$ingested_segs" "ingest after a kill gives the reference segments"
expect_eq "$(find "$T/w" -name '*.tmp-*' | wc -l)" 0 "temporary files after the next ingest"

N=16
for i in $(seq 1 $N); do
  rm -rf "$T/w"; cp -a "$T/ingested" "$T/w"
  kill_at "$(delay "$i" $N "$compact_ns")" "$LEAKDEX_BIN" compact -q "$T/w"
  check_state "$T/w" "$ingested_segs" "$new_keys" "$compacted_segs" "$compacted_keys" "compact killed at point $i"
done
"$LEAKDEX_BIN" compact -q "$T/w" || fail "compact after kill"
expect_eq "$(segments_of "$T/w")" "$compacted_segs" "compact after a kill gives the reference segment"
expect_eq "$(find "$T/w" -name '*.tmp-*' | wc -l)" 0 "temporary files after the next compact"

for i in $(seq 1 $N); do
  rm -rf "$T/m"
  kill_at "$(delay "$i" $N "$merge_ns")" "$LEAKDEX_BIN" merge -q "$T/m" "$T/base" "$T/ingested"
  check_state "$T/m" "" none "$merged_segs" "$merged_keys" "merge killed at point $i"
done
# A merge killed before publishing leaves no index; running it again works.
rm -f "$T/m/MANIFEST" "$T/m"/seg-*.ldx 2>/dev/null
"$LEAKDEX_BIN" merge -q "$T/m" "$T/base" "$T/ingested" >/dev/null 2>"$T/err" || fail "merge into a crashed merge's directory: $(head -1 "$T/err")"
expect_eq "$(segments_of "$T/m")" "$merged_segs" "merge after a kill gives the reference segment"

echo "kill outcomes: $old_seen old, $new_seen new"
checks=$((checks + 1)); [[ $old_seen -gt 0 && $new_seen -gt 0 ]] || fail "kill points did not cover both outcomes"
finish
