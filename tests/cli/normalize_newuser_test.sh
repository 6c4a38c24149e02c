#!/usr/bin/env bash
# Issue 3's new-user scenario end to end: the same person typed another way is
# found. The dump holds the simplified name, the 18-digit ID number, the
# address with 上海市 and a plain mobile; the queries use every other form.
source "$(dirname "$0")/lib.sh"
new_key "$T/k.key"
cat >"$T/dump.csv" <<'EOF2'
姓名,手机号,身份证号,地址
刘伟,13812345678,11010519491231002X,上海市浦东新区张江路1号
EOF2
leakdex ingest --key "$T/k.key" --index "$T/idx" --source shga-2022 --quiet "$T/dump.csv" || fail "ingest"
K=(--key "$T/k.key" --index "$T/idx" --format json)

# Every way of typing the phone gives the phone key.
for form in "13812345678" "8613812345678" "+86 138 1234 5678" "0086-138-1234-5678" "(+86) 138-1234-5678" \
  "$(printf '\t 13812345678 \t')" "１３８１２３４５６７８" "+86-13812345678" "138 1234 5678"; do
  expect_exit 1 leakdex check "${K[@]}" --phone - <<<"$form"
  expect_eq "$(json_get "$T/out" '[m["key"] for m in d["matches"]]')" "['phone']" "phone form #${#form}"
done
# A customer written in traditional characters matches the simplified dump.
expect_exit 1 leakdex check "${K[@]}" --name - --phone - <<<$'劉偉\n13812345678'
expect_eq "$(json_get "$T/out" '[m["key"] for m in d["matches"]]')" "['phone', 'name+phone']" "traditional name"
# The 15-digit legacy ID number finds its 18-digit record; lower-case x too.
expect_exit 1 leakdex check "${K[@]}" --id-number - <<<"110105491231002"
expect_eq "$(json_get "$T/out" '[m["key"] for m in d["matches"]]')" "['id_number']" "15-digit ID"
expect_exit 1 leakdex check "${K[@]}" --id-number - <<<"11010519491231002x"
# 上海浦东新区… finds 上海市浦东新区….
expect_exit 1 leakdex check "${K[@]}" --address - <<<"上海浦东新区张江路1号"
expect_eq "$(json_get "$T/out" '[m["key"] for m in d["matches"]]')" "['address']" "address without 市"
# Must not match: another house number, another person's ID, a masked phone (exit 3).
expect_exit 0 leakdex check "${K[@]}" --address - <<<"上海市浦东新区张江路2号"
expect_exit 0 leakdex check "${K[@]}" --id-number - <<<"110105194912310038"
expect_exit 3 leakdex check "${K[@]}" --phone - <<<"138****5678"
expect_contains "$T/err" "partly hidden"
expect_not_contains "$T/err" "5678"
# Unusable queries say why, without the value: a checksum typo, a title instead of a name.
expect_exit 3 leakdex check "${K[@]}" --id-number - <<<"110105194912310037"
expect_contains "$T/err" "check character does not match"
expect_not_contains "$T/err" "1101051949"
expect_exit 3 leakdex check "${K[@]}" --name - <<<"王先生"
expect_contains "$T/err" "not a full name"
expect_not_contains "$T/err" "王先生"
finish
