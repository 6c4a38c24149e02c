#!/usr/bin/env bash
# Benchmark of `leakdex batch` and `leakdex check` (issue 6), with the same
# batch run as a SQLite join side by side (interleaved rounds: leakdex, then
# SQLite, R times; medians). Not a test: run it by hand, ideally on an otherwise
# idle machine. It writes bench/results/batch.json and the section of
# docs/BENCHMARKS.md between <!-- bench:batch_bench.sh begin/end --> (unless
# --no-docs), and prints that section.
#
#   bench/batch_bench.sh [--persons N] [--customers M] [--dir DIR] [--runs R] [--threads T] [--no-docs]
#
# Defaults: 1,500,000 dump persons (about 11.6 million keys), 2,000,000 customers
# (name, phone, address per row; half of them in the dump, ~30 % written
# differently), in /tmp/leakdex-batch-bench (reused when the sizes match).
# Needs: a built leakdex (build/src/leakdex or $LEAKDEX_BIN), python3, sqlite3
# (installed with apt-get when missing).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
persons=1500000
customers=2000000
dir=/tmp/leakdex-batch-bench
runs=3
threads=0
docs=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --persons) persons=$2; shift 2 ;;
    --customers) customers=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --no-docs) docs=0; shift ;;
    *) echo "usage: $0 [--persons N] [--customers M] [--dir DIR] [--runs R] [--threads T] [--no-docs]" >&2; exit 2 ;;
  esac
done
bin="${LEAKDEX_BIN:-$root/build/src/leakdex}"
[[ -x "$bin" ]] || { echo "no leakdex binary at $bin: run scripts/build.sh first" >&2; exit 2; }
if ! command -v sqlite3 >/dev/null; then
  echo "installing sqlite3 (Debian package)" >&2
  (apt-get install -y sqlite3 >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y sqlite3 >/dev/null; })
fi
mkdir -p "$dir"
cd "$dir"
now() { date +%s.%N; }
secs() { python3 -c "import sys; print('%.3f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$2"; }

# ---- data -----------------------------------------------------------------------
tag="persons=$persons customers=$customers"
if [[ "$(cat data.tag 2>/dev/null)" != "$tag" ]]; then
  rm -rf gen idx k.key bench.db data.tag
  echo "generating $tag ..." >&2
  python3 "$root/data/gen/generate.py" --seed 6 --persons "$persons" --customers "$customers" --deliveries 0 \
    --formats csv,customers --quiet --out gen
  echo "$tag" >data.tag
fi
if [[ ! -f idx/MANIFEST ]]; then
  rm -rf idx k.key
  "$bin" keygen k.key >/dev/null
  t0=$(now)
  "$bin" ingest --key k.key --index idx --source shga-2022 --quiet gen/persons.csv
  echo "ingest: $(secs "$t0" "$(now)") s" >&2
fi
keys=$(python3 -c "import json,sys; print(json.load(sys.stdin)['keys'])" < <("$bin" info idx --format json))
rows=$(($(wc -l <gen/customers.csv) - 1))
cat idx/* gen/customers.csv >/dev/null   # warm cache

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# median FILE: median of the numbers in FILE (one a line).
median() { sort -g "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
calc() { python3 -c "print($1)"; }

# ---- the same batch as a SQLite join (database built once) -------------------------
if [[ ! -f bench.db ]]; then
  t0=$(now)
  sqlite3 bench.db <<'SQL'
.mode csv
.import gen/persons.csv dump
.import gen/customers.csv customers
CREATE INDEX dump_phone ON dump("手机号");
SQL
  echo "sqlite import + index: $(secs "$t0" "$(now)") s" >&2
fi
sql='SELECT json_object('"'"'row'"'"', c.rowid, '"'"'id'"'"', c.customer_id, '"'"'exposed'"'"', json(CASE WHEN d.rowid IS NULL THEN '"'"'false'"'"' ELSE '"'"'true'"'"' END)) FROM customers c LEFT JOIN dump d ON d."手机号" = c.phone;'
lx_cmd=("$bin" batch --key k.key --index idx --id-column customer_id --threads "$threads" --quiet gen/customers.csv)
sqlite3 bench.db "$sql" >/dev/null   # warm

# ---- interleaved rounds: leakdex batch (CSV in, NDJSON out), then the SQLite join ----
# One line per run in each file: wall_s user_s sys_s.
: >lx_times.txt
: >sq_times.txt
# Before each timed run: the previous output removed and written back (sync),
# so a run neither waits on the last run's writeback nor truncates a file still
# being written back (that had cost a run up to 0.6 s of wall time).
settle() { rm -f "$1"; sync; }
for ((r = 1; r <= runs; r++)); do
  rc=0
  settle batch.ndjson
  /usr/bin/time -f "%e %U %S" -o t.txt "${lx_cmd[@]}" >batch.ndjson || rc=$?
  [[ $rc -eq 1 ]] || { echo "leakdex batch exited $rc" >&2; exit 1; }
  tail -1 t.txt >>lx_times.txt
  settle sqlite.ndjson
  /usr/bin/time -f "%e %U %S" -o t.txt sqlite3 bench.db "$sql" >sqlite.ndjson
  tail -1 t.txt >>sq_times.txt
  echo "round $r: leakdex $(tail -1 lx_times.txt | cut -d' ' -f1) s, sqlite $(tail -1 sq_times.txt | cut -d' ' -f1) s" >&2
done
col() { awk "{ print $2 }" "$1" >col.txt; median col.txt; }
lx_wall=$(col lx_times.txt '$1')
lx_cpu=$(col lx_times.txt '$2 + $3')
sq_wall=$(col sq_times.txt '$1')
sq_cpu=$(col sq_times.txt '$2 + $3')
lx_walls=$(cut -d' ' -f1 lx_times.txt | paste -sd' ')
sq_walls=$(cut -d' ' -f1 sq_times.txt | paste -sd' ')
exposed=$(grep -c '"exposed":true' batch.ndjson)
out_bytes=$(stat -c %s batch.ndjson)
sexposed=$(grep -c '"exposed":true' sqlite.ndjson)
batch_rps=$(calc "int($rows / $lx_wall)")
batch_rpcpu=$(calc "int($rows / $lx_cpu)")
sqlite_rps=$(calc "int($rows / $sq_wall)")
ratio=$(calc "'%.1f' % ($sq_wall / $lx_wall)")

# ---- leakdex check: process wall time and CPU time, warm -----------------------------
phone=$(python3 -c "
import csv, sys
r = csv.reader(open('gen/persons.csv', encoding='utf-8')); h = next(r); i = h.index('手机号')
for row in r:
    if len(row) > i and len(row[i]) == 11: print(row[i]); break")
check_ms=$(python3 - "$bin" "$phone" <<'PY'
import resource, subprocess, sys, time
bin, phone = sys.argv[1], sys.argv[2]
cmd = [bin, "check", "--key", "k.key", "--index", "idx", "--phone", "-", "--format", "json"]
def measure(argv, stdin, n=60, want=None):
    walls = []
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    for i in range(n):
        t0 = time.perf_counter()
        p = subprocess.run(argv, input=stdin, stdout=subprocess.DEVNULL)
        walls.append((time.perf_counter() - t0) * 1000)
        assert want is None or p.returncode == want, p.returncode
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * 1000 / n
    walls = sorted(walls[10:])  # the first 10 warm the cache
    return walls[len(walls) // 2], walls[int(len(walls) * 0.9)], cpu
c50, c90, ccpu = measure(cmd, (phone + "\n").encode(), want=1)
# The harness's own cost of starting a process, measured the same way, is reported beside it.
t50, t90, tcpu = measure(["/bin/true"], b"")
print("%.2f %.2f %.2f %.2f %.2f" % (c50, c90, ccpu, t50, tcpu))
PY
)
read -r check_p50 check_p90 check_cpu spawn_p50 spawn_cpu <<<"$check_ms"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
rev=$(git -C "$root" rev-parse --short HEAD)

mkdir -p "$root/bench/results"
cat >"$root/bench/results/batch.json" <<JSON
{
  "command": "bench/batch_bench.sh --persons $persons --customers $customers --runs $runs --threads $threads",
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "leakdex_rev": "$rev",
  "cores": $(nproc),
  "load_before": "$load_before",
  "load_after": "$load_after",
  "index_keys": $keys,
  "customer_rows": $rows,
  "batch": {"wall_s": [${lx_walls// /, }], "median_wall_s": $lx_wall, "median_cpu_s": $lx_cpu,
            "rows_per_s": $batch_rps, "exposed_rows": $exposed, "output_bytes": $out_bytes},
  "sqlite_join": {"wall_s": [${sq_walls// /, }], "median_wall_s": $sq_wall, "median_cpu_s": $sq_cpu,
                  "rows_per_s": $sqlite_rps, "exposed_rows": $sexposed},
  "leakdex_vs_sqlite": $ratio,
  "check_phone": {"median_wall_ms": $check_p50, "p90_wall_ms": $check_p90, "cpu_ms": $check_cpu,
                  "bin_true_median_wall_ms": $spawn_p50, "bin_true_cpu_ms": $spawn_cpu}
}
JSON

section=$(cat <<MD
## Batch and check (issue 6)

\`bench/batch_bench.sh --persons $persons --customers $customers --runs $runs\` on $(nproc) cores
($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), leakdex $rev, $(date -u +%Y-%m-%d).
Load average $load_before before and $load_after after the run: when these exceed the core count
the machine was shared with other jobs, wall times are inflated, and the CPU times beside them are
the steadier figure. Raw figures: \`bench/results/batch.json\`. Rounds are interleaved (leakdex,
then SQLite, $runs times); medians.

| what | result |
|---|---|
| index | $keys keys (1 source, $persons persons) |
| customer list | $rows rows (name, phone, address), CSV, $(stat -c %s gen/customers.csv) bytes |
| \`leakdex batch\` CSV in, NDJSON out, all cores, end to end (runs: $lx_walls s) | **$lx_wall s = $batch_rps rows/s**; $lx_cpu CPU-s ($batch_rpcpu rows per CPU-second); $exposed exposed rows, $out_bytes bytes out |
| SQLite $(sqlite3 --version | cut -d' ' -f1) join on the indexed phone column (runs: $sq_walls s) | $sq_wall s = $sqlite_rps rows/s; $sq_cpu CPU-s; $sexposed exposed rows |
| leakdex vs SQLite (median wall times) | **${ratio}×** |
| \`leakdex check --phone -\`, process wall time, warm (median / p90 of 50) | **$check_p50 ms** / $check_p90 ms; $check_cpu ms CPU per process |
| \`/bin/true\` from the same harness (starting any process here) | $spawn_p50 ms; $spawn_cpu ms CPU |

The SQLite join does less work than leakdex: one exact-string key (the phone column as written)
where leakdex derives normalised phone, address, name+phone, name+address and phone+address keys;
so it misses the customers written differently from the dump ($sexposed vs $exposed exposed rows).
MD
)
printf '%s\n' "$section"
if [[ $docs -eq 1 ]]; then
  python3 - "$root/docs/BENCHMARKS.md" "$section" <<'PY'
import sys
path, section = sys.argv[1], sys.argv[2]
begin, end = "<!-- bench:batch_bench.sh begin -->", "<!-- bench:batch_bench.sh end -->"
text = open(path, encoding="utf-8").read()
block = begin + "\n" + section + "\n" + end
if begin in text and end in text:
    text = text[: text.index(begin)] + block + text[text.index(end) + len(end):]
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
open(path, "w", encoding="utf-8").write(text)
PY
fi
