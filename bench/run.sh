#!/usr/bin/env bash
# bench/run.sh: leakdex side by side with what users would do instead (SQLite, grep, ripgrep) and
# with the physical limits (cat, gzip -dc), on one deterministic synthetic corpus, in one run.
#
# Usage: bench/run.sh [--size tiny|small|medium|large] [options]
#   --size S        corpus size (default small):
#                     tiny    3,000 persons      300 customers  (smoke test, seconds)
#                     small   200,000 persons    20,000 customers (a few minutes)
#                     medium  5,000,000 persons  500,000 customers (well under an hour)
#                     large   20,000,000 persons 1,000,000 customers (optional)
#   --work DIR      scratch directory for corpora, indexes, outputs (default bench/work/SIZE)
#   --results DIR   where SIZE.json goes (default bench/results)
#   --no-docs       do not touch docs/BENCHMARKS.md or docs/img (implied by --size tiny)
#   --no-install    do not apt-get missing tools; measurements needing them become "not available"
#   --no-build      do not run scripts/build.sh (use --leakdex or the existing build/src/leakdex)
#   --leakdex PATH  leakdex binary to measure (default build/src/leakdex)
#   --leakdex-rev R what the results call that binary's revision (default: this checkout's commit)
#   --runs N        repetitions of each long command (default 3; tiny 2)
#
# Writes RESULTS/SIZE.json and (unless --no-docs) regenerates the section of docs/BENCHMARKS.md
# between <!-- bench:run.sh begin --> and <!-- bench:run.sh end -->, plus docs/img/bench-SIZE-*.png.
# Every measured command is recorded verbatim (run from the work directory), so anyone can rerun it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
benchlib="$root/bench/benchlib.py"
generator="$root/data/gen/generate.py"
SEED=42
SCAN_LIMIT=900  # seconds: cap for one grep/rg run with the whole customer pattern file
TOOLS_PACKAGES=(sqlite3 ripgrep gnuplot-nox hyperfine time gzip)

warmup=3 lx_rev="" size=small work="" results_dir="$root/bench/results" docs=1 install=1 build=1 lx="" runs=""

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

parse_args() {
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --size) size="${2:?--size needs a value}"; shift 2 ;;
      --work) work="${2:?}"; shift 2 ;;
      --results) results_dir="${2:?}"; shift 2 ;;
      --no-docs) docs=0; shift ;;
      --no-install) install=0; shift ;;
      --no-build) build=0; shift ;;
      --leakdex) lx="${2:?}"; shift 2 ;;
      --leakdex-rev) lx_rev="${2:?}"; shift 2 ;;
      --runs) runs="${2:?}"; shift 2 ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; exit 2 ;;
    esac
  done
  case "$size" in
    tiny)   persons=3000;     customers=300;     lookup_runs=3;  default_runs=2; docs=0; warmup=1 ;;
    small)  persons=200000;   customers=20000;   lookup_runs=10; default_runs=3 ;;
    medium) persons=5000000;  customers=500000;  lookup_runs=10; default_runs=3 ;;
    large)  persons=20000000; customers=1000000; lookup_runs=10; default_runs=3 ;;
    *) die "unknown --size $size (tiny, small, medium or large)" ;;
  esac
  runs="${runs:-$default_runs}"
  work="${work:-$root/bench/work/$size}"
  lx="${lx:-$root/build/src/leakdex}"
}

# ---------------------------------------------------------------- recording helpers

have() { command -v "$1" >/dev/null 2>&1; }
fact() { printf '%s\t%s\n' "$1" "$2" >>"$raw/facts.tsv"; }
# Commands are recorded as run from the work directory, with the binary's path shown as "leakdex".
record_cmd() { printf '%s\t%s\n' "$1" "${2//"$lx"/leakdex}" >>"$raw/commands.tsv"; }
na() { log "not available: $1 ($2)"; printf '%s\t%s\n' "$1" "$2" >>"$raw/na.tsv"; }

# ok_code CODE LIST: is CODE one of the comma-separated exit codes in LIST?
ok_code() { [[ ",$2," == *",$1,"* ]]; }

# timed NAME OKCODES CMD: runs CMD once with bash -c from the work directory; appends
# "seconds<TAB>peak_rss_kb" to raw/loop-NAME.tsv. Returns 1 if the exit code is not in OKCODES.
timed() {
  local name=$1 okcodes=$2 cmd=$3 t0 t1 rc=0 rss=0
  t0=$(date +%s%N)
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f '%M' -o "$raw/rss.tmp" bash -c "$cmd" || rc=$?
    rss=$(tail -n 1 "$raw/rss.tmp" 2>/dev/null || echo 0)
    [[ "$rss" =~ ^[0-9]+$ ]] || rss=0
  else
    bash -c "$cmd" || rc=$?
  fi
  t1=$(date +%s%N)
  if ! ok_code "$rc" "$okcodes"; then
    log "$name: exit $rc (expected $okcodes): $cmd"
    return 1
  fi
  printf '%s\t%s\n' "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.6f", (b-a)/1e9}')" "$rss" \
    >>"$raw/loop-$name.tsv"
}

# short NAME OKCODES OUTPUT CMD: a short command timed with hyperfine (shell=none, warm-up, medians).
# OUTPUT is "null" or "pipe" (pipe keeps GNU grep from stopping at the first match on /dev/null).
# The command is first run once to check its exit code. Without hyperfine: a loop of timed runs.
short() {
  local name=$1 okcodes=$2 output=$3 cmd=$4 rc=0
  record_cmd "$name" "$cmd"
  bash -c "$cmd" >/dev/null 2>"$raw/$name.err" || rc=$?
  if ! ok_code "$rc" "$okcodes"; then
    na "$name" "exit code $rc"
    return 0
  fi
  if have hyperfine; then
    hyperfine -N -i --style none --warmup "$warmup" --runs "$lookup_runs" --output "$output" \
      --export-json "$raw/hf-$name.json" "$cmd" >/dev/null 2>>"$raw/$name.err" ||
      na "$name" "hyperfine failed"
  else
    local i
    for ((i = 0; i < lookup_runs; i++)); do
      timed "$name" "$okcodes" "$cmd > out/$name.out" || { na "$name" "failed"; return 0; }
    done
  fi
}

# ---------------------------------------------------------------- setup

install_tools() {
  local missing=() pkg sudo=""
  for pkg in "${TOOLS_PACKAGES[@]}"; do
    [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" == "install ok installed" ]] ||
      missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $install -eq 0 ]]; then
    log "missing (not installing, --no-install): ${missing[*]}"
    return 0
  fi
  if [[ $(id -u) -ne 0 ]]; then
    have sudo || { log "need root or sudo to install ${missing[*]}; continuing without"; return 0; }
    sudo=sudo
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq || true
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    log "apt-get install failed; measurements needing ${missing[*]} will be 'not available'"
}

build_leakdex() {
  if [[ $build -eq 1 ]]; then
    log "building leakdex (Release)"
    "$root/scripts/build.sh" >"$raw/build.log" 2>&1 || { tail -20 "$raw/build.log" >&2; die "build failed"; }
  fi
  [[ -x "$lx" ]] || die "no leakdex binary at $lx"
  lx="$(cd "$(dirname "$lx")" && pwd)/$(basename "$lx")"
}

# Generates the corpus unless an identical one (same generator, seed and sizes) is already there.
generate_corpus() {
  [[ -f "$generator" ]] || die "data/gen/generate.py is missing (it comes with the datagen branch)"
  local stamp
  stamp="gen=$(cat "$generator" "$(dirname "$generator")"/pools.py 2>/dev/null | sha256sum | cut -c1-16)"
  stamp+=" seed=$SEED persons=$persons customers=$customers"
  if [[ -f data/.stamp && "$(cat data/.stamp)" == "$stamp" && -f data/persons.ndjson.gz ]]; then
    log "reusing corpus in $work/data ($stamp)"
    return
  fi
  rm -rf data
  log "generating $persons persons and $customers customers"
  local t0=$SECONDS
  python3 "$generator" --seed "$SEED" --persons "$persons" --customers "$customers" \
    --formats ndjson,csv,customers --out data --quiet
  gzip -n -6 -c data/persons.ndjson >data/persons.ndjson.gz
  echo "$stamp" >data/.stamp
  log "corpus generated in $((SECONDS - t0)) s"
}

machine_facts() {
  fact machine_cores "$(nproc)"
  fact machine_cpu_model "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  fact machine_mem_gib "$(awk '/MemTotal/ {printf "%.1f", $2/1048576}' /proc/meminfo)"
  fact machine_kernel "$(uname -r)"
  fact machine_os "$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-unknown}")"
  fact machine_load_before "$(cut -d' ' -f1-3 /proc/loadavg)"
  fact machine_note "$(other_processes)"
  local commit
  commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  git -C "$root" diff --quiet HEAD 2>/dev/null || commit+="-dirty"
  fact version_leakdex "${lx_rev:-$commit}"
  fact version_bench_scripts "$commit"
  have sqlite3 && fact version_sqlite3 "$(sqlite3 --version | cut -d' ' -f1)"
  have rg && fact version_ripgrep "$(rg --version | sed -n 1p)"
  fact version_grep "$(grep --version | sed -n 1p)"
  fact version_gzip "$(gzip --version | sed -n 1p)"
  fact version_cat "$(cat --version | sed -n 1p)"
  have hyperfine && fact version_hyperfine "$(hyperfine --version)"
  have gnuplot && fact version_gnuplot "$(gnuplot --version)"
  fact version_python "$(python3 --version 2>&1)"
  fact version_compiler "$(c++ --version 2>/dev/null | sed -n 1p || echo unknown)"
}

# A sentence naming other busy processes (over 20% of a CPU during one second, from top's second
# sample), so the docs can say that the machine was shared while the run started.
other_processes() {
  local busy=""
  if have top; then
    busy="$(top -b -n 2 -d 1 -o %CPU -w 200 2>/dev/null |
      awk '/^top -/ {n++} n == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 > 20 {print $12}' | sort | uniq -c |
      awk '{printf "%s%s×%d", sep, $2, $1; sep=", "}')"
  fi
  if [[ -n "$busy" ]]; then
    echo "Other processes were running at the start (shared machine, other engineers' work): $busy."
  else
    echo "No other process used more than 20% of a CPU at the start."
  fi
}

# ---------------------------------------------------------------- measurements

measure_limits() {
  log "limits: cat and gzip -dc from page cache"
  cat data/persons.ndjson data/persons.csv data/persons.ndjson.gz >/dev/null  # warm the cache
  short limit_cat_ndjson 0 null "cat data/persons.ndjson"
  short limit_cat_csv 0 null "cat data/persons.csv"
  short limit_gunzip_ndjson 0 null "gzip -dc data/persons.ndjson.gz"
}

# Can leakdex read .gz directly? Probe on 100 lines; otherwise measure the pipe a user would write.
gz_ingest_command() {
  head -n 100 data/persons.ndjson | gzip -n >out/probe.ndjson.gz
  local rep indexed
  rm -rf out/probe-idx
  rep="$("$lx" ingest -k bench.key -i out/probe-idx --source probe -q --report json \
    out/probe.ndjson.gz 2>/dev/null || true)"
  indexed="$(python3 -c 'import json,sys; d=json.loads(sys.stdin.read() or "{}"); print(d.get("records_indexed",0)+d.get("records_without_identity",0) if not d.get("records_rejected") else 0)' <<<"$rep" 2>/dev/null || echo 0)"
  rm -rf out/probe-idx
  if [[ "$indexed" == 100 ]]; then
    fact gz_mode direct
    echo "$lx ingest -k bench.key -i idx-gz --source shga -q data/persons.ndjson.gz"
  else
    fact gz_mode "pipe (leakdex did not read .gz itself)"
    echo "set -o pipefail; gzip -dc data/persons.ndjson.gz | $lx ingest -k bench.key -i idx-gz --source shga -q --format ndjson -"
  fi
}

measure_ingest() {
  local gz_cmd i sqlite=0
  gz_cmd="$(gz_ingest_command)"
  have sqlite3 && sqlite=1
  [[ $sqlite -eq 1 ]] || { na sqlite_import "sqlite3 not installed"; na sqlite_index "sqlite3 not installed"; }
  local c_ndjson="$lx ingest -k bench.key -i idx --source shga -q --report json data/persons.ndjson > out/ingest-report.json"
  local c_csv="$lx ingest -k bench.key -i idx-csv --source shga -q data/persons.csv"
  local c_import="sqlite3 persons.db '.read sql/import.sql'"
  local c_index="sqlite3 persons.db '.read sql/index.sql'"
  record_cmd leakdex_ingest_ndjson "$c_ndjson"
  record_cmd leakdex_ingest_csv "$c_csv"
  record_cmd leakdex_ingest_gz "$gz_cmd"
  record_cmd sqlite_import "$c_import"
  record_cmd sqlite_index "$c_index"
  # Interleaved repetitions: leakdex and SQLite see the same machine state in each round.
  for ((i = 1; i <= runs; i++)); do
    log "ingest round $i/$runs"
    rm -rf idx-csv; timed leakdex_ingest_csv 0 "$c_csv" || die "leakdex ingest (csv) failed"
    if [[ $sqlite -eq 1 ]]; then
      rm -f persons.db
      timed sqlite_import 0 "$c_import" || die "sqlite import failed"
      [[ $i -eq 1 ]] && fact sqlite_table_bytes "$(stat -c %s persons.db)"
      timed sqlite_index 0 "$c_index" || die "sqlite index failed"
    fi
    rm -rf idx; timed leakdex_ingest_ndjson 0 "$c_ndjson" || die "leakdex ingest (ndjson) failed"
    rm -rf idx-gz; timed leakdex_ingest_gz 0 "$gz_cmd" || die "leakdex ingest (gz) failed"
  done
  fact ingest_report "$(tr -d '\n' <out/ingest-report.json)"
}

measure_sizes() {
  "$lx" info idx --format json >out/info.json
  "$lx" info idx-csv --format json >out/info-csv.json
  python3 - >>"$raw/facts.tsv" <<'PY'
import json
a, b = json.load(open("out/info.json")), json.load(open("out/info-csv.json"))
print(f"index_keys\t{a['keys']}\nindex_bytes\t{a['bytes']}\nindex_bytes_per_key\t{a['bytes_per_key']}")
print(f"index_csv_bytes\t{b['bytes']}\nindex_csv_keys\t{b['keys']}")
PY
  fact index_du_bytes "$(du -sb idx | cut -f1)"  [[ -f persons.db ]] && fact sqlite_db_bytes "$(stat -c %s persons.db)"
  fact ndjson_bytes "$(stat -c %s data/persons.ndjson)"
  fact csv_bytes "$(stat -c %s data/persons.csv)"
  fact ndjson_gz_bytes "$(stat -c %s data/persons.ndjson.gz)"
}

measure_lookups() {
  log "single lookups"
  short leakdex_check 1 null "$lx check -k bench.key -i idx --phone $PHONE_PRESENT --format json"
  short leakdex_check_absent 0 null "$lx check -k bench.key -i idx --phone $PHONE_ABSENT --format json"
  if have sqlite3; then
    short sqlite_lookup 0 null "sqlite3 -readonly persons.db \"SELECT * FROM persons WHERE phone = '$PHONE_PRESENT'\""
    short sqlite_lookup_absent 0 null "sqlite3 -readonly persons.db \"SELECT * FROM persons WHERE phone = '$PHONE_ABSENT'\""
    fact count_sqlite_lookup_rows "$(sqlite3 -readonly persons.db "SELECT count(*) FROM persons WHERE phone = '$PHONE_PRESENT'")"
  else
    na sqlite_lookup "sqlite3 not installed"; na sqlite_lookup_absent "sqlite3 not installed"
  fi
  if have rg; then
    short rg_one 0 pipe "rg -F $PHONE_PRESENT data/persons.ndjson"
  else
    na rg_one "ripgrep not installed"
  fi
  short grep_one 0 pipe "grep -F $PHONE_PRESENT data/persons.ndjson"
}

measure_batch() {
  log "batch"
  local have_batch=0 i
  # An unknown subcommand's --help prints the top-level help, so look for batch's own usage line.
  "$lx" batch --help 2>/dev/null | grep -q 'leakdex batch' && have_batch=1
  local c_batch="$lx batch -k bench.key -i idx --format ndjson data/customers.csv > out/batch.ndjson 2> out/batch.summary"
  local c_join="sqlite3 :memory: '.read sql/join.sql'"
  # Scans with many patterns can take very long on big corpora: they get a time limit.
  local c_rg="timeout $SCAN_LIMIT rg -F -f data/phones.txt data/persons.ndjson > out/rg_many.txt"
  local c_grep="timeout $SCAN_LIMIT grep -F -f data/phones.txt data/persons.ndjson > out/grep_many.txt"
  local rg_ok=0 grep_ok=1
  have rg && rg_ok=1
  [[ $have_batch -eq 1 ]] && record_cmd leakdex_batch "$c_batch" || na leakdex_batch "no 'leakdex batch' command in this build"
  if [[ $rg_ok -eq 1 ]]; then record_cmd rg_many "$c_rg"; else na rg_many "ripgrep not installed"; fi
  record_cmd grep_many "$c_grep"
  have sqlite3 && record_cmd sqlite_join "$c_join" || na sqlite_join "sqlite3 not installed"
  # Warm-up round (not recorded; the scans' input is already cached), then interleaved repetitions.
  for ((i = 0; i <= runs; i++)); do
    log "batch round $i/$runs"
    local pre=""
    [[ $i -eq 0 ]] && pre="warmup_"
    if [[ $have_batch -eq 1 ]]; then
      timed "${pre}leakdex_batch" 0,1 "$c_batch" ||
        { na leakdex_batch "failed"; have_batch=0; rm -f "$raw/loop-leakdex_batch.tsv"; }
    fi
    have sqlite3 && { timed "${pre}sqlite_join" 0 "$c_join" || die "sqlite join failed"; }
    [[ $i -eq 0 ]] && continue
    if [[ $rg_ok -eq 1 ]] && ! timed rg_many 0,1 "$c_rg"; then
      na rg_many "failed or took longer than ${SCAN_LIMIT} s"; rg_ok=0; rm -f "$raw/loop-rg_many.tsv"
    fi
    if [[ $grep_ok -eq 1 ]] && ! timed grep_many 0,1 "$c_grep"; then
      na grep_many "failed or took longer than ${SCAN_LIMIT} s"; grep_ok=0; rm -f "$raw/loop-grep_many.tsv"
    fi
  done
  rm -f "$raw"/loop-warmup_*.tsv
  [[ $have_batch -eq 1 && -f out/batch.ndjson ]] && fact count_leakdex_batch_exposed "$(grep -c '"exposed": *true' out/batch.ndjson || true)"
  [[ -f out/join.csv ]] && fact count_sqlite_join_exposed "$(awk -F, 'NR > 1 && ($2 == 1 || $3 == 1)' out/join.csv | wc -l)"
  [[ $rg_ok -eq 1 ]] && fact count_rg_many_lines "$(wc -l <out/rg_many.txt)"
  [[ $grep_ok -eq 1 ]] && fact count_grep_many_lines "$(wc -l <out/grep_many.txt)"
  return 0
}

measure_normaliser() {
  local nb="$root/build/bench/normalize_bench"
  if [[ -x "$nb" ]]; then
    log "normaliser micro-benchmark"
    record_cmd normalize_bench "$nb"
    timeout 600 "$nb" >"$raw/normalize_bench.out" 2>"$raw/normalize_bench.err" ||
      fact normaliser_na "normalize_bench exited with an error"
  else
    fact normaliser_na "build/bench/normalize_bench not built"
  fi
}

# SQL scripts for the SQLite side (the commands above read them with .read).
write_sql() {
  mkdir -p sql
  cat >sql/import.sql <<'EOF'
CREATE TABLE persons(name TEXT, gender TEXT, birth_date TEXT, id_number TEXT, phone TEXT, address TEXT);
.import --csv --skip 1 data/persons.csv persons
EOF
  cat >sql/index.sql <<'EOF'
CREATE INDEX persons_phone ON persons(phone);
CREATE INDEX persons_name_phone ON persons(name, phone);
EOF
  # The customer list goes into an in-memory database; the dump database is attached. Phones are
  # normalised the way a careful user would (drop spaces, dashes, '+', a 86 / 0086 prefix).
  cat >sql/join.sql <<'EOF'
ATTACH DATABASE 'persons.db' AS dump;
CREATE TABLE customers(customer_id TEXT, name TEXT, phone TEXT, address TEXT);
.import --csv --skip 1 data/customers.csv customers
CREATE TABLE c AS
  SELECT customer_id, name,
         CASE WHEN length(p) = 15 AND p LIKE '0086%' THEN substr(p, 5)
              WHEN length(p) = 13 AND p LIKE '86%' THEN substr(p, 3)
              ELSE p END AS phone
  FROM (SELECT customer_id, name,
               replace(replace(replace(replace(phone, ' ', ''), '-', ''), '+', ''), char(9), '') AS p
        FROM customers);
.headers on
.mode csv
.output out/join.csv
SELECT c.customer_id,
       EXISTS (SELECT 1 FROM dump.persons p WHERE p.phone = c.phone) AS phone_hit,
       EXISTS (SELECT 1 FROM dump.persons p WHERE p.name = c.name AND p.phone = c.phone) AS name_phone_hit
FROM c ORDER BY c.rowid;
EOF
}

# ---------------------------------------------------------------- main

main() {
  parse_args "$@"
  local started=$SECONDS
  mkdir -p "$work" "$results_dir"
  work="$(cd "$work" && pwd)"
  results_dir="$(cd "$results_dir" && pwd)"
  raw="$work/raw"
  rm -rf "$raw" "$work/out"
  mkdir -p "$raw" "$work/out"
  cd "$work"
  log "size $size: $persons persons, $customers customers, $runs runs; work dir $work"
  log "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

  install_tools
  build_leakdex
  fact size "$size"
  fact started_at "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  fact persons "$persons"
  fact customers "$customers"
  fact seed "$SEED"
  fact runs "$runs"
  fact lookup_runs "$lookup_runs"
  machine_facts
  generate_corpus
  local prep
  prep="$(python3 "$benchlib" prepare "$work")"  # PHONE_PRESENT, PHONE_ABSENT, counts
  eval "$prep"
  fact customer_rows "$CUSTOMER_ROWS"
  fact customers_exposed_truth "$CUSTOMERS_EXPOSED_TRUTH"
  fact patterns "$PATTERNS"
  [[ -f bench.key ]] || "$lx" keygen bench.key >/dev/null
  write_sql

  measure_limits
  measure_ingest
  measure_sizes
  measure_lookups
  measure_batch
  measure_normaliser

  fact machine_load_after "$(cut -d' ' -f1-3 /proc/loadavg)"
  fact finished_at "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  fact duration_s "$((SECONDS - started))"
  python3 "$benchlib" collect "$work" "$results_dir/$size.json"
  log "results: $results_dir/$size.json"
  if [[ $docs -eq 1 ]]; then
    if have gnuplot; then :; else log "gnuplot missing: tables only, no plots"; fi
    python3 "$benchlib" docs "$results_dir" "$root/docs/BENCHMARKS.md" "$root/docs/img"
    log "updated docs/BENCHMARKS.md and docs/img/bench-$size-*.png"
  fi
  log "done in $((SECONDS - started)) s"
}

main "$@"
