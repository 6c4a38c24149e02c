#!/usr/bin/env bash
# End to end (issue 4): dumps as people find them, ingested without format
# flags, their people found by `check`. All values are synthetic.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

new_key "$T/k.key"
K=(--key "$T/k.key")

# check_found INDEX PHONE: the phone is exposed in INDEX.
check_found() {
  expect_exit 1 leakdex check "${K[@]}" --index "$1" --phone "$2" --format json
  expect_eq "$(json_get "$T/out" "d['exposed']")" True "exposed"
}
check_not_found() {
  expect_exit 0 leakdex check "${K[@]}" --index "$1" --phone "$2" --format json
}
# report_get FIELD-EXPR: from the last --report json in $T/out.
report_get() { json_get "$T/out" "$1"; }
identity_holds() {
  local r i w j
  r=$(report_get "d['records_read']"); i=$(report_get "d['records_indexed']")
  w=$(report_get "d['records_without_identity']"); j=$(report_get "d['records_rejected']")
  expect_eq "$((i + w + j))" "$r" "records_read = indexed + without_identity + rejected"
}

# --- A GB18030 CSV with Chinese headers (Windows "ANSI" export), .csv extension.
printf '姓名,手机号,身份证号,地址\r\n王伟,13800138001,11010519491231002X,上海市浦东新区张江路1号\r\n李娜,+86 139 0013 9002,310101199001011234,北京市朝阳区建国路2号\r\n' |
  iconv -f UTF-8 -t GB18030 >"$T/gb.csv"
expect_exit 0 leakdex ingest "${K[@]}" --index "$T/gb" --source gb --report json -q "$T/gb.csv"
expect_eq "$(report_get "d['records_indexed']")" 2 "GB18030 records indexed"
check_found "$T/gb" 13800138001
check_found "$T/gb" 13900139002
check_not_found "$T/gb" 13700137003
expect_exit 1 leakdex check "${K[@]}" --index "$T/gb" --name 王伟 --address 上海市浦东新区张江路1号 --format json

# --- A gzipped Elasticsearch export (elasticdump lines, pinyin field names).
{
  echo '{"_index":"person","_type":"_doc","_id":"1","_score":1,"_source":{"xm":"张三","sjhm":"008613700137004","sfzh":"110105194912310021","dz":"上海市徐汇区漕溪北路3号"}}'
  echo '{"_index":"person","_type":"_doc","_id":"2","_score":1,"_source":{"xm":"赵六","sjhm":13600136005,"dz":"上海市静安区南京西路4号"}}'
} | gzip >"$T/es.json.gz"
expect_exit 0 leakdex ingest "${K[@]}" --index "$T/es" --source es --report json -q "$T/es.json.gz"
expect_eq "$(report_get "d['records_indexed']")" 2 "ES records indexed"
check_found "$T/es" 13700137004
check_found "$T/es" 13600136005   # a phone stored as a JSON number

# --- A zip holding CSVs (and a UTF-8 BOM on one), read member by member.
mkdir -p "$T/z"
printf '\xef\xbb\xbfname,mobile\nWang Wei,13500135006\n' >"$T/z/a.csv"
printf 'xm\tsjhm\n钱七\t13400134007\n' >"$T/z/b.tsv"
(cd "$T/z" && zip -q ../dumps.zip a.csv b.tsv)
expect_exit 0 leakdex ingest "${K[@]}" --index "$T/zip" --source zip --report json -q "$T/dumps.zip"
expect_eq "$(report_get "d['records_indexed']")" 2 "zip members indexed"
identity_holds
check_found "$T/zip" 13500135006
check_found "$T/zip" 13400134007

# --- A MySQL dump with two tables (one INSERT without a column list), .txt extension.
cat >"$T/dump.txt" <<'SQL'
-- MySQL dump 10.13  Distrib 8.0.32, for Linux (x86_64)
/*!40101 SET NAMES utf8mb4 */;
CREATE TABLE `member` (
  `id` int NOT NULL,
  `xm` varchar(32) DEFAULT NULL,
  `sjhm` varchar(20) DEFAULT NULL,
  `sfzh` char(18) DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO `member` VALUES (1,'周九','13200132009','11010519491231002X'),(2,'O\'Neil; ),(','13100131010',NULL);
CREATE TABLE `waybill` (`no` bigint, `sender_name` varchar(32), `sender_phone` varchar(20), `recipient_name` varchar(32), `recipient_phone` varchar(20), `recipient_address` varchar(200));
INSERT INTO `waybill` (`no`,`sender_name`,`sender_phone`,`recipient_name`,`recipient_phone`,`recipient_address`) VALUES (77,'吴十','13000130011','郑一','15900159012','上海市黄浦区中山东一路5号');
SQL
expect_exit 0 leakdex ingest "${K[@]}" --index "$T/sql" --source sql --report json -q "$T/dump.txt"
expect_eq "$(report_get "d['records_read']")" 3 "SQL records read"
expect_eq "$(report_get "d['records_indexed']")" 3 "SQL records indexed"
expect_eq "$(report_get "d['persons']")" 4 "SQL persons (sender and recipient apart)"
check_found "$T/sql" 13200132009
check_found "$T/sql" 13100131010
check_found "$T/sql" 15900159012
expect_exit 1 leakdex check "${K[@]}" --index "$T/sql" --name 郑一 --phone 15900159012 --format json
expect_exit 1 leakdex check "${K[@]}" --index "$T/sql" --name 吴十 --phone 15900159012 --format json
expect_eq "$(json_get "$T/out" "[m['key'] for m in d['matches']]")" "['phone']" "no name+phone across roles"
expect_exit 0 leakdex ingest "${K[@]}" --index "$T/sql1" --source sql --table waybill --report json -q "$T/dump.txt"
expect_eq "$(report_get "d['records_read']")" 1 "--table waybill"
check_not_found "$T/sql1" 13200132009

# --- A colon-separated dump without a header, mapped by column number.
printf '13800138021:100001:Wei:Wang:male:Shanghai\n13800138022:100002:Na:Li:female:Beijing\n' >"$T/fb.txt"
expect_exit 0 leakdex ingest "${K[@]}" --index "$T/fb" --source fb --report json -q --map phone=1 "$T/fb.txt"
expect_eq "$(report_get "d['records_indexed']")" 2 "colon dump: first row is data"
check_found "$T/fb" 13800138021
# --no-header and --delimiter given explicitly: a header-looking first row is data too.
printf 'a|b\n13800138023|x\n' >"$T/nh.txt"
expect_exit 0 leakdex ingest "${K[@]}" --index "$T/nh" --source nh --report json -q --no-header --delimiter '|' --map phone=1 "$T/nh.txt"
expect_eq "$(report_get "d['records_read']")" 2 "--no-header rows"
expect_eq "$(report_get "d['records_without_identity']")" 1 "--no-header: the a|b row has no identity"
check_found "$T/nh" 13800138023

# --- zstd, xz and bzip2 streams and a tar.gz.
printf 'name,phone\n孙八,13300133008\n' >"$T/p.csv"
zstd -q -c "$T/p.csv" >"$T/p.csv.zst"
xz -c "$T/p.csv" >"$T/p.csv.xz"
bzip2 -c "$T/p.csv" >"$T/p.csv.bz2"
tar -C "$T/z" -czf "$T/z.tar.gz" a.csv b.tsv
for f in p.csv.zst p.csv.xz p.csv.bz2; do
  expect_exit 0 leakdex ingest "${K[@]}" --index "$T/c-$f" --source c -q "$T/$f"
  check_found "$T/c-$f" 13300133008
done
expect_exit 0 leakdex ingest "${K[@]}" --index "$T/tgz" --source t -q "$T/z.tar.gz"
check_found "$T/tgz" 13400134007

# --- A truncated gzip is an input error (exit 3) that says so; nothing published.
seq 1 200000 | sed 's/^/13800138000,/' | gzip >"$T/big.gz"
head -c 100000 "$T/big.gz" >"$T/cut.gz"
expect_exit 3 leakdex ingest "${K[@]}" --index "$T/cut" --source cut "$T/cut.gz"
expect_contains "$T/err" "cut.gz"
expect_contains "$T/err" "truncated"
expect_not_contains "$T/err" "13800138000"
[[ ! -e "$T/cut/MANIFEST" ]] || expect_exit 4 leakdex info "$T/cut"

# --- Undecodable bytes: the record is rejected (invalid_encoding), its neighbours are not.
{ printf 'name,phone\n'; printf '王伟,13800138011\n' ; printf '\xff\xfe\xfa,13800138012\n'; printf '李娜,13800138013\n'; } >"$T/bad.csv"
expect_exit 0 leakdex ingest "${K[@]}" --index "$T/bad" --source bad --report json -q --encoding utf-8 "$T/bad.csv"
expect_eq "$(report_get "d['rejected_by_reason'].get('invalid_encoding')")" 1 "invalid_encoding count"
expect_eq "$(report_get "d['first_rejections'][0]['line']")" 3 "rejection line"
identity_holds
check_found "$T/bad" 13800138011
check_found "$T/bad" 13800138013
check_not_found "$T/bad" 13800138012
# --strict stops at it and publishes nothing; --max-bad-ratio too.
expect_exit 3 leakdex ingest "${K[@]}" --index "$T/strict" --source s --strict "$T/bad.csv"
expect_contains "$T/err" "bad.csv:3"
expect_contains "$T/err" "nothing was published"
expect_not_contains "$T/err" "13800138012"
checks=$((checks + 1))
[[ ! -e "$T/strict/MANIFEST" ]] || fail "--strict published a manifest"
# --strict into an existing index leaves it exactly as it was.
expect_exit 0 leakdex ingest "${K[@]}" --index "$T/keep" --source ok -q "$T/p.csv"
before=$(sha256sum "$T"/keep/* | sort)
expect_exit 3 leakdex ingest "${K[@]}" --index "$T/keep" --source s --strict -q "$T/bad.csv"
expect_eq "$(sha256sum "$T"/keep/* | sort)" "$before" "--strict left the index untouched"
check_not_found "$T/keep" 13800138011
# --max-bad-ratio: the report comes first (counts and locations), then exit 3, nothing published.
expect_exit 3 leakdex ingest "${K[@]}" --index "$T/ratio" --source s --max-bad-ratio 0.2 --report json "$T/bad.csv"
expect_contains "$T/err" "rejected invalid_encoding"
expect_contains "$T/err" "at $T/bad.csv:3"
expect_contains "$T/err" "more than --max-bad-ratio allows"
expect_eq "$(report_get "d['records_rejected']")" 1 "report printed before the ratio failure"
expect_eq "$(report_get "d['published']")" False "nothing published over the ratio"
checks=$((checks + 1))
[[ ! -e "$T/ratio/MANIFEST" ]] || fail "--max-bad-ratio published a manifest"
expect_exit 0 leakdex ingest "${K[@]}" --index "$T/ratio" --source s --max-bad-ratio 0.5 "$T/bad.csv"

# --- Same index bytes whatever the thread count.
python3 - "$T/many.ndjson" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(30000):
        f.write(json.dumps({"_source": {"xm": "测试%d" % i, "sjhm": "139%08d" % i, "dz": "上海市%d号" % i}}, ensure_ascii=False) + "\n")
PY
expect_exit 0 leakdex ingest "${K[@]}" --index "$T/t1" --source m --threads 1 -q "$T/many.ndjson"
expect_exit 0 leakdex ingest "${K[@]}" --index "$T/t3" --source m --threads 3 -q "$T/many.ndjson"
checks=$((checks + 1))
cmp -s "$T"/t1/seg-000001.ldx "$T"/t3/seg-000001.ldx || fail "segments differ between --threads 1 and 3"

# --- An NDJSON dump cut with split -b: the second piece starts mid-line, yet is read line by line.
split -b 1500000 -d "$T/many.ndjson" "$T/piece."
expect_exit 0 leakdex ingest "${K[@]}" --index "$T/split" --source sp --report json -q "$T/piece.01"
expect_eq "$(report_get "d['rejected_by_reason']")" "{'invalid_json': 1}" "only the cut first line is lost"
expect_eq "$(report_get "d['first_rejections'][0]['line']")" 1 "the cut line"
checks=$((checks + 1))
[[ "$(report_get "d['records_indexed']")" -gt 5000 ]] || fail "split piece: records after the cut line were lost"

# --- Progress: on a terminal, bytes, records/s, MB/s and ETA (never a value); nothing when not a terminal.
expect_exit 0 leakdex ingest "${K[@]}" --index "$T/prog0" --source p "$T/many.ndjson"
expect_not_contains "$T/err" "ETA"
checks=$((checks + 1))
script -qec "$LEAKDEX_BIN ingest --key $T/k.key --index $T/prog1 --source p $T/many.ndjson" /dev/null >"$T/tty.out" 2>&1 ||
  fail "ingest on a terminal failed"
expect_contains "$T/tty.out" "records/s"
expect_contains "$T/tty.out" "MB/s, ETA"
expect_contains "$T/tty.out" "30000 records, "  # the final progress line
expect_not_contains "$T/tty.out" "13900000001"
expect_not_contains "$T/tty.out" "测试"

# --- --encoding is checked.
expect_exit 2 leakdex ingest "${K[@]}" --index "$T/x" --source x --encoding latin9 "$T/p.csv"

finish
