#!/usr/bin/env bash
# The new-user scenario on the project's generator (data/gen/generate.py): a
# 4,000-row customer list, half of it in the person dump, ~30 % of rows written
# differently (+86, 0086-, whitespace/tabs, traditional characters, 上海 without
# 市). Every in_dump row must be exposed, no other row, with the right key kinds.
#
# Every variant must match with every key kind: the normaliser folds traditional
# characters to simplified and resolves 上海 to 上海市 (docs/NORMALISATION.md).
source "$(dirname "$0")/lib.sh"
gen="$LEAKDEX_SRC_DIR/data/gen/generate.py"
[[ -f "$gen" ]] || { echo "note: $gen missing, skipped"; finish; exit; }
python3 "$gen" --seed 11 --persons 6000 --customers 4000 --deliveries 0 --formats csv,customers --quiet \
  --out "$T/d" || { fail "generate.py"; finish; exit; }
new_key "$T/k.key"
expect_exit 0 leakdex ingest --key "$T/k.key" --index "$T/idx" --source shga-2022 --quiet "$T/d/persons.csv"
expect_exit 1 leakdex batch --key "$T/k.key" --index "$T/idx" --id-column customer_id "$T/d/customers.csv"
expect_contains "$T/err" "4000 rows"
expect_contains "$T/err" "2000 rows (50.0%)"

checks=$((checks + 1))
python3 - "$T/out" "$T/d/customers.truth.csv" <<'EOF' || fail "batch result differs from customers.truth.csv"
import csv, json, sys
FULL = {"phone", "address", "name+phone", "name+address", "phone+address"}
truth = {r["customer_id"]: r for r in csv.DictReader(open(sys.argv[2]))}
got = {}
for line in open(sys.argv[1]):
    d = json.loads(line)
    got[d["id"]] = {m["key"] for m in d["matches"]}
assert len(got) == len(truth) == 4000, (len(got), len(truth))
problems, variants = [], {}
for cid, t in truth.items():
    kinds, v = got[cid], t["variant"]
    if t["in_dump"] == "0":
        if kinds: problems.append("false positive %s (%s): %s" % (cid, v, sorted(kinds)))
        continue
    variants[v] = variants.get(v, 0) + 1
    if kinds != FULL: problems.append("%s (%s): %s" % (cid, v, sorted(kinds)))
# The scenario must actually contain the hard variants.
for v in ("name_traditional", "address_no_shi"):
    if variants.get(v, 0) < 10: problems.append("too few exposed %s rows: %d" % (v, variants.get(v, 0)))
for p in problems[:10]: print(p)
sys.exit(1 if problems else 0)
EOF
finish
