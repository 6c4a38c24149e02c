#!/usr/bin/env bash
# `check` initialises only what the given values need (libphonenumber when the
# phone fast path cannot answer, OpenCC when a name or address has characters
# t2s may change). Each check below is its own process, so each lazy path runs
# first in a fresh process; the keys must be exactly those ingest derived.
source "$(dirname "$0")/lib.sh"
new_key "$T/k.key"
cat >"$T/dump.csv" <<'EOF2'
姓名,手机号,地址,身份证号,出生日期
張偉,13812345678,上海市黃浦區南京東路1號,110101199003074514,1990-03-07
李四,021-55551234,,,
王五,+852 9123 4567,,,
EOF2
leakdex ingest --key "$T/k.key" --index "$T/idx" --source s1 --quiet "$T/dump.csv" || fail "ingest"
K=(--key "$T/k.key" --index "$T/idx" --format json)
kinds() { json_get "$T/out" '[m["key"] for m in d["matches"]]'; }

# A mobile: answered by the fast path, libphonenumber never initialised.
expect_exit 1 leakdex check "${K[@]}" --phone - <<<"138 1234 5678"
expect_eq "$(kinds)" "['phone']" "mobile (fast path)"
# A fixed line and a Hong Kong number: the library is initialised on demand.
expect_exit 1 leakdex check "${K[@]}" --phone - <<<"(021) 5555 1234"
expect_eq "$(kinds)" "['phone']" "fixed line (library)"
expect_exit 1 leakdex check "${K[@]}" --phone - <<<"+85291234567"
expect_eq "$(kinds)" "['phone']" "+852 (library)"
expect_exit 0 leakdex check "${K[@]}" --phone - <<<"13812345679"
# Names: simplified (no conversion needed) and traditional (OpenCC loaded on demand).
expect_exit 1 leakdex check "${K[@]}" --name - --birth-date 1990-03-07 <<<"张伟"
expect_eq "$(kinds)" "['name+birth_date']" "simplified name"
expect_exit 1 leakdex check "${K[@]}" --name - --birth-date 1990-03-07 <<<"張偉"
expect_eq "$(kinds)" "['name+birth_date']" "traditional name"
# An address written in simplified characters matches the traditional dump row.
expect_exit 1 leakdex check "${K[@]}" --address - --name 张伟 <<<"上海市黄浦区南京东路1号"
expect_eq "$(kinds)" "['address', 'name+address']" "address"
expect_exit 1 leakdex check "${K[@]}" --id-number - --name 张伟 --phone 13812345678 <<<"110101199003074514"
expect_eq "$(kinds)" "['phone', 'id_number', 'name+phone', 'name+id_number']" "id number"

# Laziness is real: with an OpenCC directory that holds only t2s.json (no
# dictionaries), a phone or ID check still works, because it never reads them.
mkdir -p "$T/opencc" && cp /usr/share/opencc/t2s.json "$T/opencc/"
LEAKDEX_OPENCC_DIR="$T/opencc" expect_exit 1 leakdex check "${K[@]}" --phone - <<<"13812345678"
expect_eq "$(kinds)" "['phone']" "phone without OpenCC dictionaries"
finish
