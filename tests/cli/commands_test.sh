#!/usr/bin/env bash
# End to end: every command and every exit code of SPEC §4.6 through the real binary.
source "$(dirname "$0")/lib.sh"

K="$T/k.key"; I="$T/idx"
cat >"$T/dump.ndjson" <<'JSON'
{"_index":"person","_id":"1","_source":{"xm":"张三","sfzh":"310101199001011237","sjhm":"13812345678","dz":"上海市浦东新区世纪大道1号"}}
{"_index":"person","_id":"2","_source":{"xm":"李四","sjhm":13900001111,"dz":"上海市徐汇区漕溪北路2号"}}
this line is not json
{"_index":"person","_id":"3","_source":{"mz":"汉"}}
JSON
cat >"$T/deliveries.csv" <<'CSV'
order_id,sender_name,sender_phone,sender_address,recipient_name,recipient_phone,recipient_address
E1,王五,13700002222,"上海市静安区南京西路3号, 5楼",赵六,13600003333,上海市黄浦区人民大道4号
CSV

# keygen: 0, refuses overwrite (2), --force
expect_exit 0 leakdex keygen "$K"
expect_contains "$T/out" "key id"
expect_eq "$(stat -c %a "$K")" "600" "key file mode"
expect_exit 2 leakdex keygen "$K"
cp "$K" "$T/k2.key"; expect_exit 0 leakdex keygen --force "$T/k2.key"

# usage errors: 2
expect_exit 2 leakdex
expect_contains "$T/err" "no command given"
expect_exit 2 leakdex frobnicate
expect_contains "$T/err" "unknown command; the first argument is one of: keygen, ingest"
# Usage errors name options, never argument values (SPEC 2): a mistyped option
# is followed by the value the user meant for it.
expect_exit 2 leakdex check --key "$K" --index "$I" --phonee 13712340987
expect_contains "$T/err" "unknown option --phonee"
expect_not_contains "$T/err" "13712340987"
expect_exit 2 leakdex check --key "$K" --index "$I" --name 欧阳明远 欧阳明近
expect_contains "$T/err" "unexpected extra argument"
expect_not_contains "$T/err" "欧阳明"
expect_exit 2 leakdex batch --key "$K" --index "$I" --encoding gb18030 "$T/list.csv"
expect_contains "$T/err" "unknown option --encoding"
expect_not_contains "$T/err" "list.csv"
expect_exit 2 leakdex ingest --key "$K" --index "$I" --source s --threads 13712340987 "$T/dump.ndjson"
expect_contains "$T/err" "--threads"
expect_not_contains "$T/err" "13712340987"
expect_exit 2 leakdex check --key "$K" --index "$I" --format 欧阳明远
expect_contains "$T/err" "the value given to --format is not allowed (allowed: {text,json})"
expect_not_contains "$T/err" "欧阳明远"
expect_exit 2 leakdex -k "$K" check --phone 13712340987
expect_contains "$T/err" "options go after the command"
expect_not_contains "$T/err" "13712340987"
expect_exit 2 leakdex ingest --key "$K" --index "$I" "$T/dump.ndjson"          # no --source
expect_exit 2 leakdex check --key "$K" --index "$I" --phone 1 --format xml
expect_exit 0 leakdex --help
expect_exit 0 leakdex check --help
expect_contains "$T/out" "--phone"

# ingest NDJSON (ES export, pinyin fields, no --map): 0 and an honest report
expect_exit 0 leakdex ingest --key "$K" --index "$I" --source shga-2022 --report json "$T/dump.ndjson"
expect_eq "$(json_get "$T/out" 'd["records_read"]')" 4 records_read
expect_eq "$(json_get "$T/out" 'd["records_indexed"]')" 2 records_indexed
expect_eq "$(json_get "$T/out" 'd["records_without_identity"]')" 1 records_without_identity
expect_eq "$(json_get "$T/out" 'd["records_rejected"]')" 1 records_rejected
expect_eq "$(json_get "$T/out" 'd["records_read"] == d["records_indexed"] + d["records_without_identity"] + d["records_rejected"]')" True "accounting identity"
expect_eq "$(json_get "$T/out" 'd["first_rejections"][0]["line"]')" 3 "rejection line"
for k in source inputs bytes_read rejected_by_reason persons keys_emitted keys_new seconds; do
  expect_eq "$(json_get "$T/out" "'$k' in d")" True "report has $k"
done

# a --map column no input has (a typo) is a usage error and publishes nothing
manifest_before=$(sha256sum "$I/MANIFEST")
expect_exit 2 leakdex ingest --key "$K" --index "$I" --source typo -q --map phone=sjhm_typo "$T/dump.ndjson"
expect_contains "$T/err" "--map phone=sjhm_typo: no column 'sjhm_typo'"
expect_contains "$T/err" "nothing was published"
expect_eq "$(sha256sum "$I/MANIFEST")" "$manifest_before" "MANIFEST unchanged after a --map typo"
# a numbered rule applies where the column stands in each file, whatever the file order
printf 'mobile\n13712340001\n' >"$T/num-a.csv"
printf 'xm,mobile\n张三,13712340002\n' >"$T/num-b.csv"
expect_exit 0 leakdex ingest --key "$K" --index "$T/num" --source n -q --threads 1 --map phone=2 "$T/num-a.csv" "$T/num-b.csv"
expect_exit 1 leakdex check --key "$K" --index "$T/num" --phone 13712340002
expect_exit 1 leakdex check --key "$K" --index "$T/num" --phone 13712340001

# ingest CSV delivery records with sender/recipient roles
expect_exit 0 leakdex ingest --key "$K" --index "$I" --source express --class delivery_record -q "$T/deliveries.csv"

# check: every phone form finds the record (exit 1)
for p in 13812345678 "+86 138 1234 5678" "0086-138-1234-5678" "(+86) 138-1234-5678" "８６１３８１２３４５６７８" "１３８１２３４５６７８"; do
  echo "$p" >"$T/q"
  expect_exit 1 leakdex check --key "$K" --index "$I" --phone - --format json <"$T/q"
  expect_eq "$(json_get "$T/out" 'd["exposed"]')" True "exposed for a phone form"
  expect_eq "$(json_get "$T/out" 'd["matches"][0]["sources"]')" "['shga-2022']" "sources"
  expect_eq "$(json_get "$T/out" 'sorted(d["matches"][0]["data_classes"])')" "['address', 'id_number', 'name', 'phone']" "data classes"
done
# a JSON-number phone in the dump is found too
expect_exit 1 leakdex check --key "$K" --index "$I" --phone 13900001111
# absent: exit 0, exposed false
expect_exit 0 leakdex check --key "$K" --index "$I" --phone 13999999999 --format json
expect_eq "$(json_get "$T/out" 'd["exposed"]')" False "absent phone"
expect_eq "$(json_get "$T/out" 'd["checked"]')" "['phone']" "checked kinds"
# name + phone reports name+phone
expect_exit 1 leakdex check --key "$K" --index "$I" --name 张三 --phone 13812345678 --format json
expect_eq "$(json_get "$T/out" '[m["key"] for m in d["matches"]]')" "['phone', 'name+phone']" "key kinds"
# a recipient in a delivery record: role and record class
expect_exit 1 leakdex check --key "$K" --index "$I" --phone 13600003333 --format json
expect_eq "$(json_get "$T/out" 'd["matches"][0]["roles"]')" "['recipient']" "roles"
expect_contains "$T/out" "delivery_record"
# a sender's name never pairs with the recipient's phone
expect_exit 1 leakdex check --key "$K" --index "$I" --name 王五 --phone 13600003333 --format json
expect_eq "$(json_get "$T/out" '[m["key"] for m in d["matches"]]')" "['phone']" "no cross-person name+phone"
expect_exit 1 leakdex check --key "$K" --index "$I" --name 王五 --phone 13700002222
expect_contains "$T/out" "name together with your phone"
# env vars stand in for --key/--index
LEAKDEX_KEY="$K" LEAKDEX_INDEX="$I" expect_exit 1 leakdex check --phone 13812345678
# option given without a value, stdin not a terminal: the value is read from stdin
echo 13812345678 >"$T/q"; expect_exit 1 leakdex check --key "$K" --index "$I" --phone <"$T/q"

# input errors: 3
expect_exit 3 leakdex check --key "$K" --index "$I" --phone "138****5678"
expect_not_contains "$T/err" "5678"
expect_exit 3 leakdex check --key "$K" --index "$I" --name 张三
expect_exit 3 leakdex ingest --key "$K" --index "$I" --source x "$T/no-such-file.csv"
expect_exit 3 leakdex ingest --key "$K" --index "$I" --source strict --strict "$T/dump.ndjson"
expect_contains "$T/err" "dump.ndjson:3"
expect_exit 3 leakdex ingest --key "$K" --index "$I" --source ratio --max-bad-ratio 0.1 "$T/dump.ndjson"
# records but nothing to key (unrecognised columns; only invalid values): 3, with what to fix
printf 'colour,size\n红,XL\nblue,M\n' >"$T/nokey.csv"
expect_exit 3 leakdex ingest --key "$K" --index "$I" --source nokey "$T/nokey.csv"
expect_contains "$T/err" "none of the 2 records read had a value leakdex could key"
expect_contains "$T/err" "--map FIELD=COLUMN"
printf '手机号\n12\n1381234567800000\n' >"$T/badphones.csv"
expect_exit 3 leakdex ingest --key "$K" --index "$I" --source badphones "$T/badphones.csv"
expect_contains "$T/err" "phone.invalid"
expect_not_contains "$T/err" "1381234567800000"

# info
expect_exit 0 leakdex info "$I" --format json
expect_eq "$(json_get "$T/out" 'd["keys"] > 0 and d["segments"] == 2')" True "info keys/segments"
expect_eq "$(json_get "$T/out" 'sorted(s["name"] for s in d["sources"])')" "['express', 'shga-2022']" "info sources (strict/ratio/nothing-to-key runs published nothing)"
for k in format_version key_id keys bytes bytes_per_key segments sources; do
  expect_eq "$(json_get "$T/out" "'$k' in d")" True "info has $k"
done
expect_exit 0 leakdex info "$I"
expect_contains "$T/out" "shga-2022"

# re-ingest adds nothing: index bytes unchanged
before=$(cat "$I"/* | sha256sum)
expect_exit 0 leakdex ingest --key "$K" --index "$I" --source shga-2022 --report json -q "$T/dump.ndjson"
expect_eq "$(json_get "$T/out" 'd["keys_new"]')" 0 "keys_new on re-ingest"
expect_eq "$(cat "$I"/* | sha256sum)" "$before" "index unchanged by re-ingest"

# verify: 0, then a flipped byte: 4 with a clear message
expect_exit 0 leakdex verify "$I"
# The index-only commands take the directory as DIR, as --index DIR (what the
# missing-index error suggests) or from $LEAKDEX_INDEX.
expect_exit 0 leakdex verify --index "$I"
expect_exit 0 leakdex info -i "$I" --format json
expect_eq "$(json_get "$T/out" 'd["segments"]')" 2 "info -i"
LEAKDEX_INDEX="$I" expect_exit 0 leakdex verify
LEAKDEX_INDEX= expect_exit 2 leakdex verify
expect_contains "$T/err" "--index"
cp -r "$I" "$T/bad"
seg=$(ls "$T/bad"/seg-*.ldx | head -1)
python3 - "$seg" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 0x20; open(p, "wb").write(b)
PY
expect_exit 4 leakdex verify "$T/bad"
expect_contains "$T/err" "checksum"
expect_exit 4 leakdex check --key "$K" --index "$T/bad" --phone 13812345678
expect_exit 4 leakdex info "$T/nowhere"
expect_contains "$T/err" "no such directory"
expect_contains "$T/err" "--index"
expect_not_contains "$T/err" "corrupt"
mkdir -p "$T/empty-dir"
expect_exit 4 leakdex verify "$T/empty-dir"
expect_contains "$T/err" "no MANIFEST"
expect_exit 4 leakdex check --key "$K" --index "$T/nowhere" --phone 13812345678

# key errors: 5
new_key "$T/other.key"
expect_exit 5 leakdex check --key "$T/other.key" --index "$I" --phone 13812345678
expect_contains "$T/err" "not the key"
expect_exit 5 leakdex ingest --key "$T/other.key" --index "$I" --source s "$T/dump.ndjson"
expect_exit 5 leakdex check --index "$I" --phone 13812345678
cp "$K" "$T/open.key"; chmod 644 "$T/open.key"
expect_exit 5 leakdex check --key "$T/open.key" --index "$I" --phone 13812345678
expect_contains "$T/err" "chmod 600"

# I/O errors: 6 (unwritable index directory; skipped when running as root, which may write anyway)
if [[ $(id -u) -ne 0 ]]; then
  mkdir "$T/ro"; chmod 500 "$T/ro"
  expect_exit 6 leakdex ingest --key "$K" --index "$T/ro/idx" --source s "$T/dump.ndjson"
fi
# output error: stdout is a full device
if [[ -w /dev/full ]]; then
  "$LEAKDEX_BIN" info "$I" --format json >/dev/full 2>"$T/err"; rc=$?
  expect_eq "$rc" 6 "info to /dev/full"
fi

finish
