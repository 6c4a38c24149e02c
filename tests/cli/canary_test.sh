#!/usr/bin/env bash
# Issue 7, privacy proof: canary identities planted in every input format
# (NDJSON, JSON array, CSV, TSV, colon-delimited, SQL dump, GB18030, UTF-16LE
# and UTF-16BE with BOMs, .ndjson.gz, .zip; see canary.py) go through every
# command (keygen, ingest with reports and with a forced wrong encoding, info,
# verify, check, batch in every output format and with a baseline). Then:
#  1. no canary value, in UTF-8, GB18030, UTF-16LE/BE, JSON \u-escaped, digits
#     only or hex, occurs in any file under the index, the temporary directory
#     (TMPDIR), any report, stdout or stderr;
#  2. no unkeyed hash (MD5, SHA-1, SHA-256, XXH64, XXH3; first 8 bytes, both byte
#     orders; of every canonical form, plain and length-framed) occurs in the index;
#  3. both scans bite: they find planted values and hashes.
source "$(dirname "$0")/lib.sh"
C="$T/in"; K="$T/k.key"; I="$T/idx"; O="$T/outputs"; W="$T/tmp"
mkdir -p "$O" "$W"
export TMPDIR="$W"
py() { python3 "$LEAKDEX_SRC_DIR/tests/cli/canary.py" "$@"; }
py make "$C" || { fail "canary.py make"; finish; exit 1; }
run() { local name=$1; shift; "$@" >"$O/$name.out" 2>"$O/$name.err"; echo $? >"$O/$name.rc"; }
rc_of() { cat "$O/$1.rc"; }

run keygen leakdex keygen "$K"
expect_eq "$(rc_of keygen)" 0 "keygen"
n=0
for f in a.ndjson b.json c.csv d.tsv e.txt f.sql g.csv h.csv i.csv j.ndjson.gz k.zip; do
  n=$((n + 1))
  run "ingest$n" leakdex ingest -k "$K" -i "$I" --source "src$n" --report json "$C/$f"
  expect_eq "$(rc_of "ingest$n")" 0 "ingest $f"
done
# Wrong encoding forced: every canary row becomes a bad record (reported, never echoed).
run ingest_bad leakdex ingest -k "$K" -i "$I" --source bad --encoding utf-8 --report json "$C/g.csv"
run ingest_strict leakdex ingest -k "$K" -i "$I" --source strict --strict --encoding utf-8 "$C/g.csv"
expect_eq "$(rc_of ingest_strict)" 3 "strict ingest of undecodable rows"
run info leakdex info "$I"
run info_json leakdex info "$I" --format json
run verify leakdex verify "$I"
expect_eq "$(rc_of verify)" 0 "verify"

# Every canary is found by check (so the canaries were indexed), through stdin.
found=0 total=0
while IFS=$'\t' read -r phone email idn; do
  for q in "--phone:$phone" "--email:$email" "--id-number:$idn"; do
    total=$((total + 1))
    echo "${q#*:}" | run "check$total" leakdex check -k "$K" -i "$I" "${q%%:*}" - --format json
    [[ $(rc_of "check$total") == 1 ]] && found=$((found + 1))
  done
done < <(python3 -c '
import json, sys
for c in json.load(open(sys.argv[1], encoding="utf-8")):
    print(c["phone"], c["email"], c["id_number"], sep="\t")' "$C/indexed.json")
expect_eq "$found" "$total" "canaries found by check"
printf '%s\n' "$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))[0]; print(c["name"])' "$C/canaries.json")" |
  run check_name leakdex check -k "$K" -i "$I" --name - --phone 13905710001
for f in ndjson csv json sarif; do
  run "batch_$f" leakdex batch -k "$K" -i "$I" --format "$f" "$C/queries.csv"
  expect_eq "$(rc_of "batch_$f")" 1 "batch --format $f finds the canaries"
done
run batch_base leakdex batch -k "$K" -i "$I" --write-baseline "$O/baseline.ndjson" -o "$O/batch_out.ndjson" "$C/queries.csv"

checks=$((checks + 1))
py scan "$C/canaries.json" "$I" "$O" "$W" | tee "$O/../scan.log" || fail "canary values found in the index or outputs"
checks=$((checks + 1))
py hashes "$C/canaries.json" "$I" || fail "an unkeyed hash of a canary is stored in the index"

# Both scans bite.
python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))[5]; open(sys.argv[2],"wb").write(b"x"+c["phone"].encode("utf-16-le")+b"y")' \
  "$C/canaries.json" "$T/planted"
checks=$((checks + 1))
if py scan "$C/canaries.json" "$T/planted" >/dev/null 2>&1; then fail "scan missed a planted UTF-16 value"; fi
python3 -c '
import hashlib, json, sys
c = json.load(open(sys.argv[1]))[7]
open(sys.argv[2], "wb").write(b"\0" * 9 + hashlib.sha256(("+86" + c["phone"]).encode()).digest()[:8][::-1])' \
  "$C/canaries.json" "$T/planted-hash"
checks=$((checks + 1))
if py hashes "$C/canaries.json" "$T/planted-hash" >/dev/null 2>&1; then fail "hash scan missed a planted SHA-256 prefix"; fi
finish
