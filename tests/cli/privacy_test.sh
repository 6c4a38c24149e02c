#!/usr/bin/env bash
# SPEC §2 P1: ingest the synthetic samples (clean and malformed), run every command, and find
# none of their values in any index file or any output (stdout, stderr, reports).
source "$(dirname "$0")/lib.sh"
S="$LEAKDEX_DATA_DIR/samples"
K="$T/k.key"; I="$T/idx"; O="$T/outputs"; mkdir -p "$O"
new_key "$K"
run() { local name=$1; shift; "$@" >"$O/$name.out" 2>"$O/$name.err"; echo $? >"$O/$name.rc"; }

run ingest1 leakdex ingest --key "$K" --index "$I" --source persons --report json "$S/standard/persons.ndjson"
run ingest2 leakdex ingest --key "$K" --index "$I" --source persons-csv --report json "$S/standard/persons.csv"
run ingest3 leakdex ingest --key "$K" --index "$I" --source express --class delivery_record --report json "$S/standard/deliveries.csv"
run ingest4 leakdex ingest --key "$K" --index "$I" --source broken --report json "$S/malformed/persons.ndjson" "$S/malformed/persons.csv"
run strict leakdex ingest --key "$K" --index "$I" --source strict --strict --report json "$S/malformed/persons.ndjson"
expect_eq "$(cat "$O/ingest1.rc")" 0 "ingest persons"
expect_eq "$(cat "$O/ingest4.rc")" 0 "ingest malformed"
expect_eq "$(cat "$O/strict.rc")" 3 "strict on malformed"

# check with values from the dump, through stdin, in both output formats; and an invalid value
phone=$(python3 -c "
import json,sys
for l in open(sys.argv[1]):
    s=json.loads(l)['_source']
    if len(str(s.get('sjhm','')))==11: print(s['sjhm']); break" "$S/standard/persons.ndjson")
echo "$phone" | run check1 leakdex check --key "$K" --index "$I" --phone -
echo "$phone" | run check2 leakdex check --key "$K" --index "$I" --phone - --format json
expect_eq "$(cat "$O/check1.rc")" 1 "check finds a dump phone"
run check3 leakdex check --key "$K" --index "$I" --phone "${phone:0:3}****${phone:7:4}"
expect_eq "$(cat "$O/check3.rc")" 3 "masked query is an input error"
for f in ndjson csv json sarif; do
  run "batch_$f" leakdex batch --key "$K" --index "$I" --format "$f" "$S/standard/customers.csv"
  expect_eq "$(cat "$O/batch_$f.rc")" 1 "batch --format $f finds exposed customers"
done
run batch_baseline leakdex batch --key "$K" --index "$I" --write-baseline "$O/baseline.ndjson" "$S/standard/customers.csv"
run info1 leakdex info "$I"
run info2 leakdex info "$I" --format json
run verify leakdex verify "$I"
expect_eq "$(cat "$O/verify.rc")" 0 "verify"

checks=$((checks + 1))
python3 "$LEAKDEX_SRC_DIR/tests/cli/privacy_scan.py" \
  --inputs "$S"/standard/persons.ndjson "$S"/standard/persons.csv "$S"/standard/deliveries.csv "$S"/malformed/* \
    "$S"/standard/customers.csv \
  --scan "$I" "$O" || fail "personal values found in index or outputs"
# The scan bites: a planted value is found.
echo "$phone" >"$T/planted"
checks=$((checks + 1))
if python3 "$LEAKDEX_SRC_DIR/tests/cli/privacy_scan.py" --inputs "$S"/standard/persons.ndjson --scan "$T/planted" 2>/dev/null; then
  fail "privacy_scan missed a planted value"
fi
finish
