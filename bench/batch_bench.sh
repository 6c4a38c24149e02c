#!/usr/bin/env bash
# Benchmark of `leakdex batch` and `leakdex check` (issue 6), with the same
# batch run as a SQLite join side by side. Not a test: run it by hand on an
# otherwise idle machine; it prints a Markdown section for docs/BENCHMARKS.md.
#
#   bench/batch_bench.sh [--persons N] [--customers M] [--dir DIR] [--runs R] [--threads T]
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
while [[ $# -gt 0 ]]; do
  case "$1" in
    --persons) persons=$2; shift 2 ;;
    --customers) customers=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "usage: $0 [--persons N] [--customers M] [--dir DIR] [--runs R] [--threads T]" >&2; exit 2 ;;
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

# ---- leakdex batch: CSV in, NDJSON out --------------------------------------------
best=""
all=()
for ((r = 1; r <= runs; r++)); do
  t0=$(now)
  rc=0
  "$bin" batch --key k.key --index idx --id-column customer_id --threads "$threads" --quiet \
    gen/customers.csv >batch.ndjson || rc=$?
  t=$(secs "$t0" "$(now)")
  [[ $rc -eq 1 ]] || { echo "leakdex batch exited $rc" >&2; exit 1; }
  all+=("$t")
  if [[ -z "$best" ]] || python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$t" "$best"; then
    best=$t
  fi
done
exposed=$(grep -c '"exposed":true' batch.ndjson)
out_bytes=$(stat -c %s batch.ndjson)
batch_rps=$(python3 -c "import sys; print(int(int(sys.argv[1]) / float(sys.argv[2])))" "$rows" "$best")

# ---- leakdex check: process wall time, warm -----------------------------------------
phone=$(python3 -c "
import csv, sys
r = csv.reader(open('gen/persons.csv', encoding='utf-8')); h = next(r); i = h.index('手机号')
for row in r:
    if len(row) > i and len(row[i]) == 11: print(row[i]); break")
check_ms=$(python3 - "$bin" "$phone" <<'EOF'
import os, subprocess, sys, time
bin, phone = sys.argv[1], sys.argv[2]
cmd = [bin, "check", "--key", "k.key", "--index", "idx", "--phone", "-", "--format", "json"]
times = []
for i in range(60):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, input=(phone + "\n").encode(), stdout=subprocess.DEVNULL)
    times.append((time.perf_counter() - t0) * 1000)
    assert p.returncode == 1, p.returncode
# Python's own spawn overhead, measured with /bin/true, is reported beside it.
base = []
for i in range(60):
    t0 = time.perf_counter(); subprocess.run(["/bin/true"]); base.append((time.perf_counter() - t0) * 1000)
times = sorted(times[10:]); base = sorted(base[10:])
print("%.2f %.2f %.2f" % (times[len(times) // 2], times[int(len(times) * 0.9)], base[len(base) // 2]))
EOF
)
read -r check_p50 check_p90 spawn_p50 <<<"$check_ms"

# ---- the same batch as a SQLite join -----------------------------------------------------
if [[ ! -f bench.db ]]; then
  t0=$(now)
  sqlite3 bench.db <<'EOF'
.mode csv
.import gen/persons.csv dump
.import gen/customers.csv customers
CREATE INDEX dump_phone ON dump("手机号");
EOF
  echo "sqlite import + index: $(secs "$t0" "$(now)") s" >&2
fi
sql='SELECT json_object('"'"'row'"'"', c.rowid, '"'"'id'"'"', c.customer_id, '"'"'exposed'"'"', json(CASE WHEN d.rowid IS NULL THEN '"'"'false'"'"' ELSE '"'"'true'"'"' END)) FROM customers c LEFT JOIN dump d ON d."手机号" = c.phone;'
sqlite3 bench.db "$sql" >/dev/null   # warm
sbest=""
for ((r = 1; r <= runs; r++)); do
  t0=$(now)
  sqlite3 bench.db "$sql" >sqlite.ndjson
  t=$(secs "$t0" "$(now)")
  if [[ -z "$sbest" ]] || python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$t" "$sbest"; then
    sbest=$t
  fi
done
sexposed=$(grep -c '"exposed":true' sqlite.ndjson)
sqlite_rps=$(python3 -c "import sys; print(int(int(sys.argv[1]) / float(sys.argv[2])))" "$rows" "$sbest")
ratio=$(python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) / float(sys.argv[1])))" "$best" "$sbest")

cat <<EOF
## Batch and check

\`bench/batch_bench.sh --persons $persons --customers $customers\` on $(nproc) CPUs
($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)),
$(date -u +%Y-%m-%d).

| what | result |
|---|---|
| index | $keys keys (1 source, $persons persons) |
| customer list | $rows rows (name, phone, address), CSV, $(stat -c %s gen/customers.csv) bytes |
| \`leakdex batch\` CSV in, NDJSON out, end to end (best of $runs: ${all[*]} s) | **$best s = $batch_rps rows/s**; $exposed exposed rows, $out_bytes bytes out |
| \`leakdex check --phone -\`, process wall time, warm (median / p90 of 50) | **$check_p50 ms** / $check_p90 ms (spawning /bin/true from the same harness: $spawn_p50 ms) |
| SQLite $(sqlite3 --version | cut -d' ' -f1) join on the indexed phone column (best of $runs) | $sbest s = $sqlite_rps rows/s; $sexposed exposed rows |
| leakdex vs SQLite | **${ratio}×** |
EOF
