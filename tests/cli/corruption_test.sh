#!/usr/bin/env bash
# Issue 7: a damaged index through the real binary. A sample of single-byte
# changes, truncations, appended garbage and swapped files in every index file:
# `verify` and `check` both exit 4 every time, name the damaged file, echo no
# value, and never answer. (The exhaustive sweep is tests/corruption_test.cpp.)
# LEAKDEX_CORRUPTION_SAMPLES (default 8) random byte changes per file, plus its first and last.
source "$(dirname "$0")/lib.sh"
S="$LEAKDEX_DATA_DIR/samples/standard"
K="$T/k.key"; I="$T/idx"
new_key "$K"
leakdex ingest -q -k "$K" -i "$I" --source persons "$S/persons.ndjson" || fail "ingest persons"
leakdex ingest -q -k "$K" -i "$I" --source express --class delivery_record -- "$S/deliveries.csv" || fail "ingest deliveries"
# A second index with the same layout, to swap files in from.
leakdex ingest -q -k "$K" -i "$T/other" --source persons "$S/persons.csv" || fail "ingest other"
leakdex ingest -q -k "$K" -i "$T/other" --source express -- "$S/deliveries.csv" || fail "ingest other 2"
phone=$(python3 -c "
import json,sys
for l in open(sys.argv[1]):
    s=json.loads(l)['_source']
    if len(str(s.get('sjhm','')))==11: print(s['sjhm']); break" "$S/persons.ndjson")
echo "$phone" | leakdex check -k "$K" -i "$I" --phone - >/dev/null
expect_eq "$?" 1 "intact index: the phone is found"
expect_exit 0 leakdex verify "$I"

samples=${LEAKDEX_CORRUPTION_SAMPLES:-8}
tried=0
# expect_damage_detected WHAT NAME: verify and check must both exit 4, naming NAME.
expect_damage_detected() {
  local what=$1 name=$2
  tried=$((tried + 1))
  expect_exit 4 leakdex verify "$I"
  expect_contains "$T/err" "$name"
  expect_not_contains "$T/err" "$phone"
  checks=$((checks + 1))
  echo "$phone" | leakdex check -k "$K" -i "$I" --phone - --format json >"$T/out" 2>"$T/err"
  local rc=$?
  [[ $rc -eq 4 ]] || fail "$what: check exited $rc, expected 4"
  [[ ! -s "$T/out" ]] || fail "$what: check printed an answer from a damaged index"
  expect_not_contains "$T/err" "$phone"
}

# All damaged copies at once (one python run): byte changes spread over each
# file (always its first and last byte), truncations, appended garbage.
mkdir -p "$T/mut"
python3 - "$I" "$T/mut" "$samples" >"$T/mutations" <<'PY'
import os, random, sys
idx, out, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
n = 0
def emit(name, data, what):
    global n
    n += 1
    open(os.path.join(out, str(n)), 'wb').write(data)
    print(n, name, what.replace(' ', '_'))
for name in sorted(os.listdir(idx)):
    if name == 'LOCK':
        continue
    orig = open(os.path.join(idx, name), 'rb').read()
    r = random.Random(len(orig))
    for off in sorted({0, len(orig) - 1} | {r.randrange(len(orig)) for _ in range(k)}):
        d = bytearray(orig)
        d[off] ^= r.randrange(1, 256)
        emit(name, bytes(d), f'byte {off} changed')
    for ln in (0, 1, len(orig) // 2, len(orig) - 1):
        emit(name, orig[:ln], f'truncated to {ln}')
    for extra in (1, 64, 4096):
        emit(name, orig + bytes(r.randrange(256) for _ in range(extra)), f'{extra} bytes appended')
PY
while read -r n name what; do
  cp "$I/$name" "$T/orig"
  cp "$T/mut/$n" "$I/$name"
  expect_damage_detected "$name ${what//_/ }" "$name"
  cp "$T/orig" "$I/$name"
done <"$T/mutations"
# Files swapped in from another index (same key, same file names). The error
# may name the swapped file or the one it no longer matches.
for f in "$I"/MANIFEST "$I"/seg-*.ldx; do
  cp "$f" "$T/orig"
  cp "$T/other/$(basename "$f")" "$f"
  expect_damage_detected "$(basename "$f") swapped in from another index" "$I/"
  cp "$T/orig" "$f"
done
# A segment named by the manifest is missing.
mv "$I/seg-000001.ldx" "$T/seg"
expect_damage_detected "segment missing" "seg-000001.ldx"
mv "$T/seg" "$I/seg-000001.ldx"

expect_exit 0 leakdex verify "$I"
echo "$phone" | leakdex check -k "$K" -i "$I" --phone - >/dev/null
expect_eq "$?" 1 "restored index answers again"
echo "corruption: $tried damaged indexes, each refused by verify and by check (exit 4)"
finish
