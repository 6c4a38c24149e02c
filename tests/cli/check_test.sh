#!/usr/bin/env bash
# leakdex check end to end: values from stdin ("-", and an option without a
# value when stdin is not a terminal), the no-echo prompt on a terminal, text
# for people, JSON exactly as SPEC §4.3, exit codes, and no value in any output.
source "$(dirname "$0")/lib.sh"
new_key "$T/k.key"
cat >"$T/register.csv" <<'EOF'
姓名,手机号,地址,身份证号
张三,13812345678,上海市黄浦区南京东路1号,110101199003074518
李四,13987654321,上海市徐汇区漕溪北路2号,
EOF
cat >"$T/delivery.ndjson" <<'EOF'
{"_source":{"sender_name":"王五","sender_phone":"13600000001","recipient_name":"赵六","recipient_phone":"13812345678","recipient_address":"上海市静安区长寿路3号"}}
EOF
leakdex ingest --key "$T/k.key" --index "$T/idx" --source shga-2022 --quiet "$T/register.csv" || fail "ingest"
leakdex ingest --key "$T/k.key" --index "$T/idx" --source express-2021 --class delivery_record --quiet \
  "$T/delivery.ndjson" || fail "ingest delivery"
K=(--key "$T/k.key" --index "$T/idx")

# ---- values from stdin ------------------------------------------------------
expect_exit 1 leakdex check "${K[@]}" --phone - <<<"13812345678"
expect_contains "$T/out" "EXPOSED: your details appear in 2 leaked sources (express-2021, shga-2022)"
expect_contains "$T/out" "Your phone number: in 2 sources (express-2021, shga-2022), 2 records, as recipient and subject."
expect_contains "$T/out" "Exposed alongside: your address, ID number and name; delivery records"
expect_contains "$T/out" "Advice: With your ID number out"
expect_contains "$T/out" "SIM swap"
expect_not_contains "$T/out" "13812345678"
# The option without a value reads stdin when stdin is not a terminal.
expect_exit 1 leakdex check "${K[@]}" --phone <<<"+86 138 1234 5678"
expect_contains "$T/out" "Your phone number: in 2 sources"
# Several values from stdin, one line each, in command-line order.
expect_exit 1 leakdex check "${K[@]}" --format json --address - --name - --phone - \
  <<<$'上海市黄浦区南京东路1号\n张三\n13812345678'
expect_eq "$(json_get "$T/out" 'd["checked"]')" \
  "['phone', 'address', 'name+phone', 'name+address', 'phone+address']" "checked kinds"
expect_eq "$(json_get "$T/out" '[m["key"] for m in d["matches"]]')" \
  "['phone', 'address', 'name+phone', 'name+address', 'phone+address']" "matched kinds"
# Checked and not found is said.
expect_exit 1 leakdex check "${K[@]}" --phone - --address 北京市朝阳区建国路88号 <<<"13987654321"
expect_contains "$T/out" "Checked and not found: your address; your phone number together with your address."
expect_contains "$T/out" "Your phone number: in 1 source (shga-2022), 1 record, as subject."
# Windows line ending on stdin.
expect_exit 1 leakdex check "${K[@]}" --phone - < <(printf '13812345678\r\n')

# ---- JSON exactly as SPEC §4.3 -------------------------------------------------
expect_exit 1 leakdex check "${K[@]}" --format json --phone - --name - <<<$'13812345678\n张三'
checks=$((checks + 1))
python3 - "$T/out" <<'EOF' || fail "check JSON shape"
import json, sys
d = json.load(open(sys.argv[1]))
assert list(d) == ["exposed", "checked", "matches"], list(d)
assert d["exposed"] is True and d["checked"] == ["phone", "name+phone"], d
m = {x["key"]: x for x in d["matches"]}
assert list(m["phone"]) == ["key", "sources", "data_classes", "roles", "records"]
assert m["phone"] == {"key": "phone", "sources": ["express-2021", "shga-2022"],
                      "data_classes": ["address", "delivery_record", "id_number", "name", "phone"],
                      "roles": ["recipient", "subject"], "records": 2}, m["phone"]
assert m["name+phone"]["sources"] == ["shga-2022"] and m["name+phone"]["roles"] == ["subject"]
EOF
expect_exit 0 leakdex check "${K[@]}" --format json --phone - <<<"13700000000"
expect_eq "$(cat "$T/out")" '{"exposed":false,"checked":["phone"],"matches":[]}' "clean JSON"
expect_exit 0 leakdex check "${K[@]}" --phone - <<<"13700000000"
expect_contains "$T/out" "Not found: your phone number is in none of the 2 sources of this index"

# ---- the no-echo prompt on a terminal (script gives the command a pty) ---------
if command -v script >/dev/null; then
  checks=$((checks + 1))
  (sleep 1; printf '13812345678\n') | script -qec "$LEAKDEX_BIN check --key $T/k.key --index $T/idx --phone" /dev/null \
    >"$T/tty.out" 2>&1
  rc=$?
  [[ $rc -eq 1 ]] || fail "prompt: expected exit 1, got $rc"
  expect_contains "$T/tty.out" "--phone (not echoed): "
  expect_contains "$T/tty.out" "EXPOSED"
  expect_not_contains "$T/tty.out" "13812345678"
else
  echo "note: script(1) missing, prompt test skipped"
fi

# ---- invalid values: exit 3 with a reason, never the value ---------------------
expect_exit 3 leakdex check "${K[@]}" --phone - <<<"12345"
expect_contains "$T/err" "--phone: the value is not a phone number"
expect_not_contains "$T/err" "12345"
expect_exit 3 leakdex check "${K[@]}" --phone - <<<"138****5678"
expect_contains "$T/err" "partly hidden"
expect_not_contains "$T/err" "5678"
expect_exit 3 leakdex check "${K[@]}" --phone - </dev/null
expect_contains "$T/err" "no value on standard input"
expect_exit 3 leakdex check "${K[@]}" --name - <<<"张三"
expect_contains "$T/err" "a name alone is never a key"
expect_not_contains "$T/err" "张三"

# ---- other exit codes -----------------------------------------------------------
expect_exit 2 leakdex check "${K[@]}" --phone - --format xml <<<"13812345678"
expect_exit 2 leakdex check "${K[@]}" --no-such-option
expect_exit 4 leakdex check --key "$T/k.key" --index "$T/none" --phone - <<<"13812345678"
expect_exit 5 leakdex check --index "$T/idx" --phone - <<<"13812345678"
new_key "$T/other.key"
expect_exit 5 leakdex check --key "$T/other.key" --index "$T/idx" --phone - <<<"13812345678"

finish
