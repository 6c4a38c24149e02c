#!/usr/bin/env bash
# leakdex batch end to end: every output format, input formats, thresholds,
# baselines, exit codes 0/1/2/3/4/5/6, and no customer value in any output.
source "$(dirname "$0")/lib.sh"
here="$(cd "$(dirname "$0")" && pwd)"
D="$T/data"
python3 "$here/gen_customers.py" "$D" 200 7 || { fail "generator"; finish; exit; }
new_key "$T/k.key"
leakdex ingest --key "$T/k.key" --index "$T/idx" --source shga-2022 --quiet "$D/register.csv" || fail "ingest"
leakdex ingest --key "$T/k.key" --index "$T/idx" --source express-2021 --class delivery_record --quiet \
  "$D/delivery.ndjson" || fail "ingest delivery"
B=(leakdex batch --key "$T/k.key" --index "$T/idx" --id-column customer_id)
C="$D/customers.csv"

# ---- ndjson (default) -------------------------------------------------------
expect_exit 1 "${B[@]}" "$C"
cp "$T/out" "$T/r.ndjson"
checks=$((checks + 1))
python3 - "$T/r.ndjson" "$D/truth.csv" <<'EOF' || fail "ndjson output"
import csv, json, sys
truth = {r["customer_id"]: set(filter(None, r["kinds"].split(";"))) for r in csv.DictReader(open(sys.argv[2]))}
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 200, len(lines)
for i, line in enumerate(lines, 1):
    d = json.loads(line)
    assert list(d) == ["row", "id", "exposed", "matches", "error"], list(d)
    assert d["row"] == i and d["id"] == "C%06d" % i
    assert {m["key"] for m in d["matches"]} == truth[d["id"]], d["id"]
    for m in d["matches"]:
        assert list(m) == ["key", "sources", "data_classes", "roles", "records"], list(m)
        assert m["records"] >= 1 and m["sources"] == sorted(m["sources"])
EOF
expect_contains "$T/err" "200 rows"
expect_contains "$T/err" "exposed:      100 rows (50.0%)"
expect_contains "$T/err" "by key kind:  phone "
expect_contains "$T/err" "by source:    express-2021 "
expect_contains "$T/err" "with errors:  0 rows"

# ---- csv ---------------------------------------------------------------------
expect_exit 1 "${B[@]}" --format csv "$C"
checks=$((checks + 1))
python3 - "$T/out" "$D/truth.csv" <<'EOF' || fail "csv output"
import csv, sys
truth = {r["customer_id"]: set(filter(None, r["kinds"].split(";"))) for r in csv.DictReader(open(sys.argv[2]))}
rows = list(csv.DictReader(open(sys.argv[1])))
assert list(rows[0]) == ["row", "id", "exposed", "keys", "sources", "data_classes", "error"], list(rows[0])
assert len(rows) == 200
for r in rows:
    assert set(filter(None, r["keys"].split(";"))) == truth[r["id"]]
    assert (r["exposed"] == "true") == bool(truth[r["id"]])
    if r["exposed"] == "true":
        assert r["sources"] and "phone" in r["data_classes"] or "address" in r["data_classes"]
EOF

# ---- json --------------------------------------------------------------------
expect_exit 1 "${B[@]}" --format json "$C"
expect_eq "$(json_get "$T/out" 'len(d["rows"])')" 200 "json rows"
expect_eq "$(json_get "$T/out" 'd["summary"]["rows_exposed"]')" 100 "json summary exposed"
expect_eq "$(json_get "$T/out" 'd["summary"]["rows_with_errors"]')" 0 "json summary errors"
expect_eq "$(json_get "$T/out" 'sorted(d["summary"]["by_source"])')" "['express-2021', 'shga-2022']" "json by_source"
expect_eq "$(json_get "$T/out" 'd["rows"][0]["row"]')" 1 "json first row"

# ---- sarif -------------------------------------------------------------------
expect_exit 1 "${B[@]}" --format sarif -o "$T/r.sarif" "$C"
checks=$((checks + 1))
python3 "$here/sarif_check.py" "$T/r.sarif" 100 >&2 || fail "SARIF does not meet the 2.1.0 schema's required fields"
expect_eq "$(json_get "$T/r.sarif" 'd["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"]')" \
  2 "sarif first result line (row 1 is line 2)"
expect_eq "$(json_get "$T/r.sarif" 'd["runs"][0]["results"][0]["locations"][0]["logicalLocations"][0]["name"]')" \
  C000001 "sarif logical location is the row id"
expect_eq "$(json_get "$T/r.sarif" 'sorted({r["ruleId"] for r in d["runs"][0]["results"]})')" \
  "['name+address', 'name+phone', 'phone']" "sarif rule ids"
# A list without exposures is still a valid SARIF log, with no results.
head -1 "$C" >"$T/clean.csv"
awk -F, 'NR>1 && $2==""{print $1}' "$D/truth.csv" | head -20 | grep -Ff - "$C" >>"$T/clean.csv"
expect_exit 0 "${B[@]}" --format sarif "$T/clean.csv"
checks=$((checks + 1))
python3 "$here/sarif_check.py" "$T/out" 0 >&2 || fail "SARIF of a clean list"

# ---- input formats: TSV, NDJSON, stdin give the same answer -------------------
python3 - "$C" "$T/c.tsv" "$T/c.ndjson" <<'EOF'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
with open(sys.argv[2], "w") as f:
    f.write("\t".join(rows[0].keys()) + "\n")
    for r in rows: f.write("\t".join(v.replace("\t", " ") for v in r.values()) + "\n")
with open(sys.argv[3], "w") as f:
    for r in rows: f.write(json.dumps({"customer_id": r["customer_id"], "customer": {"name": r["name"], "mobile": r["phone"]}, "addr": r["address"]}, ensure_ascii=False) + "\n")
EOF
keys_of() { python3 -c 'import json,sys; [print(json.loads(l)["id"], sorted(m["key"] for m in json.loads(l)["matches"])) for l in open(sys.argv[1])]' "$1"; }
keys_of "$T/r.ndjson" >"$T/expected.keys"
expect_exit 1 "${B[@]}" "$T/c.tsv"
keys_of "$T/out" >"$T/tsv.keys"
checks=$((checks + 1)); cmp -s "$T/expected.keys" "$T/tsv.keys" || fail "TSV input differs"
expect_exit 1 "${B[@]}" - <"$T/c.tsv"
keys_of "$T/out" >"$T/stdin.keys"
checks=$((checks + 1)); cmp -s "$T/expected.keys" "$T/stdin.keys" || fail "TSV on stdin differs"
expect_exit 1 "${B[@]}" --input-format ndjson "$T/c.ndjson"
keys_of "$T/out" >"$T/ndjson.keys"
checks=$((checks + 1)); cmp -s "$T/expected.keys" "$T/ndjson.keys" || fail "NDJSON input (nested paths) differs"
# --map and a header-less list, id by column number.
tail -n +2 "$C" >"$T/nohdr.csv"
expect_exit 1 leakdex batch --key "$T/k.key" --index "$T/idx" --no-header --id-column 1 --map name=2 --map phone=3 \
  --map address=4 "$T/nohdr.csv"
keys_of "$T/out" >"$T/nohdr.keys"
checks=$((checks + 1)); cmp -s "$T/expected.keys" "$T/nohdr.keys" || fail "--no-header --map differs"
# Without --id-column, "id" is null.
expect_exit 1 leakdex batch --key "$T/k.key" --index "$T/idx" "$C"
expect_eq "$(head -1 "$T/out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')" None "id without --id-column"

# ---- bad rows are counted, not fatal ------------------------------------------
{ head -3 "$C"; echo 'C900001,"张三,13800000000,x'; echo 'C900002,李四,12345,'; echo 'C900003,王五,,'; sed -n 4,6p "$C"; } >"$T/bad.csv"
expect_exit 1 "${B[@]}" "$T/bad.csv"
expect_contains "$T/err" "with errors:  3 rows"
checks=$((checks + 1))
python3 - "$T/out" <<'EOF' || fail "bad rows"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["row"] for r in rows] == list(range(1, len(rows) + 1)), [r["row"] for r in rows]
errs = {r["row"]: r["error"] for r in rows if r["error"]}
assert errs[3] == "unterminated_quote", errs
assert "phone.invalid" in errs.values() and "nothing_to_check" in errs.values(), errs
EOF

# ---- thresholds -------------------------------------------------------------
expect_exit 0 "${B[@]}" --fail-threshold 100 --quiet "$C"
expect_exit 1 "${B[@]}" --fail-threshold 99 --quiet "$C"
expect_exit 0 "${B[@]}" --fail-threshold 50% "$C"
expect_contains "$T/err" "within the fail threshold of 50% of rows (exit 0)"
expect_exit 1 "${B[@]}" --fail-threshold 49.5% "$C"
expect_contains "$T/err" "over the fail threshold"
expect_exit 0 "${B[@]}" --fail-threshold 0 --quiet "$T/clean.csv"
for bad in abc -1 101% 1.5 ""; do expect_exit 2 "${B[@]}" --fail-threshold "$bad" "$C"; done

# ---- baselines --------------------------------------------------------------
expect_exit 1 "${B[@]}" --write-baseline "$T/base.ndjson" --quiet "$C"
expect_eq "$(head -1 "$T/base.ndjson")" '{"leakdex_baseline":1}' "baseline header"
expect_eq "$(($(wc -l <"$T/base.ndjson") - 1))" 100 "baseline entries"
expect_exit 0 "${B[@]}" --baseline "$T/base.ndjson" "$C"
expect_contains "$T/err" "new:          0 rows exposed and not in the baseline (100 already known)"
# One more exposed customer (a leaked person from the register) is new.
cp "$C" "$T/more.csv"
python3 - "$D/register.csv" "$C" >>"$T/more.csv" <<'EOF'
import csv, sys
cust = {r["phone"] for r in csv.DictReader(open(sys.argv[2]))}
for r in csv.DictReader(open(sys.argv[1])):
    if r["手机号"] not in cust:
        print("C999999,%s,%s," % (r["姓名"], r["手机号"])); break
EOF
expect_exit 1 "${B[@]}" --baseline "$T/base.ndjson" "$T/more.csv"
expect_contains "$T/err" "new:          1 row exposed and not in the baseline"
expect_eq "$(grep -c '"new":true' "$T/out")" 1 "ndjson new flag"
expect_eq "$(tail -1 "$T/out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["id"], d["new"])')" \
  "C999999 True" "the new row"
expect_exit 1 "${B[@]}" --baseline "$T/base.ndjson" --format sarif "$T/more.csv"
expect_eq "$(json_get "$T/out" '[r["baselineState"] for r in d["runs"][0]["results"]].count("new")')" 1 "sarif new"
checks=$((checks + 1)); python3 "$here/sarif_check.py" "$T/out" 101 >&2 || fail "SARIF with baseline"
expect_exit 0 "${B[@]}" --baseline "$T/base.ndjson" --fail-threshold 1 --quiet "$T/more.csv"
# A new source for a known row is a new exposure too.
sed 's/"express-2021"/"other-2023"/' "$T/base.ndjson" >"$T/base2.ndjson"
expect_exit 1 "${B[@]}" --baseline "$T/base2.ndjson" --quiet "$C"
# Rows identified by number without --id-column.
expect_exit 1 leakdex batch --key "$T/k.key" --index "$T/idx" --write-baseline "$T/base-rows.ndjson" --quiet "$C"
expect_exit 0 leakdex batch --key "$T/k.key" --index "$T/idx" --baseline "$T/base-rows.ndjson" --quiet "$C"
# The baseline holds ids, key kinds and sources only: no customer value.
checks=$((checks + 1))
python3 - "$C" "$T/base.ndjson" <<'EOF' || fail "baseline holds a customer value"
import csv, sys
text = open(sys.argv[2], encoding="utf-8").read()
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    for col in ("name", "phone", "address"):
        v = r[col].strip()
        if len(v) >= 4 and v in text: sys.exit(1)
EOF
echo 'not json' >"$T/junk.ndjson"
expect_exit 3 "${B[@]}" --baseline "$T/junk.ndjson" "$C"
expect_contains "$T/err" "junk.ndjson:1"
expect_exit 3 "${B[@]}" --baseline "$T/missing.ndjson" "$C"

# ---- exit codes ---------------------------------------------------------------
expect_exit 2 "${B[@]}" --no-such-option "$C"
expect_exit 2 "${B[@]}" --format xml "$C"
expect_exit 2 leakdex batch --key "$T/k.key" --index "$T/idx"
expect_exit 2 "${B[@]}" --map nonsense=3 "$C"
# a --map column the list does not have is a usage error, not silently ignored
expect_exit 2 "${B[@]}" --map phone=tel "$C"
expect_contains "$T/err" "--map phone=tel: no column 'tel'"
printf 'customer_id,tel2\nC1,13812345678\n' >"$T/tel2.csv"
expect_exit 2 "${B[@]}" --map phone=tel "$T/tel2.csv"
expect_not_contains "$T/err" "name them with --map"
# the header decides, not a short first row; names match as recognition does
printf 'customer_id,xm,mobile_no\nC1,张三\nC2,李四,13812345678\n' >"$T/ragged.csv"
"${B[@]}" --map phone=mobile_no "$T/ragged.csv" >"$T/out" 2>"$T/err"
rc=$?; checks=$((checks + 1)); [[ $rc -le 1 ]] || fail "--map on a list with a short first row: exit $rc"
printf 'customer_id,TEL\nC1,13812345678\n' >"$T/upper.csv"
"${B[@]}" --map phone=tel "$T/upper.csv" >"$T/out" 2>"$T/err"
rc=$?; checks=$((checks + 1)); [[ $rc -le 1 ]] || fail "--map phone=tel on a TEL column: exit $rc"
printf '{"customer_id":"C1","tel2":"13812345678"}\n' >"$T/tel2.ndjson"
expect_exit 2 "${B[@]}" --map phone=tel "$T/tel2.ndjson"
expect_contains "$T/err" "no column 'tel'"
"${B[@]}" --map phone=tel2 "$T/tel2.ndjson" >"$T/out" 2>"$T/err"
rc=$?; checks=$((checks + 1)); [[ $rc -le 1 ]] || fail "--map phone=tel2 on NDJSON: exit $rc"
expect_contains "$T/err" "checked:      1 row"
expect_exit 3 "${B[@]}" "$T/does-not-exist.csv"
printf 'customer_id,colour,size\nC1,red,XL\n' >"$T/nocols.csv"
expect_exit 3 "${B[@]}" "$T/nocols.csv"
expect_contains "$T/err" "--map"
printf 'customer_id,name\nC1,张三\nC2,李四\n' >"$T/names.csv"
expect_exit 3 "${B[@]}" "$T/names.csv"
expect_contains "$T/err" "no row could be checked"
expect_contains "$T/err" "result:       no row could be checked (exit 3)"
expect_not_contains "$T/err" "(exit 0)"
expect_exit 3 leakdex batch --key "$T/k.key" --index "$T/idx" --id-column cust_no "$C"
expect_exit 4 leakdex batch --key "$T/k.key" --index "$T/nope" "$C"
expect_contains "$T/err" "no such directory"
expect_not_contains "$T/err" "corrupt"
mkdir -p "$T/broken" && echo garbage >"$T/broken/MANIFEST"
expect_exit 4 leakdex batch --key "$T/k.key" --index "$T/broken" "$C"
expect_exit 5 leakdex batch --index "$T/idx" "$C"
new_key "$T/other.key"
expect_exit 5 leakdex batch --key "$T/other.key" --index "$T/idx" "$C"
cp "$T/k.key" "$T/open.key" && chmod 644 "$T/open.key"
expect_exit 5 leakdex batch --key "$T/open.key" --index "$T/idx" "$C"
checks=$((checks + 1))
"${B[@]}" "$C" >/dev/full 2>"$T/err"; rc=$?
[[ $rc -eq 6 ]] || fail "write to a full disk: expected exit 6, got $rc"
# A failed run leaves no output file and no baseline.
expect_exit 4 leakdex batch --key "$T/k.key" --index "$T/nope" -o "$T/never.sarif" --write-baseline "$T/never.b" "$C"
checks=$((checks + 1)); [[ ! -e "$T/never.sarif" && ! -e "$T/never.b" ]] || fail "failed run left files"
# -o onto something that is not a regular file (a FIFO here, /dev/null in
# practice) writes into it; it is never replaced by a file (a rename over
# /dev/null as root once did that).
mkfifo "$T/pipe"
timeout 30 cat "$T/pipe" >"$T/from-pipe" &  # never hangs the suite
reader=$!
expect_exit 1 "${B[@]}" -o "$T/pipe" "$C"
wait "$reader"
checks=$((checks + 1)); [[ -p "$T/pipe" ]] || fail "-o replaced a FIFO with a file"
checks=$((checks + 1)); [[ $(wc -l <"$T/from-pipe") -eq 200 ]] || fail "-o FIFO: the rows did not go through the pipe"
expect_exit 6 "${B[@]}" -o "$T" "$C"
expect_contains "$T/err" "Is a directory"
# Environment instead of options.
checks=$((checks + 1))
LEAKDEX_KEY="$T/k.key" LEAKDEX_INDEX="$T/idx" "$LEAKDEX_BIN" batch --quiet "$C" >/dev/null; rc=$?
[[ $rc -eq 1 ]] || fail "LEAKDEX_KEY/LEAKDEX_INDEX: expected exit 1, got $rc"

# ---- privacy: nothing but ids, kinds, sources, classes and counts --------------
for f in ndjson csv json sarif; do
  "${B[@]}" --format "$f" "$C" >"$T/all.$f" 2>>"$T/all.err"
done
checks=$((checks + 1))
python3 - "$C" "$T"/all.* <<'EOF' || fail "a customer value reached an output"
import csv, sys
text = "".join(open(p, encoding="utf-8").read() for p in sys.argv[2:])
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    for col in ("name", "phone", "address"):
        v = r[col].strip()
        if len(v) >= 4 and v in text: print("leaked", col); sys.exit(1)
EOF

finish
