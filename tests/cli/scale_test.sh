#!/usr/bin/env bash
# Issue 5 end to end: deterministic output whatever --threads/--memory, temp
# files removed (success, failure, next run after a crash), segments never
# rewritten by ingest, compact, and merge in any order giving the same bytes.
# Every person of every input is still found (batch) and verify passes after
# each step.
source "$(dirname "$0")/lib.sh"

K="$T/k.key"
new_key "$K"

# Three overlapping partitions of one synthetic dump (30,000 rows each).
python3 - "$T" <<'PY'
import sys
for part in range(3):
    with open(f"{sys.argv[1]}/p{part}.csv", "w") as f:
        f.write("name,phone,email\n")
        for i in range(part * 20000, part * 20000 + 30000):
            f.write(f"王{chr(0x4e00 + i % 500)},1{3 + i % 6}{i:09d},user{i}@example.com\n")
PY

# found DIR CSV...: every row of every CSV is exposed in DIR.
found() {
  local dir=$1; shift
  local f
  for f in "$@"; do
    checks=$((checks + 1))
    leakdex batch -q -k "$K" -i "$dir" --format csv "$f" >"$T/found.csv" 2>"$T/err"
    local rows exposed
    rows=$(($(wc -l <"$f") - 1))
    exposed=$(grep -c ',true,' "$T/found.csv")
    [[ "$rows" == "$exposed" ]] || fail "$dir: $exposed of $rows rows of $(basename "$f") found"
  done
}
no_temp_files() {
  checks=$((checks + 1))
  local left
  left=$(find "$1" -name '*.tmp-*' | wc -l)
  [[ "$left" == 0 ]] || fail "$1: $left temporary file(s) left: $(ls "$1")"
}
segs() { find "$1" -name 'seg-*.ldx' | sort; }
same_segments() {  # same_segments A B: byte-identical segment files
  checks=$((checks + 1))
  local a b
  a=$(cd "$1" && sha256sum seg-*.ldx); b=$(cd "$2" && sha256sum seg-*.ldx)
  [[ "$a" == "$b" ]] || fail "segments of $1 and $2 differ"
}

# --- Determinism: threads and memory budget do not change the bytes. (130,000
# entries; --memory 1M holds about 19,000, so that run spills ~7 sorted runs.)
expect_exit 0 leakdex ingest -q --key "$K" --index "$T/d1" --source s --threads 1 --memory 1M "$T/p0.csv" "$T/p1.csv"
expect_exit 0 leakdex ingest -q --key "$K" --index "$T/d2" --source s --threads 4 --memory 256M "$T/p0.csv" "$T/p1.csv"
expect_exit 0 leakdex ingest -q --key "$K" --index "$T/d3" --source s --threads 2 --memory 4M "$T/p0.csv" "$T/p1.csv"
same_segments "$T/d1" "$T/d2"
same_segments "$T/d1" "$T/d3"
no_temp_files "$T/d1"

# --- info reports the measured size per key.
expect_exit 0 leakdex info --format json "$T/d1"
expect_eq "$(json_get "$T/out" 'd["bytes_per_key"] <= 5.0 and d["false_positive_rate"] <= 1e-9')" True "bytes/key and FPR"

# --- Temp files: a failed ingest (after its runs were spilled) leaves none;
# stale ones from a crashed run are removed by the next writer.
printf 'name,phone,email\n"unterminated,1,2\n' >"$T/bad.csv"
expect_exit 3 leakdex ingest -q --key "$K" --index "$T/d1" --source bad --memory 1M --max-bad-ratio 0 "$T/p2.csv" "$T/bad.csv"
no_temp_files "$T/d1"
echo stale >"$T/d1/sort-000007.tmp-999999"
echo stale >"$T/d1/MANIFEST.tmp-999999"
echo stale >"$T/d1/seg-000099.ldx"  # written but never published
expect_exit 0 leakdex ingest -q --key "$K" --index "$T/d1" --source s --memory 1M "$T/p0.csv"
no_temp_files "$T/d1"
checks=$((checks + 1)); [[ ! -e "$T/d1/seg-000099.ldx" ]] || fail "unpublished segment not removed"

# --- A second source is a new segment; the first segment file is untouched.
I="$T/two"
expect_exit 0 leakdex ingest -q --key "$K" --index "$I" --source first --memory 2M "$T/p0.csv"
expect_exit 0 leakdex verify "$I"
found "$I" "$T/p0.csv"
first_seg=$(segs "$I" | head -1); first_sum=$(sha256sum <"$first_seg")
expect_exit 0 leakdex ingest -q --key "$K" --index "$I" --source second --memory 2M "$T/p1.csv"
expect_eq "$(segs "$I" | wc -l)" 2 "segments after two ingests"
expect_eq "$(sha256sum <"$first_seg")" "$first_sum" "first segment untouched"
expect_exit 0 leakdex verify "$I"
found "$I" "$T/p0.csv" "$T/p1.csv"
expect_exit 0 leakdex compact "$I"
expect_eq "$(segs "$I" | wc -l)" 1 "segments after compact"
expect_exit 0 leakdex verify "$I"
found "$I" "$T/p0.csv" "$T/p1.csv"
no_temp_files "$I"

# --- Merge: partitions built separately; any order, any grouping, same bytes.
for p in 0 1 2; do
  expect_exit 0 leakdex ingest -q --key "$K" --index "$T/part$p" --source dump --expected-keys 300000 "$T/p$p.csv"
  expect_exit 0 leakdex verify "$T/part$p"
done
expect_exit 0 leakdex merge -q "$T/m012" "$T/part0" "$T/part1" "$T/part2"
expect_exit 0 leakdex merge -q "$T/m201" "$T/part2" "$T/part0" "$T/part1"
expect_exit 0 leakdex merge -q "$T/m01" "$T/part0" "$T/part1"
expect_exit 0 leakdex merge -q "$T/m01_2" "$T/m01" "$T/part2"
expect_exit 0 leakdex merge -q "$T/m12" "$T/part1" "$T/part2"
expect_exit 0 leakdex merge -q "$T/m0_12" "$T/part0" "$T/m12"
for m in m201 m01_2 m0_12; do
  same_segments "$T/m012" "$T/$m"
  checks=$((checks + 1))
  cmp -s "$T/m012/MANIFEST" "$T/$m/MANIFEST" || fail "MANIFEST of $m differs from m012's"
done
expect_exit 0 leakdex verify "$T/m012"
found "$T/m012" "$T/p0.csv" "$T/p1.csv" "$T/p2.csv"
expect_exit 0 leakdex info --format json "$T/m012"
expect_eq "$(json_get "$T/out" 'd["false_positive_rate"] <= 1e-9')" True "merged FPR"
no_temp_files "$T/m012"
# A merge into an existing directory is refused and changes nothing.
before=$(cd "$T/m012" && sha256sum MANIFEST seg-*.ldx)
expect_exit 2 leakdex merge -q "$T/m012" "$T/part0"
expect_eq "$(cd "$T/m012" && sha256sum MANIFEST seg-*.ldx)" "$before" "existing merge output untouched"

finish
