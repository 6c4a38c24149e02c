#!/usr/bin/env bash
# bench/bigdump.sh [--gb 20] [--memory 1G] [--build DIR] [--work DIR] [--no-docs]
#
# A dump far larger than memory (issue 5): streams GB gigabytes of synthetic
# police-style NDJSON (bench/bigdump.py: one person a line with a ~700-byte
# case record) into `leakdex ingest --memory` through a pipe, so the dump
# never has to fit on disk either. Records the ingest's wall and CPU time and
# peak RSS (/usr/bin/time), samples its RSS and bytes read every 2 s (the
# "memory stays flat" plot), then `verify`, bytes per key, and spot checks:
# 5 persons spread over the dump must be found by `check`, a phone never
# generated must not. Writes bench/results/bigdump.json and the
# docs/BENCHMARKS.md section between the bench:bigdump.sh markers.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); root=$(dirname "$here")
gb=20; memory=1G; build="$root/build"; work="$here/work/bigdump"; docs=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --gb) gb=$2; shift 2 ;;
    --memory) memory=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --no-docs) docs=0; shift ;;
    -h|--help) sed -n 2,12p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
B="$build/src/leakdex"
[[ -x "$B" ]] || cmake --build "$build" --target leakdex
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
mkdir -p "$work" "$here/results"
key="$work/k.key"; idx="$work/idx"; rm -rf "$idx"
[[ -f "$key" ]] || "$B" keygen "$key" >/dev/null
samples="$work/rss.tsv"; : >"$samples"
load_before=$(cut -d' ' -f1 /proc/loadavg)

# Ingest from the generator's pipe, with a sampler watching the leakdex process.
start=$(date +%s.%N)
python3 "$here/bigdump.py" --gb "$gb" 2>"$work/gen.log" |
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$B" ingest -q --key "$key" --index "$idx" \
    --source bigdump --class case_record --memory "$memory" --format ndjson --report json - \
    >"$work/report.json" &
sleep 1
pid=$(pgrep -n -f "leakdex ingest -q --key $key" || true)
while [[ -n "$pid" && -d /proc/$pid ]]; do
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  rchar=$(awk '/^rchar/ {print $2}' "/proc/$pid/io" 2>/dev/null || true)
  [[ -n "$rss" && -n "$rchar" ]] && printf '%s\t%s\t%s\n' "$(date +%s.%N)" "$rss" "$rchar" >>"$samples"
  sleep 2
done
wait
end=$(date +%s.%N)
read -r wall user sys rss_kb <"$work/time"
load_after=$(cut -d' ' -f1 /proc/loadavg)

verify_s=$( { /usr/bin/time -f '%e' "$B" verify "$idx" >/dev/null; } 2>&1 | tail -1)
info=$("$B" info --format json "$idx")
persons=$(grep -o '[0-9]* persons' "$work/gen.log" | awk '{print $1}')
found=0
for i in 0 1 2 3 4; do
  k=$((persons * (2 * i + 1) / 10))
  if python3 "$here/bigdump.py" --person "$k" --field sjhm | "$B" check --key "$key" --index "$idx" --phone - >/dev/null; then
    :
  elif [[ $? -eq 1 ]]; then found=$((found + 1)); fi
done
absent_rc=0
python3 "$here/bigdump.py" --person $((persons + 1000000)) --field sjhm |
  "$B" check --key "$key" --index "$idx" --phone - >/dev/null || absent_rc=$?

python3 - "$work" "$here/results/bigdump.json" "$root/docs/BENCHMARKS.md" "$docs" "$gb" "$memory" \
  "$wall" "$user" "$sys" "$rss_kb" "$verify_s" "$found" "$absent_rc" "$load_before" "$load_after" "$info" \
  "$(cat "$work/gen.log")" "$start" <<'PY'
import json, os, platform, re, subprocess, sys
(work, out_json, docs_md, docs, gb, memory, wall, user, sys_s, rss_kb, verify_s, found, absent_rc,
 load_before, load_after, info, gen_log, start) = sys.argv[1:]
info = json.loads(info)
report = json.load(open(os.path.join(work, "report.json")))
m = re.search(r"(\d+) persons, (\d+) bytes", gen_log)
persons, dump_bytes = int(m.group(1)), int(m.group(2))
samples = []
for l in open(os.path.join(work, "rss.tsv")):
    t, rss, rchar = l.split()
    samples.append((float(t) - float(start), int(rss) / 1024, int(rchar) / 1e9))
res = {"gb_target": float(gb), "dump_bytes": dump_bytes, "persons": persons, "memory": memory,
       "ingest_wall_s": float(wall), "ingest_cpu_s": float(user) + float(sys_s),
       "peak_rss_mb": int(rss_kb) / 1024, "keys": info["keys"], "index_bytes": info["bytes"],
       "bytes_per_key": info["bytes_per_key"], "false_positive_rate": info["false_positive_rate"],
       "verify_s": float(verify_s), "spot_checks_found": int(found), "absent_check_exit": int(absent_rc),
       "load_before": float(load_before), "load_after": float(load_after), "cores": os.cpu_count(),
       "report": report, "rss_samples": samples}
json.dump(res, open(out_json, "w"), indent=1)
print(json.dumps({k: v for k, v in res.items() if k not in ("report", "rss_samples")}))
if docs != "1":
    sys.exit(0)
img = os.path.join(os.path.dirname(docs_md), "img", "bigdump_rss.png")
plot = ""
try:
    data = os.path.join(work, "rss.dat")
    with open(data, "w") as f:
        for t, rss, gbr in samples:
            f.write(f"{gbr:.3f} {rss:.1f}\n")
    script = (f"set terminal png size 800,400; set output '{img}'; set xlabel 'GB read by ingest (the dump, then its sorted runs)';"
              f"set ylabel 'RSS (MB)'; set yrange [0:*]; set key off; set grid;"
              f"set title 'leakdex ingest --memory {memory}: resident memory while reading {dump_bytes/1e9:.1f} GB';"
              f"plot '{data}' using 1:2 with lines lw 2")
    subprocess.run(["gnuplot", "-e", script], check=True)
    plot = "\n![RSS while ingesting the big dump](img/bigdump_rss.png)\n"
except (OSError, subprocess.CalledProcessError):
    plot = "\n(gnuplot not installed: no plot; raw samples in bench/results/bigdump.json)\n"
gb_in = dump_bytes / 1e9
rss_in = [r for t, r, g in samples if 0.1 * gb_in < g <= gb_in]  # reading the dump (after warm-up)
rss_merge = [r for t, r, g in samples if g > gb_in]  # reading the sorted runs back
lines = ["<!-- bench:bigdump.sh begin -->", "### A dump larger than memory (`bench/bigdump.sh`)", "",
         f"{dump_bytes/1e9:.1f} GB of synthetic police-style NDJSON ({persons:,} persons, each with a ~700-byte "
         f"case record; `bench/bigdump.py`) piped into `leakdex ingest --memory {memory}` on {os.cpu_count()} cores "
         f"(load average {float(load_before):.1f} before, {float(load_after):.1f} after; the generator shares the cores).", "",
         "| dump | persons | keys | ingest wall | ingest CPU | peak RSS | index | bytes/key | FPR | verify |",
         "|---|---|---|---|---|---|---|---|---|---|",
         f"| {dump_bytes/1e9:.1f} GB | {persons:,} | {info['keys']:,} | {float(wall):.0f} s | "
         f"{float(user)+float(sys_s):.0f} s | {int(rss_kb)/1024:.0f} MB | {info['bytes']/1e9:.2f} GB | "
         f"{info['bytes_per_key']:.2f} | {info['false_positive_rate']:.1e} | {float(verify_s):.0f} s |", "",
         (f"RSS while reading the dump (after its first 10%): {min(rss_in):.0f}-{max(rss_in):.0f} MB; while merging "
          f"the sorted runs back (the reads past {gb_in:.1f} GB in the plot): {min(rss_merge):.0f}-{max(rss_merge):.0f} MB "
          f"({len(samples)} samples every 2 s). Spot checks: {found} of 5 persons spread over the dump found by "
          f"`check` (exit 1); a phone never generated: exit {absent_rc}.") if rss_in and rss_merge else "", plot,
         f"Rerun: `bench/bigdump.sh --gb {gb} --memory {memory}`.", "<!-- bench:bigdump.sh end -->"]
text = open(docs_md).read()
block = "\n".join(lines)
if "<!-- bench:bigdump.sh begin -->" in text:
    text = re.sub(r"<!-- bench:bigdump.sh begin -->.*?<!-- bench:bigdump.sh end -->", lambda _: block, text, flags=re.S)
else:
    text = text.replace("<!-- bench:scale.sh end -->", "<!-- bench:scale.sh end -->\n\n" + block)
open(docs_md, "w").write(text)
PY
