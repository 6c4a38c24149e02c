#!/usr/bin/env python3
"""Helpers for bench/run.sh (Python 3 standard library only).

Subcommands:
  prepare  WORK            pick the lookup phones and write the grep pattern file
  collect  WORK OUT.json   turn the raw measurements under WORK/raw into one results file
  docs     RESULTS_DIR DOC IMG_DIR
                           regenerate the bench:run.sh section of DOC and the plots in IMG_DIR
  check    RESULTS.json    assert that a results file has the expected fields (smoke test)

Raw measurements (written by run.sh, read by `collect`):
  WORK/raw/facts.tsv       KEY<TAB>VALUE lines (corpus sizes, versions, machine, counts)
  WORK/raw/commands.tsv    NAME<TAB>COMMAND lines: the exact command behind each measurement
  WORK/raw/loop-NAME.tsv   SECONDS<TAB>PEAK_RSS_KB lines, one per repetition (long commands)
  WORK/raw/hf-NAME.json    hyperfine --export-json output (short commands)
  WORK/raw/na.tsv          NAME<TAB>REASON lines for measurements that could not run

No personal values end up in the results: only the synthetic corpus' sizes and counts.
"""

import csv
import json
import os
import re
import statistics
import subprocess
import sys

SCHEMA = 1
BEGIN = "<!-- bench:run.sh begin -->"
END = "<!-- bench:run.sh end -->"
SIZE_ORDER = ("large", "medium", "small", "tiny")

# What each measurement is, for the tables: name -> (tool, what it does).
MEASUREMENTS = {
    "limit_cat_ndjson": ("cat", "read persons.ndjson from page cache to /dev/null"),
    "limit_cat_csv": ("cat", "read persons.csv from page cache to /dev/null"),
    "limit_gunzip_ndjson": ("gzip -dc", "decompress persons.ndjson.gz to /dev/null"),
    "leakdex_ingest_ndjson": ("leakdex", "ingest persons.ndjson (Elasticsearch export)"),
    "leakdex_ingest_csv": ("leakdex", "ingest persons.csv"),
    "leakdex_ingest_gz": ("leakdex", "ingest persons.ndjson.gz"),
    "sqlite_import": ("sqlite3", "import persons.csv into a table"),
    "sqlite_index": ("sqlite3", "create indexes on phone and (name, phone)"),
    "leakdex_check": ("leakdex", "check one phone that is in the dump (process wall time)"),
    "leakdex_check_absent": ("leakdex", "check one phone that is not in the dump"),
    "sqlite_lookup": ("sqlite3", "SELECT by phone through the sqlite3 command line"),
    "sqlite_lookup_absent": ("sqlite3", "same, phone not in the dump"),
    "rg_one": ("ripgrep", "rg -F PHONE persons.ndjson"),
    "grep_one": ("GNU grep", "grep -F PHONE persons.ndjson"),
    "leakdex_batch": ("leakdex", "batch customers.csv, NDJSON out"),
    "sqlite_join": ("sqlite3", "import customers.csv, normalise phones, join on phone and (name, phone)"),
    "rg_many": ("ripgrep", "rg -F -f phones.txt persons.ndjson"),
    "grep_many": ("GNU grep", "grep -F -f phones.txt persons.ndjson"),
}


# ---------------------------------------------------------------- prepare

def normalise_phone(raw):
    """Digits only, without a +86 / 0086 / 86 country prefix (what a careful user would script)."""
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 15 and digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def cmd_prepare(work):
    """Choose a present and an absent phone; write data/phones.txt (one normalised phone a line)."""
    data = os.path.join(work, "data")
    present = None
    # The last mobile number of the CSV dump: every scanning tool has to read the whole file.
    with open(os.path.join(data, "persons.csv"), encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            phone = row.get("手机号", "")
            if re.fullmatch(r"1[3-9]\d{9}", phone):
                present = phone
    truth = {}
    with open(os.path.join(data, "customers.truth.csv"), encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            truth[row["customer_id"]] = row
    absent = None
    phones = []
    rows = 0
    with open(os.path.join(data, "customers.csv"), encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            rows += 1
            phone = normalise_phone(row.get("phone", ""))
            if phone:
                phones.append(phone)
            t = truth.get(row["customer_id"], {})
            if (absent is None and t.get("in_dump") == "0"
                    and re.fullmatch(r"1[3-9]\d{9}", row.get("phone", ""))):
                absent = row["phone"]
    with open(os.path.join(data, "phones.txt"), "w", encoding="utf-8") as f:
        for p in phones:
            f.write(p + "\n")
    exposed = sum(1 for t in truth.values() if t.get("in_dump") == "1")
    if present is None or absent is None:
        sys.exit("benchlib prepare: corpus has no usable present/absent phone")
    # Printed as shell assignments for run.sh (synthetic values only).
    print(f"PHONE_PRESENT={present}")
    print(f"PHONE_ABSENT={absent}")
    print(f"CUSTOMER_ROWS={rows}")
    print(f"CUSTOMERS_EXPOSED_TRUTH={exposed}")
    print(f"PATTERNS={len(phones)}")


# ---------------------------------------------------------------- collect

def read_tsv(path):
    out = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if line:
                    out.append(line.split("\t", 1) if "\t" in line else [line, ""])
    return out


def num(value):
    """int or float from a string, else the string itself."""
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return value


def stats(times):
    return {
        "runs": len(times),
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "times_s": [round(t, 6) for t in times],
    }


def load_measurements(raw, commands):
    m = {}
    for fname in sorted(os.listdir(raw)):
        path = os.path.join(raw, fname)
        if fname.startswith("loop-") and fname.endswith(".tsv"):
            name = fname[5:-4]
            times, rss = [], []
            with open(path, encoding="utf-8") as f:
                for line in f:
                    parts = line.split()
                    if len(parts) >= 2:
                        times.append(float(parts[0]))
                        rss.append(int(parts[1]))
            if times:
                m[name] = dict(stats(times), peak_rss_kb=max(rss), method="loop")
        elif fname.startswith("hf-") and fname.endswith(".json"):
            name = fname[3:-5]
            with open(path, encoding="utf-8") as f:
                res = json.load(f)["results"][0]
            m[name] = dict(stats(res["times"]), method="hyperfine")
    for name, reason in read_tsv(os.path.join(raw, "na.tsv")):
        if name not in m:
            m[name] = {"available": False, "reason": reason}
    for name, entry in m.items():
        entry.setdefault("available", True)
        tool, what = MEASUREMENTS.get(name, ("", ""))
        entry["tool"], entry["what"] = tool, what
        if name in commands:
            entry["command"] = commands[name]
    return m


def med(m, name):
    e = m.get(name)
    return e["median_s"] if e and e.get("available") else None


def ratio(a, b):
    return round(a / b, 3) if a and b else None


def derive(m, facts):
    """Throughputs, sizes and the headline ratios."""
    d = {}
    persons = facts.get("persons")
    ndjson_b = facts.get("ndjson_bytes")
    csv_b = facts.get("csv_bytes")
    gz_b = facts.get("ndjson_gz_bytes")
    rows = facts.get("customer_rows")

    def throughput(name, nbytes, nrec):
        t = med(m, name)
        if t:
            d[name] = {"mb_per_s": round(nbytes / 1e6 / t, 2), "records_per_s": round(nrec / t),
                       "seconds": round(t, 4)}
            if "peak_rss_kb" in m[name]:
                d[name]["peak_rss_mb"] = round(m[name]["peak_rss_kb"] / 1024, 1)

    throughput("leakdex_ingest_ndjson", ndjson_b, persons)
    throughput("leakdex_ingest_csv", csv_b, persons)
    throughput("leakdex_ingest_gz", ndjson_b, persons)  # MB/s of decompressed data
    throughput("limit_cat_ndjson", ndjson_b, persons)
    throughput("limit_cat_csv", csv_b, persons)
    throughput("limit_gunzip_ndjson", ndjson_b, persons)
    # SQLite: import + index, summed per repetition (they ran back to back), then the median.
    imp, idx = m.get("sqlite_import"), m.get("sqlite_index")
    if imp and idx and imp.get("available") and idx.get("available"):
        total = [a + b for a, b in zip(imp["times_s"], idx["times_s"])]
        m["sqlite_import_index"] = dict(stats(total), available=True, method="sum",
                                        peak_rss_kb=max(imp["peak_rss_kb"], idx["peak_rss_kb"]),
                                        tool="sqlite3", what="import persons.csv + create both indexes")
        throughput("sqlite_import_index", csv_b, persons)
        throughput("sqlite_import", csv_b, persons)
    for name in ("leakdex_batch", "sqlite_join", "rg_many", "grep_many"):
        t = med(m, name)
        if t and rows:
            d[name] = {"rows_per_s": round(rows / t), "seconds": round(t, 4)}
    for name in ("leakdex_check", "leakdex_check_absent", "sqlite_lookup", "sqlite_lookup_absent",
                 "rg_one", "grep_one"):
        t = med(m, name)
        if t:
            d[name] = {"ms": round(t * 1000, 3)}

    sizes = {k: facts.get(k) for k in ("ndjson_bytes", "csv_bytes", "ndjson_gz_bytes",
                                          "index_bytes", "index_keys", "index_bytes_per_key",
                                          "index_csv_bytes", "index_csv_keys", "sqlite_table_bytes",
                                          "sqlite_db_bytes")}
    if sizes.get("sqlite_db_bytes") and persons:
        sizes["sqlite_bytes_per_person"] = round(sizes["sqlite_db_bytes"] / persons, 1)
    if sizes.get("index_bytes") and persons:
        sizes["index_bytes_per_person"] = round(sizes["index_bytes"] / persons, 1)

    # Ratios: how many times better leakdex is (time: other/leakdex; size: other/leakdex).
    r = []

    def add(key, label, other_name, leak_name, other_val, leak_val, unit):
        r.append({"key": key, "comparison": label, "leakdex": leak_name, "other": other_name,
                  "leakdex_value": leak_val, "other_value": other_val, "unit": unit,
                  "ratio": ratio(other_val, leak_val)})

    add("ingest_vs_sqlite", "ingest persons.csv vs SQLite import + 2 indexes (time)",
        "sqlite_import_index", "leakdex_ingest_csv",
        med(m, "sqlite_import_index"), med(m, "leakdex_ingest_csv"), "s")
    add("index_size_vs_sqlite", "index size vs SQLite database (bytes)",
        "sqlite_db_bytes", "index_csv_bytes", sizes.get("sqlite_db_bytes"),
        sizes.get("index_csv_bytes"), "bytes")
    add("index_size_vs_dump", "index size vs raw NDJSON dump (bytes)",
        "ndjson_bytes", "index_bytes", ndjson_b, sizes.get("index_bytes"), "bytes")
    add("lookup_vs_sqlite", "single lookup vs sqlite3 CLI (process wall time)",
        "sqlite_lookup", "leakdex_check", med(m, "sqlite_lookup"), med(m, "leakdex_check"), "s")
    add("lookup_vs_rg", "single lookup vs rg over the dump", "rg_one", "leakdex_check",
        med(m, "rg_one"), med(m, "leakdex_check"), "s")
    add("lookup_vs_grep", "single lookup vs GNU grep over the dump", "grep_one", "leakdex_check",
        med(m, "grep_one"), med(m, "leakdex_check"), "s")
    add("batch_vs_sqlite", "batch vs SQLite join (time)", "sqlite_join", "leakdex_batch",
        med(m, "sqlite_join"), med(m, "leakdex_batch"), "s")
    add("batch_vs_rg", "batch vs rg -F -f (time)", "rg_many", "leakdex_batch",
        med(m, "rg_many"), med(m, "leakdex_batch"), "s")
    add("batch_vs_grep", "batch vs grep -F -f (time)", "grep_many", "leakdex_batch",
        med(m, "grep_many"), med(m, "leakdex_batch"), "s")
    # Against the physical limit the ratio is a share: leakdex speed / limit speed (<= 1).
    add("ingest_vs_cat", "ingest NDJSON speed as a share of cat (page cache)",
        "limit_cat_ndjson", "leakdex_ingest_ndjson",
        med(m, "limit_cat_ndjson"), med(m, "leakdex_ingest_ndjson"), "share")
    add("ingest_gz_vs_gunzip", "ingest .gz speed as a share of gzip -dc",
        "limit_gunzip_ndjson", "leakdex_ingest_gz",
        med(m, "limit_gunzip_ndjson"), med(m, "leakdex_ingest_gz"), "share")
    return d, sizes, r


def cmd_collect(work, out):
    raw = os.path.join(work, "raw")
    facts = {k: num(v) for k, v in read_tsv(os.path.join(raw, "facts.tsv"))}
    commands = dict(read_tsv(os.path.join(raw, "commands.tsv")))
    m = load_measurements(raw, commands)
    gz_mode = str(facts.get("gz_mode", ""))
    if gz_mode.startswith("pipe") and "leakdex_ingest_gz" in m:
        m["leakdex_ingest_gz"]["what"] = ("gzip -dc persons.ndjson.gz | leakdex ingest - "
                                          "(this build does not read .gz itself)")
    derived, sizes, ratios = derive(m, facts)
    normaliser = None
    npath = os.path.join(raw, "normalize_bench.out")
    if os.path.exists(npath):
        normaliser = parse_normalize_bench(open(npath, encoding="utf-8", errors="replace").read())
    pick = lambda prefix: {k[len(prefix):]: v for k, v in facts.items() if k.startswith(prefix)}
    result = {
        "schema": SCHEMA,
        "size": facts.get("size"),
        "started_at": facts.get("started_at"),
        "finished_at": facts.get("finished_at"),
        "duration_s": facts.get("duration_s"),
        "machine": pick("machine_"),
        "versions": pick("version_"),
        "config": {"persons": facts.get("persons"), "customers": facts.get("customers"),
                   "seed": facts.get("seed"), "runs": facts.get("runs"),
                   "lookup_runs": facts.get("lookup_runs")},
        "corpus": {"persons": facts.get("persons"), "customer_rows": facts.get("customer_rows"),
                   "customers_exposed_truth": facts.get("customers_exposed_truth"),
                   "patterns": facts.get("patterns"), **{k: sizes[k] for k in
                   ("ndjson_bytes", "csv_bytes", "ndjson_gz_bytes")}},
        "ingest_report": json.loads(facts["ingest_report"]) if "ingest_report" in facts else None,
        "counts": pick("count_"),
        "sizes": sizes,
        "measurements": m,
        "derived": derived,
        "normaliser": normaliser or {"available": False, "reason": facts.get(
            "normaliser_na", "build/bench/normalize_bench not built")},
        "ratios": ratios,
        "sql": read_sql(os.path.join(work, "sql")),
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1, ensure_ascii=False, sort_keys=False)
        f.write("\n")


def read_sql(sql_dir):
    """The SQL scripts the sqlite3 commands ran, so the results file is self-contained."""
    out = {}
    if os.path.isdir(sql_dir):
        for fname in sorted(os.listdir(sql_dir)):
            with open(os.path.join(sql_dir, fname), encoding="utf-8") as f:
                out[fname] = f.read()
    return out


def parse_normalize_bench(text):
    """Accepts JSON (an object, or one object per line) or text lines 'NAME ... N ns'."""
    text = text.strip()
    try:
        obj = json.loads(text)
        return {"available": True, "results": obj}
    except ValueError:
        pass
    rows = {}
    for line in text.splitlines():
        try:
            obj = json.loads(line)
            if isinstance(obj, dict):
                key = obj.get("name") or obj.get("case") or str(len(rows))
                rows[key] = obj
                continue
        except ValueError:
            pass
        mt = re.match(r"\s*(\S.*?)\s*[:=]?\s+([0-9]+(?:\.[0-9]+)?)\s*ns\b", line)
        if mt:
            rows[mt.group(1)] = {"ns_per_value": float(mt.group(2))}
    if not rows:
        return {"available": False, "reason": "normalize_bench output not understood",
                "raw": text[:2000]}
    return {"available": True, "results": rows}


# ---------------------------------------------------------------- check (smoke test)

def cmd_check(path):
    with open(path, encoding="utf-8") as f:
        r = json.load(f)
    problems = []
    for key in ("schema", "size", "machine", "versions", "config", "corpus", "measurements",
                "derived", "sizes", "ratios", "normaliser"):
        if key not in r:
            problems.append(f"missing top-level key {key}")
    m = r.get("measurements", {})
    for name in ("leakdex_ingest_ndjson", "leakdex_ingest_csv", "leakdex_check", "limit_cat_ndjson"):
        e = m.get(name)
        if not e or not e.get("available") or not e.get("median_s", 0) > 0:
            problems.append(f"measurement {name} missing or empty")
        elif "command" not in e:
            problems.append(f"measurement {name} has no command")
    for name in MEASUREMENTS:
        if name not in m:
            problems.append(f"measurement {name} neither measured nor marked unavailable")
    if not r.get("sizes", {}).get("index_bytes_per_key"):
        problems.append("no index bytes per key")
    if not r.get("machine", {}).get("cores"):
        problems.append("no core count")
    keys = {x["key"] for x in r.get("ratios", [])}
    for k in ("ingest_vs_sqlite", "index_size_vs_sqlite", "lookup_vs_sqlite", "lookup_vs_rg",
              "batch_vs_sqlite"):
        if k not in keys:
            problems.append(f"ratio {k} missing")
    for p in problems:
        print("benchlib check:", p, file=sys.stderr)
    sys.exit(1 if problems else 0)


# ---------------------------------------------------------------- docs

def fmt_s(t):
    if t is None:
        return "n/a"
    if t < 0.01:
        return f"{t * 1000:.2f} ms"
    if t < 1:
        return f"{t * 1000:.0f} ms"
    return f"{t:.2f} s"


def fmt_n(x, digits=0):
    if x is None:
        return "n/a"
    if isinstance(x, float) and digits:
        return f"{x:,.{digits}f}"
    return f"{round(x):,}"


def fmt_bytes(b):
    if b is None:
        return "n/a"
    for unit, div in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if b >= div:
            return f"{b / div:.2f} {unit}"
    return f"{b} B"


def fmt_ratio(x, unit):
    if x is None:
        return "n/a"
    if unit == "share":
        if x >= 1:
            return f"{x:.2f}× the limit"
        return f"{x * 100:.1f}% of the limit" if x < 0.1 else f"{x * 100:.0f}% of the limit"
    if 0.95 <= x <= 1.05:
        return f"about the same ({x:.2f})"
    if x >= 1:
        return f"**{x:,.1f}×** better" if x < 100 else f"**{x:,.0f}×** better"
    return f"{1 / x:.1f}× worse"


def esc(cmd):
    return cmd.replace("|", "\\|")


def section_for(r, img_rel, plots):
    m, d, s = r["measurements"], r["derived"], r["sizes"]
    cfg, mach, ver = r["config"], r["machine"], r["versions"]
    out = []
    size = r["size"]
    out.append(f"### `{size}`: {fmt_n(cfg['persons'])} persons, {fmt_n(r['corpus']['customer_rows'])} "
               f"customers ({r['started_at']})\n")
    load_b, load_a = mach.get("load_before", "?"), mach.get("load_after", "?")
    out.append(f"Machine: {mach.get('cores')} cores ({mach.get('cpu_model', '?')}), "
               f"{mach.get('mem_gib', '?')} GiB RAM, {mach.get('os', '?')}, kernel {mach.get('kernel', '?')}. "
               f"Load average (1/5/15 min) before: {load_b}; after: {load_a}. "
               f"{mach.get('note', '')}\n")
    out.append(f"Runs: {cfg['runs']} repetitions of each long command (interleaved leakdex / SQLite), "
               f"{cfg['lookup_runs']} of each short one via hyperfine (after warm-up); medians shown. "
               f"Whole run: {fmt_n(r.get('duration_s'))} s. leakdex {ver.get('leakdex', '?')}.\n")
    out.append(f"Corpus (seed {cfg['seed']}): persons.ndjson {fmt_bytes(s['ndjson_bytes'])}, "
               f"persons.csv {fmt_bytes(s['csv_bytes'])}, persons.ndjson.gz {fmt_bytes(s['ndjson_gz_bytes'])}; "
               f"customers.csv {fmt_n(r['corpus']['customer_rows'])} rows, "
               f"{fmt_n(r['corpus']['customers_exposed_truth'])} of them in the dump.\n")

    # Headline ratios.
    out.append("**Ratios** (leakdex against the alternative, same run; \"better\" = faster or smaller):\n")
    out.append("| comparison | leakdex | alternative | ratio |")
    out.append("|---|---|---|---|")
    for x in r["ratios"]:
        unit = x["unit"]
        f = fmt_bytes if unit == "bytes" else fmt_s
        out.append(f"| {x['comparison']} | {f(x['leakdex_value'])} | {f(x['other_value'])} "
                   f"| {fmt_ratio(x['ratio'], unit)} |")
    out.append("")

    def row(name, extra_cols):
        e = m.get(name, {})
        tool, what = MEASUREMENTS.get(name, (e.get("tool", name), e.get("what", "")))
        if not e.get("available", False):
            return f"| {tool} | {what} | not available: {e.get('reason', 'not run')} |" + " |" * extra_cols
        return None

    out.append("**Ingest / import** (median wall time; MB/s of uncompressed input):\n")
    out.append("| tool | work | time | MB/s | records/s | peak RSS |")
    out.append("|---|---|---|---|---|---|")
    for name in ("leakdex_ingest_ndjson", "leakdex_ingest_csv", "leakdex_ingest_gz", "sqlite_import",
                 "sqlite_import_index", "limit_cat_ndjson", "limit_cat_csv", "limit_gunzip_ndjson"):
        e = m.get(name, {})
        tool = e.get("tool") or MEASUREMENTS.get(name, (name,))[0]
        what = e.get("what") or MEASUREMENTS.get(name, ("", ""))[1]
        if not e.get("available", False):
            out.append(f"| {tool} | {esc(what)} | not available: {e.get('reason', 'not run')} | | | |")
            continue
        dd = d.get(name, {})
        rss = f"{e['peak_rss_kb'] / 1024:.0f} MB" if "peak_rss_kb" in e else "–"
        out.append(f"| {tool} | {esc(what)} | {fmt_s(e['median_s'])} | {fmt_n(dd.get('mb_per_s'), 1)} "
                   f"| {fmt_n(dd.get('records_per_s'))} | {rss} |")
    out.append("")

    out.append("**Size on disk:**\n")
    out.append("| what | bytes | per person | per key |")
    out.append("|---|---|---|---|")
    p = cfg["persons"]
    keys = s.get("index_keys")
    for label, b, perkey in (
            ("raw dump persons.ndjson", s["ndjson_bytes"], None),
            ("raw dump persons.csv", s["csv_bytes"], None),
            ("persons.ndjson.gz", s["ndjson_gz_bytes"], None),
            (f"leakdex index of persons.ndjson ({fmt_n(keys)} keys)", s.get("index_bytes"),
             s.get("index_bytes_per_key")),
            (f"leakdex index of persons.csv ({fmt_n(s.get('index_csv_keys'))} keys)", s.get("index_csv_bytes"),
             s["index_csv_bytes"] / s["index_csv_keys"] if s.get("index_csv_keys") else None),
            ("SQLite database, table only (after import)", s.get("sqlite_table_bytes"), None),
            ("SQLite database (table + 2 indexes)", s.get("sqlite_db_bytes"), None)):
        per_p = f"{b / p:.1f} B" if b and p else "n/a"
        pk = f"{perkey:.2f} B" if perkey else ""
        out.append(f"| {label} | {fmt_bytes(b)} | {per_p} | {pk} |")
    out.append("")

    out.append("**Single lookup** (one process start to exit, warm page cache, median):\n")
    out.append("| tool | work | time |")
    out.append("|---|---|---|")
    for name in ("leakdex_check", "leakdex_check_absent", "sqlite_lookup", "sqlite_lookup_absent",
                 "rg_one", "grep_one"):
        e = m.get(name, {})
        tool, what = e.get("tool") or name, e.get("what", "")
        t = fmt_s(e["median_s"]) if e.get("available") else f"not available: {e.get('reason', 'not run')}"
        out.append(f"| {tool} | {what} | {t} |")
    out.append("")

    out.append("**Batch** (the whole customer list, median):\n")
    out.append("| tool | work | time | rows/s | customers found |")
    out.append("|---|---|---|---|---|")
    counts = r.get("counts", {})
    found = {"leakdex_batch": counts.get("leakdex_batch_exposed"),
             "sqlite_join": counts.get("sqlite_join_exposed"),
             "rg_many": counts.get("rg_many_lines"), "grep_many": counts.get("grep_many_lines")}
    for name in ("leakdex_batch", "sqlite_join", "rg_many", "grep_many"):
        e = m.get(name, {})
        tool, what = e.get("tool") or name, e.get("what", "")
        if not e.get("available"):
            out.append(f"| {tool} | {what} | not available: {e.get('reason', 'not run')} | | |")
            continue
        f = found.get(name)
        fs = fmt_n(f) if f is not None else "n/a"
        if name in ("rg_many", "grep_many") and f is not None:
            fs += " matching lines"
        out.append(f"| {tool} | {what} | {fmt_s(e['median_s'])} | {fmt_n(d.get(name, {}).get('rows_per_s'))} | {fs} |")
    out.append(f"\nTruth: {fmt_n(r['corpus']['customers_exposed_truth'])} customers are in the dump "
               "(some written differently: +86, spaces, traditional characters).\n")

    nb = r.get("normaliser", {})
    out.append("**Normaliser** (build/bench/normalize_bench): " + (
        "; ".join(f"{k}: {v.get('ns_per_value', v) if isinstance(v, dict) else v} ns"
                  for k, v in nb["results"].items()) if nb.get("available") and isinstance(nb.get("results"), dict)
        else f"not available ({nb.get('reason', 'not run')})") + "\n")

    for title, fname in plots:
        out.append(f"![{title}]({img_rel}/{fname})\n")

    out.append("<details><summary>Exact commands (run in bench/work/" + size + "/)</summary>\n")
    out.append("| measurement | command |")
    out.append("|---|---|")
    for name, e in m.items():
        if "command" in e:
            out.append(f"| {name} | `{esc(e['command'])}` |")
    for fname, text in sorted(r.get("sql", {}).items()):
        out.append(f"\n`sql/{fname}`:\n\n```sql\n{text.rstrip()}\n```")
    out.append("\n</details>\n")
    return "\n".join(out)


def gnuplot_bars(path, title, ylabel, rows, logscale=False):
    """Horizontal-label bar chart of (label, value) rows via gnuplot pngcairo."""
    rows = [(lbl, v) for lbl, v in rows if v]
    if not rows:
        return False
    datafile = path + ".dat"
    with open(datafile, "w", encoding="utf-8") as f:
        for i, (lbl, v) in enumerate(rows):
            f.write(f'{i} "{lbl}" {v}\n')
    script = f"""
set terminal pngcairo size 900,420 font "sans,10"
set output "{path}"
set title "{title}"
set ylabel "{ylabel}"
set style fill solid 0.8 border -1
set boxwidth 0.6
set grid ytics
set xtics rotate by -20 left
set yrange [{'*' if logscale else '0'}:*]
{'set logscale y' if logscale else ''}
unset key
plot "{datafile}" using 1:3:xtic(2) with boxes lc rgb "#4477aa", \\
     "" using 1:3:(sprintf("%.3g", $3)) with labels offset 0,0.8
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"benchlib docs: gnuplot failed for {path}: {e}", file=sys.stderr)
        return False
    finally:
        os.remove(datafile)
    return True


def plots_for(r, img_dir):
    size, m, d, s = r["size"], r["measurements"], r["derived"], r["sizes"]
    made = []

    def t(name):
        e = m.get(name, {})
        return e.get("median_s") if e.get("available") else None

    f = f"bench-{size}-ingest.png"
    if gnuplot_bars(os.path.join(img_dir, f), f"Ingest / import throughput ({size}: {r['config']['persons']:,} persons)",
                    "MB/s (higher is better)",
                    [("leakdex NDJSON", d.get("leakdex_ingest_ndjson", {}).get("mb_per_s")),
                     ("leakdex CSV", d.get("leakdex_ingest_csv", {}).get("mb_per_s")),
                     ("leakdex .gz", d.get("leakdex_ingest_gz", {}).get("mb_per_s")),
                     ("SQLite import", d.get("sqlite_import", {}).get("mb_per_s")),
                     ("SQLite import+index", d.get("sqlite_import_index", {}).get("mb_per_s")),
                     ("gzip -dc (limit)", d.get("limit_gunzip_ndjson", {}).get("mb_per_s")),
                     ("cat (limit)", d.get("limit_cat_ndjson", {}).get("mb_per_s"))], logscale=True):
        made.append(("Ingest throughput", f))
    f = f"bench-{size}-size.png"
    if gnuplot_bars(os.path.join(img_dir, f), f"Size on disk ({size})", "MB (lower is better)",
                    [("dump NDJSON", (s.get("ndjson_bytes") or 0) / 1e6),
                     ("dump CSV", (s.get("csv_bytes") or 0) / 1e6),
                     ("dump .gz", (s.get("ndjson_gz_bytes") or 0) / 1e6),
                     ("SQLite DB", (s.get("sqlite_db_bytes") or 0) / 1e6),
                     ("leakdex index", (s.get("index_bytes") or 0) / 1e6)]):
        made.append(("Size on disk", f))
    f = f"bench-{size}-lookup.png"
    ms = lambda n: t(n) * 1000 if t(n) else None
    if gnuplot_bars(os.path.join(img_dir, f), f"Single lookup, process wall time ({size})",
                    "ms (lower is better, log scale)",
                    [("leakdex check", ms("leakdex_check")), ("sqlite3 SELECT", ms("sqlite_lookup")),
                     ("rg -F", ms("rg_one")), ("grep -F", ms("grep_one"))], logscale=True):
        made.append(("Single lookup", f))
    f = f"bench-{size}-batch.png"
    if gnuplot_bars(os.path.join(img_dir, f), f"Batch of {r['corpus']['customer_rows']:,} customers ({size})",
                    "customer rows/s (higher is better, log scale)",
                    [("leakdex batch", d.get("leakdex_batch", {}).get("rows_per_s")),
                     ("SQLite join", d.get("sqlite_join", {}).get("rows_per_s")),
                     ("rg -F -f", d.get("rg_many", {}).get("rows_per_s")),
                     ("grep -F -f", d.get("grep_many", {}).get("rows_per_s"))], logscale=True):
        made.append(("Batch", f))
    return made


INTRO = """## Side by side: leakdex vs SQLite, grep/ripgrep and the physical limits

Generated by `bench/run.sh --size SIZE` (do not edit by hand; rerun it). Each size's raw figures are in
`bench/results/SIZE.json`. Every comparison was measured in the same run on the same synthetic corpus
(`data/gen/generate.py`), repeated, and reported as the median; ratios compare medians of the same run,
which survives the drift of a shared machine better than absolute numbers do.

What is compared:
- **Ingest**: `leakdex ingest` of the dump against what a user would do instead: `sqlite3` `.import` of the
  CSV followed by `CREATE INDEX` on `phone` and on `(name, phone)`; and against the physical limits of
  reading the file (`cat` from page cache, `gzip -dc` for the compressed dump).
- **Size**: the index directory against the SQLite database and the raw dump.
- **Single lookup**: one `leakdex check` process (start to exit, warm cache) against one `sqlite3`
  process running an indexed `SELECT`, and against `rg -F`/`grep -F` scanning the raw NDJSON dump
  (output through a pipe, so GNU grep cannot stop early).
- **Batch**: `leakdex batch` of the customer list against the SQLite join (import the customer CSV into
  an in-memory database, normalise phones with `replace()`, join on the indexed `phone` and
  `(name, phone)` of the attached dump database), and against `rg`/`grep -F -f` with a pattern file of
  the customers' normalised phones (which only finds lines, not which customer they belong to).

Read the ratios with these differences in mind:
- The SQLite database and the dump hold the **plaintext** personal data; the leakdex index holds only
  keyed tags (SPEC §2), for up to nine key kinds per person where SQLite has two indexes.
- The SQLite join matches exactly what its two indexes allow (phone, and name + phone, after the
  phone clean-up above); leakdex normalises names, phones and addresses and checks every key kind.
- grep/rg lines are not customers: an 11-digit pattern can also hit an ID number or another field.
- Single lookups are whole processes (start-up, opening the index or database, output), which is
  what a person or a script pays per query.

Rerun with `bench/run.sh --size small` (a few minutes) or `--size medium` (5 million persons). It
installs sqlite3, ripgrep, gnuplot-nox, hyperfine and time with apt-get when missing, builds leakdex
(Release), generates the corpus under `bench/work/SIZE/` (reused when unchanged), runs everything and
rewrites this section and `docs/img/bench-SIZE-*.png`. `--size tiny` is the CI smoke test
(`tests/cli/bench_smoke_test.sh`) and never touches this page. In the commands below `leakdex` is
`build/src/leakdex`, and paths are relative to `bench/work/SIZE/`.
"""


def cmd_docs(results_dir, doc, img_dir):
    os.makedirs(img_dir, exist_ok=True)
    results = []
    for size in SIZE_ORDER:
        path = os.path.join(results_dir, f"{size}.json")
        if os.path.exists(path) and size != "tiny":
            with open(path, encoding="utf-8") as f:
                results.append(json.load(f))
    img_rel = os.path.relpath(img_dir, os.path.dirname(os.path.abspath(doc)))
    parts = [INTRO]
    for r in results:
        parts.append(section_for(r, img_rel, plots_for(r, img_dir)))
    body = "\n".join(parts).rstrip() + "\n"
    block = f"{BEGIN}\n{body}{END}"
    if os.path.exists(doc):
        text = open(doc, encoding="utf-8").read()
    else:
        text = "# Benchmarks\n\n"
    if BEGIN in text and END in text:
        pre, rest = text.split(BEGIN, 1)
        _, post = rest.split(END, 1)
        text = pre + block + post
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(doc)), exist_ok=True)
    with open(doc, "w", encoding="utf-8") as f:
        f.write(text)


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "prepare" and len(args) == 1:
        cmd_prepare(*args)
    elif cmd == "collect" and len(args) == 2:
        cmd_collect(*args)
    elif cmd == "docs" and len(args) == 3:
        cmd_docs(*args)
    elif cmd == "check" and len(args) == 1:
        cmd_check(*args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
