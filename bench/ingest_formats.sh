#!/usr/bin/env bash
# bench/ingest_formats.sh: ingest speed per input format, encoding and container (issue 4), next
# to the physical limits (cat, gzip -dc, zstd -dc to /dev/null) on the same files, in one run.
#
# Usage: bench/ingest_formats.sh [options]
#   --persons N        persons in the generated corpus (default 200000)
#   --runs N           repetitions of each measurement, median reported (default 3)
#   --work DIR         scratch directory (default bench/work/ingest_formats; gitignored)
#   --results FILE     results JSON (default bench/results/ingest_formats.json)
#   --no-docs          do not rewrite the docs/BENCHMARKS.md section
#   --leakdex PATH     leakdex binary (default build/src/leakdex)
#   --formats-bench P  formats_bench binary (default build/bench/formats_bench; skipped if absent)
#
# For every file it measures, with the same decoded bytes as the MB/s basis (MB = 10^6 bytes):
#   limit   cat FILE > /dev/null, or the decompressor (gzip -dc, zstd -dc, xz -dc) > /dev/null
#   parse   build/bench/formats_bench: containers + encoding + format -> records, one thread,
#           no normalising or hashing (the input layer alone)
#   ingest  leakdex ingest -q FILE into a fresh index, end to end (published segment), wall time
#           and CPU time (user + sys, all threads)
# Writes the results JSON and the section of docs/BENCHMARKS.md between
# <!-- bench:ingest_formats begin --> and <!-- bench:ingest_formats end -->.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
persons=200000 runs=3 work="$root/bench/work/ingest_formats" results="$root/bench/results/ingest_formats.json"
docs=1 lx="$root/build/src/leakdex" fb="$root/build/bench/formats_bench"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }
log() { printf '[ingest_formats %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --persons) persons="${2:?}"; shift 2 ;;
    --runs) runs="${2:?}"; shift 2 ;;
    --work) work="${2:?}"; shift 2 ;;
    --results) results="${2:?}"; shift 2 ;;
    --no-docs) docs=0; shift ;;
    --leakdex) lx="${2:?}"; shift 2 ;;
    --formats-bench) fb="${2:?}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
[[ -x "$lx" ]] || die "no leakdex binary at $lx (build first: scripts/build.sh build)"
for t in python3 gzip zstd xz iconv zip /usr/bin/time; do command -v "$t" >/dev/null || die "$t is missing"; done
mkdir -p "$work" "$(dirname "$results")"
raw="$work/raw.tsv"
: >"$raw"

# ------------------------------------------------------------------ corpus
# persons.ndjson / persons.csv from the generator, then the same persons as a mysqldump, a JSON
# array, a GB18030 CSV, and compressed copies. Reused while persons and the generator are unchanged.
corpus_id="$persons $(sha256sum "$root/data/gen/generate.py" "$root/data/gen/pools.py" "${BASH_SOURCE[0]}" | sha256sum)"
data="$work/data"
if [[ "$(cat "$work/corpus.id" 2>/dev/null)" != "$corpus_id" ]]; then
  log "generating $persons persons"
  rm -rf "$data"
  python3 "$root/data/gen/generate.py" --seed 42 --persons "$persons" --formats ndjson,csv --out "$data" --quiet
  python3 - "$data" <<'PY'
import csv, json, sys
d = sys.argv[1]
# A JSON array of the same documents, pretty enough to span lines (streamed element by element).
with open(f"{d}/persons.ndjson", encoding="utf-8") as src, open(f"{d}/persons.json", "w", encoding="utf-8") as out:
    out.write("[\n")
    first = True
    for line in src:
        out.write(("" if first else ",\n") + line.rstrip("\n"))
        first = False
    out.write("\n]\n")
# A mysqldump: CREATE TABLE, extended INSERTs of 500 tuples (mysqldump's usual shape), no column list.
def q(v):
    return "NULL" if v == "" else "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"
with open(f"{d}/persons.csv", encoding="utf-8", newline="") as src, open(f"{d}/persons.sql", "w", encoding="utf-8") as out:
    rows = csv.reader(src)
    header = next(rows)
    cols = ["xm", "xb", "csrq", "sfzh", "sjhm", "dz"][: len(header)]
    out.write("-- MySQL dump 10.13  Distrib 8.0.32, for Linux (x86_64)\n/*!40101 SET NAMES utf8mb4 */;\n")
    out.write("CREATE TABLE `person` (\n" + ",\n".join(f"  `{c}` varchar(200) DEFAULT NULL" for c in cols) +
              "\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n")
    batch = []
    def flush():
        if batch:
            out.write("INSERT INTO `person` VALUES " + ",".join(batch) + ";\n")
            batch.clear()
    for r in rows:
        batch.append("(" + ",".join(q(v) for v in r) + ")")
        if len(batch) == 500:
            flush()
    flush()
PY
  iconv -f UTF-8 -t GB18030 "$data/persons.csv" >"$data/persons-gb18030.csv"
  gzip -6 -n -c "$data/persons.ndjson" >"$data/persons.ndjson.gz"
  zstd -q -3 -c "$data/persons.ndjson" >"$data/persons.ndjson.zst"
  xz -6 -c "$data/persons.csv" >"$data/persons.csv.xz"
  (cd "$data" && rm -f persons-csv.zip && zip -q -6 persons-csv.zip persons.csv)
  echo "$corpus_id" >"$work/corpus.id"
fi

# name | file | what it is | decoded-size source | limit command
cases=(
  "ndjson|persons.ndjson|NDJSON (Elasticsearch export lines)|persons.ndjson|cat persons.ndjson"
  "csv|persons.csv|CSV, UTF-8|persons.csv|cat persons.csv"
  "json_array|persons.json|one JSON array|persons.json|cat persons.json"
  "sql|persons.sql|mysqldump, extended INSERTs|persons.sql|cat persons.sql"
  "csv_gb18030|persons-gb18030.csv|CSV, GB18030|persons-gb18030.csv|cat persons-gb18030.csv"
  "ndjson_gz|persons.ndjson.gz|NDJSON, gzip|persons.ndjson|gzip -dc persons.ndjson.gz"
  "ndjson_zst|persons.ndjson.zst|NDJSON, zstd|persons.ndjson|zstd -dc persons.ndjson.zst"
  "csv_xz|persons.csv.xz|CSV, xz|persons.csv|xz -dc persons.csv.xz"
  "csv_zip|persons-csv.zip|CSV in a zip|persons.csv|unzip -p persons-csv.zip"
)

rec() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$raw"; }  # case, measurement, value
json_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

# timed_limit NAME CMD: one run of CMD from the data directory, output discarded; records its wall
# and CPU (user + sys) seconds. Includes starting one bash (a few ms).
timed_limit() {
  (cd "$data" && /usr/bin/time -f '%e %U %S' -o "$work/time.txt" bash -c "$2" >/dev/null 2>&1) || return 1
  local wall user sys
  read -r wall user sys <"$work/time.txt"
  rec "$1" limit "$wall"; rec "$1" limit_cpu "$(echo "$user + $sys" | bc)"
}

log "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
rec _ load_before "$(cut -d' ' -f1-3 /proc/loadavg)"
rec _ cores "$(nproc)"
rec _ leakdex_rev "$(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
key="$work/bench.key"
[[ -f "$key" ]] || "$lx" keygen "$key" >/dev/null

for c in "${cases[@]}"; do
  IFS='|' read -r name file what basis limit <<<"$c"
  command -v "${limit%% *}" >/dev/null || { log "skip $name: ${limit%% *} missing"; continue; }
  rec "$name" file "$file"; rec "$name" what "$what"; rec "$name" limit_cmd "$limit"
  rec "$name" bytes_file "$(stat -c %s "$data/$file")"; rec "$name" bytes_decoded "$(stat -c %s "$data/$basis")"
  log "$name"
  for ((r = 0; r < runs; r++)); do
    # Interleaved: limit, parse, ingest in each round, so drift on a shared machine hits all three.
    cat "$data/$file" >/dev/null  # page cache
    timed_limit "$name" "$limit"
    if [[ -x "$fb" ]]; then
      "$fb" --runs 1 "$data/$file" >"$work/parse.json"
      rec "$name" parse "$(json_field "$work/parse.json" median_s)"
      rec "$name" parse_cpu "$(json_field "$work/parse.json" median_cpu_s)"
    fi
    rm -rf "$work/idx"
    /usr/bin/time -f '%e %U %S %M' -o "$work/time.txt" "$lx" ingest -k "$key" -i "$work/idx" --source bench -q \
      --report json "$data/$file" >"$work/report-$name.json"
    read -r wall user sys rss <"$work/time.txt"
    rec "$name" ingest "$wall"; rec "$name" ingest_cpu "$(echo "$user + $sys" | bc)"; rec "$name" ingest_rss_kb "$rss"
  done
  rec "$name" records "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["records_read"])' "$work/report-$name.json")"
done
rec _ load_after "$(cut -d' ' -f1-3 /proc/loadavg)"
log "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$raw" "$results" "$persons" "$runs" "$root/docs/BENCHMARKS.md" "$docs" <<'PY'
import json, statistics, sys, datetime
raw, results, persons, runs, docs_path, docs = sys.argv[1:7]
facts, cases, order = {}, {}, []
for line in open(raw, encoding="utf-8"):
    name, what, value = line.rstrip("\n").split("\t")
    if name == "_":
        facts[what] = value
        continue
    if name not in cases:
        cases[name] = {"samples": {}}
        order.append(name)
    c = cases[name]
    if what in ("limit", "limit_cpu", "parse", "parse_cpu", "ingest", "ingest_cpu", "ingest_rss_kb"):
        c["samples"].setdefault(what, []).append(float(value))
    else:
        c[what] = int(value) if what in ("bytes_file", "bytes_decoded", "records") else value
for c in cases.values():
    mb = c["bytes_decoded"] / 1e6
    c["median"] = {k: statistics.median(v) for k, v in c["samples"].items()}
    c["mb_per_s"] = {k: round(mb / v, 1) for k, v in c["median"].items() if k != "ingest_rss_kb" and v > 0}
out = {"generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
       "persons": int(persons), "runs": int(runs), "facts": facts, "cases": {n: cases[n] for n in order}}
with open(results, "w", encoding="utf-8") as f:
    json.dump(out, f, indent=1)

def rate(c, k):
    v = c["mb_per_s"].get(k)
    return f"{v:,.1f}" if v is not None else "–"
def target(name, c):
    m = c["mb_per_s"]
    if "ingest" not in m:
        return ""
    if name in ("ndjson", "csv"):
        return f"≥ 300 MB/s: {'met' if m['ingest'] >= 300 else 'missed'}"
    if name == "ndjson_gz" and "limit" in m:
        share = m["ingest"] / m["limit"]
        return f"≥ 80% of gzip -dc: {'met' if share >= 0.8 else 'missed'} ({share:.0%})"
    if name == "ndjson_zst":
        return f"≥ 250 MB/s: {'met' if m['ingest'] >= 250 else 'missed'}"
    return ""
lines = [
    "## Ingest speed per format, encoding and container",
    "",
    f"Generated by `bench/ingest_formats.sh --persons {persons}` (do not edit by hand; rerun it). Raw figures:",
    "`bench/results/ingest_formats.json`. The same "
    f"{int(persons):,} synthetic persons (`data/gen/generate.py`, seed 42) in every format; MB/s are of",
    "decoded input (MB = 10^6 bytes), medians of "
    f"{runs} interleaved runs. **limit**: `cat` or the decompressor to /dev/null (page cache);",
    "**parse**: `build/bench/formats_bench`, the input layer alone (container, encoding, format to records) on one",
    "thread; **ingest**: `leakdex ingest -q` end to end into a published index (all cores). Each is given as MB per",
    "second of wall time and as MB per CPU-second (user + sys, all threads): on a loaded shared machine the wall",
    "figure depends on what else runs, the CPU figure much less. With 2 idle cores, ingest wall MB/s could reach at",
    "most about twice its MB per CPU-second.",
    "",
    f"{out['generated']}, leakdex {facts.get('leakdex_rev', '?')}, {facts.get('cores', '?')} cores. "
    f"Load average before: {facts.get('load_before', '?')}; after: {facts.get('load_after', '?')} "
    "(a shared machine: other work ran at the same time, so wall times are noisy and CPU times are the steadier figure).",
    "",
    "| input | file MB | decoded MB | limit MB/s (per CPU-s) | parse MB/s (per CPU-s) | ingest MB/s (per CPU-s) | ingest wall | ingest CPU | records/s | target (issue 4) |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
]
for n in order:
    c = cases[n]
    md = c["median"]
    rps = f"{c['records'] / md['ingest']:,.0f}" if md.get("ingest") else "–"
    lines.append(f"| {c['what']} (`{c['file']}`) | {c['bytes_file'] / 1e6:.1f} | {c['bytes_decoded'] / 1e6:.1f} | "
                 f"{rate(c, 'limit')} ({rate(c, 'limit_cpu')}) | {rate(c, 'parse')} ({rate(c, 'parse_cpu')}) | "
                 f"{rate(c, 'ingest')} ({rate(c, 'ingest_cpu')}) | {md.get('ingest', 0):.2f} s | "
                 f"{md.get('ingest_cpu', 0):.2f} s | {rps} | {target(n, c)} |")
lines += ["", "Limit commands (from the corpus directory): " +
          ", ".join(f"`{cases[n]['limit_cmd']}`" for n in order) + "."]
section = "\n".join(lines) + "\n"
print(section)
if docs == "1":
    begin, end = "<!-- bench:ingest_formats begin -->", "<!-- bench:ingest_formats end -->"
    text = open(docs_path, encoding="utf-8").read()
    block = begin + "\n" + section + end
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    open(docs_path, "w", encoding="utf-8").write(text)
PY
log "wrote $results"
